package pin

import (
	"errors"
	"fmt"
)

// Errors of the key derivation and of the PIN block. None of them carries a
// PIN, a PAN or a key: their text may reach a log.
var (
	// ErrKeyLength means a key is not 16, 24 or 32 bytes long (AES-128,
	// AES-192, AES-256).
	ErrKeyLength = errors.New("pin: key is not an AES key (16, 24 or 32 bytes)")
	// ErrKeyType means a working key was asked stronger than the key it
	// is derived from, or a key type is unknown.
	ErrKeyType = errors.New("pin: key type not derivable from this key")
	// ErrKSN means a key serial number is not 12 bytes (8-byte initial key
	// ID and 4-byte transaction counter).
	ErrKSN = errors.New("pin: key serial number is not 12 bytes")
	// ErrCounter means a transaction counter no originating device may
	// use: zero, or more than 16 one-bits.
	ErrCounter = errors.New("pin: transaction counter not valid for AES DUKPT (zero or more than 16 one-bits)")
	// ErrKeyLifeEnded means the initial key has no transaction counter
	// left: the device must stop and be given a new initial key.
	ErrKeyLifeEnded = errors.New("pin: DUKPT key life ended: no transaction counter left, inject a new initial key")
	// ErrPIN means a PIN is not 4 to 12 decimal digits.
	ErrPIN = errors.New("pin: a PIN is 4 to 12 digits")
	// ErrPAN means a PAN is not 1 to 19 decimal digits.
	ErrPAN = errors.New("pin: a PAN is 1 to 19 digits")
	// ErrRandom means the random fill of a format 4 block is not 8 bytes.
	ErrRandom = errors.New("pin: the random fill of a format 4 block is 8 bytes")
)

// BlockReason says why a deciphered block is not a valid format 4 PIN
// block.
type BlockReason string

// The reasons a format 4 block is refused (ISO 9564-1:2017, format 4 plain
// text PIN field).
const (
	// ReasonSize: the enciphered block is not 16 bytes.
	ReasonSize BlockReason = "size"
	// ReasonControl: the control field (first nibble) is not 4. A wrong
	// key or PAN mostly ends here.
	ReasonControl BlockReason = "control_field"
	// ReasonPINLength: the PIN length nibble is outside 4–12.
	ReasonPINLength BlockReason = "pin_length"
	// ReasonPINDigit: a PIN nibble is not a decimal digit.
	ReasonPINDigit BlockReason = "pin_digit"
	// ReasonFill: a fill nibble after the PIN is not A.
	ReasonFill BlockReason = "fill"
)

// BlockError is a block that does not decipher to a valid format 4 PIN
// block. It names the field at fault and never the digits it holds.
type BlockError struct {
	Reason BlockReason
	// Nibble is the position (0-based, in the plain text PIN field) of
	// the first nibble at fault.
	Nibble int
}

func (e *BlockError) Error() string {
	var why string
	switch e.Reason {
	case ReasonSize:
		why = "the block is not 16 bytes"
	case ReasonControl:
		why = "the control field is not 4 (wrong key, PAN or format?)"
	case ReasonPINLength:
		why = "the PIN length is not 4 to 12"
	case ReasonPINDigit:
		why = fmt.Sprintf("nibble %d of the PIN is not a decimal digit", e.Nibble)
	case ReasonFill:
		why = fmt.Sprintf("fill nibble %d is not A", e.Nibble)
	default:
		why = string(e.Reason)
	}
	return "pin: not a valid format 4 PIN block: " + why
}
