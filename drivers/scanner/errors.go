package scanner

import (
	"errors"
	"fmt"

	"tpe/device/scanner"
)

var (
	// ErrTooLong means a code exceeded Opts.MaxLen; its bytes were dropped.
	ErrTooLong = errors.New("scanner: code too long")
	// ErrGarbled means a line held bytes no barcode decodes to (line noise,
	// wrong baud rate).
	ErrGarbled = errors.New("scanner: garbled code")
	// ErrCutOff means a code stopped arriving before its terminator for
	// longer than Opts.Timeout.
	ErrCutOff = errors.New("scanner: code cut off")
	// ErrBusy means another Scan is already waiting.
	ErrBusy = errors.New("scanner: Scan already in progress")
	// ErrHalted means Scan was called after Halt.
	ErrHalted = errors.New("scanner: halted")
)

// CodeError is a read Scan refused. It carries the length, never the bytes:
// a payment code is a bearer token.
type CodeError struct {
	Err error // ErrTooLong, ErrGarbled or ErrCutOff
	Len int   // bytes received for the code
}

func (e *CodeError) Error() string { return fmt.Sprintf("%v (%d bytes)", e.Err, e.Len) }

// Unwrap returns the reason.
func (e *CodeError) Unwrap() error { return e.Err }

// UnpluggedError is the port going away; it matches
// device/scanner.ErrUnplugged with errors.Is and wraps the read error.
type UnpluggedError struct{ Err error }

func (e *UnpluggedError) Error() string { return "scanner: port closed: " + e.Err.Error() }

// Unwrap returns the read error.
func (e *UnpluggedError) Unwrap() error { return e.Err }

// Is matches scanner.ErrUnplugged.
func (e *UnpluggedError) Is(target error) bool { return target == scanner.ErrUnplugged }
