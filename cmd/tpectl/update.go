package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"tpe/cmd/internal/update"
	"tpe/config"
)

// rootPath joins a path of the terminal's file system under root.
func rootPath(root, rel string) string { return filepath.Join(root, filepath.FromSlash(rel)) }

// runUpdate applies bundles to an A/B root, shows its state, confirms or
// rolls back, and runs the first-start health check.
func runUpdate(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usagef("want `update apply|status|confirm|rollback|check --root DIR`")
	}
	if helpFirst(args) {
		return subHelp(stdout, "update apply|status|confirm|rollback|check --root DIR [flags]", `
A/B updates of the terminal (docs/provisioning.md §5).

Anti-rollback: a bundle may carry a min_version. Once a version carrying one
is confirmed, the terminal refuses to install or roll back to anything below
it, even with --force; the minimum version only ever goes up.`,
			[][2]string{{"apply BUNDLE", "install a signed bundle into the inactive slot, on trial"},
				{"status", "both slots, the trial, the last rollback, the minimum version"},
				{"confirm", "keep the version on trial now"},
				{"rollback", "switch back to the other slot"},
				{"check", "first-start health check: confirm or roll back"}},
			"tpectl update status --root /",
			"tpectl update apply --root /mnt/sdcard tpe-1.4.2-arm64.tpeb")
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "apply", "status", "confirm", "rollback", "check":
	default:
		return usagef("unknown update command %q; want apply, status, confirm, rollback or check", sub)
	}
	fs := newTechFlags("update "+sub, stdout)
	root := fs.String("root", "/", "root of the terminal's file system")
	restart := new(bool)
	switch sub {
	case "apply", "rollback", "check":
		fs.BoolVar(restart, "restart", false, "restart tpe.service afterwards (only with --root /)")
	}
	switch sub {
	case "apply":
		fs.about("update apply --root DIR [--force] [--allow-queued] [--restart] BUNDLE", `
Verifies BUNDLE against the root's trusted keys, installs it into the
inactive A/B slot and switches to it; the new version is on trial until its
first healthy start. Refused: a downgrade or a reinstall of the running
version (unless --force), a payment in flight, unforwarded offline payments
(unless --allow-queued), and — even with --force — any version below the
terminal's minimum version (anti-rollback, `+"/"+update.MinVersionPath+`): the
minimum is raised by bundles carrying min_version and can never be lowered
on the device.

A device key still in the data directory (offline.key_file empty or inside
data_dir, from releases before the move) is copied, with the PIN key beside
it, to `+config.DefaultKeyFile+` (owned like the original, 0600 in a 0700
directory) and key_file is set in the migrated config. The original stays
for a rollback and is deleted when the new version is confirmed. A different
key already at the destination refuses the update.`, "tpectl update apply --root / --restart tpe-1.4.2-arm64.tpeb",
			"tpectl update apply --root /mnt/sdcard tpe-1.4.2-arm64.tpeb")
		force := fs.Bool("force", false, "allow a downgrade or a reinstall of the same version (never below the terminal's minimum version)")
		allowQueued := fs.Bool("allow-queued", false, "apply although offline payments wait to be forwarded (never while one is in flight)")
		pos, err := fs.parse(args)
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return usagef("want `update apply --root DIR [--force] BUNDLE`")
		}
		res, err := update.Apply(ctx, *root, pos[0], &update.Opts{Force: *force, AllowQueued: *allowQueued})
		if err != nil {
			return err
		}
		from := "first install"
		if res.Previous != "" {
			from = "was " + res.Previous
		}
		fmt.Fprintf(stdout, "installed tpe %s in slot %s (%s), signed by %s\n", res.Version, res.Slot, from, res.KeyID)
		if res.ConfigMigrated {
			fmt.Fprintf(stdout, "tpe.toml migrated for the new version; the previous one is kept in /%s and comes back with a rollback\n", update.ConfigBackup)
		}
		if m := res.KeyMoved; m != nil {
			fmt.Fprintf(stdout, "device key copied out of the data directory: %s → %s (offline.key_file set)\n", m.From, m.To)
			if m.PINFrom != "" {
				fmt.Fprintf(stdout, "PIN key copied beside it: %s → %s\n", m.PINFrom, m.PINTo)
			}
			fmt.Fprintln(stdout, "the old copy stays for a rollback and is deleted once the new version is confirmed")
		}
		if res.Trial {
			fmt.Fprintf(stdout, "on trial: at its first start it must pass the health check (tpe-update-check.service) or it rolls back to %s\n", res.Previous)
		}
		return restartTPE(ctx, *restart, *root, stdout)
	case "status":
		fs.about("update status --root DIR [--json]", `
Shows both slots, which one runs, whether it is on trial, the last rollback
and the terminal's minimum version (anti-rollback floor). Exits non-zero
when nothing is installed or the minimum-version file is damaged.`,
			"tpectl update status --root /", "tpectl update status --root /mnt/sdcard --json")
		asJSON := fs.Bool("json", false, "print JSON")
		if _, err := fs.parse(args); err != nil {
			return err
		}
		st, err := update.GetStatus(*root)
		if err != nil && !errors.Is(err, update.ErrNotInstalled) && !errors.Is(err, update.ErrMinimumUnreadable) {
			return err
		}
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			if e := enc.Encode(st); e != nil {
				return e
			}
			return err
		}
		printStatus(stdout, st)
		return err
	case "confirm":
		fs.about("update confirm --root DIR", `
Ends the trial of the running version now instead of waiting for its
health check. Confirming also commits the version's min_version: from then
on nothing below it can be installed or rolled back to.`,
			"tpectl update confirm --root /")
		if _, err := fs.parse(args); err != nil {
			return err
		}
		if err := update.Confirm(*root); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "confirmed: the running version is kept")
		return nil
	case "rollback":
		fs.about("update rollback --root DIR [--reason TEXT] [--restart]", `
Switches back to the other A/B slot and restores the config from before the
update's migrations. Refused when that slot is damaged, or when its version
is below the terminal's minimum version (anti-rollback): the minimum cannot
be lowered on the device, not even with --force. While a version is still on
trial its own min_version is not yet committed, so the way back to the
version that ran before it stays open.`,
			"tpectl update rollback --root / --reason \"receipts misprinted\" --restart")
		reason := fs.String("reason", "rolled back by a technician", "why, recorded in state.json")
		if _, err := fs.parse(args); err != nil {
			return err
		}
		log, err := update.Rollback(*root, *reason, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "rolled back from %s to %s\n", log.From, log.To)
		if log.ConfigRestored {
			fmt.Fprintln(stdout, "the config from before the update was restored")
		}
		return restartTPE(ctx, *restart, *root, stdout)
	case "check":
		fs.about("update check --root DIR [--health-url URL] [--timeout D] [--restart]", `
The first-start health check run by tpe-update-check.service: confirms the
version on trial when /v1/health answers 200 with its version (which commits
its min_version), or rolls back to the previous slot.`,
			"tpectl update check --root / --restart", "tpectl update check --root / --health-url http://127.0.0.1:8080/v1/health --timeout 2m")
		url := fs.String("health-url", "", "health endpoint (default: http(s)://<api.listen>/v1/health from the root's tpe.toml)")
		timeout := fs.Duration("timeout", 90*time.Second, "how long the new version gets to become healthy")
		if _, err := fs.parse(args); err != nil {
			return err
		}
		token, hc := "", http.DefaultClient
		if *url == "" {
			// Leniently: a migrated config may hold keys only the new
			// version knows.
			c, err := update.LenientConfig(*root)
			if err != nil {
				return fmt.Errorf("%w; or pass --health-url", err)
			}
			base, client, err := update.LocalAPI(*root, c)
			if err != nil {
				return fmt.Errorf("%w; or pass --health-url", err)
			}
			*url, token, hc = base+"/v1/health", c.API.Token, client
		}
		res, err := update.Check(ctx, *root, update.HTTPHealthClient(hc, *url, token), &update.CheckOpts{Timeout: *timeout})
		switch {
		case res.RolledBack != nil:
			fmt.Fprintf(stdout, "ROLLED BACK from %s to %s: %s\n", res.RolledBack.From, res.RolledBack.To, res.RolledBack.Reason)
			if rerr := restartTPE(ctx, *restart, *root, stdout); rerr != nil {
				return errors.Join(err, rerr)
			}
			return err
		case err != nil:
			return err
		case res.Confirmed:
			fmt.Fprintln(stdout, "health check passed: the new version is confirmed")
		default:
			fmt.Fprintln(stdout, "no update on trial; nothing to check")
		}
		return nil
	}
	return usagef("unknown update command %q; want apply, status, confirm, rollback or check", sub)
}

