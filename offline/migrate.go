package offline

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"tpe/payment"
)

// schemaVersion is the layout this release writes.
//
//	1: txn, ids, queue, active, flagged, batch, meta (schema, kcv, batch)
//	2: meta gains queue_count and queue_total, so Open and Exposure never
//	   walk the queue
//	3: ids values gain the batch (seq ‖ batch ‖ state) and the bybatch
//	   index (batch ‖ seq) makes X/Z reports read their batch only
//	4: only offline approvals not yet forwarded keep sealed card data
//	   (keepsCardData); meta gains sealed_count. The upgrade itself only
//	   marks the clean-up (meta scrub_from); Store.scrub then drops the
//	   seals in bounded transactions, resuming after a power cut.
const schemaVersion = 4

// bucketsOf lists the buckets a journal of schema v must have.
func bucketsOf(v int) [][]byte {
	if v < 3 {
		return allBuckets[:len(allBuckets)-1] // no bybatch yet
	}
	return allBuckets
}

// migrations[v] upgrades a journal from schema v to v+1, inside the Open
// transaction: either the whole upgrade lands or none of it. An upgrade
// that must rewrite every record leaves the work to a resumable step after
// that transaction (3 → 4: scrub), so no commit grows with the journal.
var migrations = map[int]func(*bolt.Tx) error{
	1: func(tx *bolt.Tx) error {
		var n, total int64
		err := tx.Bucket(bucketQueue).ForEach(func(_, v []byte) error {
			var e queueEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return &CorruptError{Reason: "unreadable queue entry", Err: err}
			}
			n++
			total += e.Amount
			return nil
		})
		if err != nil {
			return err
		}
		meta := tx.Bucket(bucketMeta)
		if err := meta.Put(metaQueueCount, seqKey(uint64(n))); err != nil {
			return err
		}
		return meta.Put(metaQueueTotal, seqKey(uint64(total)))
	},
	// 2 → 3 reads every record once, to learn its batch.
	2: func(tx *bolt.Tx) error {
		byBatch, err := tx.CreateBucketIfNotExists(bucketByBatch)
		if err != nil {
			return err
		}
		ids, txns := tx.Bucket(bucketIDs), tx.Bucket(bucketTxn)
		type upd struct{ id, val []byte }
		var rewrite []upd
		err = ids.ForEach(func(id, v []byte) error {
			if len(v) < 8 {
				return &CorruptError{Reason: fmt.Sprintf("id index entry of %d bytes", len(v))}
			}
			seq, state := u64(v[:8]), payment.State(v[8:])
			rec := txns.Get(v[:8])
			if rec == nil {
				return &CorruptError{Reason: "index points to a missing record of " + string(id)}
			}
			t, err := decode(nil, rec)
			if err != nil {
				return err
			}
			rewrite = append(rewrite, upd{append([]byte(nil), id...), idValue(seq, t.Batch, state)})
			return byBatch.Put(batchKey(t.Batch, seq), nil)
		})
		if err != nil {
			return err
		}
		for _, u := range rewrite {
			if err := ids.Put(u.id, u.val); err != nil {
				return err
			}
		}
		return nil
	},
	// 3 → 4 starts the card data clean-up from the first record; scrub
	// counts the seals it keeps into sealed_count.
	3: func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if err := meta.Put(metaSealed, seqKey(0)); err != nil {
			return err
		}
		return meta.Put(metaScrubFrom, seqKey(0))
	},
}

// migrate runs every migration from version v to schemaVersion.
func migrate(tx *bolt.Tx, v int) error {
	for ; v < schemaVersion; v++ {
		m := migrations[v]
		if m == nil {
			return fmt.Errorf("offline: no migration from schema %d", v)
		}
		if err := m(tx); err != nil {
			return fmt.Errorf("offline: migrating schema %d to %d: %w", v, v+1, err)
		}
		if err := tx.Bucket(bucketMeta).Put(metaSchema, seqKey(uint64(v+1))); err != nil {
			return err
		}
	}
	return nil
}

// createLayout initialises a new journal at the current schema, batch 1 open.
func createLayout(tx *bolt.Tx) error {
	for _, b := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(b); err != nil {
			return err
		}
	}
	meta := tx.Bucket(bucketMeta)
	for k, v := range map[string][]byte{
		string(metaSchema): seqKey(schemaVersion), string(metaBatch): seqKey(1),
		string(metaQueueCount): seqKey(0), string(metaQueueTotal): seqKey(0),
		string(metaSealed): seqKey(0),
	} {
		if err := meta.Put([]byte(k), v); err != nil {
			return err
		}
	}
	b, _ := json.Marshal(batchInfo{OpenedAt: time.Now()})
	return tx.Bucket(bucketBatch).Put(seqKey(1), b)
}
