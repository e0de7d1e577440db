package offline

import (
	"context"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"tpe/payment"
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
