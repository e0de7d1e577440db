// The mail outbox: a bbolt file of its own beside the journal, holding the
// merchant's notifications until the relay accepts them (notify.Outbox).

package offline

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"tpe/payment/notify"
)

// OutboxFileName is the outbox's file name inside the data directory. It
// is a file of its own, not a bucket of the journal: mail is not a payment
// record (no schema version, no key, nothing sealed: notifications carry
// no card data), and a damaged outbox must never stop the terminal from
// opening its journal.
const OutboxFileName = "outbox.db"

var (
	bucketMail   = []byte("mail")   // to send, by sequence
	bucketParked = []byte("parked") // refused for good, kept for the technician
)

// Outbox is the durable spool of notify.Outbox. Each Put is fsynced
// before it returns, as bbolt commits are.
type Outbox struct {
	db  *bolt.DB
	now func() time.Time
}

var _ notify.Spool = (*Outbox)(nil)

// outboxRecord is one mail as stored.
type outboxRecord struct {
	Data      json.RawMessage `json:"data"`
	Queued    time.Time       `json:"queued"`
	Attempts  int             `json:"attempts"`
	LastError string          `json:"last_error,omitempty"`
	// Requeued is when a technician sent a parked mail back to the queue
	// (Unpark). The mail keeps its key, hence its place before younger
	// ones, and its Queued time; Stats counts its wait from Requeued.
	Requeued time.Time `json:"requeued,omitzero"`
}

// OpenOutbox opens (or creates) the outbox file at path. now nil means
// time.Now.
func OpenOutbox(path string, now func() time.Time) (*Outbox, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("%w: outbox %s", ErrLocked, path)
		}
		return nil, fmt.Errorf("offline: opening the outbox: %w", err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketMail, bucketParked} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("offline: opening the outbox: %w", err)
	}
	if now == nil {
		now = time.Now
	}
	return &Outbox{db: db, now: now}, nil
}

// OpenOutboxReadOnly opens an existing outbox file for reading only, as
// `tpectl offline outbox` does on a stopped terminal: nothing is created
// or changed. A running terminal holds the file (ErrLocked).
func OpenOutboxReadOnly(path string) (*Outbox, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("offline: opening the outbox: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("%w: outbox %s", ErrLocked, path)
		}
		return nil, fmt.Errorf("offline: opening the outbox: %w", err)
	}
	return &Outbox{db: db, now: time.Now}, nil
}

// Close closes the file.
func (o *Outbox) Close() error { return o.db.Close() }

// OutboxStats sums up the outbox for the health check.
type OutboxStats struct {
	Queued int // mail still to send
	Parked int // mail the relay refused for good
	// OldestQueued is since when the longest-waiting mail still to send
	// waits: queued, or sent back to the queue by a technician (Unpark);
	// zero when none waits.
	OldestQueued time.Time
}

// Stats counts the queued and parked mail, decoding only the head of the
// queue (oldestWait).
func (o *Outbox) Stats(ctx context.Context) (OutboxStats, error) {
	if err := ctx.Err(); err != nil {
		return OutboxStats{}, err
	}
	var s OutboxStats
	err := o.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketParked); b != nil {
			s.Parked = b.Stats().KeyN
		}
		b := tx.Bucket(bucketMail)
		if b == nil {
			return nil
		}
		s.Queued = b.Stats().KeyN
		s.OldestQueued = oldestWait(b)
		return nil
	})
	if err != nil {
		return OutboxStats{}, fmt.Errorf("offline: reading the outbox: %w", err)
	}
	return s, nil
}

// oldestWait is since when the longest-waiting queued mail waits. Keys
// are a sequence, so the first mail never sent back by a technician is
// the oldest of those; a requeued mail sits at its old key but waits only
// since it was requeued, so the walk goes on past those until the first
// that was not. Only requeued records and one more are decoded.
func oldestWait(b *bolt.Bucket) time.Time {
	var oldest time.Time
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var r struct {
			Queued   time.Time `json:"queued"`
			Requeued time.Time `json:"requeued"`
		}
		if json.Unmarshal(v, &r) != nil {
			continue
		}
		since := r.Queued
		if !r.Requeued.IsZero() {
			since = r.Requeued
		}
		if oldest.IsZero() || (!since.IsZero() && since.Before(oldest)) {
			oldest = since
		}
		if r.Requeued.IsZero() {
			break
		}
	}
	return oldest
}

