package alipayplus_test

import (
	"context"
	"fmt"
	"testing"

	"tpe/payment"
	"tpe/payment/alipayplus"
	"tpe/payment/gateway/gatewaysim"
)

func BenchmarkRecognise(b *testing.B) {
	table := gatewaysim.WalletTable()
	for b.Loop() {
		if _, err := alipayplus.Recognise("281011021234567890123456", table); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWalletCPM is one whole CPM payment (prepare, direct process,
// immediate answer) against the simulator's handler in memory: the
// terminal's and the simulator's cost per wallet payment, without sockets.
func BenchmarkWalletCPM(b *testing.B) {
	sim := newSimB(b)
	c, _ := inMemoryB(b, sim)
	w, err := alipayplus.New(c, &alipayplus.Opts{Issuers: gatewaysim.WalletTable()})
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		i++
		res, err := w.Pay(context.Background(), payment.WalletRequest{OrderID: fmt.Sprintf("B-%d", i), Amount: eur(100),
			BuyerCode: "281011021234567890123456"}, nil)
		if err != nil || !res.Approved {
			b.Fatal(res, err)
		}
	}
}
