package offline

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// countSealed keeps meta's sealed-record counter in step when a txn record
// old (nil: none) is replaced by val (nil: deleted). The counter is what
// Stats reports: health and status read it often, so it is maintained on
// every write rather than counted by a scan. It looks at the stored bytes,
// not at the state, so it counts the real records.
func countSealed(meta *bolt.Bucket, old, val []byte) error {
	d := 0
	if hasSeal(old) {
		d--
	}
	if hasSeal(val) {
		d++
	}
	if d == 0 {
		return nil
	}
	n := int64(u64(meta.Get(metaSealed))) + int64(d)
	if n < 0 {
		n = 0 // a counter gone wrong must not wrap to 2^64
	}
	return meta.Put(metaSealed, seqKey(uint64(n)))
}

// scrubChunk bounds how many records one clean-up transaction reads, so
// each commit stays small (memory, fsync time, file growth) whatever the
// size of the journal. A variable for the tests.
var scrubChunk = 512

// scrub finishes the schema 4 clean-up: journals written before it kept the
// sealed card data of every payment; this drops the seal of each record
// keepsCardData no longer allows and sets the sealed-record counter. It
// runs at a read-write Open, in transactions of scrubChunk records, each
// durable and recording where the next one starts (meta scrub_from), so a
// power cut resumes it at the next Open. No key is needed: a seal is
// dropped, never opened. Nothing else writes meanwhile: Open has not
// returned yet.
func (s *Store) scrub() error {
	if s.o.ReadOnly {
		return nil
	}
	dropped := 0
	for {
		done := false
		err := s.update(func(tx *bolt.Tx) error {
			meta := tx.Bucket(bucketMeta)
			from := meta.Get(metaScrubFrom)
			if from == nil {
				done = true
				return nil
			}
			txns := tx.Bucket(bucketTxn)
			sealed := int64(u64(meta.Get(metaSealed)))
			type rewrite struct{ k, v []byte }
			var rewrites []rewrite
			c := txns.Cursor()
			k, v := c.Seek(from)
			for n := 0; k != nil && n < scrubChunk; n++ {
				if hasSeal(v) {
					keep, nv, err := scrubbed(v)
					if err != nil {
						return fmt.Errorf("record %d: %w", u64(k), err)
					}
					if keep {
						sealed++
					} else {
						rewrites = append(rewrites, rewrite{append([]byte(nil), k...), nv})
					}
				}
				k, v = c.Next()
			}
			txns.FillPercent = 0.9
			for _, r := range rewrites {
				if err := txns.Put(r.k, r.v); err != nil {
					return err
				}
			}
			dropped += len(rewrites)
			if err := meta.Put(metaSealed, seqKey(uint64(sealed))); err != nil {
				return err
			}
			if k == nil {
				done = true
				return meta.Delete(metaScrubFrom)
			}
			return meta.Put(metaScrubFrom, append([]byte(nil), k...))
		})
		if err != nil {
			return fmt.Errorf("offline: dropping card data no payment needs: %w", err)
		}
		if done {
			break
		}
	}
	if dropped > 0 {
		s.log.Info("journal card data dropped", "records", dropped)
	}
	return nil
}

// scrubbed decides for one sealed record: keep it as it is (keepsCardData),
// or the same record without its seal. The transaction's JSON is copied
// byte for byte: its masked PAN already is what a reprint prints.
func scrubbed(v []byte) (keep bool, out []byte, err error) {
	t, err := decode(nil, v)
	if err != nil {
		return false, nil, err
	}
	if keepsCardData(t) {
		return true, nil, nil
	}
	var r struct {
		Txn json.RawMessage `json:"txn"`
	}
	if err := json.Unmarshal(v, &r); err != nil {
		return false, nil, &CorruptError{Reason: "unreadable transaction record", Err: err}
	}
	out, err = json.Marshal(r)
	return false, out, err
}
