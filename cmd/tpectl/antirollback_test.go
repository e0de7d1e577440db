package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAntiRollbackCommands(t *testing.T) {
	dir, b := release(t, "1.0.0")
	bin := filepath.Join(dir, "tpe-1.2.0")
	os.WriteFile(bin, []byte("#!/bin/sh\necho 1.2.0\n"), 0o755)
	b120 := filepath.Join(dir, "tpe-1.2.0.tpeb")
	if code, _, errs := techRun(t, "bundle", "build", "--version", "1.2.0", "--min-version", "1.3.0", "--binary", bin, "--out", b120); code != 1 || !strings.Contains(errs, "above the bundle's own version") {
		t.Fatalf("minimum above the version: exit %d %s", code, errs)
	}
	out := mustTech(t, "bundle", "build", "--version", "1.2.0", "--min-version", "1.1.0", "--binary", bin, "--out", b120)
	if !strings.Contains(out, "minimum version 1.1.0") {
		t.Fatalf("build output does not show the minimum: %s", out)
	}
	mustTech(t, "bundle", "sign", "--key", filepath.Join(dir, "release.key"), b120)
	if out := mustTech(t, "bundle", "verify", "--pubkey", filepath.Join(dir, "release.pub"), b120); !strings.Contains(out, "minimum version 1.1.0 (signed)") {
		t.Fatalf("verify output does not show the minimum: %s", out)
	}

	root := filepath.Join(t.TempDir(), "root")
	mustTech(t, provisionArgs(root, filepath.Join(dir, "release.pub"))...)
	mustTech(t, "update", "apply", "--root", root, b["1.0.0"])
	mustTech(t, "update", "apply", "--root", root, b120)
	if out := mustTech(t, "update", "status", "--root", root); !strings.Contains(out, "minimum version: none") {
		t.Fatalf("status on trial: the minimum is not committed yet: %s", out)
	}
	mustTech(t, "update", "confirm", "--root", root)
	out = mustTech(t, "update", "status", "--root", root)
	if !strings.Contains(out, "minimum version: 1.1.0") || !strings.Contains(out, "cannot be rolled back to") {
		t.Fatalf("status: %s", out)
	}
	for _, args := range [][]string{
		{"update", "apply", "--root", root, "--force", b["1.0.0"]},
		{"update", "rollback", "--root", root},
	} {
		code, _, errs := techRun(t, args...)
		if code != 1 || !strings.Contains(errs, "1.0.0") || !strings.Contains(errs, "minimum version 1.1.0") || !strings.Contains(errs, "cannot be lowered") {
			t.Fatalf("%v: exit %d %s", args[:2], code, errs)
		}
	}
	if out := mustTech(t, "update", "status", "--root", root); !strings.Contains(out, "running tpe 1.2.0") {
		t.Fatalf("a refusal changed the terminal: %s", out)
	}
	os.WriteFile(filepath.Join(root, "opt/tpe/min_version"), []byte("junk"), 0o644)
	code, out, errs := techRun(t, "update", "status", "--root", root)
	if code != 1 || !strings.Contains(out, "UNREADABLE") || !strings.Contains(errs, "damaged") {
		t.Fatalf("damaged floor file: exit %d\n%s%s", code, out, errs)
	}
}
