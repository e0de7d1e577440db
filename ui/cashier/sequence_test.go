package cashier

import (
	"testing"

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
