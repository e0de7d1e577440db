package cashier

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"tpe/payment"
	"tpe/payment/paymenttest"
)

func TestCardSaleByTaps(t *testing.T) {
	e := newEnv(t, nil)
	e.typeAmount("1250")
	if !e.has("12,50") {
		t.Fatalf("amount not shown after typing 1250: %q", e.texts())
	}
	p := e.cardSale("")
	if p.State != payment.StateApproved || p.Amount.Minor != 1250 || p.Amount.Currency != "EUR" {
		t.Fatalf("payment = %s %v, want approved 1250 EUR", p.State, p.Amount)
	}
	if !e.has("VISA •••• 0010") {
		t.Errorf("result does not show the card: %q", e.texts())
	}
	for _, s := range e.texts() {
		if strings.Contains(s, paymenttest.TestPAN) {
			t.Fatalf("full PAN on screen: %q", s)
		}
	}
	e.waitFor(func() bool { return e.printer.count() == 1 }, "the receipt")
	e.wait(e.ui.T("result.printed"))
	if e.has(e.ui.T("result.reprint")) {
		t.Errorf("%q offered although the receipt printed", e.ui.T("result.reprint"))
	}
	e.tap(e.ui.T("result.duplicate"))
	e.wait(e.ui.T("result.reprinted"))
	if e.printer.count() != 2 {
		t.Errorf("printed %d receipts, want 2 after reprint", e.printer.count())
	}
	// e-mail receipt
	e.tap(e.ui.T("result.email"))
	test.Type(e.entry("client@example.com"), "anne@example.org")
	e.tap(e.ui.T("result.email.send"))
	e.wait(e.ui.T("result.email.sent", "anne@example.org"))
	e.tap(e.ui.T("result.new"))
	e.wait(e.ui.T("sale.amount"))
}

func TestOfflineSale(t *testing.T) {
	queued := 0
	e := newEnv(t, &Opts{Status: func() Status { return Status{Online: false, Queued: queued} }})
	e.gw.Err = fmt.Errorf("dial: %w", payment.ErrGatewayUnavailable)
	if !e.has(e.ui.T("status.offline")) {
		t.Fatalf("top bar does not say offline: %q", e.texts())
	}
	e.typeAmount("850")
	e.tap(e.ui.T("sale.card"))
	e.wait(e.ui.T("progress.card"))
	queued = 1
	e.cards.Present(paymenttest.VisaOnline())
	e.wait(e.ui.T("result.offline"))
	e.wait(e.ui.T("status.queue", 1))
	if p := e.only(payment.Query{}); p.State != payment.StateOfflineApproved || !p.Offline {
		t.Fatalf("state %s offline %v, want offline_approved", p.State, p.Offline)
	}
	if !e.has(e.ui.T("result.offline.sub")) {
		t.Errorf("offline result does not say it will be sent later")
	}
}

func TestDeclineInCashierWords(t *testing.T) {
	for _, lang := range Langs {
		t.Run(lang, func(t *testing.T) {
			e := newEnv(t, &Opts{Lang: lang})
			e.gw.Next = []payment.GatewayResult{{Approved: false, Code: "051", Decline: payment.DeclineInsufficientFunds, Message: "NSF"}}
			e.typeAmount("4000")
			e.tap(e.ui.T("sale.card"))
			e.wait(e.ui.T("progress.card"))
			e.cards.Present(paymenttest.VisaOnline())
			e.wait(e.ui.T("result.declined"))
			e.wait(e.ui.T("reason.insufficient_funds"))
			if e.has("insufficient_funds") {
				t.Errorf("raw decline class on screen: %q", e.texts())
			}
		})
	}
}

func TestAlipaySaleMPM(t *testing.T) {
	e := newEnv(t, nil)
	e.typeAmount("2000")
	e.tap(e.ui.T("sale.alipay"))
	e.wait(e.ui.T("progress.qr"))
	if e.ui.sale.qr == nil {
		t.Fatal("no QR image drawn for the order code")
	}
	e.wallets.answer <- payment.WalletResult{Approved: true, Wallet: "GCash", GatewayID: "W77", Code: "000"}
	e.wait(e.ui.T("result.approved"))
	e.wait(e.ui.T("result.wallet", "GCash"))
	if p := e.only(payment.Query{}); p.Method != payment.MethodAlipayPlus || p.State != payment.StateApproved {
		t.Fatalf("payment %s %s, want approved alipayplus", p.Method, p.State)
	}
}

