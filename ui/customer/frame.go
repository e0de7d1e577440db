package customer

import (
	"fmt"
	"time"

	"tpe/payment"
)

// Screen is one kind of customer frame.
type Screen int

// Screens, in the order of a payment.
const (
	Idle            Screen = iota // welcome, merchant name
	Amount                        // amount due, "Présentez votre carte"
	Processing                    // card read, waiting for the answer
	Approved                      // paid
	Declined                      // not paid; Frame.Reason says why
	OfflineApproved               // paid, authorised offline
	QR                            // Alipay+ order code to scan
	RemoveCard                    // card read, take it away
	LinkSent                      // pay-by-email link sent
	EnterPIN                      // amount, "Saisissez votre code" on the PIN pad
)

var screenNames = [...]string{"idle", "amount", "processing", "approved", "declined", "offline-approved", "qr", "remove-card", "link-sent", "enter-pin"}

// String is the screen's name as tpectl takes it.
func (s Screen) String() string {
	if s < 0 || int(s) >= len(screenNames) {
		return fmt.Sprintf("screen(%d)", int(s))
	}
	return screenNames[s]
}

// Screens lists every screen.
func Screens() []Screen {
	s := make([]Screen, len(screenNames))
	for i := range s {
		s[i] = Screen(i)
	}
	return s
}

// ParseScreen returns the screen named name (see Screen.String).
func ParseScreen(name string) (Screen, error) {
	for i, n := range screenNames {
		if n == name {
			return Screen(i), nil
		}
	}
	return 0, fmt.Errorf("%w: %q", ErrUnknownScreen, name)
}

// Reason is the class of a decline, as the customer needs to know it: what
// to do next, never the issuer's code.
type Reason int

// Decline reasons.
const (
	ReasonDeclined          Reason = iota // declined by the bank, no detail
	ReasonInsufficientFunds               // insufficient funds
	ReasonCardNotSupported                // card or wallet not accepted here
	ReasonTryAnotherMethod                // e.g. contactless limit reached
	ReasonExpired                         // QR or link expired, time out
	ReasonCancelled                       // cancelled by the cashier or customer
	ReasonError                           // could not reach the bank
)

var reasonNames = [...]string{"declined", "insufficient-funds", "card-not-supported", "try-another-method", "expired", "cancelled", "error"}

// String is the reason's name as tpectl takes it.
func (r Reason) String() string {
	if r < 0 || int(r) >= len(reasonNames) {
		return fmt.Sprintf("reason(%d)", int(r))
	}
	return reasonNames[r]
}

// ParseReason returns the reason named name.
func ParseReason(name string) (Reason, error) {
	for i, n := range reasonNames {
		if n == name {
			return Reason(i), nil
		}
	}
	return 0, fmt.Errorf("%w: %q", ErrUnknownReason, name)
}

// Frame is everything one customer frame shows. Fields a screen does not
// use are ignored.
type Frame struct {
	Screen   Screen
	Lang     string         // "fr" (default) or "en"
	Amount   payment.Amount // Amount, Processing, Approved, Declined, OfflineApproved, QR, LinkSent
	Merchant string         // shown on Idle and in the top bar
	Reason   Reason         // Declined
	// QRPayload is the Alipay+ order code (a URL) encoded in the QR.
	QRPayload string
	// Wallets are the wallet names accepted, shown under the QR code.
	Wallets []string
	// Remaining is the time left before the QR code or link expires; zero
	// hides the countdown.
	Remaining time.Duration
	// Email is the address the payment link went to; it is shown masked.
	Email string
}
