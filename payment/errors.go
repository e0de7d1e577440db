package payment

import (
	"errors"
	"fmt"
)

var (
	ErrInvalidAmount    = errors.New("payment: invalid amount")
	ErrUnknownCurrency  = errors.New("payment: unknown currency")
	ErrCurrencyMismatch = errors.New("payment: currency mismatch")
	ErrUnknownMethod    = errors.New("payment: unknown payment method")
	ErrNotFound         = errors.New("payment: not found")
	// ErrNotSupported means the terminal has no machinery for the request
	// (no wallet provider configured, for example).
	ErrNotSupported = errors.New("payment: not supported by this terminal")
	// ErrRefundExceeds means the refund is above what remains refundable.
	ErrRefundExceeds = errors.New("payment: refund exceeds the remaining amount")
	// ErrNotRefundable means the payment is not in a state that can be refunded.
	ErrNotRefundable = errors.New("payment: payment cannot be refunded")
	// ErrNotCancellable means the payment has gone too far to be cancelled.
	ErrNotCancellable = errors.New("payment: payment can no longer be cancelled")
	// ErrAlreadyApproved means a cancel was asked of an approved payment: it
	// must be refunded (or voided by a supervisor) instead.
	ErrAlreadyApproved = errors.New("payment: payment is approved; refund it instead")
	// ErrOfflineRefused means the terminal risk management refused to take
	// the payment offline (limits reached, card forbids it, method online-only).
	ErrOfflineRefused = errors.New("payment: cannot be taken offline")
	// ErrGatewayUnavailable means the gateway could not be reached: the
	// request was certainly not processed.
	ErrGatewayUnavailable = errors.New("payment: gateway unavailable")
	// ErrBusy means another payment is already using the card reader.
	ErrBusy = errors.New("payment: terminal busy with another payment")
)

// TransitionError is an illegal state change.
type TransitionError struct {
	From, To State
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("payment: illegal transition %s → %s", e.From, e.To)
}

// ErrUnknownPolicy is an offline policy name that does not exist.
var ErrUnknownPolicy = errors.New("payment: unknown offline policy")

var (
	// ErrCurrencyNotAccepted is a known currency this terminal does not take.
	ErrCurrencyNotAccepted = errors.New("payment: currency not accepted")
	// ErrInvalidEmail is a malformed e-mail address.
	ErrInvalidEmail = errors.New("payment: invalid e-mail address")
	// ErrInvalidRequest is any other malformed field of a request.
	ErrInvalidRequest = errors.New("payment: invalid request")
)

var (
	// ErrOperationInProgress means another money-moving operation (refund,
	// void, cancel) of the same payment is running or awaits the gateway's
	// record: the payment takes one at a time.
	ErrOperationInProgress = errors.New("payment: another operation on this payment is in progress")
	// ErrOutcomeUnknown means a request may have reached the gateway and no
	// answer came back. The operation stays pending until the gateway's own
	// record settles it; it is never resent blindly.
	ErrOutcomeUnknown = errors.New("payment: outcome unknown")
)

var (
	// ErrOperationDropped means a refund or void whose answer was lost
	// turned out, from the bank's record, not to have been made.
	ErrOperationDropped = errors.New("payment: operation not made")
	// ErrRecordMismatch means the bank's record contradicts the journal.
	ErrRecordMismatch = errors.New("payment: the bank's record disagrees with the terminal")
)

// ErrAmountTooLarge is an amount above the terminal's maximum (or above
// what minor units can hold). It matches ErrInvalidAmount too.
var ErrAmountTooLarge = fmt.Errorf("%w: above the maximum", ErrInvalidAmount)

var (
	// ErrNotAwaitingPIN means a PIN (or a cancel at the PIN pad) was sent
	// for a payment that is not waiting for one.
	ErrNotAwaitingPIN = errors.New("payment: payment is not waiting for a PIN")
	// ErrPINUnavailable means the terminal cannot encipher an online PIN:
	// no PIN key was injected, or its key life has ended.
	ErrPINUnavailable = errors.New("payment: online PIN not available on this terminal")
)