// Put stores one mail to send and returns its number.
func (o *Outbox) Put(ctx context.Context, data []byte) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if !json.Valid(data) {
		return 0, errors.New("offline: outbox mail is not JSON")
	}
	var id uint64
	err := o.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMail)
		var err error
		if id, err = b.NextSequence(); err != nil {
			return err
		}
		v, err := json.Marshal(outboxRecord{Data: data, Queued: o.now()})
		if err != nil {
			return err
		}
		return b.Put(outboxKey(id), v)
	})
	if err != nil {
		return 0, fmt.Errorf("offline: queueing a mail: %w", err)
	}
	return id, nil
}

// Pending lists the mail to send, oldest first.
func (o *Outbox) Pending(ctx context.Context) ([]notify.Spooled, error) {
	return o.list(ctx, bucketMail)
}

// Parked lists the mail refused for good, oldest first, with why
// (Spooled.LastError).
func (o *Outbox) Parked(ctx context.Context) ([]notify.Spooled, error) {
	return o.list(ctx, bucketParked)
}

func (o *Outbox) list(ctx context.Context, bucket []byte) ([]notify.Spooled, error) {
	var out []notify.Spooled
	err := o.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		if b == nil {
			return nil // a read-only open of a file never written
		}
		return b.ForEach(func(k, v []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			if len(k) != 8 {
				return nil // not a key Put writes
			}
			// A record that does not decode is handed on without data:
			// the outbox sets it aside instead of stopping the queue.
			out = append(out, spooled(binary.BigEndian.Uint64(k), v))
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("offline: reading the outbox: %w", err)
	}
	return out, nil
}

// Done removes a sent mail.
func (o *Outbox) Done(ctx context.Context, id uint64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return o.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMail).Delete(outboxKey(id)) })
}

// Failed counts a failed try of mail id; permanent moves it to the parked
// bucket, where it is kept with the reason and not sent until Unpark.
func (o *Outbox) Failed(ctx context.Context, id uint64, reason string, permanent bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return o.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMail)
		v := b.Get(outboxKey(id))
		if v == nil {
			return nil // removed meanwhile
		}
		var r outboxRecord
		if err := json.Unmarshal(v, &r); err != nil {
			r = outboxRecord{Data: json.RawMessage(`null`), Queued: o.now()}
		}
		r.Attempts++
		r.LastError = reason
		nv, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if !permanent {
			return b.Put(outboxKey(id), nv)
		}
		if err := tx.Bucket(bucketParked).Put(outboxKey(id), nv); err != nil {
			return err
		}
		return b.Delete(outboxKey(id))
	})
}

// Unpark sends parked mail id back to the queue, its data passed through
// rewrite (notify re-addresses it), in one transaction: a crash leaves it
// either parked as it was or queued, never both nor lost. It keeps its
// key: the ID the technician named stays its ID. A queued mail is
// notify.ErrMailNotParked, an unknown one notify.ErrMailNotFound; a
// rewrite error leaves the mail parked.
func (o *Outbox) Unpark(ctx context.Context, id uint64, rewrite func([]byte) ([]byte, error)) (notify.Spooled, error) {
	if err := ctx.Err(); err != nil {
		return notify.Spooled{}, err
	}
	var out notify.Spooled
	err := o.db.Update(func(tx *bolt.Tx) error {
		parked := tx.Bucket(bucketParked)
		v := parked.Get(outboxKey(id))
		if v == nil {
			return missing(tx, id)
		}
		var err error
		out, err = o.requeue(tx, id, v, rewrite)
		return err
	})
	if err != nil {
		return notify.Spooled{}, fmt.Errorf("offline: retrying mail %d: %w", id, err)
	}
	return out, nil
}

