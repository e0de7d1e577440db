package cashier

import (
	"context"
	"flag"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"tpe/payment"
	"tpe/payment/i18n"
	"tpe/payment/paymenttest"
)

var update = flag.Bool("update", false, "write the screenshots in docs/screens/cashier")

// TestCatalogue checks the keys the till builds at run time are in the
// catalogue (payment/i18n's tests check the literal ones, both languages
// and the verbs).
func TestCatalogue(t *testing.T) {
	dynamic := []string{}
	for _, m := range histMethods[1:] {
		dynamic = append(dynamic, "method."+string(m))
	}
	for _, s := range histStatuses[1:] {
		dynamic = append(dynamic, "st."+string(s))
	}
	for _, k := range []payment.OpKind{payment.OpRefund, payment.OpVoid, payment.OpCancel} {
		dynamic = append(dynamic, "detail.pending."+string(k))
	}
	dynamic = append(dynamic, "st.offline", "st.processing", "role.cashier", "role.supervisor", "role.technician")
	for _, k := range dynamic {
		if !i18n.Has(k) {
			t.Errorf("key %q built at run time is not in the catalogue", k)
		}
	}
}

func TestPlurals(t *testing.T) {
	for _, c := range []struct {
		lang string
		n    int
		want string
	}{
		{"fr", 0, "0 paiement"}, {"fr", 1, "1 paiement"}, {"fr", 2, "2 paiements"},
		{"en", 0, "0 payments"}, {"en", 1, "1 payment"}, {"en", 2, "2 payments"},
	} {
		if got := T(c.lang, "hist.count", c.n); got != c.want {
			t.Errorf("T(%s, hist.count, %d) = %q, want %q", c.lang, c.n, got, c.want)
		}
	}
}

// frenchOnly is every French message that differs from its English one:
// seeing one on an English screen means a string escaped translation.
func frenchOnly() map[string]bool {
	m := map[string]bool{}
	for _, k := range i18n.Keys() {
		if fr, en, _ := i18n.Source(k); fr != en && !strings.Contains(fr, "%") {
			m[fr] = true
		}
	}
	return m
}

type shot struct {
	name  string
	lang  string
	setup func(e *env)
	want  []string // catalogue keys the screen must show
}

