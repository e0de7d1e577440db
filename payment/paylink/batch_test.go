package paylink_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"tpe/offline"
	"tpe/payment"
)

// terminal is a Service over the bbolt journal at path, as cmd wires it: a
// restart closes both and opens them again on the same file.
type terminal struct {
	store *offline.Store
	svc   *payment.Service
}

func startTerminal(t *testing.T, e *env, path, keyFile string) *terminal {
	t.Helper()
	store, err := offline.Open(path, &offline.Opts{KeyFile: keyFile, CreateKey: true})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := payment.New(payment.Opts{Journal: store, Links: e.links, Card: payment.CardPorts{Gateway: e.client},
		Receipts: payment.ReceiptPorts{Notifier: e.mailer, EmailCustomer: true}, Merchant: merchant, Lang: "fr",
		Currency: "EUR", Now: e.clock.Now})
	if err != nil {
		store.Close()
		t.Fatal(err)
	}
	return &terminal{store: store, svc: svc}
}

func (tm *terminal) stop(t *testing.T) {
	t.Helper()
	tm.svc.Close()
	if err := tm.store.Close(); err != nil {
		t.Fatal(err)
	}
}

// figures is what a batch's report totals, read again from the journal:
// approved payments counted, their amounts and their refunds.
type figures struct {
	sales, refunds int
	salesTotal     int64
	refundsTotal   int64
}

func batchFigures(t *testing.T, svc *payment.Service, batch int) figures {
	t.Helper()
	txns, err := svc.List(context.Background(), payment.Query{Batch: batch})
	if err != nil {
		t.Fatal(err)
	}
	var f figures
	for _, tx := range txns {
		if !tx.State.Approved() {
			continue
		}
		f.sales++
		f.salesTotal += tx.Amount.Minor
		for _, r := range tx.Refunds {
			f.refunds++
			f.refundsTotal += r.Amount.Minor
		}
	}
	return f
}

func reportFigures(r payment.Report) figures {
	return figures{sales: r.SalesCount, salesTotal: r.SalesTotal, refunds: r.RefundsCount, refundsTotal: r.RefundsTotal}
}

// TestLinkPaidAfterItsBatchClosed: a link created in batch 1 and paid by
// the customer after the Z report closed batch 1 counts in batch 2, the
// batch open when the terminal learnt of the money; batch 1's figures stay
// those of its Z report. The journal is a real bbolt file and the terminal
// restarts between the close and the payment and again after it; the link
// is followed at the gateway simulator over loopback HTTP, and its refund
// goes to the gateway and counts in batch 2 as well.
func TestLinkPaidAfterItsBatchClosed(t *testing.T) {
	e := newEnv(t, 0, "fr") // default validity: 7 days
	dir := t.TempDir()
	path, keyFile := filepath.Join(dir, "journal.db"), filepath.Join(t.TempDir(), "device.key")
	ctx := context.Background()
	tm := startTerminal(t, e, path, keyFile)
	send := func(email string, minor int64) *payment.Transaction {
		t.Helper()
		tx, err := tm.svc.Pay(ctx, payment.Request{Method: payment.MethodPayLink, Amount: eur(minor), Email: email})
		if err != nil {
			t.Fatal(err)
		}
		tm.svc.Wait()
		got, err := tm.svc.Get(ctx, tx.ID)
		if err != nil || got.State != payment.StateAwaitingCustomer || got.Batch != 1 {
			t.Fatalf("link sent: %+v, %v; want awaiting_customer in batch 1", got, err)
		}
		return got
	}
	pay := func(tx *payment.Transaction) {
		t.Helper()
		if code := payPage(t, tx.LinkURL, tx.Amount.Minor, "EUR", "4111111111111111"); code != http.StatusSeeOther {
			t.Fatalf("paying %s: %d", tx.ID, code)
		}
	}

	// Batch 1: one link paid the same day, one still waiting at the close.
	// The close itself asks the gateway about pending links: the on-time
	// one, paid a moment before and not yet refreshed, is in the Z report.
	onTime := send("today@example.com", 2500)
	late := send("late@example.com", 6400)
	pay(onTime)
	z1, err := tm.svc.CloseBatch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if z1.Batch != 1 || z1.SalesCount != 1 || z1.SalesTotal != 2500 {
		t.Fatalf("Z report of batch 1: %+v; want the on-time link only", z1)
	}

	// The terminal restarts overnight; the customer pays the next morning.
	tm.stop(t)
	tm = startTerminal(t, e, path, keyFile)
	pay(late)
	if err := tm.svc.RefreshLinks(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := tm.svc.Get(ctx, late.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != payment.StateApproved || got.Batch != 2 || got.CreatedBatch != 1 {
		t.Fatalf("late link: %s in batch %d (created in %d); want approved in batch 2, created in batch 1", got.State, got.Batch, got.CreatedBatch)
	}
	if !got.CreatedAt.Equal(late.CreatedAt) || got.History[0].State != late.History[0].State {
		t.Errorf("the link's creation is rewritten: created %v, history %v", got.CreatedAt, got.History)
	}
	if last := got.History[len(got.History)-1]; !strings.Contains(last.Reason, "batch 2") || !strings.Contains(last.Reason, "batch 1") {
		t.Errorf("the history does not say where the payment counts: %q", last.Reason)
	}
	if f := batchFigures(t, tm.svc, 1); f != reportFigures(z1) {
		t.Errorf("batch 1 after its Z report: %+v; its Z report said %+v", f, reportFigures(z1))
	}
	x, err := tm.svc.Report(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if x.Batch != 2 || x.SalesCount != 1 || x.SalesTotal != 6400 {
		t.Errorf("X report of batch 2: %+v; want the late link's 64,00", x)
	}

	// Refunded in part the same day: the refund follows the payment.
	if _, err := tm.svc.Refund(ctx, late.ID, eur(1000)); err != nil {
		t.Fatal(err)
	}
	tm.stop(t)
	tm = startTerminal(t, e, path, keyFile)
	defer tm.stop(t)
	if got, _ := tm.svc.Get(ctx, late.ID); got.Batch != 2 || got.CreatedBatch != 1 || got.State != payment.StatePartiallyRefunded {
		t.Errorf("after a restart: %s in batch %d (created in %d)", got.State, got.Batch, got.CreatedBatch)
	}
	if f := batchFigures(t, tm.svc, 1); f != reportFigures(z1) {
		t.Errorf("batch 1 after the refund: %+v; its Z report said %+v", f, reportFigures(z1))
	}
	z2, err := tm.svc.CloseBatch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := (figures{sales: 1, salesTotal: 6400, refunds: 1, refundsTotal: 1000}); reportFigures(z2) != want || z2.Batch != 2 || z2.Net != 5400 {
		t.Errorf("Z report of batch 2: %+v (net %d); want %+v, net 5400", reportFigures(z2), z2.Net, want)
	}
	// The on-time link, paid in its own batch, never moved.
	if got, _ := tm.svc.Get(ctx, onTime.ID); got.Batch != 1 || got.CreatedBatch != 0 {
		t.Errorf("on-time link: batch %d, created in %d; want batch 1 and no move", got.Batch, got.CreatedBatch)
	}
}
