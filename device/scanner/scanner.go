package scanner

import (
	"context"
	"errors"
)

// Scanner reads one code at a time.
type Scanner interface {
	// Scan waits for the next complete code, or ctx ends.
	Scan(ctx context.Context) (string, error)
	String() string
	Halt() error
}

var (
	// ErrNoCode means ctx ended before a code was read.
	ErrNoCode = errors.New("scanner: no code read")
	// ErrUnplugged means the scanner's port went away.
	ErrUnplugged = errors.New("scanner: port closed")
)
