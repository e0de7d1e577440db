// Writing a transaction: Save, and put, which keeps the ids, bybatch,
// active, flagged and queue indexes and the meta counters in step with the
// record, in one bbolt transaction.

package offline

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"tpe/payment"
)

// Save records t durably (fsync) before it returns. A transition that the
// state machine does not allow from the stored state is refused with
// ErrStale: it comes from an out-of-date copy.
func (s *Store) Save(ctx context.Context, t *payment.Transaction) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if t == nil || t.ID == "" {
		return fmt.Errorf("offline: saving a transaction without ID: %w", payment.ErrInvalidRequest)
	}
	if t.State == payment.StateCreated {
		// A new payment: refuse it now if the store can tell it could not
		// record the steps that follow, rather than leave it half-done.
		if err := s.Writable(); err != nil {
			s.noteWrite(err, false)
			return fmt.Errorf("offline: saving %s (%s): %w", t.ID, t.State, err)
		}
	}
	// A payment already numbered is encoded before the write lock is
	// taken; a new one is encoded by put once its number is allocated.
	var val []byte
	if t.Sequence != 0 {
		var err error
		if val, err = encode(s.aead, t); err != nil {
			return fmt.Errorf("offline: encoding %s: %w", t.ID, err)
		}
	}
	queued := false
	err := s.update(func(tx *bolt.Tx) error {
		var err error
		queued, err = s.put(tx, t, val)
		return err
	})
	if err != nil {
		return fmt.Errorf("offline: saving %s (%s): %w", t.ID, t.State, err)
	}
	if queued {
		s.wake()
	}
	return nil
}

// wake tells the forwarder an offline approval was queued.
func (s *Store) wake() {
	select {
	case s.enqueued <- struct{}{}:
	default:
	}
}

// put writes t and keeps the indexes in step, in the caller's transaction.
// It reports whether t entered the queue. It sets t.Sequence to the
// record's sequence (see payment.Transaction.Sequence); val is t encoded,
// or nil to have put encode it, and is encoded again when it was encoded
// with another sequence.
func (s *Store) put(tx *bolt.Tx, t *payment.Transaction, val []byte) (bool, error) {
	ids, txns, byBatch := tx.Bucket(bucketIDs), tx.Bucket(bucketTxn), tx.Bucket(bucketByBatch)
	var seq uint64
	if v := ids.Get([]byte(t.ID)); v != nil {
		old, err := parseIDValue(v)
		if err != nil {
			return false, err
		}
		if old.state != t.State && !payment.CanTransition(old.state, t.State) {
			return false, fmt.Errorf("%w: stored state is %s: %w", ErrStale, old.state,
				&payment.TransitionError{From: old.state, To: t.State})
		}
		seq = old.seq
		// A link paid after its batch closed moves to the open batch; the
		// batches of its refunds only ever grow (put indexes them below).
		if !slices.Contains(t.Batches(), old.batch) {
			if err := byBatch.Delete(batchKey(old.batch, seq)); err != nil {
				return false, err
			}
		}
	} else {
		var err error
		if seq, err = txns.NextSequence(); err != nil {
			return false, err
		}
	}
	if t.Sequence != seq {
		// The record's key is the terminal's transaction number: a new
		// payment learns it here, in the write that first records it, and
		// the stored copy carries it. A caller's copy cannot change it.
		t.Sequence, val = seq, nil
	}
	if val == nil {
		var err error
		if val, err = encode(s.aead, t); err != nil {
			return false, fmt.Errorf("offline: encoding %s: %w", t.ID, err)
		}
	}
	byBatch.FillPercent = 0.9
	for _, b := range t.Batches() {
		if err := byBatch.Put(batchKey(b, seq), nil); err != nil {
			return false, err
		}
	}
	key := seqKey(seq)
	if err := countSealed(tx.Bucket(bucketMeta), txns.Get(key), val); err != nil {
		return false, err
	}
	// Keys only ever grow: full pages instead of bbolt's half-full default
	// halve the file.
	txns.FillPercent = 0.9
	if err := txns.Put(key, val); err != nil {
		return false, err
	}
	if err := ids.Put([]byte(t.ID), idValue(seq, t.Batch, t.State)); err != nil {
		return false, err
	}
	if err := setMember(tx.Bucket(bucketActive), key, []byte(t.ID), needsRecovery(t)); err != nil {
		return false, err
	}
	if err := setMember(tx.Bucket(bucketFlagged), key, []byte(t.ID), t.State == payment.StateForwardDeclined); err != nil {
		return false, err
	}
	return s.setQueued(tx, key, t)
}

func setMember(b *bolt.Bucket, key, val []byte, in bool) error {
	if in {
		return b.Put(key, val)
	}
	if b.Get(key) == nil {
		return nil
	}
	return b.Delete(key)
}

// setQueued keeps the queue and its counters in step with t's state.
func (s *Store) setQueued(tx *bolt.Tx, key []byte, t *payment.Transaction) (bool, error) {
	q, meta := tx.Bucket(bucketQueue), tx.Bucket(bucketMeta)
	want := t.State == payment.StateOfflineApproved
	old := q.Get(key)
	switch {
	case want && old == nil:
		e := queueEntry{ID: t.ID, OrderID: t.OrderID, Amount: t.Amount.Minor, Currency: t.Amount.Currency, CreatedAt: t.CreatedAt}
		b, _ := json.Marshal(e)
		if err := q.Put(key, b); err != nil {
			return false, err
		}
		return true, addCounters(meta, 1, t.Amount.Minor)
	case !want && old != nil:
		var e queueEntry
		if err := json.Unmarshal(old, &e); err != nil {
			return false, &CorruptError{Path: s.path, Reason: "unreadable queue entry", Err: err}
		}
		if err := q.Delete(key); err != nil {
			return false, err
		}
		return false, addCounters(meta, -1, -e.Amount)
	}
	return false, nil
}

func addCounters(meta *bolt.Bucket, n, amount int64) error {
	c := int64(u64(meta.Get(metaQueueCount))) + n
	a := int64(u64(meta.Get(metaQueueTotal))) + amount
	if err := meta.Put(metaQueueCount, seqKey(uint64(c))); err != nil {
		return err
	}
	return meta.Put(metaQueueTotal, seqKey(uint64(a)))
}

// needsRecovery is true while a power cut would leave t unresolved: the
// payment is in flight, a reversal is owed, or an operation (refund, void,
// cancel) is journaled and not settled.
func needsRecovery(t *payment.Transaction) bool {
	return inFlight(t.State) || t.ReversalPending || t.Pending != nil
}

// inFlight is true for the states of a payment the service is running.
func inFlight(st payment.State) bool {
	switch st {
	case payment.StateCreated, payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateAwaitingPIN, payment.StateAuthorising:
		return true
	}
	return false
}