// The service reads the scanner and the till follows its events: the
// screen asks for the code, the scanned code reaches the wallet provider.
func TestAlipaySaleScannedCode(t *testing.T) {
	sc := &fakeScanner{codes: make(chan string, 1)}
	e := newEnv(t, nil, withScanner(sc))
	e.typeAmount("1500")
	e.tap(e.ui.T("sale.alipay"))
	e.tap(e.ui.T("sale.alipay.cpm"))
	e.wait(e.ui.T("progress.scan"))
	sc.codes <- "281234567890123456"
	e.waitFor(func() bool {
		e.wallets.mu.Lock()
		defer e.wallets.mu.Unlock()
		return len(e.wallets.codes) == 1
	}, "the wallet provider to be asked to charge the scanned code")
	e.wallets.answer <- payment.WalletResult{Approved: true, Wallet: "Alipay", GatewayID: "W78", Code: "000"}
	e.wait(e.ui.T("result.approved"))
	e.wallets.mu.Lock()
	defer e.wallets.mu.Unlock()
	if got := e.wallets.codes; len(got) != 1 || got[0] != "281234567890123456" {
		t.Fatalf("wallet charged codes %q, want the scanned one", got)
	}
}

// Cancelling while the service waits for a code stops its scan: the
// scanner has one reader and it lets go.
func TestCancelWhileWaitingForCode(t *testing.T) {
	sc := &fakeScanner{codes: make(chan string, 1)}
	e := newEnv(t, nil, withScanner(sc))
	e.typeAmount("1500")
	e.tap(e.ui.T("sale.alipay"))
	e.tap(e.ui.T("sale.alipay.cpm"))
	e.wait(e.ui.T("progress.scan"))
	e.tap(e.ui.T("progress.cancel"))
	e.wait(e.ui.T("result.cancelled"))
	e.svc.Wait()
	if p := e.only(payment.Query{}); p.State != payment.StateCancelled || p.Code != payment.ReasonCancelledByCashier {
		t.Fatalf("payment %s %s, want cancelled by the cashier", p.State, p.Code)
	}
}

func TestCancelWhileWaitingForCard(t *testing.T) {
	e := newEnv(t, nil)
	e.typeAmount("500")
	e.tap(e.ui.T("sale.card"))
	e.wait(e.ui.T("progress.card"))
	e.tap(e.ui.T("progress.cancel"))
	e.wait(e.ui.T("result.cancelled"))
	e.wait(e.ui.T("reason.cancelled_by_cashier"))
	e.svc.Wait()
	if p := e.only(payment.Query{}); p.State != payment.StateCancelled {
		t.Fatalf("state %s, want cancelled", p.State)
	}
}

func TestPayByEmailLink(t *testing.T) {
	e := newEnv(t, nil)
	e.typeAmount("9900")
	e.tap(e.ui.T("sale.link"))
	e.wait(e.ui.T("sale.email.title"))
	en := e.entry("client@example.com")
	test.Type(en, "pas-une-adresse")
	e.tap(e.ui.T("sale.email.send"))
	e.wait(e.ui.T("err.email"))
	en = e.entry("client@example.com") // the screen was redrawn with the error
	if en.Text != "pas-une-adresse" {
		t.Errorf("the address typed was lost: %q", en.Text)
	}
	en.SetText("")
	test.Type(en, "marie@example.fr")
	e.tap(e.ui.T("sale.email.send"))
	e.wait(e.ui.T("result.link"))
	e.wait("marie@example.fr")
	// the links screen lists it; paid at the gateway, a refresh shows it paid
	e.tap(e.ui.T("nav.links"))
	e.wait(e.ui.T("links.pending", 1))
	e.links.mu.Lock()
	e.links.status["L1"] = "paid"
	e.links.mu.Unlock()
	e.tap(e.ui.T("links.refresh"))
	e.wait(e.ui.T("links.pending", 0))
	e.wait(e.ui.T("st.approved"))
}

