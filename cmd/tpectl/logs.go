package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"tpe/cmd/internal/support"
	"tpe/config"
)

// runLogs exports the redacted support bundle.
func runLogs(ctx context.Context, args []string, stdout io.Writer) error {
	if helpFirst(args) {
		args = []string{"export", "--help"}
	}
	if len(args) == 0 || args[0] != "export" {
		return usagef("want `logs export --root DIR --out FILE`")
	}
	fs := newTechFlags("logs export", stdout)
	fs.about("logs export --root DIR --out FILE [--config FILE]", `
Writes the support bundle: the terminal's logs, config, update state and
journal statistics, with card numbers, tokens and secrets masked. It holds
no key and no journal; send it to support.`,
		"tpectl logs export --out support-T0000042.tar.gz",
		"tpectl logs export --root /mnt/sdcard --out support.tar.gz")
	root := fs.String("root", "/", "root of the terminal's file system")
	out := fs.String("out", "", "support bundle to write, e.g. support-T0000042.tar.gz (required)")
	cfg := fs.String("config", "", "config file (default ROOT/etc/tpe/tpe.toml)")
	if pos, err := fs.parse(args[1:]); err != nil {
		return err
	} else if len(pos) > 0 || *out == "" {
		return usagef("want `logs export --root DIR --out FILE`")
	}
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".support-*")
	if err != nil {
		return fmt.Errorf("creating %s: %w; choose a writable --out", *out, err)
	}
	defer os.Remove(tmp.Name())
	sum, err := support.Export(ctx, tmp, support.Opts{Root: *root, ConfigPath: *cfg, Version: config.Version})
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	// 0600: redacted, but still the merchant's business.
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%d files, card numbers, tokens and secrets masked):\n", *out, len(sum.Files))
	for _, f := range sum.Files {
		fmt.Fprintf(stdout, "  %s\n", f)
	}
	for _, n := range sum.Notes {
		fmt.Fprintf(stdout, "note: %s\n", n)
	}
	fmt.Fprintln(stdout, "send it to support; it holds no key and no journal")
	return nil
}
