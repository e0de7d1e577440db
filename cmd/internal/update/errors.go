package update

import "errors"

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
	// ErrBusy means another update operation holds the lock.
	ErrBusy = errors.New("update: another update operation is running on this root; wait for it to finish")
)
