package payment_test

import (
	"slices"
	"testing"

	"tpe/payment"
)

// TestAddWallet: a wallet of the acquirer's table that the built-in list
// does not know is named by its table entry everywhere LookupWallet is
// asked, under any of its spellings, and listed among the partners; a
// known wallet keeps its identity and gains the table's aliases.
func TestAddWallet(t *testing.T) {
	if got := payment.WalletName("testwalletmaya"); got != "testwalletmaya" {
		t.Fatalf("before AddWallet: %q", got)
	}
	payment.AddWallet(payment.Wallet{Code: "TestWallet-Maya", Name: " Maya Test "}, "PAYMAYA_TEST")
	want := payment.Wallet{Code: "testwalletmaya", Name: "Maya Test"}
	for _, s := range []string{"testwalletmaya", "TESTWALLET_MAYA", "paymaya_test", "Maya Test"} {
		if got := payment.LookupWallet(s); got != want {
			t.Errorf("LookupWallet(%q) = %+v, want %+v", s, got, want)
		}
	}
	if !slices.Contains(payment.PartnerWallets(), want) {
		t.Errorf("PartnerWallets lacks %+v", want)
	}
	payment.AddWallet(payment.Wallet{Code: "gcash", Name: "G-Cash (acquirer)"}, "GCASH_TEST_ALIAS")
	if got := payment.LookupWallet("GCASH_TEST_ALIAS"); got != (payment.Wallet{Code: "gcash", Name: "GCash"}) {
		t.Errorf("alias of a built-in wallet: %+v", got)
	}
	n := 0
	for _, w := range payment.PartnerWallets() {
		if w.Code == "gcash" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("gcash listed %d times", n)
	}
}