func TestRefundNeedsSupervisor(t *testing.T) {
	si := newFakeSignIn()
	e := newEnv(t, &Opts{SignIn: si})
	e.wait(e.ui.T("sign.title"))
	e.wait("WDJB-MJHT")
	si.approve <- Cashier{Name: "Léa", Roles: []Role{RoleCashier}}
	e.wait(e.ui.T("sign.welcome", "Léa"))
	p := e.cardSale("3000")

	e.tap(e.ui.T("nav.history"))
	e.wait(e.ui.T("hist.title"))
	e.tap("VISA •••• 0010")
	e.wait(e.ui.T("detail.title"))
	e.tap(e.ui.T("detail.refund"))
	e.wait(e.ui.T("sign.super"))
	// a cashier cannot approve a refund
	si.approve <- Cashier{Name: "Léa", Roles: []Role{RoleCashier}}
	e.wait(e.ui.T("sign.wrongrole", "Léa"))
	e.tap(e.ui.T("sign.retry"))
	e.wait("WDJB-MJHT")
	si.approve <- Cashier{Name: "Marc", Roles: []Role{RoleCashier, RoleSupervisor}}
	e.wait(e.ui.T("refund.title"))
	// partial refund: clear, type 10,00
	e.tap("C")
	e.typeAmount("1000")
	e.tap(e.ui.T("refund.confirm", payment.Amount{Minor: 1000, Currency: "EUR"}.Format("fr")))
	e.wait(e.ui.T("refund.done", payment.Amount{Minor: 1000, Currency: "EUR"}.Format("fr")))
	got, _ := e.svc.Get(t.Context(), p.ID)
	if got.State != payment.StatePartiallyRefunded || got.Refunded() != 1000 {
		t.Fatalf("after refund: %s refunded %d, want partially_refunded 1000", got.State, got.Refunded())
	}
	if len(e.gw.Refunds) != 1 {
		t.Fatalf("gateway refunds %d, want 1", len(e.gw.Refunds))
	}
	if e.ui.user.Name != "Léa" {
		t.Errorf("the supervisor's approval replaced the cashier: %q", e.ui.user.Name)
	}
}

func TestVoidBySupervisor(t *testing.T) {
	e := newEnv(t, &Opts{User: &Cashier{Name: "Chef", Roles: []Role{RoleCashier, RoleSupervisor}}})
	p := e.cardSale("700")
	e.tap(e.ui.T("nav.history"))
	e.tap("VISA •••• 0010")
	e.tap(e.ui.T("detail.void"))
	e.wait(e.ui.T("detail.void.ask", p.Amount.Format("fr")))
	e.tap(e.ui.T("confirm.yes"))
	e.wait(e.ui.T("detail.voided"))
	got, _ := e.svc.Get(t.Context(), p.ID)
	if got.State != payment.StateReversed {
		t.Fatalf("state %s, want reversed", got.State)
	}
}

func TestRefundWithoutSignInRefused(t *testing.T) {
	e := newEnv(t, nil)
	e.cardSale("700")
	e.tap(e.ui.T("nav.history"))
	e.tap("VISA •••• 0010")
	e.tap(e.ui.T("detail.refund"))
	e.wait(e.ui.T("err.nosignin"))
	e.tap(e.ui.T("nav.settings"))
	e.wait(e.ui.T("err.nosignin"))
}

func TestLanguageSwitch(t *testing.T) {
	e := newEnv(t, nil)
	e.typeAmount("123456")
	e.wait("1\u202f234,56\u00a0€")
	e.wait("Montant à encaisser")
	e.tap("EN")
	e.wait("Amount to charge")
	e.wait("€1,234.56")
	if e.has("Montant à encaisser") {
		t.Errorf("French left after switching to English")
	}
	e.tap(e.ui.T("nav.history"))
	e.wait("Payment history")
	e.tap("FR")
	e.wait("Historique des paiements")
}

func TestKeyboardShortcuts(t *testing.T) {
	e := newEnv(t, nil)
	for _, r := range "4299" {
		e.ui.TypedRune(r)
	}
	e.ui.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
	e.wait("4,29")
	e.ui.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	e.wait(e.ui.T("progress.card"))
	if p := e.only(payment.Query{}); p.Amount.Minor != 429 {
		t.Fatalf("amount %d, want 429", p.Amount.Minor)
	}
	e.ui.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	e.wait(e.ui.T("result.cancelled"))
	e.ui.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	e.wait(e.ui.T("sale.amount"))
}

