// Batches: the open batch's number and the end-of-day close.

package offline

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Batch returns the number of the open batch.
func (s *Store) Batch(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var n int
	err := s.view(func(tx *bolt.Tx) error {
		n = int(u64(tx.Bucket(bucketMeta).Get(metaBatch)))
		return nil
	})
	return n, err
}

// batchInfo is the batch bucket's value.
type batchInfo struct {
	OpenedAt time.Time `json:"opened_at"`
	ClosedAt time.Time `json:"closed_at,omitzero"`
}

// CloseBatch closes the open batch and opens the next one, durably, then
// purges what retention allows.
func (s *Store) CloseBatch(ctx context.Context, at time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var closed int
	err := s.update(func(tx *bolt.Tx) error {
		meta, batches := tx.Bucket(bucketMeta), tx.Bucket(bucketBatch)
		n := u64(meta.Get(metaBatch))
		var bi batchInfo
		if v := batches.Get(seqKey(n)); v != nil {
			if err := json.Unmarshal(v, &bi); err != nil {
				return &CorruptError{Path: s.path, Reason: "unreadable batch record", Err: err}
			}
		}
		bi.ClosedAt = at
		b, _ := json.Marshal(bi)
		if err := batches.Put(seqKey(n), b); err != nil {
			return err
		}
		b, _ = json.Marshal(batchInfo{OpenedAt: at})
		if err := batches.Put(seqKey(n+1), b); err != nil {
			return err
		}
		closed = int(n)
		return meta.Put(metaBatch, seqKey(n+1))
	})
	if err != nil {
		return 0, fmt.Errorf("offline: closing batch: %w", err)
	}
	// The end of day is when transactions past retention become purgeable
	// (their batch is closed): purge then, so cmd need not schedule it.
	if _, err := s.Purge(ctx, at); err != nil {
		s.log.Warn("journal purge failed", "err", err)
	}
	return closed, nil
}
