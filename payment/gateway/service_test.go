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
	"tpe/payment/paymenttest"
)

// virtualReader reads a virtual card through the real EMV kernel.
type virtualReader struct{ profile string }

func (r virtualReader) ReadCard(ctx context.Context, req payment.CardRequest) (payment.CardResult, error) {
	card, err := cardsim.New(r.profile)
	if err != nil {
		return payment.CardResult{}, err
	}
	cfg := emv.DefaultConfig()
	cfg.CAKeys = cardsim.CAKeys()
	n, _ := payment.CurrencyNumeric(req.Amount.Currency)
	x, _ := payment.CurrencyExponent(req.Amount.Currency)
	res, err := emv.New(&cfg).Run(ctx, card, emv.Transaction{Amount: req.Amount.Minor, CurrencyNumeric: uint16(n), CurrencyExponent: x, Date: time.Now()})
	if err != nil {
		return payment.CardResult{}, err
	}
	seq := ""
	if res.PANSeq >= 0 {
		seq = strconv.Itoa(res.PANSeq)
	}
	return payment.CardResult{Outcome: payment.CardOnlineRequest, Reason: res.Reason, Card: payment.CardData{
		Brand: string(res.Brand), AID: res.AID, PAN: payment.NewPAN(res.PAN.Digits()), Expiry: res.Expiry, PANSeq: seq,
		Track2: payment.NewSecret(res.Track2.Reveal()), ICC: payment.NewSecret(res.ICC.Reveal()),
		CryptogramType: string(res.CryptogramType), EntryMode: "contactless", ATC: int(res.ATC)}}, nil
}

// TestServiceSaleRefundVoid runs the payment service with this client and
// the simulator: card sale, partial refund, void, as the terminal does.
func TestServiceSaleRefundVoid(t *testing.T) {
	e := newEnv(t, &gatewaysim.Opts{RequireICC: true}, nil)
	svc, err := payment.New(payment.Opts{Journal: paymenttest.NewJournal(),
		Card: payment.CardPorts{Reader: virtualReader{"visa-credit"}, Gateway: e.client(t, nil)}})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	ctx := context.Background()
	pay := func(minor int64) *payment.Transaction {
		t.Helper()
		tx, err := svc.Pay(ctx, payment.Request{Amount: eur(minor), Method: payment.MethodCard, Policy: payment.RequireOnline})
		if err != nil {
			t.Fatal(err)
		}
		svc.Wait()
		got, err := svc.Get(ctx, tx.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != payment.StateApproved || got.GatewayID == "" {
			t.Fatalf("payment ended %s (%s)", got.State, got.Result)
		}
		return got
	}
	t1 := pay(4200)
	if _, err := svc.Refund(ctx, t1.ID, eur(1200)); err != nil {
		t.Fatalf("refund: %v", err)
	}
	t2 := pay(1800)
	if got, err := svc.Void(ctx, t2.ID); err != nil || got.State != payment.StateReversed {
		t.Fatalf("void: %v, %v", got, err)
	}
	l := e.sim.Ledger()
	if len(l) != 4 {
		t.Fatalf("ledger has %d entries, want sale, refund, sale, cancel: %+v", len(l), l)
	}
	if l[0].OrderID != t1.OrderID || l[0].RefundedAmount != 1200 || l[2].Status != "Cancelled" {
		t.Fatalf("ledger %+v", l)
	}
}