func TestZeroAmountRefused(t *testing.T) {
	e := newEnv(t, nil)
	e.tap(e.ui.T("sale.card"))
	e.wait(e.ui.T("sale.enter"))
	e.typeAmount("9999999999")
	e.tap(e.ui.T("sale.card"))
	e.wait(e.ui.T("err.toolarge"))
	if l, _ := e.svc.List(t.Context(), payment.Query{}); len(l) != 0 {
		t.Fatalf("%d payments created from refused amounts", len(l))
	}
}

func TestHistoryFilters(t *testing.T) {
	e := newEnv(t, nil)
	e.cardSale("1000")
	e.tap(e.ui.T("result.new"))
	e.gw.Next = []payment.GatewayResult{{Approved: false, Decline: payment.DeclineDoNotHonour}}
	e.typeAmount("2000")
	e.tap(e.ui.T("sale.card"))
	e.wait(e.ui.T("progress.card"))
	e.cards.Present(paymenttest.VisaOnline())
	e.wait(e.ui.T("result.declined"))
	e.svc.Wait()

	e.tap(e.ui.T("nav.history"))
	e.wait(e.ui.T("hist.count", 2))
	e.ui.locked(func() { e.ui.hist.status = payment.StatusDeclined; e.ui.render() })
	e.wait(e.ui.T("hist.count", 1))
	if e.has("10,00") || !e.has("20,00") {
		t.Errorf("declined filter shows %q", e.texts())
	}
	e.ui.locked(func() { e.ui.hist.status = ""; e.ui.render() })
	test.Type(e.entry(e.ui.T("hist.search")), "nothing-like-this")
	e.wait(e.ui.T("hist.empty"))
}

func TestZReport(t *testing.T) {
	e := newEnv(t, nil)
	e.cardSale("1500")
	e.tap(e.ui.T("nav.reports"))
	e.wait(e.ui.T("rep.x"))
	e.wait("15,00")
	e.tap(e.ui.T("rep.z"))
	e.wait(e.ui.T("rep.z.ask", 1))
	e.tap(e.ui.T("rep.z"))
	e.wait(e.ui.T("rep.z.done", 1))
	if b, _ := e.journal.Batch(t.Context()); b != 2 {
		t.Fatalf("open batch %d after Z, want 2", b)
	}
}

func TestSettingsBehindTechnician(t *testing.T) {
	si := newFakeSignIn()
	e := newEnv(t, &Opts{SignIn: si, Version: "v1.2.3"})
	si.approve <- Cashier{Name: "Léa", Roles: []Role{RoleCashier}}
	e.wait(e.ui.T("sign.welcome", "Léa"))
	e.tap(e.ui.T("nav.settings"))
	e.wait(e.ui.T("sign.tech"))
	e.tap(e.ui.T("sign.cancel"))
	e.wait(e.ui.T("sale.amount"))
	e.tap(e.ui.T("nav.settings"))
	si.approve <- Cashier{Name: "Tech", Roles: []Role{RoleTechnician}}
	e.wait(e.ui.T("set.title"))
	e.wait("v1.2.3")
	e.wait("T0001")
}

func TestFollowsPaymentFromCashRegister(t *testing.T) {
	e := newEnv(t, nil)
	e.tap(e.ui.T("nav.history"))
	e.wait(e.ui.T("hist.title"))
	p, err := e.svc.Pay(t.Context(), payment.Request{Amount: payment.Amount{Minor: 3333, Currency: "EUR"}, Method: payment.MethodCard, Reference: "POS-1"})
	if err != nil {
		t.Fatal(err)
	}
	e.wait(e.ui.T("progress.card"))
	e.wait("33,33")
	e.cards.Present(paymenttest.VisaOnline())
	e.wait(e.ui.T("result.approved"))
	if got, _ := e.svc.Get(t.Context(), p.ID); got.State != payment.StateApproved {
		t.Fatalf("state %s, want approved", got.State)
	}
}

