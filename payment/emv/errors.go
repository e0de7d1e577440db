package emv

import (
	"errors"
	"fmt"
)

var (
	// ErrCard wraps any failure of the card transport (removed, timeout):
	// Run returns it, joined with the transport's own error, when the flow
	// could not finish for a reason outside the card's answers.
	ErrCard = errors.New("emv: card transport failed")
	// ErrBadConfig means the kernel configuration is unusable.
	ErrBadConfig = errors.New("emv: bad configuration")
	// ErrODA means offline data authentication failed; it appears wrapped
	// in a Result's reason chain, never as Run's error.
	ErrODA = errors.New("emv: offline data authentication failed")

	errNoUnmarshal = errors.New("emv: redacted values cannot be unmarshalled")
)

// StatusError is a status word a step did not expect.
type StatusError struct {
	Step     string // "select ppse", "gpo", "read record 1 of sfi 2"...
	SW1, SW2 byte
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("emv: %s: status %02X%02X", e.Step, e.SW1, e.SW2)
}

// SW is the status word as one number, 0x9000 style.
func (e *StatusError) SW() uint16 { return uint16(e.SW1)<<8 | uint16(e.SW2) }

// TransportError wraps a card's own error (nfc.ErrCardRemoved, a timeout)
// with the step that was under way.
type TransportError struct {
	Step string
	Err  error
}

func (e *TransportError) Error() string { return fmt.Sprintf("emv: %s: %v", e.Step, e.Err) }

// Unwrap gives both the card's error and ErrCard to errors.Is.
func (e *TransportError) Unwrap() []error { return []error{ErrCard, e.Err} }
