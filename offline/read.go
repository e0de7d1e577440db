// Reading transactions back: Get through the ids index, List newest first
// (a batch through the bybatch index), and the listings of the small
// flagged and active buckets.

package offline

import (
	"bytes"
	"cmp"
	"context"
	"crypto/cipher"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"tpe/payment"
)

// Get returns one transaction with its card data unsealed.
func (s *Store) Get(ctx context.Context, id string) (*payment.Transaction, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var t *payment.Transaction
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		t, err = s.getTx(tx, id, s.aead)
		return err
	})
	return t, err
}

func (s *Store) getTx(tx *bolt.Tx, id string, aead cipher.AEAD) (*payment.Transaction, error) {
	seq, b, err := s.recordOf(tx, id)
	if err != nil {
		return nil, err
	}
	return decodeAt(aead, seq, b)
}

// recordOf returns payment id's sequence and stored record, valid for the
// life of tx.
func (s *Store) recordOf(tx *bolt.Tx, id string) (uint64, []byte, error) {
	v := tx.Bucket(bucketIDs).Get([]byte(id))
	if v == nil {
		return 0, nil, fmt.Errorf("%w: payment %q", payment.ErrNotFound, id)
	}
	e, err := parseIDValue(v)
	if err != nil {
		return 0, nil, err
	}
	b := tx.Bucket(bucketTxn).Get(seqKey(e.seq))
	if b == nil {
		return 0, nil, &CorruptError{Path: s.path, Reason: "index points to a missing record of " + id}
	}
	return e.seq, b, nil
}

// getQueued reads a queued payment for the forwarder (decodeBoth): the
// copy to send, card data unsealed; the same without secrets; and the
// stored bytes both came from, which recordOutcomes compares.
func (s *Store) getQueued(ctx context.Context, id string) (full, clear *payment.Transaction, stored []byte, err error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, nil, err
	}
	err = s.view(func(tx *bolt.Tx) error {
		seq, b, err := s.recordOf(tx, id)
		if err != nil {
			return err
		}
		if clear, full, err = decodeBoth(s.aead, seq, b); err != nil {
			return err
		}
		stored = bytes.Clone(b)
		return nil
	})
	if err != nil {
		return nil, nil, nil, err
	}
	return full, clear, stored, nil
}

// List returns the transactions matching q, newest first, filtered with
// payment.Query.Match so every journal filters alike. A batch query (the X
// and Z reports: Query.MovedIn) reads that batch's records only, through
// the bybatch index; others read from the newest record back: cheap with Limit, a scan
// without it.
func (s *Store) List(ctx context.Context, q payment.Query) ([]*payment.Transaction, error) {
	var out []*payment.Transaction
	err := s.view(func(tx *bolt.Tx) error {
		txns := tx.Bucket(bucketTxn)
		var next func() (key, val []byte)
		// The index holds every batch a payment moved money in: a
		// superset of both filters, which Match then applies.
		if batch := cmp.Or(q.Batch, q.MovedIn); batch > 0 {
			c := tx.Bucket(bucketByBatch).Cursor()
			prefix := seqKey(uint64(batch))
			k, _ := c.Seek(seqKey(uint64(batch) + 1))
			if k == nil {
				k, _ = c.Last()
			} else {
				k, _ = c.Prev()
			}
			next = func() ([]byte, []byte) {
				if k == nil || !bytes.HasPrefix(k, prefix) {
					return nil, nil
				}
				key, v := k[8:], txns.Get(k[8:])
				k, _ = c.Prev()
				if v == nil {
					return nil, []byte{} // index entry without record: skipped
				}
				return key, v
			}
		} else {
			c := txns.Cursor()
			k, v := c.Last()
			next = func() ([]byte, []byte) {
				if k == nil {
					return nil, nil
				}
				curK, curV := k, v
				k, v = c.Prev()
				return curK, curV
			}
		}
		for k, v := next(); v != nil; k, v = next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			if len(v) == 0 {
				continue
			}
			t, err := decodeAt(s.aead, u64(k), v)
			if err != nil {
				return err
			}
			if q.Match(t) {
				out = append(out, t)
				if q.Limit > 0 && len(out) == q.Limit {
					break
				}
			}
		}
		return nil
	})
	return out, err
}

// ForwardDeclined returns the offline approvals the issuer declined when
// they were forwarded, oldest first: the merchant must act on each.
func (s *Store) ForwardDeclined(ctx context.Context) ([]*payment.Transaction, error) {
	return s.listBucket(ctx, bucketFlagged)
}

// inFlight returns the transactions boot recovery must resolve.
func (s *Store) inFlight(ctx context.Context) ([]*payment.Transaction, error) {
	return s.listBucket(ctx, bucketActive)
}

func (s *Store) listBucket(ctx context.Context, name []byte) ([]*payment.Transaction, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []*payment.Transaction
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(name).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			t, err := s.getTx(tx, string(v), s.aead)
			if err != nil {
				return err
			}
			out = append(out, t)
		}
		return nil
	})
	return out, err
}
