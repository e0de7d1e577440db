package payment_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"tpe/payment"
	"tpe/payment/paymenttest"
)

// holdingJournal, once armed, holds the Z report after it has read its
// batch's payments (List of the money moved in a batch) until released: the window between
// a Z report's totals and the batch's close.
type holdingJournal struct {
	payment.Journal
	armed   chan struct{} // closed to arm
	listing chan struct{}
	release chan struct{}
	once    sync.Once
}

func (j *holdingJournal) List(ctx context.Context, q payment.Query) ([]*payment.Transaction, error) {
	txns, err := j.Journal.List(ctx, q)
	select {
	case <-j.armed:
		if q.MovedIn > 0 { // the report's totals, held once
			j.once.Do(func() {
				j.listing <- struct{}{}
				<-j.release
			})
		}
	default:
	}
	return txns, err
}

// closeDuring closes svc's batch and, once the Z report has read its
// payments, runs op beside it, letting op get as far as it can before the
// close goes on. It returns the Z report and op's error.
func (j *holdingJournal) closeDuring(t *testing.T, svc *payment.Service, op func() error) (payment.Report, error) {
	t.Helper()
	close(j.armed)
	type closed struct {
		z   payment.Report
		err error
	}
	zc := make(chan closed, 1)
	go func() {
		z, err := svc.CloseBatch(context.Background())
		zc <- closed{z, err}
	}()
	<-j.listing // the Z report has read the batch's payments
	opc := make(chan error, 1)
	go func() { opc <- op() }()
	// An op free to record its money now would put it in the closed batch
	// behind the Z report's back: give it every chance to.
	for range 1000 {
		runtime.Gosched()
	}
	close(j.release)
	c := <-zc
	if c.err != nil {
		t.Fatal(c.err)
	}
	return c.z, <-opc
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

	z, err := j.closeDuring(t, r.svc, func() error {
		links.mu.Lock()
		links.status = "paid"
		links.mu.Unlock()
		_, err := r.svc.RefreshLink(ctx, tx.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.svc.Get(ctx, tx.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != payment.StateApproved {
		t.Fatalf("link: %s, want approved", got.State)
	}
	inZ := z.SalesCount == 1 && z.SalesTotal == 900
	if inZ != (got.Batch == 1) || (!inZ && (got.Batch != 2 || got.CreatedBatch != 1)) {
		t.Errorf("Z report of batch 1 counts %d sale(s) (%d); the payment is in batch %d (created in %d)",
			z.SalesCount, z.SalesTotal, got.Batch, got.CreatedBatch)
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

// TestRefundDuringTheClose: a refund of one of the batch's sales that the
// bank accepts while the Z report is being totalled counts either in that
// report or in the next batch — never in the closed batch behind its
// report. Without the batch lock around the refund's record, it lands in
// batch 1 after its Z report was totalled.
func TestRefundDuringTheClose(t *testing.T) {
	j := &holdingJournal{armed: make(chan struct{}), listing: make(chan struct{}), release: make(chan struct{})}
	r := newRig(t, func(o *payment.Opts) {
		j.Journal = o.Journal
		o.Journal = j
	})
	ctx := context.Background()
	sale := r.pay(t, payment.Request{Amount: eur(2000)}, visa())
	if sale.State != payment.StateApproved {
		t.Fatalf("sale %s", sale.State)
	}

	z, err := j.closeDuring(t, r.svc, func() error {
		_, err := r.svc.Refund(ctx, sale.ID, eur(300))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.svc.Get(ctx, sale.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Refunds) != 1 || got.Batch != 1 {
		t.Fatalf("sale: batch %d, refunds %+v; want batch 1 and one refund", got.Batch, got.Refunds)
	}
	rb := got.RefundBatch(got.Refunds[0])
	inZ := z.RefundsCount == 1 && z.RefundsTotal == 300
	if inZ != (rb == 1) || (!inZ && (rb != 2 || z.RefundsCount != 0)) {
		t.Errorf("Z report of batch 1 counts %d refund(s) (%d); the refund counts in batch %d", z.RefundsCount, z.RefundsTotal, rb)
	}
	if !inZ {
		x, err := r.svc.Report(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if x.Batch != 2 || x.RefundsTotal != 300 || len(x.EarlierRefunds) != 1 || x.EarlierRefunds[0].SaleBatch != 1 {
			t.Errorf("X report of batch 2: %+v; want the refund of batch 1's sale", x)
		}
	}
}

// TestVoidAfterItsBatchClosed: a sale counted in a Z report is not voided
// any more (the closed batch would lose it); it is refunded, and the
// refund counts in the open batch. An offline approval counted in a closed
// batch is not voided either.
func TestVoidAfterItsBatchClosed(t *testing.T) {
	r := newRig(t, nil)
	ctx := context.Background()
	sale := r.pay(t, payment.Request{Amount: eur(2000)}, visa())
	offline := r.pay(t, payment.Request{Amount: eur(700), Policy: payment.ForceOffline}, visa())
	if sale.State != payment.StateApproved || offline.State != payment.StateOfflineApproved {
		t.Fatalf("sales %s and %s", sale.State, offline.State)
	}
	z, err := r.svc.CloseBatch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tx := range []*payment.Transaction{sale, offline} {
		if _, err := r.svc.Void(ctx, tx.ID); !errors.Is(err, payment.ErrNotCancellable) {
			t.Errorf("void of %s in closed batch 1: %v; want ErrNotCancellable", tx.State, err)
		}
		if got, _ := r.svc.Get(ctx, tx.ID); got.State != tx.State || got.Pending != nil {
			t.Errorf("refused void changed the payment: %s, pending %v", got.State, got.Pending)
		}
	}
	if len(r.gw.Voids) != 0 {
		t.Errorf("the gateway was asked to void %v", r.gw.Voids)
	}
	if _, err := r.svc.Refund(ctx, sale.ID, eur(2000)); err != nil {
		t.Fatal(err)
	}
	figures, err := r.svc.List(ctx, payment.Query{Batch: 1})
	if err != nil {
		t.Fatal(err)
	}
	var sales int64
	for _, tx := range figures {
		if tx.State.Approved() {
			sales += tx.Amount.Minor
		}
	}
	if sales != z.SalesTotal {
		t.Errorf("batch 1 sales now %d, its Z report said %d", sales, z.SalesTotal)
	}
	x, err := r.svc.Report(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if x.RefundsTotal != 2000 || x.SalesTotal != 0 || x.Net != -2000 {
		t.Errorf("X report of batch 2: %+v; want the refund only, net -20,00", x)
	}
}

// voidHoldingGateway holds a void at the bank until released.
type voidHoldingGateway struct {
	*paymenttest.Gateway
	asked, release chan struct{}
}

func (g *voidHoldingGateway) Void(ctx context.Context, id string, a payment.Amount) (payment.GatewayResult, error) {
	g.asked <- struct{}{}
	<-g.release
	return g.Gateway.Void(ctx, id, a)
}

// TestCloseWaitsForAVoid: a void awaiting the bank's answer keeps its
// batch open (ErrBusy): answered after the Z report, it would take a sale
// out of a closed batch. Once it is answered the batch closes without the
// voided sale.
func TestCloseWaitsForAVoid(t *testing.T) {
	gw := &voidHoldingGateway{Gateway: &paymenttest.Gateway{}, asked: make(chan struct{}), release: make(chan struct{})}
	r := newRig(t, func(o *payment.Opts) { o.Card.Gateway = gw })
	ctx := context.Background()
	sale := r.pay(t, payment.Request{Amount: eur(2000)}, visa())
	voided := make(chan error, 1)
	go func() {
		_, err := r.svc.Void(ctx, sale.ID)
		voided <- err
	}()
	<-gw.asked
	if _, err := r.svc.CloseBatch(ctx); !errors.Is(err, payment.ErrBusy) {
		t.Fatalf("close during a void: %v; want ErrBusy", err)
	}
	close(gw.release)
	if err := <-voided; err != nil {
		t.Fatal(err)
	}
	z, err := r.svc.CloseBatch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if z.Batch != 1 || z.SalesCount != 0 {
		t.Errorf("Z report %+v; want batch 1 without the voided sale", z)
	}
}

// TestRefundJournaledWithoutItsBatch: a refund journaled before refunds
// recorded their batch (Refund.Batch 0) counts in its payment's batch, as
// it did then; one recorded in a later batch counts there and the report
// names the sale it refunds.
func TestRefundJournaledWithoutItsBatch(t *testing.T) {
	r := newRig(t, nil)
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	old := &payment.Transaction{ID: "pay_old", OrderID: "o1", Method: payment.MethodCard, State: payment.StatePartiallyRefunded,
		Amount: eur(5000), Batch: 1, Card: &payment.CardData{Brand: "visa"}, CreatedAt: at, UpdatedAt: at,
		Refunds: []payment.Refund{{ID: "rfd_old", Amount: eur(1000), At: at}, {ID: "rfd_new", Amount: eur(500), At: at.Add(time.Hour), Batch: 2}}}
	if err := r.journal.Save(ctx, old); err != nil {
		t.Fatal(err)
	}
	seq := old.Sequence // the journal numbers it
	z1, err := r.svc.CloseBatch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if z1.SalesTotal != 5000 || z1.RefundsTotal != 1000 || len(z1.EarlierRefunds) != 0 {
		t.Errorf("batch 1: %+v; want the sale and the refund journaled without a batch", z1)
	}
	x, err := r.svc.Report(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := payment.EarlierRefund{RefundID: "rfd_new", PaymentID: "pay_old", Sequence: seq, SaleBatch: 1, Method: payment.MethodCard,
		Brand: "visa", Amount: 500, At: at.Add(time.Hour)}
	if x.SalesCount != 0 || x.RefundsTotal != 500 || x.Net != -500 || len(x.EarlierRefunds) != 1 || x.EarlierRefunds[0] != want {
		t.Errorf("batch 2: %+v; want the refund of batch 1's sale %+v", x, want)
	}
	if len(x.Lines) != 1 || x.Lines[0].Brand != "visa" || x.Lines[0].RefundsTotal != 500 || x.Lines[0].SalesCount != 0 {
		t.Errorf("batch 2 lines: %+v", x.Lines)
	}
	for lang, named := range map[string]string{"fr": fmt.Sprintf("VENTE LOT 1 TRANS. %06d", seq), "en": fmt.Sprintf("SALE BATCH 1 TXN %06d", seq)} {
		text := payment.ReportText(x, payment.Merchant{TerminalID: "T1"}, lang)
		i := strings.Index(text, named)
		if i < 0 || !strings.Contains(strings.SplitN(text[i:], "\n", 2)[0], "5") {
			t.Errorf("%s report does not name the refunded sale and its amount (%q):\n%s", lang, named, text)
		}
	}
}
