package alipayplus

import (
	"errors"
	"fmt"

	"tpe/payment"
)

var (
	// ErrCodeLength is a payment code whose length Alipay+ does not use:
	// outside 17–32 digits, or in the reserved 20–23 and 25–32 ranges.
	ErrCodeLength = errors.New("alipayplus: payment code of the wrong length")
	// ErrCodeFormat is a payment code that is not all digits or whose
	// structure is wrong (a 24-digit code whose business type is not 02,
	// the user-presented payment code).
	ErrCodeFormat = errors.New("alipayplus: malformed payment code")
	// ErrUnknownWallet is a well-formed code from an issuer the terminal
	// does not know: it is refused before anything reaches the gateway.
	ErrUnknownWallet = errors.New("alipayplus: payment code of an unknown wallet")
	// ErrCancelUnconfirmed means a wallet payment had to be cancelled
	// (expiry or cashier) and the gateway never confirmed the cancel within
	// Opts.CancelTimeout: the outcome is unknown and must be checked.
	ErrCancelUnconfirmed = fmt.Errorf("alipayplus: cancel not confirmed by the gateway: %w", payment.ErrOutcomeUnknown)
)

// CodeError says why a payment code was refused. It never holds the code
// itself (a customer's payment code is a bearer credential for a minute),
// only its length and, when known, its issuer prefix.
type CodeError struct {
	Len    int
	Prefix string // the first digits (at most 6) when the code is numeric
	Reason string
	Err    error // ErrCodeLength, ErrCodeFormat or ErrUnknownWallet
}

func (e *CodeError) Error() string {
	if e.Prefix != "" {
		return fmt.Sprintf("%v: %d digits starting %s: %s", e.Err, e.Len, e.Prefix, e.Reason)
	}
	return fmt.Sprintf("%v: %d characters: %s", e.Err, e.Len, e.Reason)
}

func (e *CodeError) Unwrap() error { return e.Err }
