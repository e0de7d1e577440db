package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tpe/cmd/internal/flash/sshtest"
)

// TestHelperTpectlMain is tpectl itself when a test runs it as a separate
// program (the terminal's tpectl behind the test SSH server).
func TestHelperTpectlMain(t *testing.T) {
	if os.Getenv("TPECTL_HELPER_MAIN") != "1" {
		t.Skip("helper process only")
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	os.Exit(run(t.Context(), args, os.Stdout, os.Stderr))
}

func TestFlashOverSSHAndDir(t *testing.T) {
	dir, b := release(t, "1.0.0", "1.1.0")
	// A terminal root provisioned with the release key.
	root := filepath.Join(t.TempDir(), "root")
	mustTech(t, provisionArgs(root, filepath.Join(dir, "release.pub"))...)

	// First install on the mounted root.
	out := mustTech(t, "flash", "--target", root, b["1.0.0"])
	if !strings.Contains(out, "installed tpe 1.0.0 in slot a") || !strings.Contains(out, "100.0%") {
		t.Fatalf("dir flash: %s", out)
	}

	// Then over SSH: the terminal's own tpectl (this test binary) installs.
	srv := sshtest.Start(t)
	wrapper := filepath.Join(t.TempDir(), "tpectl")
	os.WriteFile(wrapper, []byte("#!/bin/sh\nTPECTL_HELPER_MAIN=1 exec "+os.Args[0]+" -test.run='^TestHelperTpectlMain$' -- \"$@\"\n"), 0o755)
	out = mustTech(t, "flash", "--target", "tech@"+srv.Addr, "--identity", srv.Identity, "--known-hosts", srv.KnownHosts,
		"--remote-root", root, "--remote-tpectl", wrapper, b["1.1.0"])
	if !strings.Contains(out, "installed tpe 1.1.0 in slot b") {
		t.Fatalf("ssh flash: %s", out)
	}
	if out := mustTech(t, "update", "status", "--root", root); !strings.Contains(out, "running tpe 1.1.0") {
		t.Fatalf("status: %s", out)
	}
	// A downgrade over SSH is refused by the terminal, with its reason.
	code, _, errs := techRun(t, "flash", "--target", "tech@"+srv.Addr, "--identity", srv.Identity, "--known-hosts", srv.KnownHosts,
		"--remote-root", root, "--remote-tpectl", wrapper, b["1.0.0"])
	if code != 1 || !strings.Contains(errs, "older") {
		t.Fatalf("downgrade over ssh: exit %d %s", code, errs)
	}
	if code, _, errs := techRun(t, "flash", "--target", "nowhere", b["1.0.0"]); code != 1 || !strings.Contains(errs, "user@host") {
		t.Fatalf("bad target: exit %d %s", code, errs)
	}
}
