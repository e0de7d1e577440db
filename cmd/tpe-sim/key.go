package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"tpe/offline"
)

// moveOldKey moves the device key an older tpe-sim left inside the data
// directory to keyFile (outside it), once, so a developer's journal stays
// readable. os.Rename is atomic: a crash leaves the key in one place or
// the other, never in neither.
func moveOldKey(dataDir, keyFile string, log *slog.Logger) error {
	old := filepath.Join(dataDir, offline.KeyName)
	if _, err := os.Stat(old); errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("device key: %w", err)
	}
	if _, err := os.Stat(keyFile); err == nil {
		return fmt.Errorf("device key found both in %s and in %s: keep the one that opens the journal, delete the other", old, keyFile)
	}
	dir := filepath.Dir(keyFile)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("device key: %w", err)
	}
	if err := os.Rename(old, keyFile); err != nil {
		return fmt.Errorf("moving the device key out of the data directory: %w; move %s to %s by hand", err, old, keyFile)
	}
	// The rename is durable once both directories are.
	for _, d := range []string{dir, dataDir} {
		if f, err := os.Open(d); err == nil {
			f.Sync()
			f.Close()
		}
	}
	log.Info("device key moved out of the data directory", "from", old, "to", keyFile)
	return nil
}
