// The Store itself: Open (which refuses a damaged or truncated file, or one
// the key does not open, rather than reset it), Close, and the view and
// update wrappers every read and write goes through.

package offline

import (
	"crypto/cipher"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"runtime"
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

// Opts configures a Store. KeyFile is required.
type Opts struct {
	// KeyFile is the device key (see CreateKey).
	KeyFile string
	// PINKeyFile is the sealed AES DUKPT initial key (SavePINKey; usually
	// PINKeyPath(KeyFile)); empty or missing: no online PIN.
	PINKeyFile string
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
	pin  *pinKey // nil: no PIN key injected
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

	// batchMu is the batch lock the payment service shares
	// (payment.BatchLocker): it closes batches under it, and recovery and
	// the forwarder hold it for reading while they record a refund in the
	// open batch (recoverOperation).
	batchMu sync.RWMutex
}

var (
	_ payment.Journal     = (*Store)(nil)
	_ payment.BatchLocker = (*Store)(nil)
)

// BatchLock is the journal's batch lock (payment.BatchLocker).
func (s *Store) BatchLock() *sync.RWMutex { return &s.batchMu }

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
	pk, err := loadPINKey(aead, opts.PINKeyFile)
	if err != nil {
		db.Close()
		return nil, err
	}
	s := &Store{db: db, aead: aead, pin: pk, o: opts, log: opts.Logger, path: path, enqueued: make(chan struct{}, 1)}
	if err := s.init(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// damagedPage tells a panic a damaged file causes from a bug: bbolt's own
// panics on inconsistent pages (plain strings or errors), or a memory
// fault inside the mapped file (SetPanicOnFault: an address past the
// first page, where a nil pointer would fault). Index errors, nil maps
// and nil pointers are runtime errors of the caller's code.
func damagedPage(r any) bool {
	e, isErr := r.(error)
	if !isErr {
		return true
	}
	var fault interface{ Addr() uintptr }
	if errors.As(e, &fault) {
		return fault.Addr() >= 4096
	}
	var re runtime.Error
	return !errors.As(e, &re)
}

// openBolt turns a bbolt panic on a damaged file into an error. (The
// file handle bbolt opened is then leaked: the terminal refuses to sell and
// is restarted by an operator anyway.)
func openBolt(path string, o *bolt.Options) (db *bolt.DB, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if !damagedPage(r) {
				panic(r)
			}
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

// Close releases the file. Calls after it answer ErrClosed.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		if s.pin != nil {
			s.pin.key.Wipe()
		}
		err = s.db.Close()
	})
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
		if !damagedPage(r) {
			panic(r) // a bug in the caller's code, not a damaged file
		}
		*err = &CorruptError{Path: s.path, Reason: "damaged page", Err: fmt.Errorf("%v", r)}
		return
	}
	if *err != nil && errors.Is(*err, berrors.ErrDatabaseNotOpen) {
		*err = ErrClosed
	}
}