// TestScreens drives every screen in both languages, checks what it shows
// and that nothing is left untranslated; with -update it writes the
// screenshots of docs/screens/cashier.
func TestScreens(t *testing.T) {
	sale := func(e *env) { e.typeAmount("2490") }
	card := func(e *env) {
		e.typeAmount("2490")
		e.tap(e.ui.T("sale.card"))
		e.wait(e.ui.T("progress.card"))
	}
	approved := func(e *env) {
		e.cardSale("2490")
	}
	shots := []shot{
		{"01-sign-in", "fr", nil, []string{"sign.title", "sign.scan"}},
		{"02-amount", "fr", sale, []string{"sale.amount", "sale.card", "sale.alipay", "sale.link"}},
		{"03-amount-en", "en", sale, []string{"sale.amount", "sale.card"}},
		{"04-card-waiting", "fr", card, []string{"progress.card", "progress.cancel"}},
		{"05-approved", "fr", approved, []string{"result.approved", "result.printed", "result.duplicate", "result.email", "result.new"}},
		{"06-approved-en", "en", approved, []string{"result.approved"}},
		{"07-offline-approved", "fr", func(e *env) {
			e.gw.Err = payment.ErrGatewayUnavailable
			e.typeAmount("1890")
			e.tap(e.ui.T("sale.card"))
			e.wait(e.ui.T("progress.card"))
			e.cards.Present(paymenttest.VisaOnline())
			e.wait(e.ui.T("result.offline"))
		}, []string{"result.offline", "result.offline.sub"}},
		{"08-declined", "fr", func(e *env) {
			e.gw.Next = []payment.GatewayResult{{Approved: false, Decline: payment.DeclineInsufficientFunds}}
			e.typeAmount("12000")
			e.tap(e.ui.T("sale.card"))
			e.wait(e.ui.T("progress.card"))
			e.cards.Present(paymenttest.VisaOnline())
			e.wait(e.ui.T("result.declined"))
		}, []string{"result.declined", "reason.insufficient_funds", "result.notcharged"}},
		{"09-alipay-choice", "fr", func(e *env) {
			e.typeAmount("5600")
			e.tap(e.ui.T("sale.alipay"))
		}, []string{"sale.alipay.mpm", "sale.alipay.cpm"}},
		{"10-alipay-qr", "fr", func(e *env) {
			e.typeAmount("5600")
			e.tap(e.ui.T("sale.alipay"))
			e.tap(e.ui.T("sale.alipay.mpm"))
			e.wait(e.ui.T("progress.qr"))
		}, []string{"progress.qr"}},
		{"11-email-link", "fr", func(e *env) {
			e.typeAmount("8900")
			e.tap(e.ui.T("sale.link"))
			e.entry("client@example.com").SetText("marie.dupont@example.fr")
		}, []string{"sale.email.title", "sale.email.send"}},
		{"12-link-sent", "fr", func(e *env) {
			e.typeAmount("8900")
			e.tap(e.ui.T("sale.link"))
			e.entry("client@example.com").SetText("marie.dupont@example.fr")
			e.tap(e.ui.T("sale.email.send"))
			e.wait(e.ui.T("result.link"))
		}, []string{"result.link", "result.cancel.link"}},
		{"13-history", "fr", func(e *env) {
			e.history()
			e.tap(e.ui.T("nav.history"))
		}, []string{"hist.title", "st.approved", "st.declined", "st.offline"}},
		{"14-detail", "fr", func(e *env) {
			e.history()
			e.tap(e.ui.T("nav.history"))
			e.tap("VISA •••• 0010")
		}, []string{"detail.title", "detail.refund", "detail.void"}},
		{"15-supervisor", "fr", func(e *env) {
			e.history()
			e.tap(e.ui.T("nav.history"))
			e.tap("VISA •••• 0010")
			e.tap(e.ui.T("detail.refund"))
			e.wait("WDJB-MJHT")
		}, []string{"sign.super", "sign.needsuper"}},
		{"16-refund", "fr", func(e *env) {
			e.history()
			e.tap(e.ui.T("nav.history"))
			e.tap("VISA •••• 0010")
			e.tap(e.ui.T("detail.refund"))
			e.wait("WDJB-MJHT")
			e.signin.approve <- Cashier{Name: "Marc", Roles: []Role{RoleSupervisor}}
			e.wait(e.ui.T("refund.title"))
		}, []string{"refund.title"}},
		{"17-links", "fr", func(e *env) {
			e.history()
			e.tap(e.ui.T("nav.links"))
		}, []string{"links.title", "links.refresh"}},
		{"18-x-report", "fr", func(e *env) {
			e.history()
			e.tap(e.ui.T("nav.reports"))
		}, []string{"rep.x", "rep.z", "rep.print", "rep.sales", "rep.queue"}},
		{"19-z-confirm", "fr", func(e *env) {
			e.history()
			e.tap(e.ui.T("nav.reports"))
			e.tap(e.ui.T("rep.z"))
		}, []string{"confirm.no"}},
		{"20-settings", "fr", func(e *env) {
			e.tap(e.ui.T("nav.settings"))
			e.wait("WDJB-MJHT")
			e.signin.approve <- Cashier{Name: "Tech", Roles: []Role{RoleTechnician}}
			e.wait(e.ui.T("set.title"))
		}, []string{"set.title", "set.lang"}},
		{"21-history-en", "en", func(e *env) {
			e.history()
			e.tap(e.ui.T("nav.history"))
		}, []string{"hist.title", "st.approved"}},
		// The customer's PIN pad, two digits typed (its layout is random).
		{"22-pin-pad", "fr", func(e *env) {
			e.pinSale()
			order := e.padOrder()
			e.tap(order[:1])
			e.tap(order[1:2])
			e.wait("● ●")
		}, []string{"pin.enter", "pin.correct", "pin.validate", "pin.cancel"}},
		{"23-pin-pad-en", "en", func(e *env) {
			e.pinSale()
		}, []string{"pin.enter", "pin.correct", "pin.validate", "pin.cancel"}},
	}
	dir := filepath.Join("..", "..", "docs", "screens", "cashier")
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	fr := frenchOnly()
	for _, s := range shots {
		t.Run(s.name, func(t *testing.T) {
			si := newFakeSignIn()
			// The status reads the journal's queue, as the forwarder does.
			var ep atomic.Pointer[env]
			e := newEnv(t, &Opts{Lang: s.lang, SignIn: si, Version: "1.0.0",
				Status: func() Status { return ep.Load().queue() }}, withScanner(&fakeScanner{}))
			ep.Store(e)
			e.wait("WDJB-MJHT")
			if s.name != "01-sign-in" {
				si.approve <- Cashier{Name: "Léa Martin", Roles: []Role{RoleCashier}}
				e.wait(e.ui.T("sign.welcome", "Léa Martin"))
				e.ui.locked(func() { e.ui.notice = ""; e.ui.render() })
			}
			if s.setup != nil {
				s.setup(e)
			}
			for _, k := range s.want {
				e.wait(e.ui.T(k))
			}
			for _, txt := range e.texts() {
				if i18n.Has(txt) {
					t.Errorf("raw message key on screen: %q", txt)
				}
				if s.lang == "en" && fr[txt] {
					t.Errorf("French on the English screen: %q", txt)
				}
			}
			var img image.Image
			e.ui.locked(func() { img = e.w.Canvas().Capture() })
			if n := colours(img); n < 8 {
				t.Fatalf("screen looks blank: %d colours", n)
			}
			if *update {
				f, err := os.Create(filepath.Join(dir, s.name+".png"))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if err := png.Encode(f, img); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// colours counts distinct colours (up to 64) in img.
func colours(img image.Image) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bb, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bb, a}] = true
			if len(seen) >= 64 {
				return len(seen)
			}
		}
	}
	return len(seen)
}

