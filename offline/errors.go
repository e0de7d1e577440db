package offline

import (
	"errors"
	"fmt"
)

var (
	// ErrNoKey means the device key file does not exist: the terminal was
	// not provisioned, or the key was lost (the journal cannot be read
	// without it).
	ErrNoKey = errors.New("offline: device key file missing; provision the terminal (tpectl provision) or restore the key")
	// ErrKeyExists is CreateKey refusing to overwrite a key: that would
	// make every sealed card in the journal unreadable.
	ErrKeyExists = errors.New("offline: device key file already exists")
	// ErrBadKey is a key file that is not 32 bytes or that other users may read.
	ErrBadKey = errors.New("offline: bad device key file")
	// ErrWrongKey means the key file does not open this journal.
	ErrWrongKey = errors.New("offline: the device key does not match this journal (wrong key file)")
	// ErrCorrupt means the journal file is damaged. The store refuses to
	// run on it rather than start afresh: a silent reset would lose payments.
	ErrCorrupt = errors.New("offline: journal is corrupted; refusing to use it")
	// ErrNewerSchema is a journal written by a newer release.
	ErrNewerSchema = errors.New("offline: journal was written by a newer release")
	// ErrLocked means another process holds the journal open.
	ErrLocked = errors.New("offline: journal is in use by another process")
	// ErrWrite means the journal could not commit a change (disk full, I/O
	// error): the change was not recorded and must not be acted on.
	ErrWrite = errors.New("offline: journal write failed; the change was not recorded")
	// ErrFull is the ErrWrite known to be a full disk or the size limit
	// (Opts.MaxSize); such errors match both.
	ErrFull = errors.New("offline: journal is full")
	// ErrStale is a Save that would move a transaction backwards, made from
	// an out-of-date copy (two writers raced).
	ErrStale = errors.New("offline: stale write refused")
	// ErrClosed is any call after Close.
	ErrClosed = errors.New("offline: store is closed")
	// ErrNotAvailable answers a forward when no gateway is configured.
	ErrNotAvailable = errors.New("offline: not available")
)

// CorruptError says what is wrong with a journal file. It matches ErrCorrupt.
type CorruptError struct {
	Path   string
	Reason string
	Err    error // the underlying cause, if any
}

func (e *CorruptError) Error() string {
	msg := fmt.Sprintf("offline: journal %s is corrupted (%s); refusing to use it — restore a backup or move it aside", e.Path, e.Reason)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *CorruptError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrCorrupt) true for every CorruptError.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }
