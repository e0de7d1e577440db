package offline

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"

	berrors "go.etcd.io/bbolt/errors"

	"tpe/payment"
)

// Fault names what keeps the journal from being read or written, for
// people: its value is a stable code (the API's and tpectl's), and Message
// and Fix say what is wrong and what a field technician does. None of them
// names a file. The advice differs by fault on purpose: a journal that is
// read-only or denied is intact, and throwing it away as "corrupted" would
// lose unforwarded payments.
type Fault string

// The faults. FaultNone is no storage fault (nil, or an error of another
// kind: a stale write, a cancelled context).
const (
	FaultNone       Fault = ""
	FaultPermission Fault = "storage_permission_denied"
	FaultReadOnly   Fault = "storage_read_only"
	FaultFull       Fault = "storage_full"
	FaultCorrupt    Fault = "storage_corrupt"
	FaultWrongKey   Fault = "storage_wrong_key"
	FaultNoKey      Fault = "storage_no_key"
	FaultLocked     Fault = "storage_locked"
	FaultIO         Fault = "storage_io_error"
)

// Faults lists every fault, for documentation and tests.
var Faults = []Fault{FaultPermission, FaultReadOnly, FaultFull, FaultCorrupt, FaultWrongKey, FaultNoKey, FaultLocked, FaultIO}

var faultText = map[Fault]struct{ msg, fix string }{
	FaultPermission: {
		"the terminal is not allowed to read or write its journal (permission denied); the journal is intact",
		"give the data directory (data_dir in tpe.toml) and every file in it back to the tpe user: chown -R tpe:tpe, chmod 700 on the directory, 600 on the files; then restart tpe. Delete nothing",
	},
	FaultReadOnly: {
		"the journal's file system is read-only; the journal is intact but no payment can be recorded",
		"remount the data partition read-write (mount -o remount,rw); if the kernel made it read-only after disk errors, check the medium (dmesg, tpectl diag) first; then restart tpe. Delete nothing",
	},
	FaultFull: {
		"the journal's storage is full: the payment was not recorded",
		"free space on the data partition or raise the quota; nothing was lost: the failed payment was never recorded and the journal is intact",
	},
	FaultCorrupt: {
		"the journal file is damaged; the terminal refuses to use it",
		"stop tpe and restore the journal from a backup; do not delete the file, it may hold unforwarded payments: copy the data directory to a USB stick and call support",
	},
	FaultWrongKey: {
		"the device key does not open this journal (wrong key file)",
		"put back this terminal's own device key from its backup; a new key cannot read the journal. Do not delete the journal, it may hold unforwarded payments",
	},
	FaultNoKey: {
		"the device key file is missing or unusable",
		"restore the device key from the terminal's backup (owner tpe, mode 600); a terminal never provisioned needs tpectl provision. Do not delete the journal",
	},
	FaultLocked: {
		"another process holds the journal",
		"stop the other program using the journal (a second tpe, or a tpectl command), then restart tpe. Delete nothing",
	},
	FaultIO: {
		"the journal could not be written (disk error): the change was not recorded",
		"check the storage medium (dmesg, tpectl diag) and replace it if it reports errors; do not delete the journal, it may hold unforwarded payments",
	},
}

// Code is the fault's stable code; "" for FaultNone.
func (f Fault) Code() string { return string(f) }

func (f Fault) String() string {
	if f == FaultNone {
		return "none"
	}
	return string(f)
}

// Message says what is wrong, without file names.
func (f Fault) Message() string { return faultText[f].msg }

// Fix is what a field technician does about it.
func (f Fault) Fix() string { return faultText[f].fix }

// StorageFault is the fault as the payment layer and the API see it.
func (f Fault) StorageFault() payment.StorageFault {
	return payment.StorageFault{Code: f.Code(), Message: f.Message(), Fix: f.Fix()}
}

// paymentErr is the payment layer's sentinel for f: a full journal only
// needs space; every other fault makes the journal unavailable.
func (f Fault) paymentErr() error {
	switch f {
	case FaultNone:
		return nil
	case FaultFull:
		return payment.ErrStorageFull
	}
	return payment.ErrStorageUnavailable
}

// sentinel is offline's error for f.
func (f Fault) sentinel() error {
	switch f {
	case FaultPermission:
		return ErrPermission
	case FaultReadOnly:
		return ErrReadOnly
	case FaultFull:
		return ErrFull
	case FaultCorrupt:
		return ErrCorrupt
	case FaultWrongKey:
		return ErrWrongKey
	case FaultNoKey:
		return ErrNoKey
	case FaultLocked:
		return ErrLocked
	case FaultIO:
		return ErrIO
	}
	return nil
}

// Classify maps any error of the store (Open, Save, a read) to its fault:
// offline's own errors first, then the errno underneath.
func Classify(err error) Fault {
	if err == nil {
		return FaultNone
	}
	var fe *faultErr
	if errors.As(err, &fe) {
		return fe.fault
	}
	var ce *CorruptError
	if errors.As(err, &ce) {
		return FaultCorrupt
	}
	if f := faultOfErrno(err); f != FaultNone {
		return f
	}
	if errors.Is(err, ErrWrite) {
		return FaultIO
	}
	return FaultNone
}

// faultOfErrno classifies the system error under err.
func faultOfErrno(err error) Fault {
	switch {
	case errors.Is(err, berrors.ErrMaxSizeReached), errors.Is(err, syscall.ENOSPC),
		errors.Is(err, syscall.EDQUOT), errors.Is(err, syscall.EFBIG):
		return FaultFull
	case errors.Is(err, syscall.EROFS):
		return FaultReadOnly
	case errors.Is(err, fs.ErrPermission): // EACCES, EPERM
		return FaultPermission
	case errors.Is(err, berrors.ErrTimeout):
		return FaultLocked
	case errors.Is(err, syscall.EIO):
		return FaultIO
	}
	// bbolt formats the errno away (%s) when it grows or syncs the file
	// ("file resize error: file too large"): its text, at the end of the
	// message, is all that is left of it.
	msg := err.Error()
	for _, e := range []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT, syscall.EFBIG, syscall.EROFS, syscall.EACCES, syscall.EPERM, syscall.EIO} {
		if strings.HasSuffix(msg, ": "+e.Error()) {
			return faultOfErrno(e)
		}
	}
	return FaultNone
}

// opErr wraps err, the failure of action, with the sentinel of the fault
// its errno names (a permission or read-only error is never reported as
// corruption), or as a plain offline error.
func opErr(action string, err error) error {
	var fe *faultErr
	if !errors.As(err, &fe) {
		if s := faultOfErrno(err).sentinel(); s != nil {
			return fmt.Errorf("%w: %s: %w", s, action, err)
		}
	}
	return fmt.Errorf("offline: %s: %w", action, err)
}

// withoutPath drops the file name from a write error of the open store: it
// is about the store's own file (Store.Path), and such errors travel to
// places that must not show paths. An *fs.PathError loses its Path; a
// path bbolt formatted into its text is replaced by the file's base name.
func withoutPath(err error, path string) error {
	if pe, ok := err.(*fs.PathError); ok {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	if path != "" && strings.Contains(err.Error(), path) {
		return &redacted{msg: strings.ReplaceAll(err.Error(), path, filepath.Base(path)), err: err}
	}
	return err
}

// redacted is an error with its text rewritten; errors.Is and As still see
// the original.
type redacted struct {
	msg string
	err error
}

func (e *redacted) Error() string { return e.msg }
func (e *redacted) Unwrap() error { return e.err }
