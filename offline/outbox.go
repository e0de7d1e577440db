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
	// OldestQueued is when the oldest mail still to send was queued; zero
	// when none waits.
	OldestQueued time.Time
}

// Stats counts the queued and parked mail without decoding any.
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
		// Keys are a sequence: the first is the oldest.
		if _, v := b.Cursor().First(); v != nil {
			var r struct {
				Queued time.Time `json:"queued"`
			}
			if json.Unmarshal(v, &r) == nil {
				s.OldestQueued = r.Queued
			}
		}
		return nil
	})
	if err != nil {
		return OutboxStats{}, fmt.Errorf("offline: reading the outbox: %w", err)
	}
	return s, nil
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
			var r outboxRecord
			json.Unmarshal(v, &r)
			out = append(out, notify.Spooled{ID: binary.BigEndian.Uint64(k), Data: r.Data, Attempts: r.Attempts,
				Queued: r.Queued, LastError: r.LastError})
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
// bucket, where it is kept with the reason but never sent.
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

func outboxKey(id uint64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, id)
	return k
}
