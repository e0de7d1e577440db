package cashier

import (
	"errors"
	"strings"
	"testing"
	"time"

	"tpe/device/printer"
	"tpe/payment"
	"tpe/payment/paymenttest"
)

// TestQRCountdownFollowsExpiry: the cashier's QR countdown is the real
// time left before the order code expires, ticking on the UI's clock, and
// the same figure the customer display shows (rounded up).
func TestQRCountdownFollowsExpiry(t *testing.T) {
	clk := newFakeClock()
	e := newEnv(t, clk.opts(&Opts{}))
	e.wallets.now = clk.Now
	e.typeAmount("2000")
	e.tap(e.ui.T("sale.alipay"))
	e.wait(e.ui.T("progress.qr"))
	e.wait(e.ui.T("progress.qr.sub", "2:00"))
	for _, step := range []struct {
		advance time.Duration
		want    string
	}{
		{time.Second, "1:59"},
		{500 * time.Millisecond, "1:59"}, // 1:58.5 left: still 1:59 until the second is over
		{500 * time.Millisecond, "1:58"},
		{58 * time.Second, "1:00"},
		{31 * time.Second, "0:29"},
		{28*time.Second + 500*time.Millisecond, "0:01"},
	} {
		// The ticker waits on the clock before time moves: no tick lost.
		e.waitFor(func() bool { return clk.waiting() > 0 }, "the countdown to wait on the clock")
		clk.Advance(step.advance)
		e.wait(e.ui.T("progress.qr.sub", step.want))
	}
	var red bool
	e.ui.locked(func() { red = e.ui.sale.cdText != nil && e.ui.sale.cdText.Color == colRed })
	if !red {
		t.Error("the last 30 s of the countdown are not red")
	}
	// Paid: the countdown stops with the QR screen.
	e.wallets.answer <- payment.WalletResult{Approved: true, Wallet: "GCASH", GatewayID: "W1", Code: "000"}
	e.wait(e.ui.T("result.approved"))
	e.wait(e.ui.T("result.wallet", "GCash"))
	clk.Advance(time.Second)
	e.waitFor(func() bool { return clk.waiting() == 0 }, "the countdown to stop")
}

// TestReceiptButtons: right after the receipt printed only a duplicate is
// offered; after a print failure the receipt can be printed again, as the
// original, and a duplicate only once it printed.
func TestReceiptButtons(t *testing.T) {
	for _, tt := range []struct {
		name      string
		printErr  error
		want, not []string
	}{
		{"printed", nil, []string{"result.printed", "result.duplicate", "result.email", "result.new"}, []string{"result.reprint"}},
		{"paper out", printer.ErrPaperOut, []string{"result.receipt.unprint", "result.reprint", "err.paper", "result.new"}, []string{"result.duplicate"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.printer.err = tt.printErr
			p := e.cardSale("1250")
			for _, k := range tt.want {
				e.wait(e.ui.T(k))
			}
			for _, k := range tt.not {
				if e.has(e.ui.T(k)) {
					t.Errorf("%q offered: screen shows %q", e.ui.T(k), e.texts())
				}
			}
			if tt.printErr == nil {
				return
			}
			// The roll is changed: the reprint is the original.
			e.printer.mu.Lock()
			e.printer.err = nil
			e.printer.mu.Unlock()
			e.tap(e.ui.T("result.reprint"))
			e.wait(e.ui.T("result.duplicate"))
			e.printer.mu.Lock()
			first := e.printer.receipts[0]
			e.printer.mu.Unlock()
			if strings.Contains(first.PlainText(48), "DUPLICATA") {
				t.Errorf("the first receipt printed is marked DUPLICATA:\n%s", first.PlainText(48))
			}
			if got, _ := e.svc.Get(t.Context(), p.ID); !got.ReceiptPrinted {
				t.Error("receipt not recorded printed after the reprint")
			}
			e.tap(e.ui.T("result.duplicate"))
			e.waitFor(func() bool { return e.printer.count() == 2 }, "the duplicate")
			e.printer.mu.Lock()
			dup := e.printer.receipts[1]
			e.printer.mu.Unlock()
			if !strings.Contains(dup.PlainText(48), "DUPLICATA") {
				t.Errorf("the duplicate is not marked DUPLICATA:\n%s", dup.PlainText(48))
			}
		})
	}
}

