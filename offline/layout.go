// The journal's layout: bucket and meta key names, and the checks Open runs
// against them (schema version, buckets present, key check value). Creating
// and migrating the layout is in migrate.go.

package offline

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Bucket and meta key names. Changing one is a schema change.
var (
	bucketTxn     = []byte("txn")
	bucketIDs     = []byte("ids")
	bucketQueue   = []byte("queue")
	bucketActive  = []byte("active")
	bucketFlagged = []byte("flagged")
	bucketBatch   = []byte("batch")
	bucketMeta    = []byte("meta")
	bucketByBatch = []byte("bybatch")

	metaSchema     = []byte("schema")
	metaKCV        = []byte("kcv")
	metaBatch      = []byte("batch")
	metaQueueCount = []byte("queue_count")
	metaQueueTotal = []byte("queue_total")
	// metaSealed counts the txn records carrying a seal (schema 4).
	metaSealed = []byte("sealed_count")
	// metaScrubFrom, while present, is the sequence the schema 4 card data
	// clean-up resumes from (see scrub).
	metaScrubFrom = []byte("scrub_from")
)

var allBuckets = [][]byte{bucketTxn, bucketIDs, bucketQueue, bucketActive, bucketFlagged, bucketBatch, bucketMeta, bucketByBatch}

// checkLayout returns the schema version (0: a brand-new file) and refuses a
// file whose buckets do not add up.
func (s *Store) checkLayout(tx *bolt.Tx) (int, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		empty := true
		tx.ForEach(func([]byte, *bolt.Bucket) error { empty = false; return nil })
		if !empty {
			return 0, &CorruptError{Path: s.path, Reason: "meta bucket missing"}
		}
		return 0, nil
	}
	raw := meta.Get(metaSchema)
	if len(raw) != 8 {
		return 0, &CorruptError{Path: s.path, Reason: "schema version missing"}
	}
	v := int(u64(raw))
	if v > schemaVersion {
		return 0, fmt.Errorf("%w: schema %d, this release reads up to %d", ErrNewerSchema, v, schemaVersion)
	}
	for _, b := range bucketsOf(v) {
		if tx.Bucket(b) == nil {
			return 0, &CorruptError{Path: s.path, Reason: fmt.Sprintf("bucket %q missing", b)}
		}
	}
	return v, nil
}

// checkKey writes the key check value into a new journal, or proves the key
// opens an existing one before any card is unsealed.
func (s *Store) checkKey(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	kcv := meta.Get(metaKCV)
	if kcv == nil {
		if !tx.Writable() {
			return &CorruptError{Path: s.path, Reason: "key check value missing"}
		}
		return meta.Put(metaKCV, seal(s.aead, kcvPlain, metaKCV))
	}
	plain, err := open(s.aead, kcv, metaKCV)
	if err != nil || !bytes.Equal(plain, kcvPlain) {
		return fmt.Errorf("%w: %s", ErrWrongKey, s.o.KeyFile)
	}
	return nil
}