// history fills the journal with a day of varied payments, through the UI.
func (e *env) history() {
	e.t.Helper()
	e.ui.locked(func() { e.ui.sale.reference = "TABLE 12" })
	e.cardSale("4250")
	e.tap(e.ui.T("result.new"))
	e.gw.Next = []payment.GatewayResult{{Approved: false, Decline: payment.DeclineDoNotHonour}}
	e.typeAmount("15900")
	e.tap(e.ui.T("sale.card"))
	e.wait(e.ui.T("progress.card"))
	e.cards.Present(paymenttest.VisaOnline())
	e.wait(e.ui.T("result.declined"))
	e.tap(e.ui.T("result.new"))
	e.gw.Err = payment.ErrGatewayUnavailable
	e.typeAmount("780")
	e.tap(e.ui.T("sale.card"))
	e.wait(e.ui.T("progress.card"))
	e.cards.Present(paymenttest.VisaOnline())
	e.wait(e.ui.T("result.offline"))
	e.gw.Err = nil
	e.tap(e.ui.T("result.new"))
	e.typeAmount("6400")
	e.tap(e.ui.T("sale.link"))
	e.entry("client@example.com").SetText("paul@example.com")
	e.tap(e.ui.T("sale.email.send"))
	e.wait(e.ui.T("result.link"))
	e.tap(e.ui.T("result.new"))
	e.typeAmount("2990")
	e.tap(e.ui.T("sale.alipay"))
	e.tap(e.ui.T("sale.alipay.mpm"))
	e.wait(e.ui.T("progress.qr"))
	e.wallets.answer <- payment.WalletResult{Approved: true, Wallet: "Alipay", GatewayID: "W1"}
	e.wait(e.ui.T("result.approved"))
	e.tap(e.ui.T("result.new"))
	e.cardSale("1250")
	e.tap(e.ui.T("result.new"))
	e.svc.Wait()
	e.ui.locked(func() { e.ui.notice = "" })
}

// withScanner gives the service sc: the till then offers to scan a
// customer's payment code.
func withScanner(sc *fakeScanner) func(*payment.Opts) {
	return func(o *payment.Opts) { o.Wallet.Scanner = sc }
}

// fakeScanner reads the codes the test sends.
type fakeScanner struct{ codes chan string }

func (s *fakeScanner) Scan(ctx context.Context) (string, error) {
	if s.codes == nil {
		<-ctx.Done()
		return "", ctx.Err()
	}
	select {
	case c := <-s.codes:
		return c, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
func (s *fakeScanner) String() string { return "fake scanner" }
func (s *fakeScanner) Halt() error    { return nil }
