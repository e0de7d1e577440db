package offline

import (
	"context"
	"errors"
	"testing"

	"tpe/payment"
	"tpe/payment/paymenttest"
)

// approvedAt journals an approved card sale the gateway knows.
func approvedAt(t *testing.T, st *Store, gw *paymenttest.Gateway, n int) *payment.Transaction {
	t.Helper()
	tx := cardTxn(n, t0)
	tx.Amount = payment.Amount{Minor: 1000, Currency: "EUR"}
	saveNew(t, st, tx)
	walk(t, st, tx, payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateAuthorising)
	res, err := gw.Sale(context.Background(), payment.SaleRequest{OrderID: tx.OrderID, Amount: tx.Amount})
	if err != nil {
		t.Fatal(err)
	}
	tx.GatewayID, tx.AuthCode = res.GatewayID, res.AuthCode
	walk(t, st, tx, payment.StateApproved)
	return tx
}

// intend journals op on payment id as the service does before it asks the
// gateway, and returns the operation.
func intend(t *testing.T, st *Store, id string, kind payment.OpKind, pending payment.State, a payment.Amount) payment.Operation {
	t.Helper()
	var op payment.Operation
	_, err := st.Update(context.Background(), id, func(tx *payment.Transaction) error {
		op = payment.Operation{ID: "op_" + string(kind), Kind: kind, Amount: a, At: t0, From: tx.State}
		tx.Pending = &op
		return tx.Transition(pending, t0, "")
	})
	if err != nil {
		t.Fatal(err)
	}
	return op
}

