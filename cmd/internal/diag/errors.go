package diag

import "errors"

// ErrUnknownFault is a simulated fault name Sim does not know.
var ErrUnknownFault = errors.New("diag: unknown simulated fault")
