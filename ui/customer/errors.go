package customer

import "errors"

var (
	// ErrUnknownScreen means a screen name is not one of Screens.
	ErrUnknownScreen = errors.New("customer: unknown screen")
	// ErrUnknownReason means a decline reason name is not known.
	ErrUnknownReason = errors.New("customer: unknown decline reason")
)
