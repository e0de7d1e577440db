// Stats: the journal's counters, read without a scan.

package offline

import (
	"context"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Stats are the journal's counters, read without a scan.
type Stats struct {
	Transactions    uint64 // ever recorded (purged ones included)
	Queued          int
	QueuedTotal     int64
	Oldest          time.Time
	ForwardDeclined int
	InFlight        int
	Batch           int
	// SealedCardRecords is how many records carry sealed card data: never
	// more than Queued (only offline approvals waiting keep it), 0 when
	// none waits. Counted without the key.
	SealedCardRecords int
}

// Stats returns the counters; the flagged and in-flight buckets are small.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	e, err := s.Exposure(ctx)
	if err != nil {
		return Stats{}, err
	}
	st := Stats{Queued: e.Count, QueuedTotal: e.Total, Oldest: e.Oldest}
	err = s.view(func(tx *bolt.Tx) error {
		st.Transactions = tx.Bucket(bucketTxn).Sequence()
		st.Batch = int(u64(tx.Bucket(bucketMeta).Get(metaBatch)))
		st.ForwardDeclined = countKeys(tx.Bucket(bucketFlagged))
		st.InFlight = countKeys(tx.Bucket(bucketActive))
		st.SealedCardRecords = int(u64(tx.Bucket(bucketMeta).Get(metaSealed)))
		return nil
	})
	return st, err
}

func countKeys(b *bolt.Bucket) int {
	n := 0
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	return n
}
