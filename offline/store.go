package offline

import (
	"bytes"
	"context"
	"crypto/cipher"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"runtime/debug"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"tpe/payment"
)

// FileName is the journal's file name inside the data directory; KeyName is
// the default device key file name beside it.
const (
	FileName = "journal.db"
	KeyName  = "device.key"
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

// Opts configures a Store. KeyFile is required.
type Opts struct {
	// KeyFile is the device key (see CreateKey).
	KeyFile string
	// CreateKey creates KeyFile when it is missing (simulator, tests).
	// A provisioned terminal leaves it false, so a lost key is an error
	// instead of a new key that cannot read the journal.
	CreateKey bool
	// Retention is how long completed transactions are kept before Purge
	// removes them; default 90 days. Never before their batch is closed.
	Retention time.Duration
	// MaxSize caps the journal file in bytes (0: no cap). A write that would
	// grow the file beyond it fails with ErrFull, as on a full disk.
	MaxSize int
	// LockTimeout is how long Open waits for another process to release the
	// file; default 1 s, then ErrLocked.
	LockTimeout time.Duration
	// ReadOnly opens without writing (inspection tools).
	ReadOnly bool
	// Check runs bbolt's full consistency check at Open. It reads every
	// page, so it is for diagnostics, not every boot.
	Check  bool
	Logger *slog.Logger
	Now    func() time.Time
}

// Store is the bbolt journal. It is safe for concurrent use.
type Store struct {
	db   *bolt.DB
	aead cipher.AEAD
	o    Opts
	log  *slog.Logger
	path string

	// enqueued wakes the forwarder when an offline approval is recorded.
	enqueued chan struct{}

	// failWrite, set by tests, makes every write fail inside its bbolt
	// transaction (which then rolls back), like a disk error.
	failWrite func() error

	// last is the fault of the last failed write, cleared by a write that
	// succeeds (see Fault).
	faultMu sync.Mutex
	last    LastFault

	closeOnce sync.Once
}

var _ payment.Journal = (*Store)(nil)

// Open opens (or creates) the journal at path. A damaged file is refused
// with a *CorruptError, never reset; a key that does not match the journal
// is ErrWrongKey. A file the process may not open is ErrPermission, one on
// a read-only file system ErrReadOnly: neither is corruption. Classify
// names the fault of any error it returns.
func Open(path string, o *Opts) (*Store, error) {
	var opts Opts
	if o != nil {
		opts = *o
	}
	if opts.Retention == 0 {
		opts.Retention = 90 * 24 * time.Hour
	}
	if opts.LockTimeout == 0 {
		opts.LockTimeout = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	aead, err := loadKey(opts.KeyFile, opts.CreateKey && !opts.ReadOnly)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.Size() == 0:
		// bbolt would initialise an empty file as a new journal: a journal
		// truncated to nothing must not silently become an empty one.
		return nil, &CorruptError{Path: path, Reason: "file is empty"}
	case errors.Is(err, fs.ErrNotExist) && opts.ReadOnly:
		return nil, fmt.Errorf("offline: no journal at %s: %w", path, err)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, opErr("opening journal", err)
	}
	if fi != nil {
		if err := preflight(path); err != nil {
			return nil, err
		}
	}
	db, err := openBolt(path, &bolt.Options{
		Timeout: opts.LockTimeout, MaxSize: opts.MaxSize, ReadOnly: opts.ReadOnly,
		FreelistType: bolt.FreelistMapType,
	})
	if err != nil {
		switch {
		case errors.Is(err, berrors.ErrTimeout):
			return nil, fmt.Errorf("%w: %s", ErrLocked, path)
		case faultOfErrno(err) != FaultNone:
			// Denied, read-only, full: the file may be perfectly sound.
			return nil, opErr("opening journal", err)
		case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrVersionMismatch),
			errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrInvalidMapping):
			return nil, &CorruptError{Path: path, Reason: "bad file header", Err: err}
		}
		if fi != nil {
			// The file exists and bbolt cannot read it (too small, bad
			// page size...): damaged, not merely absent.
			return nil, &CorruptError{Path: path, Reason: "cannot be opened", Err: err}
		}
		return nil, opErr("opening journal", err)
	}
	s := &Store{db: db, aead: aead, o: opts, log: opts.Logger, path: path, enqueued: make(chan struct{}, 1)}
	if err := s.init(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// openBolt turns a bbolt panic on a damaged file into an error. (The
// file handle bbolt opened is then leaked: the terminal refuses to sell and
// is restarted by an operator anyway.)
func openBolt(path string, o *bolt.Options) (db *bolt.DB, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, &CorruptError{Path: path, Reason: "damaged page", Err: fmt.Errorf("%v", r)}
		}
	}()
	return bolt.Open(path, 0o600, o)
}

