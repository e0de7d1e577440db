package payment_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"tpe/payment"
	"tpe/payment/paymenttest"
)

// gatedGateway holds every Refund and Void at the gateway until the test
// releases it, so operations overlap for certain; Record can be broken.
type gatedGateway struct {
	*paymenttest.Gateway
	entered chan struct{}
	release chan struct{}

	mu        sync.Mutex
	recordErr error
}

func newGated() *gatedGateway {
	return &gatedGateway{Gateway: &paymenttest.Gateway{}, entered: make(chan struct{}, 64), release: make(chan struct{})}
}

func (g *gatedGateway) Refund(ctx context.Context, id string, a payment.Amount) (payment.GatewayResult, error) {
	g.entered <- struct{}{}
	<-g.release
	return g.Gateway.Refund(ctx, id, a)
}

func (g *gatedGateway) Void(ctx context.Context, id string, a payment.Amount) (payment.GatewayResult, error) {
	g.entered <- struct{}{}
	<-g.release
	return g.Gateway.Void(ctx, id, a)
}

func (g *gatedGateway) Record(ctx context.Context, id string) (payment.GatewayResult, error) {
	g.mu.Lock()
	err := g.recordErr
	g.mu.Unlock()
	if err != nil {
		return payment.GatewayResult{}, err
	}
	return g.Gateway.Record(ctx, id)
}

func (g *gatedGateway) breakRecord(err error) {
	g.mu.Lock()
	g.recordErr = err
	g.mu.Unlock()
}