func TestTypingCashierIsNotInterrupted(t *testing.T) {
	e := newEnv(t, nil)
	e.typeAmount("5")
	e.tap(e.ui.T("sale.link"))
	e.wait(e.ui.T("sale.email.title"))
	if _, err := e.svc.Pay(t.Context(), payment.Request{Amount: payment.Amount{Minor: 100, Currency: "EUR"}, Method: payment.MethodCard}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Pay(t.Context(), payment.Request{Amount: payment.Amount{Minor: 100, Currency: "EUR"}, Method: payment.MethodPayLink, Email: "a@b.fr"}); err != nil {
		t.Fatal(err)
	}
	e.waitFor(func() bool {
		l, _ := e.svc.List(t.Context(), payment.Query{})
		return len(l) == 2
	}, "the payments")
	// A negative check: give the UI's event goroutine time to (wrongly) act.
	time.Sleep(200 * time.Millisecond)
	e.drain()
	if !e.has(e.ui.T("sale.email.title")) {
		t.Fatalf("the e-mail screen was replaced: %q", e.texts())
	}
}

// A refund whose answer was lost is shown as being checked, and the
// cashier is offered no second refund or void of that payment.
func TestPendingRefundShownNotRepeatable(t *testing.T) {
	e := newEnv(t, &Opts{User: &Cashier{Name: "Chef", Roles: []Role{RoleCashier, RoleSupervisor}}})
	p := e.cardSale("2500")
	op := payment.Operation{ID: "rfd_lost", Kind: payment.OpRefund, Amount: payment.Amount{Minor: 1000, Currency: "EUR"}, From: payment.StateApproved, Unknown: true}
	if _, err := e.journal.Update(t.Context(), p.ID, func(t *payment.Transaction) error {
		t.Pending = &op
		return t.Transition(payment.StateRefundPending, t.UpdatedAt, "")
	}); err != nil {
		t.Fatal(err)
	}
	e.tap(e.ui.T("nav.history"))
	e.tap("VISA •••• 0010")
	e.wait(e.ui.T("detail.pending"))
	e.wait(e.ui.T("st.refund_pending"))
	// The sentence wraps over two labels: compare without the break.
	if shown := strings.Join(e.texts(), " "); !strings.Contains(shown, e.ui.T("detail.pending.refund", op.Amount.Format("fr"))) {
		t.Errorf("pending refund not explained; screen shows %q", shown)
	}
	for _, action := range []string{e.ui.T("detail.refund"), e.ui.T("detail.void")} {
		if e.has(action) {
			t.Errorf("%q offered on a payment with a refund pending", action)
		}
	}
}

// TestLinksFilters: links of other days stay listed; the status and period
// chips and the search box filter them; a pending link is re-sent from its
// detail and the list shows it counted.
func TestLinksFilters(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	now := time.Now()
	day := func(n int) time.Time { return now.AddDate(0, 0, -n) }
	save := func(id, email, ref string, minor int64, st payment.State, created time.Time) {
		t.Helper()
		tx := &payment.Transaction{ID: id, OrderID: "ord-" + id, Reference: ref, Method: payment.MethodPayLink, State: st,
			Amount: payment.Amount{Minor: minor, Currency: "EUR"}, Email: email, LinkID: "L-" + id, LinkURL: "https://pay.example/" + id,
			ExpireAt: created.Add(7 * 24 * time.Hour), CreatedAt: created, UpdatedAt: created}
		if err := e.journal.Save(ctx, tx); err != nil {
			t.Fatal(err)
		}
		e.links.mu.Lock()
		e.links.status["L-"+id] = "pending"
		e.links.mu.Unlock()
	}
	save("pay_old", "jean.dupont@example.com", "CMD-OLD", 1500, payment.StateAwaitingCustomer, day(5))
	save("pay_paid", "marie@example.com", "CMD-PAID", 6400, payment.StateApproved, day(1))
	save("pay_late", "late@example.com", "CMD-LATE", 2500, payment.StateExpired, now.Add(-time.Minute))
	save("pay_cxl", "cxl@example.com", "CMD-CXL", 700, payment.StateCancelled, now.Add(-time.Minute))

	e.tap(e.ui.T("nav.links"))
	e.wait("jean.dupont@example.com") // five days old, still listed
	shows := func(want ...string) {
		t.Helper()
		all := []string{"jean.dupont@example.com", "marie@example.com", "late@example.com", "cxl@example.com"}
		e.waitFor(func() bool {
			for _, a := range all {
				if e.has(a) != slices.Contains(want, a) {
					return false
				}
			}
			return true
		}, "the list to show %v", want)
	}
	shows("jean.dupont@example.com", "marie@example.com", "late@example.com", "cxl@example.com")
	e.wait(e.ui.T("links.count", 4))
	e.wait(e.ui.T("links.pending", 1))

	e.tap(e.ui.T("links.f.paid"))
	shows("marie@example.com")
	e.tap(e.ui.T("links.f.pending"))
	shows("jean.dupont@example.com")
	e.tap(e.ui.T("links.f.expired"))
	shows("late@example.com")
	e.tap(e.ui.T("links.f.cancelled"))
	shows("cxl@example.com")
	e.tap(e.ui.T("links.f.all"))
	e.tap(e.ui.T("links.d.today"))
	shows("late@example.com", "cxl@example.com")
	e.tap(e.ui.T("links.d.week"))
	shows("jean.dupont@example.com", "marie@example.com", "late@example.com", "cxl@example.com")
	e.tap(e.ui.T("links.d.any"))
	// The filters stay while the cashier looks elsewhere.
	e.tap(e.ui.T("links.f.pending"))
	e.tap(e.ui.T("nav.history"))
	e.wait(e.ui.T("hist.title"))
	e.tap(e.ui.T("nav.links"))
	shows("jean.dupont@example.com")
	e.tap(e.ui.T("links.f.all"))

	// The search box: part of the address or of the reference.
	test.Type(e.entry(e.ui.T("links.search")), "DUPONT")
	shows("jean.dupont@example.com")
	en := e.entry(e.ui.T("links.search"))
	en.SetText("")
	test.Type(en, "cmd-paid")
	shows("marie@example.com")
	e.entry(e.ui.T("links.search")).SetText("")
	shows("jean.dupont@example.com", "marie@example.com", "late@example.com", "cxl@example.com")

	// The amount bounds, typed as the cashier writes amounts.
	test.Type(e.entry(e.ui.T("links.min")), "20")
	shows("marie@example.com", "late@example.com")
	test.Type(e.entry(e.ui.T("links.max")), "25,00")
	shows("late@example.com")
	e.entry(e.ui.T("links.max")).SetText("2x")
	shows("marie@example.com", "late@example.com") // not an amount: no bound
	e.entry(e.ui.T("links.min")).SetText("")
	e.entry(e.ui.T("links.max")).SetText("")
	shows("jean.dupont@example.com", "marie@example.com", "late@example.com", "cxl@example.com")

	// Resend the pending link from its detail; Back returns to the links.
	e.tap("jean.dupont@example.com")
	e.wait(e.ui.T("detail.resend"))
	e.tap(e.ui.T("detail.resend"))
	e.wait(e.ui.T("links.resent", "jean.dupont@example.com"))
	if got, _ := e.svc.Get(ctx, "pay_old"); got.Resends != 1 {
		t.Errorf("resends: got %d, want 1", got.Resends)
	}
	// A mistyped address: corrected in the box, the link goes there.
	en = e.entry(e.ui.T("sale.email.label"))
	en.SetText("")
	test.Type(en, "jean.dupond@example.com")
	e.tap(e.ui.T("detail.resend"))
	e.wait(e.ui.T("links.resent", "jean.dupond@example.com"))
	if got, _ := e.svc.Get(ctx, "pay_old"); got.Resends != 2 || got.Email != "jean.dupond@example.com" {
		t.Errorf("resend to a corrected address: %d resends, %s", got.Resends, got.Email)
	}
	e.tap(e.ui.T("sale.back"))
	e.wait(e.ui.T("links.resends", 2))
	// A paid link offers no resend.
	e.tap("marie@example.com")
	e.wait(e.ui.T("detail.title"))
	if e.has(e.ui.T("detail.resend")) {
		t.Error("a paid link offers a resend")
	}
}

func TestParseMajor(t *testing.T) {
	for _, c := range []struct {
		in   string
		cur  string
		want int64
		ok   bool
	}{
		{"12", "EUR", 1200, true}, {"12,5", "EUR", 1250, true}, {"12.50", "EUR", 1250, true}, {" 0,01 € ", "EUR", 1, true},
		{"500", "JPY", 500, true}, {"5,5", "JPY", 0, false}, {"12,505", "EUR", 0, false}, {"", "EUR", 0, false},
		{"0", "EUR", 0, false}, {"-3", "EUR", 0, false}, {"1e3", "EUR", 0, false}, {",50", "EUR", 0, false},
		{"9999999999999", "EUR", 0, false}, {"12,50", "XXX", 0, false},
	} {
		if got, ok := parseMajor(c.in, c.cur); got != c.want || ok != c.ok {
			t.Errorf("parseMajor(%q, %s) = %d, %v; want %d, %v", c.in, c.cur, got, ok, c.want, c.ok)
		}
	}
}

func FuzzParseMajor(f *testing.F) {
	for _, s := range []string{"12,50", "0.01", "1e3", "١٢", "99999999999,99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := parseMajor(s, "EUR")
		if ok != (n > 0) {
			t.Fatalf("%q: %d, %v", s, n, ok)
		}
	})
}