// TestHistoryRows: each row shows the time, the amount, the method, the
// register's reference and the ticket's number, and the status; the full
// order ID is on the detail screen.
func TestHistoryRows(t *testing.T) {
	e := newEnv(t, nil)
	e.ui.locked(func() { e.ui.sale.reference = "TABLE 12" })
	p := e.cardSale("4250")
	e.tap(e.ui.T("result.new"))
	q := e.cardSale("990")
	e.tap(e.ui.T("nav.history"))
	e.wait(e.ui.T("hist.count", 2))
	for _, want := range []string{
		shortTime("fr", p.CreatedAt, time.Now()), "42,50", "Carte · VISA •••• 0010", e.ui.T("st.approved"),
		"TABLE 12 · " + e.ui.T("hist.number", p.ReceiptNumber()), e.ui.T("hist.number", q.ReceiptNumber()),
	} {
		if !e.has(want) {
			t.Errorf("history lacks %q: %q", want, e.texts())
		}
	}
	if len(p.Number()) >= len(p.OrderID) || !strings.HasSuffix(p.OrderID, "-"+p.Number()) {
		t.Fatalf("number %q is not the tail of order %q", p.Number(), p.OrderID)
	}
	if e.has(p.OrderID) {
		t.Errorf("the full order ID crowds the history row")
	}
	e.tap("TABLE 12")
	e.wait(e.ui.T("detail.title"))
	e.wait(p.OrderID)
	e.wait(p.ReceiptNumber())
	// The ticket's number finds the payment.
	e.tap(e.ui.T("sale.back"))
	e.entry(e.ui.T("hist.search")).SetText(q.ReceiptNumber())
	e.wait(e.ui.T("hist.count", 1))
}

// TestXReportConsistentAndPrintable: the offline approvals to send are one
// number on the reports screen and on the printed X report.
func TestXReportConsistentAndPrintable(t *testing.T) {
	e := newEnv(t, &Opts{Status: func() Status { return Status{Online: true} }}) // a stale status says nothing waits
	e.gw.Err = payment.ErrGatewayUnavailable
	e.typeAmount("780")
	e.tap(e.ui.T("sale.card"))
	e.wait(e.ui.T("progress.card"))
	e.cards.Present(paymenttest.VisaOnline())
	e.wait(e.ui.T("result.offline"))
	e.svc.Wait()
	e.tap(e.ui.T("nav.reports"))
	e.wait(e.ui.T("rep.queue"))
	p := e.only(payment.Query{})
	e.wait(e.ui.T("rep.queue.oldest", 1, dateTime("fr", p.CreatedAt)))
	if e.has(e.ui.T("rep.queue.empty")) {
		t.Fatalf("the screen says both one and no payment waiting: %q", e.texts())
	}
	before := e.printer.count()
	e.tap(e.ui.T("rep.print"))
	e.wait(e.ui.T("rep.printed"))
	if e.printer.count() != before+1 {
		t.Fatalf("printed %d documents, want the X report", e.printer.count()-before)
	}
	e.printer.mu.Lock()
	r := e.printer.receipts[len(e.printer.receipts)-1].PlainText(48)
	e.printer.mu.Unlock()
	for _, want := range []string{"RAPPORT X", "HORS LIGNE A TRANSMETTRE                       1", "CARTE VISA", "7,80"} {
		if !strings.Contains(r, want) {
			t.Errorf("printed X report lacks %q:\n%s", want, r)
		}
	}
}

