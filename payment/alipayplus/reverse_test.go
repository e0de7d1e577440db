package alipayplus_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"tpe/payment"
	"tpe/payment/alipayplus"
	"tpe/payment/gateway"
	"tpe/payment/gateway/gatewaysim"
)

// referralsOn lists the successful referrals (refunds, cancels) the
// simulator recorded on the wallet attempt txn.
func referralsOn(sim *gatewaysim.Server, orderID, txn string) []gatewaysim.Entry {
	var out []gatewaysim.Entry
	for _, e := range entriesOf(sim, orderID) {
		if e.ReferralID == txn && e.ErrorCode == gateway.CodeSuccess {
			out = append(out, e)
		}
	}
	return out
}

// TestReversePaid: a paid wallet payment is given back by a Connect2Pay
// refund of the whole amount (Connect2Pay cancels only operations in
// process); asked again, nothing more is sent.
func TestReversePaid(t *testing.T) {
	sim := newSim(t)
	w := newWallets(t, overHTTP(t, sim), nil)
	ctx := context.Background()
	paid, err := w.Pay(ctx, payment.WalletRequest{OrderID: "T1-REV-PAID", Amount: eur(990), BuyerCode: "2810 1202 0000 1111 2222 3333"}, nil)
	if err != nil || !paid.Approved {
		t.Fatalf("payment: %+v, %v", paid, err)
	}
	res, err := w.Reverse(ctx, paid.GatewayID, eur(990))
	if err != nil || !res.Approved || res.Status != payment.TxnRefunded || res.Refunded != 990 {
		t.Fatalf("reversal: got %+v, %v; want refunded in full", res, err)
	}
	refs := referralsOn(sim, "T1-REV-PAID", paid.GatewayID)
	if len(refs) != 1 || refs[0].Operation != "refund" || refs[0].Amount != 990 {
		t.Fatalf("simulator: got %+v, want one refund of 990", refs)
	}
	again, err := w.Reverse(ctx, paid.GatewayID, eur(990))
	if err != nil || !again.Approved || again.Status != payment.TxnRefunded {
		t.Errorf("second reversal: got %+v, %v; want done", again, err)
	}
	if n := len(referralsOn(sim, "T1-REV-PAID", paid.GatewayID)); n != 1 {
		t.Errorf("the second reversal sent a referral: %d in all", n)
	}
}

// TestReversePartlyRefunded: only what is left is refunded.
func TestReversePartlyRefunded(t *testing.T) {
	sim := newSim(t)
	w := newWallets(t, overHTTP(t, sim), nil)
	ctx := context.Background()
	paid, err := w.Pay(ctx, payment.WalletRequest{OrderID: "T1-REV-PART", Amount: eur(1000), BuyerCode: "2810 1202 0000 1111 2222 3333"}, nil)
	if err != nil || !paid.Approved {
		t.Fatalf("payment: %+v, %v", paid, err)
	}
	if r, err := w.Refund(ctx, paid.GatewayID, eur(300)); err != nil || !r.Approved {
		t.Fatalf("refund: %+v, %v", r, err)
	}
	res, err := w.Reverse(ctx, paid.GatewayID, eur(1000))
	if err != nil || !res.Approved || res.Refunded != 1000 {
		t.Fatalf("reversal: got %+v, %v", res, err)
	}
	refs := referralsOn(sim, "T1-REV-PART", paid.GatewayID)
	if len(refs) != 2 || refs[1].Amount != 700 {
		t.Errorf("simulator: got %+v, want the refund of 300 then one of 700", refs)
	}
}

// TestReverseInProcess: an order code still payable is cancelled; the
// customer can no longer pay it.
func TestReverseInProcess(t *testing.T) {
	sim := newSim(t)
	w := newWallets(t, overHTTP(t, sim), &alipayplus.Opts{PollFirst: 20 * time.Millisecond, PollMax: 50 * time.Millisecond})
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	u := newUpdates()
	done := payAsync(ctx, w, payment.WalletRequest{OrderID: "T1-REV-PEND", Amount: eur(450)}, u)
	<-u.qr
	u.mu.Lock()
	txn := u.got[0].GatewayID
	u.mu.Unlock()
	res, err := w.Reverse(context.Background(), txn, eur(450))
	if err != nil || !res.Approved || res.Status != payment.TxnVoided {
		t.Fatalf("reversal: got %+v, %v; want cancelled", res, err)
	}
	if o := <-done; o.err != nil || !o.res.Cancelled {
		t.Errorf("the flow: got %+v, %v; want cancelled", o.res, o.err)
	}
	if err := sim.WalletAction("T1-REV-PEND", "", gatewaysim.ActionPay); err == nil {
		t.Error("a wallet paid an order code the reversal cancelled")
	}
	if refs := referralsOn(sim, "T1-REV-PEND", txn); len(refs) != 1 || refs[0].Operation != "cancel" {
		t.Errorf("simulator: got %+v, want one cancel", refs)
	}
}

// TestReverseNothingCharged: a declined attempt owes nothing and nothing is
// sent; an unknown transaction and one that is not this payment are
// errors, with nothing sent either.
func TestReverseNothingCharged(t *testing.T) {
	sim := newSim(t)
	w := newWallets(t, overHTTP(t, sim), nil)
	ctx := context.Background()
	declined, err := w.Pay(ctx, payment.WalletRequest{OrderID: "T1-REV-DECL", Amount: eur(99051), BuyerCode: "281006020000000000125733"}, nil)
	if err != nil || declined.Approved || declined.GatewayID == "" {
		t.Fatalf("payment: %+v, %v; want declined", declined, err)
	}
	res, err := w.Reverse(ctx, declined.GatewayID, eur(99051))
	if err != nil || !res.Approved || res.Status != payment.TxnDeclined {
		t.Errorf("reversal of a decline: got %+v, %v; want done, nothing charged", res, err)
	}
	if refs := referralsOn(sim, "T1-REV-DECL", declined.GatewayID); len(refs) != 0 {
		t.Errorf("simulator: got %+v, want nothing sent", refs)
	}

	if _, err := w.Reverse(ctx, "zzzzzzzzzz-0000", eur(100)); !errors.Is(err, payment.ErrNotFound) {
		t.Errorf("unknown transaction: got %v, want ErrNotFound", err)
	}
	paid, err := w.Pay(ctx, payment.WalletRequest{OrderID: "T1-REV-MISM", Amount: eur(500), BuyerCode: "2810 1202 0000 1111 2222 3333"}, nil)
	if err != nil || !paid.Approved {
		t.Fatalf("payment: %+v, %v", paid, err)
	}
	for _, a := range []payment.Amount{eur(5000), {Minor: 500, Currency: "USD"}} {
		if _, err := w.Reverse(ctx, paid.GatewayID, a); !errors.Is(err, payment.ErrRecordMismatch) {
			t.Errorf("reversal of %s on a payment of 5.00 EUR: got %v, want ErrRecordMismatch", a, err)
		}
	}
	if refs := referralsOn(sim, "T1-REV-MISM", paid.GatewayID); len(refs) != 0 {
		t.Errorf("simulator: got %+v, want nothing sent", refs)
	}
}