// TestLinkPaidAfterZ: a link sent, the day closed (Z), the link paid
// after: the X report of the new batch counts it, and its detail says it
// counts there though it was sent in the closed batch.
func TestLinkPaidAfterZ(t *testing.T) {
	e := newEnv(t, nil)
	e.typeAmount("9900")
	e.tap(e.ui.T("sale.link"))
	e.entry("client@example.com").SetText("marie@example.fr")
	e.tap(e.ui.T("sale.email.send"))
	e.wait(e.ui.T("result.link"))
	e.svc.Wait()
	if z, err := e.svc.CloseBatch(context.Background()); err != nil || z.Batch != 1 || z.SalesTotal != 0 {
		t.Fatalf("Z: %+v, %v", z, err)
	}
	e.links.mu.Lock()
	e.links.status["L1"] = "paid"
	e.links.mu.Unlock()
	e.tap(e.ui.T("nav.links"))
	e.tap(e.ui.T("links.refresh"))
	e.wait(e.ui.T("links.pending", 0))
	e.tap("marie@example.fr")
	e.wait(e.ui.T("detail.batch.moved", 2, 1))
	e.tap(e.ui.T("nav.reports"))
	e.wait(e.ui.T("rep.batch", 2) + " · ")
	e.wait(payment.Amount{Minor: 9900, Currency: "EUR"}.Format(e.ui.lang))
}

