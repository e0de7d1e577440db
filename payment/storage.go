package payment

import "errors"

// The journal's storage faults as the payment layer sees them. The journal
// (offline.Store) returns errors that match one of these with errors.Is, so
// the API and the UI can refuse a payment that cannot be recorded without
// importing the journal.
var (
	// ErrStorageFull means the journal's disk, quota or size limit is full:
	// the change was not recorded. Freeing space is enough; nothing was lost.
	ErrStorageFull = errors.New("payment: journal storage is full")
	// ErrStorageUnavailable means the journal cannot be written for any
	// other reason (read-only file system, permission denied, locked by
	// another process, corrupted, wrong device key, I/O error).
	ErrStorageUnavailable = errors.New("payment: journal storage unavailable")
)

// StorageFault names a journal storage problem for people: a stable code
// (storage_full, storage_read_only...), what is wrong and what a field
// technician does about it. None of its fields names a file: it is safe to
// show through the API and on screen.
type StorageFault struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Fix     string `json:"fix"`
}

// StorageFaulter is implemented by journal errors that name their fault.
// Their Error() text is for logs and technicians' tools and may name files;
// anything shown to a cash register or a cashier uses the fault instead.
type StorageFaulter interface {
	StorageFault() StorageFault
}

// StorageFaultOf returns the storage fault err carries, if any.
func StorageFaultOf(err error) (StorageFault, bool) {
	var f StorageFaulter
	if errors.As(err, &f) {
		return f.StorageFault(), true
	}
	return StorageFault{}, false
}
