package st7789

import (
	"errors"

	"tpe/device/display"
)

var (
	// ErrGeometry means the panel size, offsets or rotation in Opts cannot
	// fit the controller's 240×320 frame memory.
	ErrGeometry = errors.New("st7789: panel geometry does not fit the controller")
	// ErrNoImage means Show or Draw was given a nil image.
	ErrNoImage = errors.New("st7789: nil image")
	// ErrHalted means Show was called after Halt.
	ErrHalted = errors.New("st7789: display halted")
)

// BusError is a failed SPI or GPIO operation. It matches display.ErrDisplay
// with errors.Is, so callers that only know the device contract can test it.
type BusError struct {
	Op  string // what was being sent, e.g. "RAMWR" or "reset pin"
	Err error
}

func (e *BusError) Error() string { return "st7789: " + e.Op + ": " + e.Err.Error() }

// Unwrap returns the bus error.
func (e *BusError) Unwrap() error { return e.Err }

// Is reports display.ErrDisplay as a match.
func (e *BusError) Is(target error) bool { return target == display.ErrDisplay }
