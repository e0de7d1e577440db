package cashier

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"tpe/payment"
	"tpe/payment/paymenttest"
)

// padOrder is the digits of the PIN pad as laid out on screen.
func (e *env) padOrder() string {
	e.drain()
	var b strings.Builder
	e.ui.locked(func() {
		walk(e.ui.Content(), func(o fyne.CanvasObject) {
			if v, ok := o.(*tile); ok && len(v.Label) == 1 && v.Label[0] >= '0' && v.Label[0] <= '9' {
				b.WriteString(v.Label)
			}
		})
	})
	return b.String()
}

// pinSale starts an 80,00 € card payment whose card wants an online PIN
// and waits for the pad.
func (e *env) pinSale() {
	e.t.Helper()
	e.typeAmount("8000")
	e.tap(e.ui.T("sale.card"))
	e.wait(e.ui.T("progress.card"))
	e.cards.Present(paymenttest.VisaOnlinePIN())
	e.wait(e.ui.T("pin.enter"))
}

func TestPINPad(t *testing.T) {
	e := newEnv(t, nil)
	e.pinSale()
	first := e.padOrder()
	if len(first) != 10 || !containsAllDigits(first) {
		t.Fatalf("pad digits %q, want each of 0-9 once", first)
	}
	if !e.has("80,00") {
		t.Error("the pad does not show the amount")
	}
	for _, d := range "1934" {
		e.tap(string(d))
	}
	e.tap(e.ui.T("pin.correct"))
	e.tap("4")
	if !e.has("● ● ● ●") {
		t.Fatalf("entry not masked as four dots: %q", e.texts())
	}
	for _, s := range e.texts() {
		if strings.Contains(s, "1934") || strings.Contains(s, "193") {
			t.Fatalf("the PIN shows on screen: %q", s)
		}
	}
	c := test.NewWindow(e.ui.Content()).Canvas()
	if img := c.Capture(); img.Bounds().Dx() == 0 {
		t.Fatal("the pad did not render")
	}
	e.tap(e.ui.T("pin.validate"))
	e.wait(e.ui.T("result.approved"))
	e.wait(e.ui.T("result.pin"))
	e.svc.Wait()
	tx := e.only(payment.Query{Limit: 1})
	if tx.State != payment.StateApproved || len(e.gw.Sales) != 1 || e.gw.Sales[0].PIN == nil {
		t.Fatalf("got %s, %d sales", tx.State, len(e.gw.Sales))
	}
	got, err := paymenttest.DecipherPIN(*e.gw.Sales[0].PIN, paymenttest.TestPAN)
	if err != nil || string(got) != "1934" {
		t.Fatalf("the bank reads %v: want the PIN typed, corrected", err)
	}

	// The next entry lays the digits out anew (1 chance in 10! of the same).
	e.tap(e.ui.T("result.new"))
	e.pinSale()
	if second := e.padOrder(); second == first {
		t.Errorf("the pad kept its layout %q between two entries", first)
	}
	// The cashier may leave the pad; Encaisser brings it back.
	e.tap(e.ui.T("nav.history"))
	e.waitFor(func() bool { return !e.has(e.ui.T("pin.enter")) }, "the history")
	e.tap(e.ui.T("nav.sale"))
	e.wait(e.ui.T("pin.enter"))
	// Valider needs 4 digits; Annuler ends the payment.
	e.tap(string(e.padOrder()[0]))
	e.tap(e.ui.T("pin.validate"))
	e.wait(e.ui.T("pin.short"))
	e.tap(e.ui.T("pin.cancel"))
	e.wait(e.ui.T("reason.pin_cancelled"))
	if len(e.gw.Sales) != 1 {
		t.Error("a cancelled PIN entry reached the bank")
	}
}

func containsAllDigits(s string) bool {
	for d := '0'; d <= '9'; d++ {
		if strings.Count(s, string(d)) != 1 {
			return false
		}
	}
	return true
}
