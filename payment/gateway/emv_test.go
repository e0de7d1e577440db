package gateway_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"tpe/payment"
	"tpe/payment/emv"
	"tpe/payment/emv/cardsim"
	"tpe/payment/gateway/gatewaysim"
)

// readVirtualCard runs a real contactless transaction between the EMV
// kernel and a virtual card and returns what the terminal would send.
func readVirtualCard(t *testing.T, profile string, amount int64) payment.CardData {
	t.Helper()
	return readVirtualCardFloor(t, profile, amount, 0, "ARQC")
}

// readVirtualCardFloor runs the kernel with a floor limit and wants the
// given cryptogram type (TC: approved offline by the card).
func readVirtualCardFloor(t *testing.T, profile string, amount, floor int64, want string) payment.CardData {
	t.Helper()
	card, err := cardsim.New(profile)
	if err != nil {
		t.Fatal(err)
	}
	cfg := emv.DefaultConfig()
	cfg.CAKeys = cardsim.CAKeys()
	for i := range cfg.Apps {
		cfg.Apps[i].FloorLimit = floor
	}
	res, err := emv.New(&cfg).Run(context.Background(), card, emv.Transaction{Amount: amount,
		CurrencyNumeric: 978, CurrencyExponent: 2, Date: time.Now()})
	if err != nil {
		t.Fatalf("kernel: %v", err)
	}
	if string(res.CryptogramType) != want {
		t.Fatalf("%s: kernel gave %s (%s), want %s", profile, res.CryptogramType, res.Reason, want)
	}
	seq := ""
	if res.PANSeq >= 0 {
		seq = strconv.Itoa(res.PANSeq)
	}
	return payment.CardData{Brand: string(res.Brand), AID: res.AID, PAN: payment.NewPAN(res.PAN.Digits()),
		Expiry: res.Expiry, PANSeq: seq, Track2: payment.NewSecret(res.Track2.Reveal()),
		ICC: payment.NewSecret(res.ICC.Reveal()), CryptogramType: string(res.CryptogramType),
		EntryMode: "contactless", ATC: int(res.ATC)}
}

func TestVirtualCardCryptogram(t *testing.T) {
	e := newEnv(t, &gatewaysim.Opts{RequireICC: true}, nil)
	c := e.client(t, nil)
	ctx := context.Background()
	for _, profile := range []string{"visa-credit", "mastercard"} {
		t.Run(profile, func(t *testing.T) {
			card := readVirtualCard(t, profile, 2500)
			res, err := c.Sale(ctx, payment.SaleRequest{OrderID: orderID(t), Amount: eur(2500), Card: card})
			if err != nil || !res.Approved {
				t.Fatalf("sale with a genuine ARQC: %+v, %v", res, err)
			}
			// The same cryptogram for another amount.
			res, err = c.Sale(ctx, payment.SaleRequest{OrderID: orderID(t), Amount: eur(2600), Card: card})
			if err != nil || res.Approved || res.Code != "097" || res.Decline != payment.DeclineFraud {
				t.Fatalf("sale with the ARQC of another amount: %+v, %v; want 097", res, err)
			}
			// A flipped bit in the cryptogram.
			icc := card.ICC.Reveal()
			bad := append([]byte(nil), icc...)
			for i := 0; i+3 < len(bad); i++ {
				if bad[i] == 0x9F && bad[i+1] == 0x26 && bad[i+2] == 0x08 {
					bad[i+3] ^= 0x01
					break
				}
			}
			card.ICC = payment.NewSecret(bad)
			res, err = c.Sale(ctx, payment.SaleRequest{OrderID: orderID(t), Amount: eur(2500), Card: card})
			if err != nil || res.Approved || res.Code != "097" {
				t.Fatalf("sale with a forged ARQC: %+v, %v; want 097", res, err)
			}
		})
	}
	// Without ICC data at all, a strict gateway declines.
	res, err := c.Sale(ctx, sale(orderID(t), 100))
	if err != nil || res.Approved || res.Code != "097" {
		t.Fatalf("sale without ICC on a strict gateway: %+v, %v", res, err)
	}
}

// TestForwardOfflineApproval forwards a sale the card approved offline (TC)
// as the offline forwarder does: the gateway verifies the TC and records
// the payment as offline.
func TestForwardOfflineApproval(t *testing.T) {
	e := newEnv(t, &gatewaysim.Opts{RequireICC: true}, nil)
	c := e.client(t, nil)
	card := readVirtualCardFloor(t, "visa-credit", 1500, 5000, "TC")
	order := orderID(t)
	res, err := c.Sale(context.Background(), payment.SaleRequest{OrderID: order, Amount: eur(1500), Card: card,
		Offline: true, CapturedAt: time.Now().Add(-time.Hour)})
	if err != nil || !res.Approved {
		t.Fatalf("forwarded offline approval: %+v, %v", res, err)
	}
	l := entriesFor(e.sim, order)
	if len(l) != 1 || !l[0].Offline {
		t.Fatalf("ledger %+v, want one offline entry", l)
	}
}
