// Package update installs signed bundles (cmd/internal/bundle) on a
// terminal with two slots, switches between them atomically and rolls back
// a version that does not come up healthy.
//
// # Layout under the root (/ on a terminal, a directory in tests)
//
//	opt/tpe/slots/a/      an extracted bundle: manifest.json, manifest.sig, bin/tpe, systemd/…
//	opt/tpe/slots/b/      the other one
//	opt/tpe/current       symlink → slots/a or slots/b: what runs (ExecStart=/opt/tpe/current/bin/tpe)
//	opt/tpe/state.json    trial flag, previous slot, start attempts, last rollback
//	opt/tpe/min_version   anti-rollback floor: one semantic version (absent: none)
//	opt/tpe/.staging/     a bundle being extracted (discarded when found at start)
//	opt/tpe/.lock         flock: one update operation at a time
//
// The symlink is the truth about what runs; state.json only says whether
// the active slot is on trial. Every step of Apply leaves a root that boots
// the old or the new version, never a mix, whatever instant the power goes:
//
//  1. verify the whole bundle (signature by a trusted key, every hash) — no write;
//  2. refuse a version below the minimum version, forced or not; refuse a
//     downgrade or reinstall unless forced, and refuse while a payment is
//     in flight or unforwarded offline payments exist (Guard);
//  3. extract into .staging, fsync every file and directory;
//  4. rename the inactive slot aside, rename .staging into its place, fsync;
//  5. write state.json {trial: new slot, previous: old slot} (temp file,
//     fsync, rename, fsync dir), then the migrated config if any;
//  6. switch: symlink current.new → new slot, rename over current, fsync.
//
// A cut before 6 leaves current on the old slot; the trial recorded in 5 names
// a slot current does not point to, and reconcile (run first by every
// operation) clears it. A cut after 6 leaves the new version on trial.
//
// # Config migrations
//
// A bundle's migrations/*.toml (see Migration: rename, delete, set, default
// on dotted keys of tpe.toml) are applied to the config during Apply. They
// are computed from the staged bundle before anything changes, so a bad
// migration refuses the update with ErrMigration. The config as it was is
// kept in ConfigBackup, tied in state.json to the slot it belongs to
// (BackupFor); whenever that slot runs again — rollback, or a switch cut by
// a power loss — the backup is restored, because the old version rejects
// keys it does not know. The config is written after state.json and before
// the switch.
//
// # Device key in the data directory
//
// A terminal provisioned before the device key left the data directory
// has offline.key_file empty (or inside data_dir), which the new tpe
// refuses. Apply copies the key, and the sealed PIN key beside it, to
// config.DefaultKeyFile (0700 directory, 0600 files, owned like the
// original) before any slot changes, and sets key_file in the migrated
// config, so the config backup and its restore cover it. state.json
// records the move (KeyMove) for the new slot; the originals are deleted
// only after the confirmed state is written, each when its copy reads back
// identical. A rollback, or a cut before the switch, drops the record and
// keeps the originals the old config points at. A different file at the
// destination refuses the update (ErrKeyConflict). See keymove.go.
//
// # Trial and rollback
//
// On its first start the new version must pass a health check (Check,
// `tpectl update check`, run by tpe-update-check.service after tpe.service):
// GET /v1/health on the local API answering 200 with the new version.
// Check counts start attempts in state.json before probing, so a version that
// crashes the board before the check finishes is rolled back after
// MaxAttempts boots. A failed check switches current back to the previous
// slot (symlink first, then state: a cut in between leaves the old version
// running and the trial cleared by reconcile).
//
// # Anti-rollback
//
// A bundle may declare a minimum version (bundle.Manifest.MinVersion,
// covered by its signature): the release says every older version has a
// flaw. The terminal keeps the highest minimum it has committed in
// MinVersionPath and refuses, with a *BelowMinimumError (ErrBelowMinimum),
// to install a bundle below it — Force notwithstanding — or to roll back
// to a slot below it. The floor only goes up: a later bundle with a lower
// minimum, or none, leaves it as it is, and no operation lowers it.
//
// A minimum is committed when its version is confirmed: at a first install
// (no trial), at Confirm, or when Check passes. Not before, because a
// version on trial must always be able to roll back to the one that ran
// before it — raising the floor first could leave a failing version with
// no way back (the same rule as Android's rollback index, updated only
// after a successful boot). While on trial, the trial's own minimum
// already applies to Apply, so nothing older can be installed meanwhile.
// The floor is written after the confirmed state, by temp file, fsync,
// rename and directory fsync; a power cut between the two is repaired at
// the next operation, which raises the floor to the confirmed active
// slot's minimum (this also rebuilds a deleted file). A file that exists
// but does not hold a version is ErrMinimumUnreadable for every operation
// that needs it, never "no floor".
//
// The floor lives on the root file system: it stops tpectl, not someone
// who rewrites the SD card or edits the file as root.
//
// # Payments at risk
//
// JournalGuard reads the offline journal read-only (offline.Open with
// ReadOnly): a payment in flight (journal bucket "active") always blocks an
// update; unforwarded offline approvals ("queue") block it unless
// AllowQueued, because a rollback after a new version migrated the journal
// would leave them to a binary that cannot read it. When the running
// terminal holds the journal (offline.ErrLocked), the guard asks its local
// API instead — GET /v1/health for queue_length, GET /v1/payments for card
// payments pending or processing — and refuses when it cannot tell.
package update