// A refund holds its payment from the journaled intent to the gateway's
// answer: 19 refunds sent meanwhile are refused, none reaches the gateway.
func TestConcurrentRefundsOneAtATime(t *testing.T) {
	gw := newGated()
	r := newRig(t, func(o *payment.Opts) { o.Card.Gateway = gw })
	gw.Gateway = r.gw // the rig's gateway answered the sale: keep its records
	close(gw.release)
	tx := r.pay(t, payment.Request{Amount: eur(1000)}, visa())
	gw.release = make(chan struct{})

	ctx := context.Background()
	first := make(chan error, 1)
	go func() { _, err := r.svc.Refund(ctx, tx.ID, eur(100)); first <- err }()
	<-gw.entered // the first refund is at the gateway
	var wg sync.WaitGroup
	errs := make(chan error, 19)
	for range 19 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := r.svc.Refund(ctx, tx.ID, eur(100))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, payment.ErrOperationInProgress) {
			t.Errorf("refund during another: %v, want ErrOperationInProgress", err)
		}
	}
	close(gw.release)
	if err := <-first; err != nil {
		t.Fatalf("first refund: %v", err)
	}
	got, _ := r.svc.Get(ctx, tx.ID)
	if got.Refunded() != 100 || len(r.gw.Refunds) != 1 || got.State != payment.StatePartiallyRefunded || got.Pending != nil {
		t.Fatalf("terminal refunded %d (%s, pending %v), gateway saw %d refunds", got.Refunded(), got.State, got.Pending, len(r.gw.Refunds))
	}
	// Sequential refunds after it still work, up to the payment.
	for range 9 {
		if _, err := r.svc.Refund(ctx, tx.ID, eur(100)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.svc.RefundRest(ctx, tx.ID); !errors.Is(err, payment.ErrNotRefundable) {
		t.Errorf("refund of a fully refunded payment: %v, want ErrNotRefundable", err)
	}
	got, _ = r.svc.Get(ctx, tx.ID)
	rec, _ := r.gw.Record(ctx, got.GatewayID)
	if got.Refunded() != rec.Refunded || got.State != payment.StateRefunded {
		t.Errorf("terminal refunded %d (%s), gateway %d", got.Refunded(), got.State, rec.Refunded)
	}
}

// A refund whose answer is lost is settled from the gateway's record at
// once; a retry then finds nothing left to refund.
func TestLostRefundAnswerSettledFromRecord(t *testing.T) {
	r := newRig(t, nil)
	tx := r.pay(t, payment.Request{Amount: eur(1000)}, visa())
	ctx := context.Background()
	r.gw.LoseReply = errors.New("read tcp: connection reset by peer")
	got, err := r.svc.RefundRest(ctx, tx.ID)
	if err != nil || got.State != payment.StateRefunded || got.Refunded() != 1000 {
		t.Fatalf("refund with a lost answer: %v %+v", err, got)
	}
	if _, err := r.svc.RefundRest(ctx, tx.ID); !errors.Is(err, payment.ErrNotRefundable) {
		t.Errorf("retry: %v, want ErrNotRefundable", err)
	}
	if len(r.gw.Refunds) != 1 {
		t.Errorf("gateway saw %d refunds, want 1", len(r.gw.Refunds))
	}
}

// When the record cannot be read either, the refund stays pending, blocks
// the payment, and Resolve settles it once the gateway answers.
func TestUnknownRefundStaysPendingUntilResolved(t *testing.T) {
	gw := newGated()
	close(gw.release)
	r := newRig(t, func(o *payment.Opts) { o.Card.Gateway = gw })
	gw.Gateway = r.gw
	tx := r.pay(t, payment.Request{Amount: eur(1000)}, visa())
	ctx := context.Background()
	r.gw.LoseReply = errors.New("read tcp: i/o timeout")
	gw.breakRecord(payment.ErrGatewayUnavailable)
	got, err := r.svc.Refund(ctx, tx.ID, eur(400))
	if !errors.Is(err, payment.ErrOutcomeUnknown) || got == nil || got.State != payment.StateRefundPending ||
		got.Pending == nil || !got.Pending.Unknown {
		t.Fatalf("got %v %+v, want refund_pending with an unknown outcome", err, got)
	}
	if got.State.Status() != payment.StatusRefundPending || got.Refunded() != 0 {
		t.Errorf("status %s refunded %d", got.State.Status(), got.Refunded())
	}
	if _, err := r.svc.Refund(ctx, tx.ID, eur(100)); !errors.Is(err, payment.ErrOperationInProgress) {
		t.Errorf("refund while one is pending: %v", err)
	}
	if _, err := r.svc.Void(ctx, tx.ID); !errors.Is(err, payment.ErrOperationInProgress) {
		t.Errorf("void while a refund is pending: %v", err)
	}
	rep, _ := r.svc.Report(ctx)
	if rep.RefundsTotal != 0 || rep.SalesTotal != 1000 {
		t.Errorf("X report while pending: sales %d refunds %d, want 1000 and 0", rep.SalesTotal, rep.RefundsTotal)
	}
	gw.breakRecord(nil)
	got, err = r.svc.Resolve(ctx, tx.ID)
	if err != nil || got.State != payment.StatePartiallyRefunded || got.Refunded() != 400 || got.Pending != nil {
		t.Fatalf("resolved: %v %+v", err, got)
	}
	if len(r.gw.Refunds) != 1 {
		t.Errorf("gateway saw %d refunds, want 1", len(r.gw.Refunds))
	}
}

// A lost void answer: the record says cancelled, the payment is reversed.
func TestLostVoidAnswerSettledFromRecord(t *testing.T) {
	r := newRig(t, nil)
	tx := r.pay(t, payment.Request{Amount: eur(1000)}, visa())
	r.gw.LoseReply = errors.New("EOF")
	got, err := r.svc.Void(context.Background(), tx.ID)
	if err != nil || got.State != payment.StateReversed || got.Pending != nil {
		t.Fatalf("void with a lost answer: %v %+v", err, got)
	}
	if len(r.gw.Voids) != 1 {
		t.Errorf("gateway saw %d voids", len(r.gw.Voids))
	}
}

// A refund the gateway refuses or never receives leaves the payment as it was.
func TestRefusedOrUnsentRefundLeavesPaymentAsItWas(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"unreachable", payment.ErrGatewayUnavailable, payment.ErrGatewayUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, nil)
			tx := r.pay(t, payment.Request{Amount: eur(1000)}, visa())
			r.gw.Err = tc.err
			if _, err := r.svc.Refund(context.Background(), tx.ID, eur(100)); !errors.Is(err, tc.want) {
				t.Fatalf("refund: %v, want %v", err, tc.want)
			}
			got, _ := r.svc.Get(context.Background(), tx.ID)
			if got.State != payment.StateApproved || got.Pending != nil || got.Refunded() != 0 {
				t.Errorf("after a refund that did not happen: %s pending %v", got.State, got.Pending)
			}
			r.gw.Err = nil
			if _, err := r.svc.Refund(context.Background(), tx.ID, eur(100)); err != nil {
				t.Errorf("refund after the gateway is back: %v", err)
			}
		})
	}
}

