//go:build cgo || ci

package main

import (
	"strings"
	"testing"

	"tpe/payment"
	"tpe/payment/alipayplus"
	"tpe/payment/alipayplus/cii"
	"tpe/payment/gateway/gatewaysim"
)

// TestPhoneWalletsFollowTheTable: the simulator phone's wallet apps show
// codes of the wallet table the terminal reads, each recognised as its own
// wallet (not as Alipay, as the 25… codes of old were).
func TestPhoneWalletsFollowTheTable(t *testing.T) {
	custom, err := cii.Parse("custom", []byte(customWallets))
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range []*cii.Table{gatewaysim.WalletTable(), custom} {
		codeOf := map[string]string{"Alipay": payment.WalletCode("Alipay")}
		for _, e := range table.Entries() {
			codeOf[e.Name] = e.Code
		}
		phones := phoneWallets(table)
		var names []string
		for _, w := range phones {
			names = append(names, w.Name)
			code := w.Prefix + strings.Repeat("7", w.Digits-len(w.Prefix))
			got, err := alipayplus.Recognise(code, table)
			if err != nil || got.Wallet != codeOf[w.Name] {
				t.Errorf("%s: the phone's %s code %s is read as %q, %v", table.Source(), w.Name, code, got.Wallet, err)
			}
		}
		want := len(table.Entries()) // Alipay's legacy code + one per 6-digit CII
		if table == custom {
			want = 2 // Alipay (legacy 28…) and Maya
		}
		if len(phones) != want {
			t.Errorf("%s: phone wallets %v", table.Source(), names)
		}
	}
}
