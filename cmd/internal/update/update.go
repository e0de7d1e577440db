package update

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"tpe/cmd/internal/bundle"
)

// Paths relative to the root.
const (
	BaseDir   = "opt/tpe"
	SlotsDir  = BaseDir + "/slots"
	LinkPath  = BaseDir + "/current"
	StatePath = BaseDir + "/state.json"
	staging   = BaseDir + "/.staging"
	lockPath  = BaseDir + "/.lock"
)

// Slots are the two slot names.
var Slots = [2]string{"a", "b"}

// DefaultMaxAttempts is how many starts a version on trial gets.
const DefaultMaxAttempts = 3

// State is state.json.
type State struct {
	// Trial names the slot whose version must still pass its health
	// check; empty when the active version is confirmed.
	Trial string `json:"trial,omitempty"`
	// Previous is the slot to roll back to.
	Previous string `json:"previous,omitempty"`
	// Attempts counts starts of the version on trial.
	Attempts int `json:"attempts,omitempty"`
	// Since is when the trial began.
	Since        time.Time    `json:"since,omitzero"`
	LastRollback *RollbackLog `json:"last_rollback,omitempty"`
	// BackupFor names the slot whose config is in ConfigBackup (the config
	// from before a migration): restored whenever that slot runs again.
	BackupFor string `json:"config_backup_for,omitempty"`
	// Note records what reconcile repaired after a power cut.
	Note string `json:"note,omitempty"`
	// KeyMove is a device key Apply copied out of the data directory
	// whose original is deleted once KeyMove.For is confirmed; dropped
	// (the original kept) when another slot runs.
	KeyMove *KeyMove `json:"key_move,omitempty"`
}

