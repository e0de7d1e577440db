package gatewaysim

import "errors"

var (
	// ErrUnknownUserCode is a device user code the simulator never issued
	// (or one already used or expired).
	ErrUnknownUserCode = errors.New("gatewaysim: unknown or expired user code")
	// ErrUnknownUser is a sign-in with a user that is not configured.
	ErrUnknownUser = errors.New("gatewaysim: unknown user")
	// ErrUnknownPayment is a customer or merchant token the simulator never issued.
	ErrUnknownPayment = errors.New("gatewaysim: unknown payment")
	// ErrCorruptLedger is a ledger file that cannot be read back.
	ErrCorruptLedger = errors.New("gatewaysim: corrupt ledger")
)
