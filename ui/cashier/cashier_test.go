package cashier

import (
	"fmt"
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
			e.wait(e.ui.T("reason.insufficient"))
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
	e.wait(e.ui.T("reason.bycashier"))
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