func TestSettleFromRecord(t *testing.T) {
	base := func(state payment.State, kind payment.OpKind, amount int64) *payment.Transaction {
		tx := &payment.Transaction{ID: "pay_1", State: state, Amount: eur(1000),
			Refunds: []payment.Refund{{ID: "rfd_0", Amount: eur(200)}}}
		tx.Pending = &payment.Operation{ID: "op_1", Kind: kind, Amount: eur(amount), From: payment.StatePartiallyRefunded}
		if kind == payment.OpVoid {
			tx.Refunds = nil
			tx.Pending.From = payment.StateApproved
		}
		return tx
	}
	for _, tc := range []struct {
		name     string
		tx       *payment.Transaction
		rec      payment.GatewayResult
		settled  bool
		err      error
		state    payment.State
		refunded int64
	}{
		{"refund made", base(payment.StateRefundPending, payment.OpRefund, 300), payment.GatewayResult{Status: payment.TxnRefunded, Refunded: 500}, true, nil, payment.StatePartiallyRefunded, 500},
		{"refund made in full", base(payment.StateRefundPending, payment.OpRefund, 800), payment.GatewayResult{Status: payment.TxnRefunded, Refunded: 1000}, true, nil, payment.StateRefunded, 1000},
		{"refund not made", base(payment.StateRefundPending, payment.OpRefund, 300), payment.GatewayResult{Status: payment.TxnRefunded, Refunded: 200}, true, nil, payment.StatePartiallyRefunded, 200},
		{"record below journal", base(payment.StateRefundPending, payment.OpRefund, 300), payment.GatewayResult{Status: payment.TxnApproved, Refunded: 100}, false, payment.ErrRecordMismatch, payment.StateRefundPending, 200},
		{"void made", base(payment.StateVoidPending, payment.OpVoid, 1000), payment.GatewayResult{Status: payment.TxnVoided}, true, nil, payment.StateReversed, 0},
		{"void not made", base(payment.StateVoidPending, payment.OpVoid, 1000), payment.GatewayResult{Status: payment.TxnApproved}, true, nil, payment.StateApproved, 0},
		{"void record silent", base(payment.StateVoidPending, payment.OpVoid, 1000), payment.GatewayResult{}, false, nil, payment.StateVoidPending, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Settled while batch 2 is open: a refund made counts in it.
			settled, err := payment.SettleFromRecord(tc.tx, tc.rec, tc.tx.CreatedAt, 2)
			if settled != tc.settled || !errors.Is(err, tc.err) || (tc.err == nil && err != nil) {
				t.Fatalf("settled %v err %v, want %v %v", settled, err, tc.settled, tc.err)
			}
			if tc.tx.State != tc.state || tc.tx.Refunded() != tc.refunded {
				t.Errorf("state %s refunded %d, want %s %d", tc.tx.State, tc.tx.Refunded(), tc.state, tc.refunded)
			}
			if settled && tc.tx.Pending != nil {
				t.Error("settled but still pending")
			}
			if n := len(tc.tx.Refunds); n > 0 && tc.tx.Refunds[n-1].ID == "op_1" && tc.tx.Refunds[n-1].Batch != 2 {
				t.Errorf("refund settled in batch %d, want the open batch 2", tc.tx.Refunds[n-1].Batch)
			}
		})
	}
}

// diskFull is a journal error carrying its storage fault, as offline's do.
type diskFull struct{}

func (diskFull) Error() string {
	return "offline: journal write failed: /var/lib/tpe/journal.db: no space left"
}
func (diskFull) StorageFault() payment.StorageFault {
	return payment.StorageFault{Code: "storage_full", Message: "the journal's disk is full", Fix: "free space"}
}
func (diskFull) Is(target error) bool { return target == payment.ErrStorageFull }

// A payment whose next step cannot be journaled ends for everyone
// following it, with the storage fault's words (no file path).
func TestStepThatCannotBeJournaledIsAnnounced(t *testing.T) {
	r := newRig(t, nil)
	tx, err := r.svc.Pay(context.Background(), payment.Request{Amount: eur(1000), Method: payment.MethodCard})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, r.events, payment.EventWaitingCard)
	r.journal.Fail = diskFull{}
	r.cards.Present(*visa())
	r.svc.Wait()
	for {
		select {
		case e := <-r.events:
			if e.Type != payment.EventFailed {
				continue
			}
			if e.Payment.ID != tx.ID || e.Payment.State != payment.StateFailed || e.Message != "the journal's disk is full" {
				t.Fatalf("failed event %+v", e)
			}
			return
		default:
			t.Fatal("no payment.failed event after the journal filled up")
		}
	}
}

// A second partial refund whose answer was lost, settled from the record,
// is reported made although the payment stays partially_refunded.
func TestLostSecondPartialRefundIsReportedMade(t *testing.T) {
	r := newRig(t, nil)
	tx := r.pay(t, payment.Request{Amount: eur(1000)}, visa())
	ctx := context.Background()
	if _, err := r.svc.Refund(ctx, tx.ID, eur(200)); err != nil {
		t.Fatal(err)
	}
	events, stop := r.svc.Subscribe(16)
	defer stop()
	r.gw.LoseReply = errors.New("EOF")
	got, err := r.svc.Refund(ctx, tx.ID, eur(300))
	if err != nil || got.State != payment.StatePartiallyRefunded || got.Refunded() != 500 {
		t.Fatalf("second refund with a lost answer: %v %s refunded %d", err, got.State, got.Refunded())
	}
	var refunded bool
	for len(events) > 0 {
		if e := <-events; e.Type == payment.EventRefunded {
			refunded = true
		}
	}
	if !refunded {
		t.Error("no payment.refunded event for a refund settled from the record")
	}
}
