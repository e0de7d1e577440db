package offline

import (
	"errors"
	"fmt"

	"tpe/payment"
)

var (
	// ErrNoKey means the device key file does not exist: the terminal was
	// not provisioned, or the key was lost (the journal cannot be read
	// without it).
	ErrNoKey error = &faultErr{FaultNoKey, "offline: device key file missing; provision the terminal (tpectl provision) or restore the key"}
	// ErrKeyExists is CreateKey refusing to overwrite a key: that would
	// make every sealed card in the journal unreadable.
	ErrKeyExists = errors.New("offline: device key file already exists")
	// ErrBadKey is a key file that is not 32 bytes or that other users may read.
	ErrBadKey error = &faultErr{FaultNoKey, "offline: bad device key file"}
	// ErrWrongKey means the key file does not open this journal.
	ErrWrongKey error = &faultErr{FaultWrongKey, "offline: the device key does not match this journal (wrong key file)"}
	// ErrCorrupt means the journal file is damaged. The store refuses to
	// run on it rather than start afresh: a silent reset would lose payments.
	ErrCorrupt error = &faultErr{FaultCorrupt, "offline: journal is corrupted; refusing to use it"}
	// ErrNewerSchema is a journal written by a newer release.
	ErrNewerSchema = errors.New("offline: journal was written by a newer release")
	// ErrLocked means another process holds the journal open.
	ErrLocked error = &faultErr{FaultLocked, "offline: journal is in use by another process"}
	// ErrPermission means the process may not read or write the journal,
	// its directory or the key (EACCES, EPERM). The file is not damaged.
	ErrPermission error = &faultErr{FaultPermission, "offline: permission denied on the journal's storage"}
	// ErrReadOnly means the journal's file system is mounted read-only
	// (EROFS), often remounted so by the kernel after disk errors.
	ErrReadOnly error = &faultErr{FaultReadOnly, "offline: journal's file system is read-only"}
	// ErrWrite means the journal could not commit a change (disk full, I/O
	// error): the change was not recorded and must not be acted on. It is
	// always joined by the error naming the fault (ErrFull, ErrReadOnly,
	// ErrIO...).
	ErrWrite = errors.New("offline: journal write failed; the change was not recorded")
	// ErrFull is the ErrWrite known to be a full disk or quota (ENOSPC,
	// EDQUOT, EFBIG) or the size limit (Opts.MaxSize); such errors match
	// both.
	ErrFull error = &faultErr{FaultFull, "offline: journal is full"}
	// ErrIO is an ErrWrite of no better known cause (an I/O error).
	ErrIO error = &faultErr{FaultIO, "offline: journal I/O error"}
	// ErrStale is a Save that would move a transaction backwards, made from
	// an out-of-date copy (two writers raced).
	ErrStale = errors.New("offline: stale write refused")
	// ErrClosed is any call after Close.
	ErrClosed = errors.New("offline: store is closed")
	// ErrNotAvailable answers a forward when no gateway is configured.
	ErrNotAvailable = errors.New("offline: not available")
)

// faultErr is a sentinel that names its storage fault: errors.Is matches
// it to the payment layer's ErrStorageFull or ErrStorageUnavailable, and
// the API reads the fault's path-free message from it.
type faultErr struct {
	fault Fault
	msg   string
}

func (e *faultErr) Error() string { return e.msg }

// Is makes every error of a fault match the payment layer's sentinel.
func (e *faultErr) Is(target error) bool { return target != nil && target == e.fault.paymentErr() }

// StorageFault implements payment.StorageFaulter.
func (e *faultErr) StorageFault() payment.StorageFault { return e.fault.StorageFault() }

// CorruptError says what is wrong with a journal file. It matches ErrCorrupt.
type CorruptError struct {
	Path   string
	Reason string
	Err    error // the underlying cause, if any
}

func (e *CorruptError) Error() string {
	msg := fmt.Sprintf("offline: journal %s is corrupted (%s); refusing to use it — do not delete it (it may hold unforwarded payments): restore a backup", e.Path, e.Reason)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *CorruptError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrCorrupt) true for every CorruptError, and
// errors.Is(err, payment.ErrStorageUnavailable).
func (e *CorruptError) Is(target error) bool {
	return target == ErrCorrupt || target == payment.ErrStorageUnavailable
}

// StorageFault implements payment.StorageFaulter: the API shows this, not
// Error(), which names the file.
func (e *CorruptError) StorageFault() payment.StorageFault { return FaultCorrupt.StorageFault() }
