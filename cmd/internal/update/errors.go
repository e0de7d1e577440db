package update

import (
	"errors"
	"fmt"
)

var (
	// ErrDowngrade refuses a bundle older than the running version.
	ErrDowngrade = errors.New("update: bundle is older than the installed version; pass --force only if support asked for this downgrade")
	// ErrSameVersion refuses to reinstall the running version.
	ErrSameVersion = errors.New("update: this version is already installed and active; pass --force to reinstall it")
	// ErrInFlight refuses an update while a payment is in flight.
	ErrInFlight = errors.New("update: a payment is in flight; finish or cancel it on the terminal, then apply again")
	// ErrQueued refuses an update while offline payments wait for the gateway.
	ErrQueued = errors.New("update: offline payments are not forwarded yet; connect the terminal to the network, let it forward them (tpectl offline status), then apply again")
	// ErrRiskUnknown refuses when the journal could not be read.
	ErrRiskUnknown = errors.New("update: cannot tell whether payments would be put at risk")
	// ErrNotInstalled means the root has no installed slot.
	ErrNotInstalled = errors.New("update: nothing installed under this root; flash a bundle first (tpectl flash or tpectl update apply)")
	// ErrNoPrevious means there is no good slot to roll back to.
	ErrNoPrevious = errors.New("update: no valid previous version to roll back to; flash a known-good bundle")
	// ErrNoTrial answers confirm when nothing is on trial.
	ErrNoTrial = errors.New("update: no update is waiting for confirmation")
	// ErrRolledBack is Check's answer when the new version failed its health
	// check and the previous one was restored.
	ErrRolledBack = errors.New("update: the new version failed its health check and was rolled back")
	// ErrBelowMinimum refuses to install or roll back to a version below
	// the terminal's anti-rollback floor (MinVersionPath), even with
	// --force. Errors carrying it are *BelowMinimumError.
	ErrBelowMinimum = errors.New("update: version is below this terminal's minimum version; the minimum cannot be lowered on the device")
	// ErrMinimumUnreadable means the floor file exists but does not hold a
	// version: every operation that needs the floor refuses rather than
	// assume there is none.
	ErrMinimumUnreadable = errors.New("update: the minimum-version file is damaged; every update and rollback is refused until it is repaired")
	// ErrBusy means another update operation holds the lock.
	ErrBusy = errors.New("update: another update operation is running on this root; wait for it to finish")
)

// BelowMinimumError says which version was refused and the floor it is
// below. It unwraps to ErrBelowMinimum.
type BelowMinimumError struct {
	// Subject is what holds Version: "bundle" or "slot a".
	Subject string
	Version string
	Minimum string
}

func (e *BelowMinimumError) Error() string {
	return fmt.Sprintf("update: %s version %s is below this terminal's minimum version %s (a release declared older versions unsafe); "+
		"the minimum cannot be lowered on the device, not even with --force — install %s or newer", e.Subject, e.Version, e.Minimum, e.Minimum)
}

func (e *BelowMinimumError) Unwrap() error { return ErrBelowMinimum }
