package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUpdateMovesOldDeviceKey: a terminal with the device key in its data
// directory (key_file = "", as provisioned before the move) takes an
// update; apply says what it copied, status shows the pending move and
// confirm deletes the old copy.
func TestUpdateMovesOldDeviceKey(t *testing.T) {
	dir, b := release(t, "1.0.0", "1.1.0")
	root := filepath.Join(t.TempDir(), "root")
	mustTech(t, provisionArgs(root, filepath.Join(dir, "release.pub"))...)
	mustTech(t, "update", "apply", "--root", root, b["1.0.0"])
	// Back to the old layout.
	cfgPath := filepath.Join(root, "etc/tpe/tpe.toml")
	cfg, _ := os.ReadFile(cfgPath)
	old := keyFileLine(t, cfg)
	os.WriteFile(cfgPath, bytes.Replace(cfg, []byte(old), []byte(`key_file = ""`), 1), 0o640)
	newKey := filepath.Join(root, "etc/tpe/private/device.key")
	oldKey := filepath.Join(root, "var/lib/tpe/device.key")
	if err := os.Rename(newKey, oldKey); err != nil {
		t.Fatal(err)
	}
	key, _ := os.ReadFile(oldKey)

	out := mustTech(t, "update", "apply", "--root", root, b["1.1.0"])
	if !strings.Contains(out, "device key copied out of the data directory: /var/lib/tpe/device.key → /etc/tpe/private/device.key") ||
		!strings.Contains(out, "deleted once the new version is confirmed") {
		t.Fatalf("apply: %s", out)
	}
	if out := mustTech(t, "update", "status", "--root", root); !strings.Contains(out, "the old copy /var/lib/tpe/device.key is deleted when") {
		t.Fatalf("status: %s", out)
	}
	mustTech(t, "config", "check", cfgPath)
	mustTech(t, "update", "confirm", "--root", root)
	if _, err := os.Stat(oldKey); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("old key after confirm: %v", err)
	}
	if b, _ := os.ReadFile(newKey); !bytes.Equal(b, key) {
		t.Fatal("the key at its new place is not the terminal's key")
	}
}

// keyFileLine finds the key_file line of a provisioned config.
func keyFileLine(t *testing.T, cfg []byte) string {
	t.Helper()
	for _, l := range strings.Split(string(cfg), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "key_file") {
			return strings.TrimSpace(l)
		}
	}
	t.Fatalf("no key_file in:\n%s", cfg)
	return ""
}