// init checks the file against its own high-water mark, the schema and the
// key, creating or migrating the layout when writable. It reads meta only.
func (s *Store) init() error {
	fi, err := os.Stat(s.path)
	if err != nil {
		return opErr("opening journal", err)
	}
	var size int64
	if err := s.view(func(tx *bolt.Tx) error { size = tx.Size(); return nil }); err != nil {
		return err
	}
	if fi.Size() < size {
		// Pages past the end would fault when read: a truncated copy.
		return &CorruptError{Path: s.path, Reason: fmt.Sprintf("truncated: %d bytes, the journal needs %d", fi.Size(), size)}
	}
	if s.o.ReadOnly {
		return s.view(func(tx *bolt.Tx) error {
			v, err := s.checkLayout(tx)
			if err != nil {
				return err
			}
			if v != schemaVersion {
				return fmt.Errorf("offline: journal schema %d needs migrating to %d; open it read-write once", v, schemaVersion)
			}
			if tx.Bucket(bucketMeta).Get(metaScrubFrom) != nil {
				return errors.New("offline: journal card data clean-up unfinished; open it read-write once")
			}
			return s.checkKey(tx)
		})
	}
	err = s.update(func(tx *bolt.Tx) error {
		v, err := s.checkLayout(tx)
		if err != nil {
			return err
		}
		if v == 0 {
			if err := createLayout(tx); err != nil {
				return err
			}
		} else if err := migrate(tx, v); err != nil {
			return err
		}
		return s.checkKey(tx)
	})
	if err != nil {
		return err
	}
	if err := s.scrub(); err != nil {
		return err
	}
	if s.o.Check {
		return s.view(func(tx *bolt.Tx) error {
			for err := range tx.Check() {
				return &CorruptError{Path: s.path, Reason: "consistency check failed", Err: err}
			}
			return nil
		})
	}
	return nil
}

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

// Close releases the file. Calls after it answer ErrClosed.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() { err = s.db.Close() })
	return err
}

// Path is the journal file.
func (s *Store) Path() string { return s.path }

// view and update run fn and turn what bbolt does with a damaged file (a
// panic on a bad page, a fault on a page past the end) into a *CorruptError:
// a refusal, not a crash and never a reset.
func (s *Store) view(fn func(*bolt.Tx) error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer s.guard(&err)
	return s.db.View(fn)
}

func (s *Store) update(fn func(*bolt.Tx) error) (err error) {
	fnFailed := false
	// Runs last, on the error guard made: the store remembers its fault.
	defer func() { s.noteWrite(err, fnFailed) }()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer s.guard(&err)
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := fn(tx); err != nil {
			fnFailed = true
			return err
		}
		if s.failWrite != nil {
			return s.failWrite()
		}
		return nil
	})
	if err == nil || fnFailed || errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return err
	}
	// The commit itself failed: nothing of fn is on disk. The errno says
	// why (faultOfErrno reads it even where bbolt formats it away); the
	// file name goes, as the store's file is known (Path).
	f := faultOfErrno(err)
	if f == FaultNone {
		f = FaultIO
	}
	return fmt.Errorf("%w: %w: %w", ErrWrite, f.sentinel(), withoutPath(err, s.path))
}

func (s *Store) guard(err *error) {
	if r := recover(); r != nil {
		*err = &CorruptError{Path: s.path, Reason: "damaged page", Err: fmt.Errorf("%v", r)}
		return
	}
	if *err != nil && errors.Is(*err, berrors.ErrDatabaseNotOpen) {
		*err = ErrClosed
	}
}

