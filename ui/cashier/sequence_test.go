package cashier

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"

	"tpe/payment"
)

// TestSearchByReceiptNumber: the TRANS. number read off a receipt, with or
// without its leading zeros, finds the payment in the history.
func TestSearchByReceiptNumber(t *testing.T) {
	p := &payment.Transaction{ID: "pay_1", OrderID: "T1-20261126130533000-3fa9c01b2e", Sequence: 1042}
	for _, s := range []string{"001042", "1042", " 001042 "} {
		if !matchSearch(p, s) {
			t.Errorf("%q does not find TRANS. 001042", s)
		}
	}
	if matchSearch(p, "001043") {
		t.Error("001043 finds TRANS. 001042")
	}
}

// TestScreensShowReceiptNumber: the history row and the detail screen give
// the payment's number as its receipt prints it (TRANS., the terminal's
// sequence), not the random tail of the order ID, so that the number a
// customer reads off a ticket is the one the cashier sees.
func TestScreensShowReceiptNumber(t *testing.T) {
	e := newEnv(t, nil)
	p := e.cardSale("4250")
	if p.Sequence != 1 || p.ReceiptNumber() != "000001" {
		t.Fatalf("first sale: sequence %d, receipt number %q; want 1, 000001", p.Sequence, p.ReceiptNumber())
	}
	e.waitFor(func() bool { return e.printer.count() == 1 }, "the receipt")
	e.printer.mu.Lock()
	ticket := e.printer.receipts[0].PlainText(48)
	e.printer.mu.Unlock()
	if !strings.Contains(ticket, "000001") || strings.Contains(ticket, p.Number()) {
		t.Fatalf("the receipt does not print TRANS. 000001 alone:\n%s", ticket)
	}

	e.tap(e.ui.T("result.new"))
	e.tap(e.ui.T("nav.history"))
	e.wait(e.ui.T("hist.number", "000001"))
	if e.has(p.Number()) {
		t.Errorf("the history still shows the order ID's tail %q: %q", p.Number(), e.texts())
	}

	e.tap(e.ui.T("hist.number", "000001"))
	e.wait(e.ui.T("detail.title"))
	if got := e.valueOf(e.ui.T("detail.number")); got != "000001" {
		t.Errorf("detail: %q shows %q, want 000001 (the receipt's TRANS.)", e.ui.T("detail.number"), got)
	}
	if got := e.valueOf(e.ui.T("detail.order")); got != p.OrderID {
		t.Errorf("detail: %q shows %q, want the full order ID %q", e.ui.T("detail.order"), got, p.OrderID)
	}
}

// valueOf is the text shown beside the label key on a key–value line: the
// texts of the smallest container holding key and more, but key itself.
func (e *env) valueOf(key string) string {
	e.drain()
	var best []string
	e.ui.locked(func() {
		walk(e.ui.Content(), func(o fyne.CanvasObject) {
			c, ok := o.(*fyne.Container)
			if !ok {
				return
			}
			var in []string
			holds := false
			walk(c, func(o fyne.CanvasObject) {
				if t, ok := o.(*canvas.Text); ok && t.Text != "" {
					in = append(in, t.Text)
					holds = holds || t.Text == key
				}
			})
			if holds && len(in) > 1 && (best == nil || len(in) < len(best)) {
				best = in
			}
		})
	})
	var vals []string
	for _, s := range best {
		if s != key {
			vals = append(vals, s)
		}
	}
	return strings.Join(vals, " ")
}