// UnparkAll sends every parked mail back to the queue, in one
// transaction, each through rewrite; those rewrite refuses stay parked
// and are returned as kept.
func (o *Outbox) UnparkAll(ctx context.Context, rewrite func([]byte) ([]byte, error)) (moved, kept []notify.Spooled, err error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	err = o.db.Update(func(tx *bolt.Tx) error {
		moved, kept = nil, nil // a retried transaction starts afresh
		// Collected first: a bucket must not change under its cursor.
		var ids []uint64
		var vals [][]byte
		err := tx.Bucket(bucketParked).ForEach(func(k, v []byte) error {
			if len(k) == 8 {
				ids, vals = append(ids, binary.BigEndian.Uint64(k)), append(vals, append([]byte(nil), v...))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for i, id := range ids {
			s, err := o.requeue(tx, id, vals[i], rewrite)
			var rerr rewriteError
			switch {
			case errors.As(err, &rerr):
				kept = append(kept, spooled(id, vals[i]))
			case err != nil:
				return err
			default:
				moved = append(moved, s)
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("offline: retrying the parked mail: %w", err)
	}
	return moved, kept, nil
}

// rewriteError is a refusal of Unpark's rewrite: the mail stays parked.
type rewriteError struct{ error }

func (e rewriteError) Unwrap() error { return e.error }

// requeue moves parked record v of id to the queue inside tx.
func (o *Outbox) requeue(tx *bolt.Tx, id uint64, v []byte, rewrite func([]byte) ([]byte, error)) (notify.Spooled, error) {
	var r outboxRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return notify.Spooled{}, rewriteError{fmt.Errorf("%w: %w", notify.ErrMailUnreadable, err)}
	}
	data, err := rewrite(r.Data)
	if err != nil {
		return notify.Spooled{}, rewriteError{err}
	}
	r.Data, r.Requeued = data, o.now()
	nv, err := json.Marshal(r)
	if err != nil {
		return notify.Spooled{}, err
	}
	if err := tx.Bucket(bucketMail).Put(outboxKey(id), nv); err != nil {
		return notify.Spooled{}, err
	}
	if err := tx.Bucket(bucketParked).Delete(outboxKey(id)); err != nil {
		return notify.Spooled{}, err
	}
	return spooled(id, nv), nil
}

// Discard deletes parked mail id for good and returns it as it was; a
// queued mail is notify.ErrMailNotParked, an unknown one
// notify.ErrMailNotFound.
func (o *Outbox) Discard(ctx context.Context, id uint64) (notify.Spooled, error) {
	if err := ctx.Err(); err != nil {
		return notify.Spooled{}, err
	}
	var out notify.Spooled
	err := o.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketParked)
		v := b.Get(outboxKey(id))
		if v == nil {
			return missing(tx, id)
		}
		out = spooled(id, v)
		return b.Delete(outboxKey(id))
	})
	if err != nil {
		return notify.Spooled{}, fmt.Errorf("offline: discarding mail %d: %w", id, err)
	}
	return out, nil
}

// DiscardAll deletes every parked mail, in one transaction, and returns
// them as they were.
func (o *Outbox) DiscardAll(ctx context.Context) ([]notify.Spooled, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []notify.Spooled
	err := o.db.Update(func(tx *bolt.Tx) error {
		out = nil
		b := tx.Bucket(bucketParked)
		var keys [][]byte
		err := b.ForEach(func(k, v []byte) error {
			if len(k) == 8 {
				out = append(out, spooled(binary.BigEndian.Uint64(k), v))
			}
			keys = append(keys, append([]byte(nil), k...))
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("offline: discarding the parked mail: %w", err)
	}
	return out, nil
}

// missing says why id is not parked: queued, or not there at all.
func missing(tx *bolt.Tx, id uint64) error {
	if tx.Bucket(bucketMail).Get(outboxKey(id)) != nil {
		return notify.ErrMailNotParked
	}
	return notify.ErrMailNotFound
}

// spooled decodes a stored record; one that does not decode comes out
// without data (Envelope then says unreadable).
func spooled(id uint64, v []byte) notify.Spooled {
	var r outboxRecord
	json.Unmarshal(v, &r)
	return notify.Spooled{ID: id, Data: r.Data, Attempts: r.Attempts, Queued: r.Queued, LastError: r.LastError}
}

func outboxKey(id uint64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, id)
	return k
}

var _ notify.ParkedSpool = (*Outbox)(nil)