// Save records t durably (fsync) before it returns. A transition that the
// state machine does not allow from the stored state is refused with
// ErrStale: it comes from an out-of-date copy.
func (s *Store) Save(ctx context.Context, t *payment.Transaction) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if t == nil || t.ID == "" {
		return fmt.Errorf("offline: saving a transaction without ID: %w", payment.ErrInvalidRequest)
	}
	if t.State == payment.StateCreated {
		// A new payment: refuse it now if the store can tell it could not
		// record the steps that follow, rather than leave it half-done.
		if err := s.Writable(); err != nil {
			s.noteWrite(err, false)
			return fmt.Errorf("offline: saving %s (%s): %w", t.ID, t.State, err)
		}
	}
	val, err := encode(s.aead, t)
	if err != nil {
		return fmt.Errorf("offline: encoding %s: %w", t.ID, err)
	}
	queued := false
	err = s.update(func(tx *bolt.Tx) error {
		var err error
		queued, err = s.put(tx, t, val)
		return err
	})
	if err != nil {
		return fmt.Errorf("offline: saving %s (%s): %w", t.ID, t.State, err)
	}
	if queued {
		s.wake()
	}
	return nil
}

// wake tells the forwarder an offline approval was queued.
func (s *Store) wake() {
	select {
	case s.enqueued <- struct{}{}:
	default:
	}
}

// put writes t and keeps the indexes in step, in the caller's transaction.
// It reports whether t entered the queue.
func (s *Store) put(tx *bolt.Tx, t *payment.Transaction, val []byte) (bool, error) {
	ids, txns, byBatch := tx.Bucket(bucketIDs), tx.Bucket(bucketTxn), tx.Bucket(bucketByBatch)
	var seq uint64
	if v := ids.Get([]byte(t.ID)); v != nil {
		old, err := parseIDValue(v)
		if err != nil {
			return false, err
		}
		if old.state != t.State && !payment.CanTransition(old.state, t.State) {
			return false, fmt.Errorf("%w: stored state is %s: %w", ErrStale, old.state,
				&payment.TransitionError{From: old.state, To: t.State})
		}
		seq = old.seq
		if old.batch != t.Batch {
			if err := byBatch.Delete(batchKey(old.batch, seq)); err != nil {
				return false, err
			}
		}
	} else {
		var err error
		if seq, err = txns.NextSequence(); err != nil {
			return false, err
		}
	}
	byBatch.FillPercent = 0.9
	if err := byBatch.Put(batchKey(t.Batch, seq), nil); err != nil {
		return false, err
	}
	key := seqKey(seq)
	if err := countSealed(tx.Bucket(bucketMeta), txns.Get(key), val); err != nil {
		return false, err
	}
	// Keys only ever grow: full pages instead of bbolt's half-full default
	// halve the file.
	txns.FillPercent = 0.9
	if err := txns.Put(key, val); err != nil {
		return false, err
	}
	if err := ids.Put([]byte(t.ID), idValue(seq, t.Batch, t.State)); err != nil {
		return false, err
	}
	if err := setMember(tx.Bucket(bucketActive), key, []byte(t.ID), needsRecovery(t)); err != nil {
		return false, err
	}
	if err := setMember(tx.Bucket(bucketFlagged), key, []byte(t.ID), t.State == payment.StateForwardDeclined); err != nil {
		return false, err
	}
	return s.setQueued(tx, key, t)
}

func setMember(b *bolt.Bucket, key, val []byte, in bool) error {
	if in {
		return b.Put(key, val)
	}
	if b.Get(key) == nil {
		return nil
	}
	return b.Delete(key)
}

// setQueued keeps the queue and its counters in step with t's state.
func (s *Store) setQueued(tx *bolt.Tx, key []byte, t *payment.Transaction) (bool, error) {
	q, meta := tx.Bucket(bucketQueue), tx.Bucket(bucketMeta)
	want := t.State == payment.StateOfflineApproved
	old := q.Get(key)
	switch {
	case want && old == nil:
		e := queueEntry{ID: t.ID, OrderID: t.OrderID, Amount: t.Amount.Minor, Currency: t.Amount.Currency, CreatedAt: t.CreatedAt}
		b, _ := json.Marshal(e)
		if err := q.Put(key, b); err != nil {
			return false, err
		}
		return true, addCounters(meta, 1, t.Amount.Minor)
	case !want && old != nil:
		var e queueEntry
		if err := json.Unmarshal(old, &e); err != nil {
			return false, &CorruptError{Path: s.path, Reason: "unreadable queue entry", Err: err}
		}
		if err := q.Delete(key); err != nil {
			return false, err
		}
		return false, addCounters(meta, -1, -e.Amount)
	}
	return false, nil
}

