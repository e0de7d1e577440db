package payment_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"tpe/payment"
	"tpe/payment/paymenttest"
)

// outcomeGate is a journal that holds the writer of the first card
// payment's outcome just after the write, the moment a cash register may
// already read it.
type outcomeGate struct {
	*paymenttest.Journal
	once    sync.Once
	written chan struct{} // closed once the outcome is on disk
	resume  chan struct{} // closed by the test to let the writer go on
}

func (g *outcomeGate) Save(ctx context.Context, t *payment.Transaction) error {
	if err := g.Journal.Save(ctx, t); err != nil {
		return err
	}
	if t.State == payment.StateFailed {
		g.once.Do(func() { close(g.written); <-g.resume })
	}
	return nil
}

// TestReaderFreeOnceOutcomeReadable: a cash register that reads a card
// payment's outcome and at once starts the next payment is never told
// terminal_busy. (tpe-sim's TestNetworkCutIsNotADecline met this under
// load: the outcome was on disk, the reader freed only after.)
func TestReaderFreeOnceOutcomeReadable(t *testing.T) {
	gate := &outcomeGate{Journal: paymenttest.NewJournal(), written: make(chan struct{}), resume: make(chan struct{})}
	r := newRig(t, func(o *payment.Opts) { o.Journal = gate })
	r.gw.Err = fmt.Errorf("dial: %w", payment.ErrGatewayUnavailable)
	ctx := context.Background()
	first, err := r.svc.Pay(ctx, payment.Request{Amount: eur(1200), Method: payment.MethodCard, Policy: payment.RequireOnline})
	if err != nil {
		t.Fatal(err)
	}
	r.cards.Present(*visa())
	<-gate.written
	if got, err := r.svc.Get(ctx, first.ID); err != nil || got.State.Status() != payment.StatusFailed {
		t.Fatalf("the outcome on disk: %v, %v; want failed", got, err)
	}
	next := make(chan error, 1)
	go func() {
		_, err := r.svc.Pay(ctx, payment.Request{Amount: eur(1300), Method: payment.MethodCard})
		next <- err
	}()
	// Let the next payment run while the first's writer is still held: it
	// must wait for the reader (or find it free), never be refused. (A
	// bounded yield, not a sleep: nothing here waits on real time.)
	for i := 0; i < 1000 && len(next) == 0; i++ {
		runtime.Gosched()
	}
	close(gate.resume)
	if err := <-next; err != nil {
		t.Fatalf("the next payment, once the first's outcome could be read: %v", err)
	}
}
