package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"tpe/offline"
	"tpe/payment"
	"tpe/payment/gateway"
	"tpe/payment/gateway/gatewaysim"
)

// cardTerminal is a card-taking Service over the bbolt journal at path and
// the gateway simulator, as cmd wires it: a restart closes both and opens
// them again on the same file.
type cardTerminal struct {
	store *offline.Store
	svc   *payment.Service
}

func startCardTerminal(t *testing.T, gw *gateway.Client, path, keyFile string) *cardTerminal {
	t.Helper()
	store, err := offline.Open(path, &offline.Opts{KeyFile: keyFile, CreateKey: true})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := payment.New(payment.Opts{Journal: store, Merchant: payment.Merchant{TerminalID: "T0001"},
		Card: payment.CardPorts{Reader: virtualReader{"visa-credit"}, Gateway: gw}})
	if err != nil {
		store.Close()
		t.Fatal(err)
	}
	return &cardTerminal{store: store, svc: svc}
}

func (tm *cardTerminal) stop(t *testing.T) {
	t.Helper()
	tm.svc.Close()
	if err := tm.store.Close(); err != nil {
		t.Fatal(err)
	}
}

// batchTotals is what a batch's Z report totals, counted again from the
// journal: the sales counted in the batch and the refunds recorded in it.
type batchTotals struct {
	sales, refunds          int
	salesTotal, refundTotal int64
}

func journalTotals(t *testing.T, svc *payment.Service, batch int) batchTotals {
	t.Helper()
	txns, err := svc.List(context.Background(), payment.Query{MovedIn: batch})
	if err != nil {
		t.Fatal(err)
	}
	var f batchTotals
	for _, tx := range txns {
		if tx.Batch == batch && tx.State.Approved() {
			f.sales++
			f.salesTotal += tx.Amount.Minor
		}
		for _, r := range tx.Refunds {
			if tx.RefundBatch(r) == batch {
				f.refunds++
				f.refundTotal += r.Amount.Minor
			}
		}
	}
	return f
}

func zTotals(r payment.Report) batchTotals {
	return batchTotals{sales: r.SalesCount, salesTotal: r.SalesTotal, refunds: r.RefundsCount, refundTotal: r.RefundsTotal}
}

// TestRefundOfAClosedBatchesSale: a card sale of batch 1 refunded after
// batch 1's Z report counts in batch 2, the batch open when the bank
// accepted the refund: batch 1's figures stay those of its printed Z
// report, read back from the journal after the refund and after a
// restart, and batch 2's Z report shows the refund and names the sale
// (batch 1, its TRANS. number). The journal is a real bbolt file, the
// terminal restarts between the close and the refund and after it, and the
// sale and refunds go through the gateway simulator over loopback HTTPS.
func TestRefundOfAClosedBatchesSale(t *testing.T) {
	e := newEnv(t, &gatewaysim.Opts{RequireICC: true}, nil)
	gw := e.client(t, nil)
	path, keyFile := filepath.Join(t.TempDir(), "journal.db"), filepath.Join(t.TempDir(), "device.key")
	ctx := context.Background()
	tm := startCardTerminal(t, gw, path, keyFile)
	pay := func(minor int64) *payment.Transaction {
		t.Helper()
		tx, err := tm.svc.Pay(ctx, payment.Request{Amount: eur(minor), Method: payment.MethodCard, Policy: payment.RequireOnline})
		if err != nil {
			t.Fatal(err)
		}
		tm.svc.Wait()
		got, err := tm.svc.Get(ctx, tx.ID)
		if err != nil || got.State != payment.StateApproved {
			t.Fatalf("payment: %+v, %v; want approved", got, err)
		}
		return got
	}

	// Batch 1: two sales, one refunded in part the same day.
	kept, sameDay := pay(4200), pay(1800)
	if _, err := tm.svc.Refund(ctx, sameDay.ID, eur(500)); err != nil {
		t.Fatal(err)
	}
	z1, err := tm.svc.CloseBatch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := (batchTotals{sales: 2, salesTotal: 6000, refunds: 1, refundTotal: 500}); zTotals(z1) != want || z1.Batch != 1 || z1.Net != 5500 {
		t.Fatalf("Z report of batch 1: %+v; want %+v, net 55,00", z1, want)
	}
	printedZ1 := payment.ReportText(z1, payment.Merchant{TerminalID: "T0001"}, "fr")

	// The next morning, after a restart: the customer brings back the
	// first sale's goods.
	tm.stop(t)
	tm = startCardTerminal(t, gw, path, keyFile)
	got, err := tm.svc.Refund(ctx, kept.ID, eur(1200))
	if err != nil {
		t.Fatal(err)
	}
	if got.Batch != 1 || len(got.Refunds) != 1 || got.Refunds[0].Batch != 2 {
		t.Fatalf("refunded sale: batch %d, refunds %+v; want the sale in batch 1, its refund in batch 2", got.Batch, got.Refunds)
	}
	// The other sale is in a closed batch: no void any more.
	if _, err := tm.svc.Void(ctx, sameDay.ID); !errors.Is(err, payment.ErrNotCancellable) {
		t.Errorf("void of a closed batch's sale: %v; want ErrNotCancellable", err)
	}
	if f := journalTotals(t, tm.svc, 1); f != zTotals(z1) {
		t.Errorf("batch 1 after the refund: %+v; its Z report said %+v", f, zTotals(z1))
	}
	x, err := tm.svc.Report(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if x.Batch != 2 || x.SalesCount != 0 || x.RefundsTotal != 1200 || len(x.EarlierRefunds) != 1 ||
		x.EarlierRefunds[0].SaleBatch != 1 || x.EarlierRefunds[0].Sequence != kept.Sequence || x.EarlierRefunds[0].PaymentID != kept.ID {
		t.Errorf("X report of batch 2: %+v; want the refund of batch 1's sale %d", x, kept.Sequence)
	}

	tm.stop(t)
	tm = startCardTerminal(t, gw, path, keyFile)
	defer tm.stop(t)
	if f := journalTotals(t, tm.svc, 1); f != zTotals(z1) {
		t.Errorf("batch 1 after a restart: %+v; its Z report said %+v", f, zTotals(z1))
	}
	z2, err := tm.svc.CloseBatch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := (batchTotals{refunds: 1, refundTotal: 1200}); zTotals(z2) != want || z2.Batch != 2 || z2.Net != -1200 {
		t.Errorf("Z report of batch 2: %+v; want %+v, net -12,00", z2, want)
	}
	text := payment.ReportText(z2, payment.Merchant{TerminalID: "T0001"}, "fr")
	if named := fmt.Sprintf("VENTE LOT 1 TRANS. %06d", kept.Sequence); !strings.Contains(text, named) {
		t.Errorf("batch 2's Z report does not name the refunded sale (%s):\n%s", named, text)
	}
	if strings.Contains(printedZ1, "LOTS PRECEDENTS") {
		t.Errorf("batch 1's Z report names earlier refunds it has none of:\n%s", printedZ1)
	}
	// The bank's side agrees: the sale refunded 12,00, the other 5,00.
	for _, l := range e.sim.Ledger() {
		switch {
		case l.OrderID == kept.OrderID && l.Operation == "sale" && l.RefundedAmount != 1200,
			l.OrderID == sameDay.OrderID && l.Operation == "sale" && (l.RefundedAmount != 500 || l.Status == "Cancelled"):
			t.Errorf("gateway ledger: %+v", l)
		}
	}
}