func addCounters(meta *bolt.Bucket, n, amount int64) error {
	c := int64(u64(meta.Get(metaQueueCount))) + n
	a := int64(u64(meta.Get(metaQueueTotal))) + amount
	if err := meta.Put(metaQueueCount, seqKey(uint64(c))); err != nil {
		return err
	}
	return meta.Put(metaQueueTotal, seqKey(uint64(a)))
}

// needsRecovery is true while a power cut would leave t unresolved: the
// payment is in flight, a reversal is owed, or an operation (refund, void,
// cancel) is journaled and not settled.
func needsRecovery(t *payment.Transaction) bool {
	return inFlight(t.State) || t.ReversalPending || t.Pending != nil
}

// inFlight is true for the states of a payment the service is running.
func inFlight(st payment.State) bool {
	switch st {
	case payment.StateCreated, payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateAuthorising:
		return true
	}
	return false
}

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
	v := tx.Bucket(bucketIDs).Get([]byte(id))
	if v == nil {
		return nil, fmt.Errorf("%w: payment %q", payment.ErrNotFound, id)
	}
	e, err := parseIDValue(v)
	if err != nil {
		return nil, err
	}
	b := tx.Bucket(bucketTxn).Get(seqKey(e.seq))
	if b == nil {
		return nil, &CorruptError{Path: s.path, Reason: "index points to a missing record of " + id}
	}
	return decode(aead, b)
}

// List returns the transactions matching q, newest first, filtered with
// payment.Query.Match so every journal filters alike. A batch query (the X
// and Z reports) reads that batch's records only, through the bybatch
// index; others read from the newest record back: cheap with Limit, a scan
// without it.
func (s *Store) List(ctx context.Context, q payment.Query) ([]*payment.Transaction, error) {
	var out []*payment.Transaction
	err := s.view(func(tx *bolt.Tx) error {
		txns := tx.Bucket(bucketTxn)
		var next func() []byte
		if q.Batch > 0 {
			c := tx.Bucket(bucketByBatch).Cursor()
			prefix := seqKey(uint64(q.Batch))
			k, _ := c.Seek(seqKey(uint64(q.Batch) + 1))
			if k == nil {
				k, _ = c.Last()
			} else {
				k, _ = c.Prev()
			}
			next = func() []byte {
				if k == nil || !bytes.HasPrefix(k, prefix) {
					return nil
				}
				v := txns.Get(k[8:])
				k, _ = c.Prev()
				if v == nil {
					return []byte{} // index entry without record: skipped
				}
				return v
			}
		} else {
			c := txns.Cursor()
			k, v := c.Last()
			next = func() []byte {
				if k == nil {
					return nil
				}
				cur := v
				k, v = c.Prev()
				return cur
			}
		}
		for v := next(); v != nil; v = next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			if len(v) == 0 {
				continue
			}
			t, err := decode(s.aead, v)
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
	t       *payment.Transaction // transitioned to forwarded / forward_declined when settled
	val     []byte               // t encoded, when settled
	settled bool
	sent    bool // a Sale may have reached the gateway and was not resolved
	err     error
	stale   bool // set by recordOutcomes: the payment changed on the terminal meanwhile
	res     payment.GatewayResult
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
				v := ids.Get([]byte(o.t.ID))
				if v == nil {
					o.stale = true
					continue
				}
				if e, err := parseIDValue(v); err != nil {
					return err
				} else if e.state != payment.StateOfflineApproved {
					o.stale = true
					continue
				}
				if _, err := s.put(tx, o.t, o.val); err != nil {
					return err
				}
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
			if err := byBatch.Delete(batchKey(t.Batch, u64(k))); err != nil {
				return err
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

func purgeable(t *payment.Transaction, openBatch int) bool {
	if t.Batch >= openBatch || needsRecovery(t) {
		return false
	}
	switch t.State {
	case payment.StateOfflineApproved, payment.StateForwardDeclined:
		return false
	}
	return true
}