// TestSignInRetriesNetworkErrors: the network failing while the cashier
// signs in does not end the sign-in: it is tried again with a growing
// delay, the screen saying so, and the code shown stays valid.
func TestSignInRetriesNetworkErrors(t *testing.T) {
	clk := newFakeClock()
	si := newFakeSignIn()
	si.startErrs = []error{netDown, netDown}
	si.pollErrs = []error{netDown}
	e := newEnv(t, clk.opts(&Opts{SignIn: si}))
	e.wait(e.ui.T("sign.retrying"))
	for _, d := range []time.Duration{time.Second, 2 * time.Second} { // backoff doubles
		e.waitFor(func() bool { return clk.waiting() > 0 }, "a retry to wait")
		clk.Advance(d - time.Millisecond)
		if clk.waiting() == 0 {
			t.Fatalf("retried before %v", d)
		}
		clk.Advance(time.Millisecond)
	}
	e.wait("WDJB-MJHT")
	// The poll fails on the network: the code stays on screen, retried.
	e.wait(e.ui.T("sign.retrying"))
	if !e.has("WDJB-MJHT") {
		t.Fatalf("the code left the screen on a network error: %q", e.texts())
	}
	e.waitFor(func() bool { return clk.waiting() > 0 }, "a retry to wait")
	clk.Advance(time.Second)
	e.wait(e.ui.T("sign.wait"))
	si.approve <- Cashier{Name: "Léa", Roles: []Role{RoleCashier}}
	e.wait(e.ui.T("sign.welcome", "Léa"))
	si.mu.Lock()
	starts, polls := si.starts, si.polls
	si.mu.Unlock()
	if starts != 3 || polls != 2 {
		t.Errorf("%d starts and %d polls, want 3 and 2", starts, polls)
	}
	// A refusal is not retried.
	si2 := newFakeSignIn()
	si2.startErrs = []error{errors.New("invalid_client")}
	e2 := newEnv(t, &Opts{SignIn: si2})
	e2.wait(e2.ui.T("sign.retry"))
	if e2.has(e2.ui.T("sign.retrying")) {
		t.Error("a refusal is shown as a network retry")
	}
}

// TestSessionEnds: the cashier's session closes when the sign-in expires
// or after the idle time, never in the middle of a payment.
func TestSessionEnds(t *testing.T) {
	for _, tt := range []struct {
		name    string
		idle    time.Duration
		expires time.Duration // after sign-in; 0: none
		steps   []time.Duration
		want    string
	}{
		{"idle", 5 * time.Minute, 0, []time.Duration{5 * time.Minute}, "session.idle"},
		{"token expiry", 0, 8 * time.Hour, []time.Duration{8 * time.Hour}, "session.expired"},
		{"expiry before idle", 15 * time.Minute, 10 * time.Minute, []time.Duration{10 * time.Minute}, "session.expired"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			si := newFakeSignIn()
			e := newEnv(t, clk.opts(&Opts{SignIn: si, IdleTimeout: tt.idle}))
			e.wait("WDJB-MJHT")
			c := Cashier{Name: "Léa", Roles: []Role{RoleCashier}}
			if tt.expires > 0 {
				c.Expires = clk.Now().Add(tt.expires)
			}
			si.approve <- c
			e.wait(e.ui.T("sign.welcome", "Léa"))
			for _, d := range tt.steps {
				e.waitFor(func() bool { return clk.waiting() > 0 }, "the session watcher")
				clk.Advance(d - time.Second)
				e.drain()
				if !e.has("Léa") {
					t.Fatalf("session ended early: %q", e.texts())
				}
				clk.Advance(time.Second)
			}
			e.wait(e.ui.T(tt.want))
			e.wait(e.ui.T("sign.title"))
			if e.has("Léa") {
				t.Errorf("the cashier is still shown after the session ended: %q", e.texts())
			}
		})
	}
	t.Run("activity and payments hold it", func(t *testing.T) {
		clk := newFakeClock()
		si := newFakeSignIn()
		e := newEnv(t, clk.opts(&Opts{SignIn: si, IdleTimeout: 5 * time.Minute}))
		si.approve <- Cashier{Name: "Léa", Roles: []Role{RoleCashier}}
		e.wait(e.ui.T("sign.welcome", "Léa"))
		e.waitFor(func() bool { return clk.waiting() > 0 }, "the session watcher")
		clk.Advance(4 * time.Minute)
		e.typeAmount("500") // activity: 5 more minutes from now
		e.tap(e.ui.T("sale.card"))
		e.wait(e.ui.T("progress.card"))
		clk.Advance(time.Minute) // the first deadline passes
		e.drain()
		clk.Advance(5 * time.Minute) // idle, but the card is awaited
		e.drain()
		e.waitFor(func() bool { return clk.waiting() > 0 }, "the session watcher")
		if !e.has(e.ui.T("progress.card")) {
			t.Fatalf("the session ended during a payment: %q", e.texts())
		}
		e.cards.Present(paymenttest.VisaOnline())
		e.wait(e.ui.T("result.approved"))
		clk.Advance(holdWhileBusy)
		e.wait(e.ui.T("session.idle"))
	})
}
