// The queue of offline approvals as the forwarder sees it: what waits
// (Queue, Exposure) and the durable bookkeeping of forwarding attempts and
// their outcomes.

package offline

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"tpe/payment"
)

// QueueItem is one offline approval waiting for the gateway.
type QueueItem struct {
	Seq       uint64         `json:"seq"`
	ID        string         `json:"id"`
	OrderID   string         `json:"order_id"`
	Amount    payment.Amount `json:"amount"`
	CreatedAt time.Time      `json:"created_at"`
	Attempts  int            `json:"attempts"`
	LastTry   time.Time      `json:"last_try,omitzero"`
	LastErr   string         `json:"last_error,omitempty"`
}

// Queue returns the offline approvals not yet forwarded, oldest first; limit
// 0 means all.
func (s *Store) Queue(ctx context.Context, limit int) ([]QueueItem, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []QueueItem
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketQueue).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var e queueEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return &CorruptError{Path: s.path, Reason: "unreadable queue entry", Err: err}
			}
			out = append(out, QueueItem{Seq: u64(k), ID: e.ID, OrderID: e.OrderID,
				Amount: payment.Amount{Minor: e.Amount, Currency: e.Currency}, CreatedAt: e.CreatedAt,
				Attempts: e.Attempts, LastTry: e.LastTry, LastErr: e.LastErr})
			if limit > 0 && len(out) == limit {
				break
			}
		}
		return nil
	})
	return out, err
}

// Exposure sums the offline approvals not yet forwarded, from the queue's
// counters and its first entry: no scan.
func (s *Store) Exposure(ctx context.Context) (payment.Exposure, error) {
	if err := ctx.Err(); err != nil {
		return payment.Exposure{}, err
	}
	var e payment.Exposure
	err := s.view(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		e.Count = int(int64(u64(meta.Get(metaQueueCount))))
		e.Total = int64(u64(meta.Get(metaQueueTotal)))
		if _, v := tx.Bucket(bucketQueue).Cursor().First(); v != nil {
			var q queueEntry
			if err := json.Unmarshal(v, &q); err != nil {
				return &CorruptError{Path: s.path, Reason: "unreadable queue entry", Err: err}
			}
			e.Oldest = q.CreatedAt
		}
		return nil
	})
	return e, err
}

// markAttempts records, durably and in one commit, that a Sale of each
// item may leave from now on: from then on, a crash or an unknown outcome
// makes the next round look the order up before any resend.
func (s *Store) markAttempts(items []QueueItem, at time.Time) error {
	return s.update(func(tx *bolt.Tx) error {
		for _, it := range items {
			if err := s.editEntry(tx, it.Seq, func(e *queueEntry) { e.Attempts++; e.LastTry = at }); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) editEntry(tx *bolt.Tx, seq uint64, edit func(*queueEntry)) error {
	q := tx.Bucket(bucketQueue)
	v := q.Get(seqKey(seq))
	if v == nil {
		return nil // settled meanwhile
	}
	var e queueEntry
	if err := json.Unmarshal(v, &e); err != nil {
		return &CorruptError{Path: s.path, Reason: "unreadable queue entry", Err: err}
	}
	edit(&e)
	b, _ := json.Marshal(e)
	return q.Put(seqKey(seq), b)
}

// outcome is what one forwarding attempt of a queued payment came to.
type outcome struct {
	item    QueueItem
	t       *payment.Transaction // as recorded: forwarded / forward_declined once settled
	settled bool                 // res is the gateway's verdict
	sent    bool                 // a Sale may have reached the gateway and was not resolved
	err     error
	stale   bool // set by recordOutcomes: the payment changed on the terminal meanwhile
	res     payment.GatewayResult
	// clear is t without card secrets and stored the record both were
	// read from (Store.getQueued): while the record is unchanged,
	// recordOutcomes applies the verdict to clear instead of decoding the
	// same bytes again.
	clear  *payment.Transaction
	stored []byte
}

// recordOutcomes writes a forwarding chunk's results in one commit: settled
// payments leave the queue; the others keep an exact attempt count and the
// last error. A payment that changed meanwhile (voided on the terminal) is
// not overwritten: its outcome is marked stale for the caller.
func (s *Store) recordOutcomes(outs []*outcome) error {
	return s.update(func(tx *bolt.Tx) error {
		ids := tx.Bucket(bucketIDs)
		for _, o := range outs {
			o.stale = false
			if o.settled {
				// The verdict is applied to the journal's latest copy, not
				// to the one read before the Sale: the terminal may have
				// changed the payment meanwhile (a receipt printed, a void).
				if ids.Get([]byte(o.t.ID)) == nil {
					o.stale = true
					continue
				}
				// Read without unsealing: a forwarded payment keeps no card
				// secrets (keepsCardData), and the masked PAN is in clear.
				seq, b, err := s.recordOf(tx, o.t.ID)
				if err != nil {
					return err
				}
				cur := o.clear
				if cur == nil || !bytes.Equal(b, o.stored) {
					if cur, err = decodeAt(nil, seq, b); err != nil {
						return err
					}
				}
				o.clear, o.stored = nil, nil
				if cur.State != payment.StateOfflineApproved {
					o.stale = true
					continue
				}
				if err := forwardResult(cur, o.res, s.o.Now()); err != nil {
					return err
				}
				val, err := encode(s.aead, cur)
				if err != nil {
					return err
				}
				if _, err := s.put(tx, cur, val); err != nil {
					return err
				}
				o.t = cur
				continue
			}
			attempts := o.item.Attempts
			if o.sent {
				attempts++
			}
			msg := ""
			if o.err != nil {
				msg = o.err.Error()
			}
			err := s.editEntry(tx, o.item.Seq, func(e *queueEntry) { e.Attempts, e.LastErr = attempts, msg })
			if err != nil {
				return err
			}
		}
		return nil
	})
}