func printStatus(w io.Writer, st update.Status) {
	if st.Active == "" {
		fmt.Fprintf(w, "%s: nothing installed\n", st.Root)
		return
	}
	state := "confirmed"
	if st.Trial {
		state = fmt.Sprintf("ON TRIAL (start %d; confirm with `tpectl update confirm`, or it rolls back)", st.Attempts)
	}
	fmt.Fprintf(w, "root %s: running tpe %s from slot %s, %s\n", st.Root, st.Version, st.Active, state)
	for _, s := range st.Slots {
		mark, what := " ", s.Version
		if s.Active {
			mark = "*"
		}
		if s.MinVersion != "" {
			what += " (declares minimum " + s.MinVersion + ")"
		}
		if s.BelowMinimum {
			what += " — below the minimum version: cannot be rolled back to"
		}
		if s.Problem != "" {
			what = s.Problem
		}
		fmt.Fprintf(w, "  %s slot %s: %s\n", mark, s.Name, what)
	}
	switch {
	case st.MinVersionProblem != "":
		fmt.Fprintf(w, "minimum version: UNREADABLE: %s\n", st.MinVersionProblem)
	case st.MinVersion != "":
		fmt.Fprintf(w, "minimum version: %s (anti-rollback; nothing older can be installed or rolled back to)\n", st.MinVersion)
	default:
		fmt.Fprintln(w, "minimum version: none")
	}
	if m := st.KeyMove; m != nil {
		fmt.Fprintf(w, "device key moved to %s; the old copy %s is deleted when this version is confirmed\n", m.To, m.From)
	}
	if st.Last != nil {
		fmt.Fprintf(w, "last rollback %s: %s → %s (%s)\n", st.Last.At.Format(time.RFC3339), st.Last.From, st.Last.To, st.Last.Reason)
	}
	if st.Note != "" {
		fmt.Fprintf(w, "note: %s\n", st.Note)
	}
}

// restartTPE restarts the service on the live system, never on a mounted
// image (the unit would be the laptop's).
func restartTPE(ctx context.Context, restart bool, root string, stdout io.Writer) error {
	if !restart {
		if root == "/" {
			fmt.Fprintln(stdout, "restart the terminal to run it: systemctl restart tpe")
		}
		return nil
	}
	if root != "/" {
		return usagef("--restart only works with --root / (on the terminal itself)")
	}
	restartArgs := []string{"restart", "tpe.service"}
	if os.Getenv("INVOCATION_ID") != "" {
		// Inside a unit (tpe-update-check.service): queue the restart
		// rather than wait for it from within a systemd job.
		restartArgs = []string{"restart", "--no-block", "tpe.service"}
	}
	for _, args := range [][]string{{"daemon-reload"}, restartArgs} {
		cmd := exec.CommandContext(ctx, "systemctl", args...)
		cmd.Stdout, cmd.Stderr = stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("systemctl %v: %w; restart the terminal by hand (reboot)", args, err)
		}
	}
	fmt.Fprintln(stdout, "tpe.service restarted")
	return nil
}
