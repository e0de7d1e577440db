package offline

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"tpe/payment"
	"tpe/payment/paymenttest"
)

// TestRefundIndexedUnderItsBatch: a sale of batch 1 refunded in batch 2 is
// found by batch 2's report (Query.MovedIn) through the bybatch index and
// still counts as batch 1's sale (Query.Batch); it is not purged while
// batch 2 is open, and its purge leaves no index entry behind.
func TestRefundIndexedUnderItsBatch(t *testing.T) {
	st, _ := newStore(t)
	ctx := context.Background()
	tx := cardTxn(1, t0)
	saveNew(t, st, tx)
	walk(t, st, tx, payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateAuthorising, payment.StateApproved)
	if _, err := st.CloseBatch(ctx, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	op := payment.Operation{ID: "rfd_1", Kind: payment.OpRefund, Amount: tx.Amount, From: payment.StateApproved}
	for _, edit := range []func(*payment.Transaction) error{
		func(t *payment.Transaction) error {
			t.Pending = &op
			return t.Transition(payment.StateRefundPending, t0.Add(2*time.Hour), "")
		},
		func(t *payment.Transaction) error {
			t.Pending = nil
			t.Refunds = append(t.Refunds, payment.Refund{ID: op.ID, Amount: op.Amount, At: t0.Add(2 * time.Hour), Batch: 2})
			return t.Transition(payment.StateRefunded, t0.Add(2*time.Hour), "")
		},
	} {
		if _, err := st.Update(ctx, tx.ID, edit); err != nil {
			t.Fatal(err)
		}
	}
	found := func(q payment.Query) bool {
		t.Helper()
		got, err := st.List(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return len(got) == 1 && got[0].ID == tx.ID
	}
	for _, c := range []struct {
		q    payment.Query
		want bool
	}{
		{payment.Query{MovedIn: 1}, true}, {payment.Query{Batch: 1}, true}, {payment.Query{MovedIn: 2}, true},
		{payment.Query{Batch: 2}, false}, {payment.Query{MovedIn: 3}, false},
	} {
		if found(c.q) != c.want {
			t.Errorf("List(batch %d, moved in %d) finds the payment: %v, want %v", c.q.Batch, c.q.MovedIn, !c.want, c.want)
		}
	}

	late := t0.Add(400 * 24 * time.Hour)
	if n, err := st.Purge(ctx, late); err != nil || n != 0 {
		t.Fatalf("purge while the refund's batch is open: %d, %v; want 0", n, err)
	}
	if _, err := st.CloseBatch(ctx, t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n, err := st.Purge(ctx, late); err != nil || n != 1 {
		t.Fatalf("purge once every batch it moved money in is closed: %d, %v; want 1", n, err)
	}
	err := st.db.View(func(tx *bolt.Tx) error {
		if k, _ := tx.Bucket(bucketByBatch).Cursor().First(); k != nil {
			t.Errorf("bybatch entry %x left after the purge", k)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRecoveredRefundCountsInTheOpenBatch: a refund whose answer was lost
// and that recovery settles from the gateway's record counts in the batch
// open when it is recorded, read under the journal's batch lock: a close
// holding the lock (the service totalling its Z report) is never
// overtaken by a refund recorded into the batch it is closing.
func TestRecoveredRefundCountsInTheOpenBatch(t *testing.T) {
	ctx := context.Background()
	st, _ := newStore(t)
	gw := &paymenttest.Gateway{}
	sale := approvedAt(t, st, gw, 1)
	a := payment.Amount{Minor: 400, Currency: "EUR"}
	intend(t, st, sale.ID, payment.OpRefund, payment.StateRefundPending, a)
	gw.Refund(ctx, sale.GatewayID, a) // the bank made it; its answer was lost
	if _, err := st.CloseBatch(ctx, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}

	// Batch 2's Z report is being totalled: the service holds the lock.
	lock := st.BatchLock()
	lock.Lock()
	recovered := make(chan error, 1)
	go func() {
		rep, err := Recover(ctx, st, gw, nil)
		if err == nil && !rep.Done() {
			err = fmt.Errorf("recovery left %+v", rep)
		}
		recovered <- err
	}()
	for range 1000 {
		runtime.Gosched()
	}
	if got, _ := st.Get(ctx, sale.ID); got.State != payment.StateRefundPending {
		t.Errorf("refund recorded (%s) while batch 2's Z report was being totalled", got.State)
	}
	if _, err := st.CloseBatch(ctx, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	lock.Unlock()
	if err := <-recovered; err != nil {
		t.Fatal(err)
	}
	got, err := st.Get(ctx, sale.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != payment.StatePartiallyRefunded || len(got.Refunds) != 1 || got.Refunds[0].Batch != 3 || got.Batch != 1 {
		t.Errorf("recovered refund: %s, sale in batch %d, refunds %+v; want the refund in batch 3", got.State, got.Batch, got.Refunds)
	}
}