// The terminal stopped after journaling a refund or void, before or after
// the gateway acted on it: boot recovery settles each from the gateway's
// record, never by sending it again.
func TestRecoverSettlesOperationsFromTheRecord(t *testing.T) {
	ctx := context.Background()
	st, _ := newStore(t)
	gw := &paymenttest.Gateway{}

	refundMade := approvedAt(t, st, gw, 1)
	intend(t, st, refundMade.ID, payment.OpRefund, payment.StateRefundPending, payment.Amount{Minor: 400, Currency: "EUR"})
	gw.Refund(ctx, refundMade.GatewayID, payment.Amount{Minor: 400, Currency: "EUR"}) // reached the gateway, then the power cut

	refundNotSent := approvedAt(t, st, gw, 2)
	intend(t, st, refundNotSent.ID, payment.OpRefund, payment.StateRefundPending, payment.Amount{Minor: 400, Currency: "EUR"})

	voidMade := approvedAt(t, st, gw, 3)
	intend(t, st, voidMade.ID, payment.OpVoid, payment.StateVoidPending, voidMade.Amount)
	gw.Void(ctx, voidMade.GatewayID, voidMade.Amount)

	voidNotSent := approvedAt(t, st, gw, 4)
	intend(t, st, voidNotSent.ID, payment.OpVoid, payment.StateVoidPending, voidNotSent.Amount)

	refunds, voids := len(gw.Refunds), len(gw.Voids)
	rep, err := Recover(ctx, st, gw, nil)
	if err != nil || !rep.Done() {
		t.Fatalf("Recover: %v %+v", err, rep)
	}
	if len(gw.Refunds) != refunds || len(gw.Voids) != voids {
		t.Errorf("recovery sent %d refunds and %d voids, want none", len(gw.Refunds)-refunds, len(gw.Voids)-voids)
	}
	for _, tc := range []struct {
		tx       *payment.Transaction
		state    payment.State
		refunded int64
	}{
		{refundMade, payment.StatePartiallyRefunded, 400},
		{refundNotSent, payment.StateApproved, 0},
		{voidMade, payment.StateReversed, 0},
		{voidNotSent, payment.StateApproved, 0},
	} {
		got, err := st.Get(ctx, tc.tx.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != tc.state || got.Refunded() != tc.refunded || got.Pending != nil {
			t.Errorf("%s: %s refunded %d pending %v, want %s %d", tc.tx.ID, got.State, got.Refunded(), got.Pending, tc.state, tc.refunded)
		}
	}
	if st, _ := st.Stats(ctx); st.InFlight != 0 {
		t.Errorf("%d payments still in flight after recovery", st.InFlight)
	}
}

// recordDown is a gateway whose records cannot be read while down is set.
type recordDown struct {
	*paymenttest.Gateway
	down bool
}

func (g *recordDown) Record(ctx context.Context, id string) (payment.GatewayResult, error) {
	if g.down {
		return payment.GatewayResult{}, payment.ErrGatewayUnavailable
	}
	return g.Gateway.Record(ctx, id)
}

// A refund whose outcome the service could not learn stays refund_pending
// until the forwarder reads the gateway's record.
func TestForwarderSettlesAnUnknownRefund(t *testing.T) {
	ctx := context.Background()
	st, _ := newStore(t)
	inner := &paymenttest.Gateway{}
	gw := &recordDown{Gateway: inner, down: true}
	svc, err := payment.New(payment.Opts{Journal: st, Card: payment.CardPorts{Gateway: gw}})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	tx := approvedAt(t, st, inner, 1)
	inner.LoseReply = errors.New("read tcp: i/o timeout")
	got, err := svc.Refund(ctx, tx.ID, payment.Amount{Minor: 1000, Currency: "EUR"})
	if !errors.Is(err, payment.ErrOutcomeUnknown) || got.State != payment.StateRefundPending {
		t.Fatalf("refund with a lost answer and no record: %v %v", err, got)
	}
	if _, err := svc.Refund(ctx, tx.ID, payment.Amount{Minor: 1000, Currency: "EUR"}); !errors.Is(err, payment.ErrOperationInProgress) {
		t.Fatalf("cashier retry: %v, want ErrOperationInProgress", err)
	}
	var settled []payment.EventType
	f := NewForwarder(st, gw, &ForwarderOpts{OnChange: func(ev payment.EventType, _ *payment.Transaction) { settled = append(settled, ev) }})
	if _, err := f.ForwardNow(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Get(ctx, tx.ID); got.State != payment.StateRefundPending {
		t.Fatalf("settled while the record is unreadable: %s", got.State)
	}
	gw.down = false
	if _, err := f.ForwardNow(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ = st.Get(ctx, tx.ID)
	if got.State != payment.StateRefunded || got.Refunded() != 1000 || got.Pending != nil {
		t.Fatalf("after the forwarder: %s refunded %d", got.State, got.Refunded())
	}
	if len(inner.Refunds) != 1 {
		t.Errorf("gateway saw %d refunds, want 1", len(inner.Refunds))
	}
	if len(settled) != 1 || settled[0] != payment.EventRefunded {
		t.Errorf("forwarder announced %v, want [payment.refunded]", settled)
	}
}

// Update checks and records in one journal transaction: an edit error
// writes nothing.
func TestUpdateIsAtomic(t *testing.T) {
	ctx := context.Background()
	st, _ := newStore(t)
	tx := approvedAt(t, st, &paymenttest.Gateway{}, 1)
	boom := errors.New("refused")
	if _, err := st.Update(ctx, tx.ID, func(t *payment.Transaction) error {
		t.Reference = "changed"
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("Update: %v, want the edit's error", err)
	}
	if got, _ := st.Get(ctx, tx.ID); got.Reference == "changed" {
		t.Error("a refused edit was written")
	}
	if _, err := st.Update(ctx, "pay_missing", func(*payment.Transaction) error { return nil }); !errors.Is(err, payment.ErrNotFound) {
		t.Errorf("Update of a missing payment: %v", err)
	}
}

// A wallet payment waiting for the customer when the terminal stopped is
// settled from the gateway's record of its wallet transaction: the
// customer may have paid meanwhile.
func TestRecoverWalletFromTheRecord(t *testing.T) {
	for _, tc := range []struct {
		name   string
		rec    *payment.GatewayResult // nil: the gateway does not know it
		state  payment.State
		report func(Report) []string
	}{
		{"paid meanwhile", &payment.GatewayResult{Approved: true, Status: payment.TxnApproved, Code: "000"}, payment.StateApproved, func(r Report) []string { return r.Settled }},
		{"still payable", &payment.GatewayResult{Status: payment.TxnPending}, payment.StateAwaitingCustomer, func(r Report) []string { return r.Pending }},
		{"declined", &payment.GatewayResult{Status: payment.TxnDeclined, Code: "021"}, payment.StateCancelled, func(r Report) []string { return r.Cancelled }},
		{"unknown at the gateway", nil, payment.StateCancelled, func(r Report) []string { return r.Cancelled }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st, _ := newStore(t)
			gw := &paymenttest.Gateway{}
			tx := &payment.Transaction{ID: "pay_w1", OrderID: "T1-w1", Method: payment.MethodAlipayPlus, State: payment.StateCreated,
				Amount: payment.Amount{Minor: 880, Currency: "EUR"}, Batch: 1, CreatedAt: t0, UpdatedAt: t0,
				History: []payment.Step{{State: payment.StateCreated, At: t0}}}
			saveNew(t, st, tx)
			tx.GatewayID, tx.QR = "w-0001", "https://qr.example/w-0001"
			walk(t, st, tx, payment.StateAwaitingCustomer)
			if tc.rec != nil {
				gw.SetRecord(tx.GatewayID, *tc.rec)
			}
			rep, err := Recover(ctx, st, gw, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := st.Get(ctx, tx.ID)
			if got.State != tc.state {
				t.Errorf("state %s, want %s", got.State, tc.state)
			}
			if ids := tc.report(rep); len(ids) != 1 || ids[0] != tx.ID {
				t.Errorf("report %+v", rep)
			}
			if len(gw.Voids) != 0 || len(gw.Refunds) != 0 {
				t.Error("recovery moved money")
			}
		})
	}
}

// voidDuringSale voids the payment on the terminal while its forward is at
// the gateway, and can make the gateway's Void fail.
type voidDuringSale struct {
	*paymenttest.Gateway
	st         *Store
	voidBroken bool
}

func (g *voidDuringSale) Sale(ctx context.Context, r payment.SaleRequest) (payment.GatewayResult, error) {
	res, err := g.Gateway.Sale(ctx, r)
	txs, _ := g.st.List(ctx, payment.Query{States: []payment.State{payment.StateOfflineApproved}})
	for _, tx := range txs {
		if tx.OrderID == r.OrderID {
			g.st.Update(ctx, tx.ID, func(t *payment.Transaction) error {
				return t.Transition(payment.StateReversed, t0, "voided by the cashier")
			})
		}
	}
	return res, err
}

func (g *voidDuringSale) Void(ctx context.Context, id string, a payment.Amount) (payment.GatewayResult, error) {
	if g.voidBroken {
		return payment.GatewayResult{}, errors.New("read tcp: connection reset by peer")
	}
	return g.Gateway.Void(ctx, id, a)
}

// An offline approval voided on the terminal while the gateway approved
// its forward is reversed at the gateway; a reversal that fails stays owed
// in the journal and the next round finishes it.
func TestVoidedWhileForwardedIsReversedEvenAfterAFailure(t *testing.T) {
	ctx := context.Background()
	st, _ := newStore(t)
	tx := queueN(t, st, 1)[0]
	gw := &voidDuringSale{Gateway: &paymenttest.Gateway{}, st: st, voidBroken: true}
	f := NewForwarder(st, gw, nil)
	f.ForwardNow(ctx)
	got, _ := st.Get(ctx, tx.ID)
	if got.State != payment.StateReversed || !got.ReversalPending {
		t.Fatalf("after a failed reversal: %s reversal_pending=%v, want reversed with a reversal owed", got.State, got.ReversalPending)
	}
	gw.voidBroken = false
	if _, err := f.ForwardNow(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ = st.Get(ctx, tx.ID)
	if got.ReversalPending || len(gw.Voids) != 1 {
		t.Fatalf("reversal_pending=%v after %d voids, want settled after one", got.ReversalPending, len(gw.Voids))
	}
	if rec, _ := gw.Record(ctx, got.GatewayID); rec.Status != payment.TxnVoided {
		t.Errorf("gateway record %s, want voided", rec.Status)
	}
}

// printDuringSale marks the receipt printed while the forward is at the
// gateway, as the service does when the printer finishes late.
type printDuringSale struct {
	*paymenttest.Gateway
	st *Store
	id string
}

func (g *printDuringSale) Sale(ctx context.Context, r payment.SaleRequest) (payment.GatewayResult, error) {
	g.st.Update(ctx, g.id, func(t *payment.Transaction) error { t.ReceiptPrinted = true; return nil })
	return g.Gateway.Sale(ctx, r)
}

// The forwarder records its verdict on the journal's latest copy: a change
// made while the Sale was out (the receipt printed) is kept, and the masked
// PAN survives the card data being dropped.
func TestForwardKeepsChangesMadeMeanwhile(t *testing.T) {
	ctx := context.Background()
	st, _ := newStore(t)
	tx := queueN(t, st, 1)[0]
	f := NewForwarder(st, &printDuringSale{Gateway: &paymenttest.Gateway{}, st: st, id: tx.ID}, nil)
	if n, err := f.ForwardNow(ctx); err != nil || n != 1 {
		t.Fatalf("ForwardNow: %d %v", n, err)
	}
	got, _ := st.Get(ctx, tx.ID)
	if got.State != payment.StateForwarded || !got.ReceiptPrinted {
		t.Fatalf("after forwarding: %s receipt_printed=%v, want forwarded with the receipt printed", got.State, got.ReceiptPrinted)
	}
	if got.Card == nil || got.Card.PAN.Masked() != tx.Card.PAN.Masked() || got.Card.PAN.Digits() != "" {
		t.Errorf("card after forwarding: %+v, want the masked PAN only", got.Card)
	}
}