// TestRefundOfAnEarlierBatchOnReports: a card sale refunded after its
// batch's Z report shows on the reports screen of the next batch, naming
// the sale's batch and number, and on the sale's detail; a sale of a
// closed batch offers no void.
func TestRefundOfAnEarlierBatchOnReports(t *testing.T) {
	e := newEnv(t, nil)
	sale := e.cardSale("4500")
	e.tap(e.ui.T("result.new"))
	other := e.cardSale("2000")
	e.ui.do(func() { e.ui.openDetail(other) })
	e.wait(e.ui.T("detail.void")) // in the open batch: voidable
	if _, err := e.svc.CloseBatch(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Refund(context.Background(), sale.ID, payment.Amount{Minor: 1500, Currency: "EUR"}); err != nil {
		t.Fatal(err)
	}
	e.tap(e.ui.T("nav.reports"))
	e.wait(e.ui.T("rep.batch", 2) + " · ")
	e.wait(e.ui.T("rep.earlier"))
	e.wait(e.ui.T("rep.earlier.line", 1, sale.ReceiptNumber()))
	e.wait(payment.Amount{Minor: -1500, Currency: "EUR"}.Format(e.ui.lang))

	// The sale's detail says where its refund counts; the other sale of
	// the closed batch offers no void any more.
	e.ui.do(func() { e.ui.openDetail(sale) })
	e.wait(e.ui.T("detail.refund.later.in", payment.Amount{Minor: 1500, Currency: "EUR"}.Format(e.ui.lang), 2, 1))
	e.ui.do(func() { e.ui.openDetail(other) })
	e.wait(other.ReceiptNumber())
	if e.has(e.ui.T("detail.void")) {
		t.Error("a void is offered for a sale of a closed batch")
	}
}
