// Purge: removing completed transactions past Opts.Retention.

package offline

import (
	"context"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"tpe/payment"
)

// Purge deletes completed transactions last updated more than Retention
// before now. It never deletes one whose batch is still open, one in the
// queue, in flight, owed a reversal or declined after forwarding (the
// merchant must see it). It walks from the oldest record and stops at the
// first created after the cut-off, so it reads little more than it deletes.
func (s *Store) Purge(ctx context.Context, now time.Time) (int, error) {
	cutoff := now.Add(-s.o.Retention)
	n := 0
	err := s.update(func(tx *bolt.Tx) error {
		open := int(u64(tx.Bucket(bucketMeta).Get(metaBatch)))
		txns, ids, byBatch := tx.Bucket(bucketTxn), tx.Bucket(bucketIDs), tx.Bucket(bucketByBatch)
		var doomed [][]byte
		c := txns.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			t, err := decode(nil, v)
			if err != nil {
				return err
			}
			if t.CreatedAt.After(cutoff) {
				break
			}
			if !purgeable(t, open) || t.UpdatedAt.After(cutoff) {
				continue
			}
			doomed = append(doomed, append([]byte(nil), k...))
			if err := countSealed(tx.Bucket(bucketMeta), v, nil); err != nil {
				return err
			}
			if err := ids.Delete([]byte(t.ID)); err != nil {
				return err
			}
			for _, b := range t.Batches() {
				if err := byBatch.Delete(batchKey(b, u64(k))); err != nil {
					return err
				}
			}
		}
		for _, k := range doomed {
			if err := txns.Delete(k); err != nil {
				return err
			}
		}
		n = len(doomed)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("offline: purging: %w", err)
	}
	if n > 0 {
		s.log.Info("journal purged", "count", n, "before", cutoff)
	}
	return n, nil
}

// purgeable: t is complete and every batch it moved money in (its sale's,
// its refunds') is closed.
func purgeable(t *payment.Transaction, openBatch int) bool {
	if slices.Max(t.Batches()) >= openBatch || needsRecovery(t) {
		return false
	}
	switch t.State {
	case payment.StateOfflineApproved, payment.StateForwardDeclined:
		return false
	}
	return true
}
