package payment_test

import (
	"context"
	"errors"
	"runtime"
	"testing"

	"tpe/payment"
)

// holdingJournal, once armed, holds the Z report after it has read its
// batch's payments (List with a batch) until released: the window between
// a Z report's totals and the batch's close.
type holdingJournal struct {
	payment.Journal
	armed   chan struct{} // closed to arm
	listing chan struct{}
	release chan struct{}
}

func (j *holdingJournal) List(ctx context.Context, q payment.Query) ([]*payment.Transaction, error) {
	txns, err := j.Journal.List(ctx, q)
	select {
	case <-j.armed:
		if q.Batch > 0 {
			j.listing <- struct{}{}
			<-j.release
		}
	default:
	}
	return txns, err
}

// TestLinkPaidDuringTheClose: a link the gateway reports paid while the Z
// report is being totalled is counted either in that report or in the
// next batch — never left in the closed batch behind its report.
func TestLinkPaidDuringTheClose(t *testing.T) {
	links := &mailDownLinks{status: "pending"}
	j := &holdingJournal{armed: make(chan struct{}), listing: make(chan struct{}), release: make(chan struct{})}
	r := newRig(t, func(o *payment.Opts) {
		o.Links = links
		j.Journal = o.Journal
		o.Journal = j
	})
	ctx := context.Background()
	tx, err := r.svc.Pay(ctx, payment.Request{Method: payment.MethodPayLink, Amount: eur(900), Email: "a@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	r.svc.Wait()

	close(j.armed)
	type closed struct {
		z   payment.Report
		err error
	}
	zc := make(chan closed, 1)
	go func() {
		z, err := r.svc.CloseBatch(ctx)
		zc <- closed{z, err}
	}()
	<-j.listing // the Z report has read batch 1's payments
	links.mu.Lock()
	links.status = "paid"
	links.mu.Unlock()
	refreshed := make(chan error, 1)
	go func() {
		_, err := r.svc.RefreshLink(ctx, tx.ID)
		refreshed <- err
	}()
	// Let the refresh run as far as it can before the close goes on: a
	// refresh free to record the payment now would put it in batch 1
	// behind the Z report's back.
	for range 1000 {
		runtime.Gosched()
	}
	close(j.release)
	c := <-zc
	if c.err != nil {
		t.Fatal(c.err)
	}
	if err := <-refreshed; err != nil {
		t.Fatal(err)
	}
	got, err := r.svc.Get(ctx, tx.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != payment.StateApproved {
		t.Fatalf("link: %s, want approved", got.State)
	}
	inZ := c.z.SalesCount == 1 && c.z.SalesTotal == 900
	if inZ != (got.Batch == 1) || (!inZ && (got.Batch != 2 || got.CreatedBatch != 1)) {
		t.Errorf("Z report of batch 1 counts %d sale(s) (%d); the payment is in batch %d (created in %d)",
			c.z.SalesCount, c.z.SalesTotal, got.Batch, got.CreatedBatch)
	}
}

// slowLinks answers Status only when released, after saying it was asked.
type slowLinks struct {
	mailDownLinks
	asked   chan struct{}
	release chan struct{}
}

func (l *slowLinks) Status(ctx context.Context, id string) (payment.LinkState, error) {
	l.asked <- struct{}{}
	<-l.release
	return l.mailDownLinks.Status(ctx, id)
}

// TestPaymentStartedDuringTheLinkRefresh: a card payment that starts
// while the close is asking the gateway about pending links keeps the
// batch open (ErrBusy), as one running before the close does: the Z
// report would otherwise total a batch a payment is still being made in.
func TestPaymentStartedDuringTheLinkRefresh(t *testing.T) {
	links := &slowLinks{mailDownLinks: mailDownLinks{status: "pending"}, asked: make(chan struct{}), release: make(chan struct{})}
	r := newRig(t, func(o *payment.Opts) { o.Links = links })
	ctx := context.Background()
	if _, err := r.svc.Pay(ctx, payment.Request{Method: payment.MethodPayLink, Amount: eur(900), Email: "a@example.com"}); err != nil {
		t.Fatal(err)
	}
	r.svc.Wait()
	zc := make(chan error, 1)
	go func() {
		_, err := r.svc.CloseBatch(ctx)
		zc <- err
	}()
	<-links.asked // the close asks about the pending link
	card, err := r.svc.Pay(ctx, payment.Request{Method: payment.MethodCard, Amount: eur(1200)})
	if err != nil {
		t.Fatal(err)
	}
	close(links.release)
	if err := <-zc; !errors.Is(err, payment.ErrBusy) {
		t.Errorf("close with a card payment started meanwhile: %v, want ErrBusy", err)
	}
	if b, _ := r.journal.Batch(ctx); b != 1 {
		t.Errorf("open batch %d after the refused close, want 1", b)
	}
	if _, err := r.svc.Cancel(ctx, card.ID); err != nil {
		t.Fatal(err)
	}
}
