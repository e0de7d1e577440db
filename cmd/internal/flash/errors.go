package flash

import "errors"

var (
	// ErrBadTarget is a --target that is neither a directory nor user@host.
	ErrBadTarget = errors.New("flash: target is neither an existing directory nor user@host[:port]")
	// ErrCorrupt is a copy whose SHA-256 differs from the bundle's.
	ErrCorrupt = errors.New("flash: the copy on the target differs from the bundle; it was discarded, run flash again")
)
