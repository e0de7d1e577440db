package offline

import (
	"context"
	"errors"
	"slices"
	"testing"

	"tpe/payment"
	"tpe/payment/paymenttest"
)

// voidFails is a gateway whose Void fails while broken is set.
type voidFails struct {
	*paymenttest.Gateway
	broken bool
}

func (g *voidFails) Void(ctx context.Context, id string, a payment.Amount) (payment.GatewayResult, error) {
	if g.broken {
		return payment.GatewayResult{}, errors.New("read tcp: connection reset by peer")
	}
	return g.Gateway.Void(ctx, id, a)
}

func TestRecover(t *testing.T) {
	ctx := context.Background()
	st, _ := newStore(t)
	gw := &paymenttest.Gateway{}
	mk := func(n int, method payment.Method, states ...payment.State) *payment.Transaction {
		tx := cardTxn(n, t0)
		tx.Method = method
		saveNew(t, st, tx)
		walk(t, st, tx, states...)
		return tx
	}
	created := mk(1, payment.MethodCard)
	waiting := mk(2, payment.MethodCard, payment.StateAwaitingCustomer)
	link := mk(3, payment.MethodPayLink, payment.StateAwaitingCustomer)
	cardRead := mk(4, payment.MethodCard, payment.StateAwaitingCustomer, payment.StateCardRead)
	authApproved := mk(5, payment.MethodCard, payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateAuthorising)
	authUnknown := mk(6, payment.MethodCard, payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateAuthorising)
	authDeclined := mk(7, payment.MethodCard, payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateAuthorising)
	owedApproved := mk(8, payment.MethodCard, payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateAuthorising)
	owedApproved.ReversalPending = true
	walk(t, st, owedApproved, payment.StateFailed)
	owedUnknown := mk(9, payment.MethodCard, payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateAuthorising)
	owedUnknown.ReversalPending = true
	walk(t, st, owedUnknown, payment.StateFailed)
	queued := mk(10, payment.MethodCard, toOffline...)
	unprinted := mk(11, payment.MethodCard, payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateAuthorising, payment.StateApproved)
	printed := mk(12, payment.MethodCard, payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateAuthorising, payment.StateApproved)
	printed.ReceiptPrinted = true
	saveNew(t, st, printed)
	// Waiting for the PIN at the power cut: the card's own PIN request, and
	// a PSD2 soft decline whose new attempt was journaled, never sent.
	awaitingPIN := mk(13, payment.MethodCard, payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateAwaitingPIN)
	softDeclined := mk(14, payment.MethodCard, payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateAuthorising)
	gw.Next = []payment.GatewayResult{{Approved: false, Code: "065", Decline: payment.DeclinePINRequired}}
	gw.Sale(ctx, payment.SaleRequest{OrderID: softDeclined.OrderID, Amount: softDeclined.Amount})
	softDeclined.Attempts = []payment.Attempt{{OrderID: softDeclined.OrderID, Result: "065", Decline: payment.DeclinePINRequired, At: t0}}
	softDeclined.OrderID += "-2"
	walk(t, st, softDeclined, payment.StateAwaitingPIN)

	// What reached the gateway before the power cut.
	gw.Sale(ctx, payment.SaleRequest{OrderID: authApproved.OrderID, Amount: authApproved.Amount})
	gw.Sale(ctx, payment.SaleRequest{OrderID: owedApproved.OrderID, Amount: owedApproved.Amount})
	gw.Next = []payment.GatewayResult{{Approved: false, Code: "005", Decline: payment.DeclineDoNotHonour}}
	gw.Sale(ctx, payment.SaleRequest{OrderID: authDeclined.OrderID, Amount: authDeclined.Amount})
	approvedGID := map[string]string{}
	for _, o := range []*payment.Transaction{authApproved, owedApproved} {
		r, _ := gw.Lookup(ctx, o.OrderID)
		approvedGID[o.ID] = r.GatewayID
	}
	sales := len(gw.Sales)

	rep, err := Recover(ctx, st, gw, nil)
	if err != nil {
		t.Fatal(err)
	}
	state := func(tx *payment.Transaction) *payment.Transaction {
		got, err := st.Get(ctx, tx.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	for _, c := range []struct {
		tx   *payment.Transaction
		want payment.State
	}{
		{created, payment.StateCancelled}, {waiting, payment.StateCancelled}, {link, payment.StateAwaitingCustomer},
		{cardRead, payment.StateFailed}, {authApproved, payment.StateReversed}, {authUnknown, payment.StateFailed},
		{authDeclined, payment.StateDeclined}, {owedApproved, payment.StateFailed}, {owedUnknown, payment.StateFailed},
		{queued, payment.StateOfflineApproved}, {awaitingPIN, payment.StateFailed}, {softDeclined, payment.StateFailed},
	} {
		got := state(c.tx)
		if got.State != c.want {
			t.Errorf("%s: got %s, want %s", c.tx.ID, got.State, c.want)
		}
		if got.ReversalPending {
			t.Errorf("%s: reversal still pending", c.tx.ID)
		}
	}
	// A payment the power cut stopped says so (reason code interrupted, the
	// one code no API call can produce: only boot recovery sets it).
	for _, tx := range []*payment.Transaction{created, waiting, cardRead} {
		if got := state(tx); got.Code != payment.ReasonInterrupted {
			t.Errorf("%s (%s): reason code %q, want %q", tx.ID, got.State, got.Code, payment.ReasonInterrupted)
		}
	}
	if h := state(authApproved).History; len(h) < 2 || h[len(h)-2].State != payment.StateApproved {
		t.Errorf("approved-then-reversed history: %+v", h)
	}
	for _, tx := range []*payment.Transaction{awaitingPIN, softDeclined} {
		if got := state(tx); got.Code != payment.ReasonInterrupted {
			t.Errorf("%s waiting for its PIN: %s, want interrupted", tx.ID, got.Code)
		}
	}
	if len(gw.Sales) != sales {
		t.Errorf("recovery sent %d sales", len(gw.Sales)-sales)
	}
	slices.Sort(gw.Voids)
	wantVoids := []string{approvedGID[authApproved.ID], approvedGID[owedApproved.ID]}
	slices.Sort(wantVoids)
	if !slices.Equal(gw.Voids, wantVoids) {
		t.Errorf("voids %v, want %v", gw.Voids, wantVoids)
	}
	if !slices.Contains(rep.Reprint, unprinted.ID) || slices.Contains(rep.Reprint, printed.ID) {
		t.Errorf("reprint list %v", rep.Reprint)
	}
	if rep.Queued != 1 || !rep.Done() || len(rep.Reversed) != 2 || len(rep.Cancelled) != 2 {
		t.Errorf("report %+v", rep)
	}
	// Nothing left to do: a second run changes nothing.
	rep, err = Recover(ctx, st, gw, nil)
	if err != nil || len(rep.Cancelled)+len(rep.Failed)+len(rep.Reversed)+len(rep.Pending) != 0 {
		t.Errorf("second recovery: %+v, %v", rep, err)
	}
}

func TestRecoverGatewayUnreachableThenBack(t *testing.T) {
	ctx := context.Background()
	st, _ := newStore(t)
	tx := cardTxn(1, t0)
	saveNew(t, st, tx)
	walk(t, st, tx, payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateAuthorising)
	inner := &paymenttest.Gateway{}
	inner.Sale(ctx, payment.SaleRequest{OrderID: tx.OrderID, Amount: tx.Amount})
	inner.Err = payment.ErrGatewayUnavailable
	gw := &voidFails{Gateway: inner}

	rep, err := Recover(ctx, st, gw, nil)
	if err != nil || rep.Done() || rep.Pending[0] != tx.ID {
		t.Fatalf("unreachable: %+v, %v", rep, err)
	}
	if got, _ := st.Get(ctx, tx.ID); got.State != payment.StateAuthorising {
		t.Errorf("state changed while unreachable: %s", got.State)
	}
	// Lookups work again but the void fails: recorded approved, reversal owed.
	inner.Err = nil
	gw.broken = true
	rep, _ = Recover(ctx, st, gw, nil)
	got, _ := st.Get(ctx, tx.ID)
	if rep.Done() || got.State != payment.StateApproved || !got.ReversalPending {
		t.Fatalf("void failed: %+v; state %s pending %v", rep, got.State, got.ReversalPending)
	}
	gw.broken = false
	rep, _ = Recover(ctx, st, gw, nil)
	got, _ = st.Get(ctx, tx.ID)
	if !rep.Done() || got.State != payment.StateReversed || got.ReversalPending || len(inner.Voids) != 1 {
		t.Errorf("after the void: %+v; state %s pending %v voids %v", rep, got.State, got.ReversalPending, inner.Voids)
	}
	if rep, _ := Recover(ctx, st, nil, nil); !rep.Done() {
		t.Errorf("nothing left, nil gateway: %+v", rep)
	}
}

// TestForwarderResolvesOwedReversals: a sale left failed with a reversal
// owed at runtime, and an authorisation boot recovery left pending, are
// resolved by the forwarder once the gateway answers — while a payment the
// service is running right now is left alone.
func TestForwarderResolvesOwedReversals(t *testing.T) {
	ctx := context.Background()
	st, _ := newStore(t)
	gw := &paymenttest.Gateway{}
	owed := cardTxn(1, t0)
	saveNew(t, st, owed)
	walk(t, st, owed, payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateAuthorising)
	owed.ReversalPending = true
	walk(t, st, owed, payment.StateFailed)
	boot := cardTxn(2, t0)
	saveNew(t, st, boot)
	walk(t, st, boot, payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateAuthorising)
	live := cardTxn(3, t0)
	saveNew(t, st, live)
	walk(t, st, live, payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateAuthorising)
	for _, tx := range []*payment.Transaction{owed, boot, live} {
		gw.Sale(ctx, payment.SaleRequest{OrderID: tx.OrderID, Amount: tx.Amount})
	}
	var events []payment.EventType
	f := NewForwarder(st, gw, &ForwarderOpts{OnChange: func(ev payment.EventType, _ *payment.Transaction) { events = append(events, ev) }})
	f.Resolve(boot.ID)
	if _, err := f.ForwardNow(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Get(ctx, owed.ID); got.ReversalPending {
		t.Error("owed reversal not done")
	}
	if got, _ := st.Get(ctx, boot.ID); got.State != payment.StateReversed {
		t.Errorf("boot-pending: %s, want reversed", got.State)
	}
	if got, _ := st.Get(ctx, live.ID); got.State != payment.StateAuthorising {
		t.Errorf("a live payment was touched: %s", got.State)
	}
	if len(gw.Voids) != 2 {
		t.Errorf("voids %v, want 2", gw.Voids)
	}
	if len(events) != 2 || events[0] != payment.EventReversed {
		t.Errorf("events %v", events)
	}
}
