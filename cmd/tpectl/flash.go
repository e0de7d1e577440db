package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"tpe/cmd/internal/flash"
)

// runFlash copies a bundle to a mounted root or over SSH and installs it.
func runFlash(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newTechFlags("flash", stdout)
	fs.about("flash --target DIR|user@host[:port] [flags] BUNDLE", `
Installs a signed bundle on a terminal: on its root mounted at DIR (an SD
card), or over SSH, resuming an interrupted transfer. The terminal verifies
the signature and applies it as `+"`tpectl update apply`"+` does (same refusals).`,
		"tpectl flash --target /mnt/sdcard tpe-1.4.2-arm64.tpeb",
		"tpectl flash --target root@192.168.1.42 --identity ~/.ssh/tpe tpe-1.4.2-arm64.tpeb")
	targetS := fs.String("target", "", "mounted root of the terminal (DIR) or user@host[:port] (required)")
	identity := fs.String("identity", "", "SSH private key (default: the SSH agent)")
	knownHosts := fs.String("known-hosts", "", "known_hosts file (default ~/.ssh/known_hosts)")
	acceptNew := fs.Bool("accept-new-host-key", false, "first connection: trust and record the terminal's host key (check its fingerprint)")
	force := fs.Bool("force", false, "allow a downgrade or reinstall (never below the terminal's minimum version)")
	allowQueued := fs.Bool("allow-queued", false, "install although offline payments wait to be forwarded")
	remoteTpectl := fs.String("remote-tpectl", "tpectl", "tpectl on the terminal (SSH)")
	remoteRoot := fs.String("remote-root", "/", "root of the terminal (SSH)")
	sudo := fs.Bool("sudo", false, "run the install with sudo -n on the terminal (SSH as a non-root user)")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if *targetS == "" || len(pos) != 1 {
		return usagef("want `flash --target DIR|user@host[:port] [--identity FILE] BUNDLE`")
	}
	t, err := flash.ParseTarget(*targetS)
	if err != nil {
		return err
	}
	res, err := flash.Run(ctx, t, pos[0], &flash.Opts{
		Force: *force, AllowQueued: *allowQueued, Out: stdout,
		Progress: flash.Bar(stdout, filepath.Base(pos[0])),
		SSH: &flash.SSHOpts{Identity: *identity, KnownHosts: *knownHosts, AcceptNew: *acceptNew,
			RemoteRoot: *remoteRoot, RemoteTpectl: *remoteTpectl, Sudo: *sudo},
	})
	if err != nil {
		return err
	}
	if res.Resumed > 0 {
		fmt.Fprintf(stdout, "resumed an earlier transfer at %d bytes\n", res.Resumed)
	}
	if res.Apply != nil {
		fmt.Fprintf(stdout, "installed tpe %s in slot %s of %s", res.Apply.Version, res.Apply.Slot, t.Dir)
		if res.Apply.Trial {
			fmt.Fprintf(stdout, " (on trial until its first healthy start)")
		}
		fmt.Fprintln(stdout)
	}
	fmt.Fprintf(stdout, "done; check with `tpectl update status` on the terminal (or --root %s)\n", *targetS)
	return nil
}
