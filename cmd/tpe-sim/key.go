package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"tpe/offline"
	"tpe/payment/pin"
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

// The simulator is its own key injection facility: on first start it
// derives its AES DUKPT initial key from the gateway simulator's test base
// derivation key (the ANSI X9.24-3-2017 test BDK, which gatewaysim holds to
// decipher PIN blocks) and the standard's test initial key ID, and seals it
// beside the device key as `tpectl provision --pin-key-file` does on a
// terminal. A real terminal never holds a BDK; these are test keys only.
var (
	simTestBDK      = pin.Key{0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10, 0xF1, 0xF1, 0xF1, 0xF1, 0xF1, 0xF1, 0xF1, 0xF1}
	simInitialKeyID = [8]byte{0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x56}
)

// injectSimPINKey creates the device key if missing and injects the sim's
// PIN key once; a key already injected is kept (its counter is in the
// journal).
func injectSimPINKey(keyFile string) error {
	if _, err := os.Stat(offline.PINKeyPath(keyFile)); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(keyFile), 0o700); err != nil {
		return fmt.Errorf("device key: %w", err)
	}
	if err := offline.CreateKey(keyFile); err != nil && !errors.Is(err, offline.ErrKeyExists) {
		return err
	}
	ik, err := pin.DeriveInitialKey(simTestBDK, simInitialKeyID)
	if err != nil {
		return err
	}
	defer ik.Wipe()
	if err := offline.SavePINKey(keyFile, ik, simInitialKeyID); err != nil {
		return fmt.Errorf("injecting the simulator's PIN key: %w", err)
	}
	return nil
}