// RollbackLog records the last rollback.
type RollbackLog struct {
	From   string    `json:"from"`
	To     string    `json:"to"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
	// ConfigRestored says the config from before the update's migrations
	// was put back.
	ConfigRestored bool `json:"config_restored,omitempty"`
}

// SlotInfo describes one slot.
type SlotInfo struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	// MinVersion is the floor the slot's bundle declares.
	MinVersion string `json:"min_version,omitempty"`
	// BelowMinimum says the slot's version is below the terminal's floor:
	// it cannot be rolled back to.
	BelowMinimum bool `json:"below_minimum,omitempty"`
	Active       bool `json:"active"`
	// Problem is empty for a complete slot matching its manifest.
	Problem string `json:"problem,omitempty"`
}

// Status is what `tpectl update status` shows.
type Status struct {
	Root     string       `json:"root"`
	Active   string       `json:"active,omitempty"` // slot name
	Version  string       `json:"version,omitempty"`
	Trial    bool         `json:"trial"`
	Attempts int          `json:"attempts,omitempty"`
	Slots    []SlotInfo   `json:"slots"`
	Last     *RollbackLog `json:"last_rollback,omitempty"`
	Note     string       `json:"note,omitempty"`
	// MinVersion is the terminal's anti-rollback floor (MinVersionPath);
	// empty when there is none or it is unreadable (MinVersionProblem).
	MinVersion        string `json:"min_version,omitempty"`
	MinVersionProblem string `json:"min_version_problem,omitempty"`
	// KeyMove is a device key copied out of the data directory whose
	// original waits for the running version's confirmation.
	KeyMove *KeyMove `json:"key_move,omitempty"`
}

// Opts tunes Apply.
type Opts struct {
	// Force allows a downgrade or a reinstall of the same version, never
	// below the terminal's minimum version (ErrBelowMinimum).
	Force bool
	// Guard says whether payments would be put at risk; nil means
	// JournalGuard(root, AllowQueued).
	Guard func(ctx context.Context) error
	// AllowQueued lets the default guard accept unforwarded offline
	// payments (never payments in flight).
	AllowQueued bool
	// Trusted keys; nil means the root's bundle.TrustedDir.
	Trusted []ed25519.PublicKey
	// Hook is called at each step with its name (power-cut tests).
	Hook   func(step string)
	Now    func() time.Time
	Logger *slog.Logger
}

func (o *Opts) defaults(root string) Opts {
	var c Opts
	if o != nil {
		c = *o
	}
	if c.Guard == nil {
		c.Guard = JournalGuard(root, c.AllowQueued)
	}
	if c.Hook == nil {
		c.Hook = func(string) {}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return c
}

// Result is what Apply did.
type Result struct {
	Slot     string
	Version  string
	Previous string // version replaced, "" on a first install
	KeyID    string
	Trial    bool // the new version must pass its health check
	// ConfigMigrated says the bundle's migrations changed tpe.toml (the
	// previous one is kept in ConfigBackup for a rollback).
	ConfigMigrated bool
	// KeyMoved is the device key copied out of the data directory, with
	// offline.key_file set to its new place (keymove.go).
	KeyMoved *KeyMove
}

// root wraps a root directory.
type rootDir string

func (r rootDir) p(rel string) string { return filepath.Join(string(r), filepath.FromSlash(rel)) }
func (r rootDir) slot(name string) string {
	return r.p(SlotsDir + "/" + name)
}

// lock takes the update lock for the duration of one operation.
func (r rootDir) lock() (func(), error) {
	if err := os.MkdirAll(r.p(SlotsDir), 0o755); err != nil {
		return nil, fmt.Errorf("update: %w", err)
	}
	f, err := os.OpenFile(r.p(lockPath), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("update: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, ErrBusy
	}
	return func() { f.Close() }, nil
}

// active returns the slot current points to, "" when there is none.
func (r rootDir) active() (string, error) {
	t, err := os.Readlink(r.p(LinkPath))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("update: reading %s: %w", LinkPath, err)
	}
	name := filepath.Base(t)
	if filepath.Dir(t) != "slots" || (name != Slots[0] && name != Slots[1]) {
		return "", fmt.Errorf("update: %s points to %q, not to a slot; reinstall with tpectl flash", LinkPath, t)
	}
	return name, nil
}

func other(slot string) string {
	if slot == Slots[0] {
		return Slots[1]
	}
	return Slots[0]
}

func (r rootDir) readState() (State, error) {
	var s State
	b, err := os.ReadFile(r.p(StatePath))
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("update: %w", err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		// state.json is written by rename, so a bad one is not a cut
		// write. Treat it as no trial: the symlink still says what runs.
		return State{Note: "state.json was unreadable and was reset"}, nil
	}
	return s, nil
}

func (r rootDir) writeState(s State) error {
	b, _ := json.MarshalIndent(s, "", "  ")
	return writeAtomic(r.p(StatePath), append(b, '\n'), 0o644)
}

// reconcile repairs what a power cut can leave: a trial naming a slot
// current does not point to, and a half-extracted staging directory.
func (r rootDir) reconcile() (State, string, error) {
	os.RemoveAll(r.p(staging))
	for _, s := range Slots {
		os.RemoveAll(r.p(SlotsDir + "/.old-" + s))
	}
	os.Remove(r.p(LinkPath + ".new"))
	act, err := r.active()
	if err != nil {
		return State{}, "", err
	}
	st, err := r.readState()
	if err != nil {
		return st, act, err
	}
	dirty := false
	if st.KeyMove != nil && st.KeyMove.For != act {
		// The version using the copied key does not run: the one that
		// does reads the original, which stays.
		st.KeyMove = nil
		dirty = true
	}
	if st.BackupFor != "" && st.BackupFor == act {
		// The slot that ran before a migration runs again (interrupted
		// switch, or a rollback cut before its config was restored).
		if err := r.restoreConfig(); err != nil {
			return st, act, err
		}
		st.BackupFor = ""
		st.Note = "the config from before the update was restored"
		dirty = true
	}
	if st.Trial != "" && st.Trial != act {
		st = State{Previous: st.Previous, LastRollback: st.LastRollback,
			Note: strings.TrimPrefix(st.Note+"; ", "; ") + fmt.Sprintf("an operation on slot %s was interrupted before it took effect; slot %s still runs", st.Trial, act)}
		dirty = true
	}
	if dirty {
		if err := r.writeState(st); err != nil {
			return st, act, err
		}
	}
	return st, act, nil
}

// restoreConfig puts ConfigBackup back as the config.
func (r rootDir) restoreConfig() error {
	b, err := os.ReadFile(r.p(ConfigBackup))
	if err != nil {
		return fmt.Errorf("update: the config backup %s is missing (%v); restore /%s by hand from the terminal's records", ConfigBackup, err, ConfigPath)
	}
	return writeAtomic(r.p(ConfigPath), b, 0o640)
}

// switchTo points current at slot, atomically.
func (r rootDir) switchTo(slot string) error {
	tmp := r.p(LinkPath + ".new")
	os.Remove(tmp)
	if err := os.Symlink("slots/"+slot, tmp); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	if err := os.Rename(tmp, r.p(LinkPath)); err != nil {
		return fmt.Errorf("update: switching to slot %s: %w", slot, err)
	}
	return syncDir(r.p(BaseDir))
}

// Apply installs the bundle at path into the inactive slot and switches to
// it. See the package documentation for the steps and their safety.
func Apply(ctx context.Context, root, path string, o *Opts) (*Result, error) {
	r := rootDir(root)
	opts := o.defaults(root)
	unlock, err := r.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	opts.Hook("locked")
	st, act, err := r.reconcile()
	if err != nil {
		return nil, err
	}
	trusted := opts.Trusted
	if trusted == nil {
		if trusted, err = bundle.LoadTrusted(r.p(bundle.TrustedDir)); err != nil {
			return nil, err
		}
	}
	info, err := bundle.VerifyFile(path, trusted)
	if err != nil {
		return nil, err
	}
	opts.Hook("verified")
	res := &Result{Version: info.Manifest.Version, KeyID: info.KeyID}
	newV, _ := bundle.ParseVersion(info.Manifest.Version) // checked by Verify
	// The floor holds even with Force: it is what Force must not undo.
	fl, err := r.installFloor(st, act)
	if err != nil {
		return nil, err
	}
	if fl.below(newV) {
		return nil, &BelowMinimumError{Subject: "bundle", Version: info.Manifest.Version, Minimum: fl.String()}
	}
	if act != "" {
		cur, err := bundle.CheckDir(r.slot(act))
		if err == nil {
			res.Previous = cur.Version
			oldV, perr := bundle.ParseVersion(cur.Version)
			if perr == nil && !opts.Force {
				switch c := newV.Compare(oldV); {
				case c < 0:
					return nil, fmt.Errorf("%w (installed %s, bundle %s)", ErrDowngrade, cur.Version, info.Manifest.Version)
				case c == 0:
					return nil, fmt.Errorf("%w (%s)", ErrSameVersion, cur.Version)
				}
			}
		}
		// A damaged active slot is no reason to refuse the repair.
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := opts.Guard(ctx); err != nil {
		return nil, err
	}
	opts.Hook("guarded")

	target := Slots[0]
	if act != "" {
		target = other(act)
	}
	res.Slot = target
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("update: %w", err)
	}
	stage := r.p(staging)
	_, err = bundle.Extract(f, trusted, stage, &bundle.ExtractOpts{AfterFile: func(bf bundle.File) { opts.Hook("extract:" + bf.Path) }})
	f.Close()
	if err != nil {
		os.RemoveAll(stage)
		return nil, fmt.Errorf("update: installing into slot %s (the bundle changed since it was verified?): %w", target, err)
	}
	// Config migrations are computed now, before anything changes.
	cfgOld, cerr := os.ReadFile(r.p(ConfigPath))
	var cfgNew []byte
	migrated := false
	if cerr == nil {
		if cfgNew, migrated, err = migrateConfig(stage, cfgOld); err != nil {
			os.RemoveAll(stage)
			return nil, err
		}
	}
	// A device key still in the data directory is copied out now, before
	// any slot changes: the copy alone changes nothing for the old version.
	var keyMove *KeyMove
	if cerr == nil {
		if keyMove, err = planKeyMove(r, cfgNew); err == nil && keyMove != nil {
			err = r.copyKeys(keyMove)
			if err == nil {
				cfgNew, err = setKeyFile(cfgNew, keyMove.To)
				migrated = true
			}
		}
		if err != nil {
			os.RemoveAll(stage)
			return nil, err
		}
		if keyMove == nil && st.KeyMove != nil && st.KeyMove.For == act && act != "" {
			// An update over a version still on trial after a key move:
			// the new one inherits its config, hence the copied key, and
			// the original goes when it is confirmed.
			keyMove = st.KeyMove
		}
		if keyMove != nil {
			keyMove.For = target
			opts.Hook("keys-copied")
		}
	}
	res.ConfigMigrated = migrated
	res.KeyMoved = keyMove
	opts.Hook("staged")
	slotDir, aside := r.slot(target), r.p(SlotsDir+"/.old-"+target)
	if err := os.Rename(slotDir, aside); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("update: %w", err)
	}
	opts.Hook("slot-moved-aside")
	if err := os.Rename(stage, slotDir); err != nil {
		return nil, fmt.Errorf("update: %w", err)
	}
	if err := syncDir(r.p(SlotsDir)); err != nil {
		return nil, err
	}
	os.RemoveAll(aside)
	opts.Hook("slot-replaced")
	backupFor := ""
	if migrated {
		if err := writeAtomic(r.p(ConfigBackup), cfgOld, 0o640); err != nil {
			return nil, err
		}
		backupFor = act // "" on a first install: nothing to roll back to
	}
	if act != "" {
		st = State{Trial: target, Previous: act, Since: opts.Now().UTC(), LastRollback: st.LastRollback, BackupFor: backupFor, KeyMove: keyMove}
		res.Trial = true
	} else {
		// A first install has nothing to roll back to: no trial.
		st = State{BackupFor: backupFor, KeyMove: keyMove}
	}
	if err := r.writeState(st); err != nil {
		return nil, err
	}
	opts.Hook("state-written")
	if act == "" {
		// A first install has no trial: it is confirmed now, and so is
		// its floor.
		if _, err := r.raiseFloor(info.Manifest); err != nil {
			return nil, err
		}
		opts.Hook("floor-raised")
	}
	if migrated {
		if err := writeAtomic(r.p(ConfigPath), cfgNew, 0o640); err != nil {
			return nil, err
		}
		opts.Hook("config-written")
	}
	if err := r.switchTo(target); err != nil {
		return nil, err
	}
	opts.Hook("switched")
	opts.Logger.Info("update applied", "slot", target, "version", res.Version, "previous", res.Previous, "key_id", res.KeyID)
	return res, nil
}

// GetStatus reports the slots and the trial; it repairs what a power cut
// left (see reconcile), so it takes the lock.
func GetStatus(root string) (Status, error) {
	r := rootDir(root)
	unlock, err := r.lock()
	if err != nil {
		return Status{}, err
	}
	defer unlock()
	st, act, err := r.reconcile()
	if err != nil {
		return Status{}, err
	}
	s := Status{Root: root, Active: act, Trial: st.Trial != "", Attempts: st.Attempts, Last: st.LastRollback, Note: st.Note}
	if pendingKeyMove(st, act) {
		s.KeyMove = st.KeyMove
	}
	fl, ferr := r.committedFloor(st, act)
	if ferr != nil {
		s.MinVersionProblem = ferr.Error()
	}
	s.MinVersion = fl.String()
	for _, name := range Slots {
		si := SlotInfo{Name: name, Active: name == act}
		if _, err := os.Stat(r.slot(name)); errors.Is(err, fs.ErrNotExist) {
			si.Problem = "empty"
		} else if m, err := bundle.CheckDir(r.slot(name)); err != nil {
			si.Problem = err.Error()
		} else {
			si.Version, si.MinVersion = m.Version, m.MinVersion
			v, _ := bundle.ParseVersion(m.Version)
			si.BelowMinimum = fl.below(v)
		}
		if si.Active {
			s.Version = si.Version
		}
		s.Slots = append(s.Slots, si)
	}
	if ferr != nil {
		return s, ferr
	}
	if act == "" {
		return s, ErrNotInstalled
	}
	return s, nil
}

// Confirm ends the trial: the active version is kept.
func Confirm(root string) error {
	r := rootDir(root)
	unlock, err := r.lock()
	if err != nil {
		return err
	}
	defer unlock()
	st, act, err := r.reconcile()
	if err != nil {
		return err
	}
	if st.Trial == "" {
		if pendingKeyMove(st, act) {
			// A first install that moved the key, or a cut after the
			// confirmation: the technician keeps the running version.
			_, err := r.finishKeyMove(st)
			return err
		}
		return ErrNoTrial
	}
	return r.confirm(st, act)
}

// pendingKeyMove says the running version uses a copied device key whose
// original still waits to be deleted.
func pendingKeyMove(st State, act string) bool {
	return st.KeyMove != nil && st.KeyMove.For == act && act != ""
}

// confirm ends the trial of act, then commits its floor. In that order: a
// cut in between leaves the version confirmed and the floor not yet raised,
// which committedFloor repairs at the next operation; the other order could
// leave a trial whose failure cannot roll back below the new floor.
//
// The original of a device key Apply copied out of the data directory is
// deleted only after the confirmed state is written: until then a failed
// trial rolls back to the old config, which reads the original.
func (r rootDir) confirm(st State, act string) error {
	confirmed := State{Previous: st.Previous, LastRollback: st.LastRollback, BackupFor: st.BackupFor, KeyMove: st.KeyMove}
	if err := r.writeState(confirmed); err != nil {
		return err
	}
	if pendingKeyMove(confirmed, act) {
		if _, err := r.finishKeyMove(confirmed); err != nil {
			return fmt.Errorf("%w (the version itself was confirmed; the next tpectl update confirm or check deletes the old key)", err)
		}
	}
	m, err := bundle.ReadManifest(r.slot(act))
	if err != nil {
		return fmt.Errorf("update: the version was confirmed, but reading its minimum version: %w", err)
	}
	if _, err := r.raiseFloor(m); err != nil {
		return fmt.Errorf("%w (the version itself was confirmed)", err)
	}
	return nil
}

// Rollback switches back to the other slot, which must hold a complete
// version. reason is recorded.
func Rollback(root, reason string, now time.Time) (*RollbackLog, error) {
	r := rootDir(root)
	unlock, err := r.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	return r.rollback(reason, now)
}

func (r rootDir) rollback(reason string, now time.Time) (*RollbackLog, error) {
	st, act, err := r.reconcile()
	if err != nil {
		return nil, err
	}
	if act == "" {
		return nil, ErrNotInstalled
	}
	to := other(act)
	if st.Previous != "" {
		to = st.Previous
	}
	prev, err := bundle.CheckDir(r.slot(to))
	if err != nil {
		return nil, fmt.Errorf("%w (slot %s: %v)", ErrNoPrevious, to, err)
	}
	// Only the committed floor: a version on trial has not raised it yet,
	// so a failed trial can always go back to the version before it.
	fl, err := r.committedFloor(st, act)
	if err != nil {
		return nil, err
	}
	if pv, _ := bundle.ParseVersion(prev.Version); fl.below(pv) {
		return nil, &BelowMinimumError{Subject: "slot " + to, Version: prev.Version, Minimum: fl.String()}
	}
	log := &RollbackLog{From: act, To: to, Reason: reason, At: now.UTC()}
	if m, err := bundle.CheckDir(r.slot(act)); err == nil {
		log.From = act + " (" + m.Version + ")"
	}
	log.To = to + " (" + prev.Version + ")"
	// Symlink first: a cut after it runs the previous version, and
	// reconcile clears the stale trial and restores its config.
	if err := r.switchTo(to); err != nil {
		return nil, err
	}
	if st.BackupFor == to {
		if err := r.restoreConfig(); err != nil {
			return nil, err
		}
		log.ConfigRestored = true
	}
	if err := r.writeState(State{Previous: act, LastRollback: log}); err != nil {
		return nil, err
	}
	return log, nil
}

// CheckOpts tunes Check.
type CheckOpts struct {
	// MaxAttempts is how many starts a trial gets; default 3.
	MaxAttempts int
	// Timeout bounds the whole health probe; default 90 s.
	Timeout time.Duration
	// Every is the probe interval; default 2 s.
	Every time.Duration
	Now   func() time.Time
}

// CheckResult is what Check did.
type CheckResult struct {
	Trial      bool // a version was on trial
	Confirmed  bool
	RolledBack *RollbackLog
}

// Check runs the first-start health check of a version on trial: it counts
// the start, probes health until it passes or Timeout, then confirms the
// version or rolls back (returning ErrRolledBack). Without a trial it does
// nothing.
func Check(ctx context.Context, root string, health func(ctx context.Context, version string) error, o *CheckOpts) (CheckResult, error) {
	var opts CheckOpts
	if o != nil {
		opts = *o
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 90 * time.Second
	}
	if opts.Every <= 0 {
		opts.Every = 2 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	r := rootDir(root)
	unlock, err := r.lock()
	if err != nil {
		return CheckResult{}, err
	}
	defer unlock()
	st, act, err := r.reconcile()
	if err != nil {
		return CheckResult{}, err
	}
	if st.Trial == "" {
		if !pendingKeyMove(st, act) {
			return CheckResult{}, nil
		}
		// Nothing to roll back to (a first install), or cut after the
		// confirmation: the old key goes once this version is healthy.
		m, err := bundle.ReadManifest(r.slot(act))
		if err != nil {
			return CheckResult{}, fmt.Errorf("update: %w", err)
		}
		if err := probe(ctx, health, m.Version, opts); err != nil {
			return CheckResult{}, fmt.Errorf("update: version %s is not healthy (%v); the old device key %s is kept", m.Version, err, st.KeyMove.From)
		}
		_, err = r.finishKeyMove(st)
		return CheckResult{}, err
	}
	res := CheckResult{Trial: true}
	m, err := bundle.CheckDir(r.slot(act))
	if err != nil {
		return r.fail(res, fmt.Sprintf("the new slot is damaged: %v", err), opts.Now())
	}
	// Count the start durably before probing: a version that hangs or
	// reboots the board is rolled back after MaxAttempts starts.
	st.Attempts++
	if err := r.writeState(st); err != nil {
		return res, err
	}
	if st.Attempts > opts.MaxAttempts {
		return r.fail(res, fmt.Sprintf("version %s did not pass its health check in %d starts", m.Version, opts.MaxAttempts), opts.Now())
	}
	last := probe(ctx, health, m.Version, opts)
	if ctx.Err() != nil {
		// Interrupted (shutdown): keep the trial; the next start counts.
		return res, ctx.Err()
	}
	if last != nil {
		return r.fail(res, fmt.Sprintf("version %s failed its health check: %v", m.Version, last), opts.Now())
	}
	if err := r.confirm(st, act); err != nil {
		return res, err
	}
	res.Confirmed = true
	return res, nil
}

// probe asks health until it passes or opts.Timeout; the last error.
func probe(ctx context.Context, health func(ctx context.Context, version string) error, version string, opts CheckOpts) error {
	pctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	for {
		last := health(pctx, version)
		if last == nil {
			return nil
		}
		select {
		case <-pctx.Done():
			return last
		case <-time.After(opts.Every):
		}
	}
}

func (r rootDir) fail(res CheckResult, reason string, now time.Time) (CheckResult, error) {
	log, err := r.rollback(reason, now)
	if err != nil {
		return res, fmt.Errorf("update: %s, and rolling back failed: %w", reason, err)
	}
	res.RolledBack = log
	return res, fmt.Errorf("%w: %s; now running slot %s — send `tpectl logs export` to support", ErrRolledBack, reason, log.To)
}

// writeAtomic writes b to p through a synced temporary file and a rename,
// then syncs the directory: a power cut leaves the old file or the new one.
func writeAtomic(p string, b []byte, mode os.FileMode) error {
	return writeAtomicPrepared(p, b, mode, nil)
}

// writeAtomicPrepared is writeAtomic with prepare, when not nil, run on the
// temporary file before anything is written to it (the key move gives the
// copy its owner there). A failure removes the temporary file.
func writeAtomicPrepared(p string, b []byte, mode os.FileMode, prepare func(*os.File) error) error {
	tmp := p + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return fmt.Errorf("update: %w", err)
	}
	if prepare != nil {
		err = prepare(f)
	}
	if err == nil {
		_, err = f.Write(b)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, p)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("update: writing %s: %w", p, err)
	}
	return syncDir(filepath.Dir(p))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("update: %w", err)
	}
	err = d.Sync()
	d.Close()
	if err != nil {
		return fmt.Errorf("update: syncing %s: %w", dir, err)
	}
	return nil
}
