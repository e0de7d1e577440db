package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"tpe/cmd/internal/diag"
	"tpe/config"
)

// runDiag self-tests every peripheral and service and prints the fixes.
func runDiag(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newTechFlags("diag", stdout)
	fs.about("diag [--config FILE | --sim] [--tap] [--print [--scan]] [--json]", `
Self-tests every peripheral and service of the terminal (reader, printer,
display, scanner, gateway, token, clock, disk, journal, queue) and prints
each check with the fix for a failure. Exits 1 when a check fails. --sim
runs the same checks on the emulated terminal, on any machine.`,
		"tpectl diag --sim",
		"tpectl diag --config /etc/tpe/tpe.toml --tap --print",
		"tpectl diag --sim --sim-fail printer,gateway --json")
	cfgPath := fs.String("config", "", "the terminal's config (default ROOT/etc/tpe/tpe.toml)")
	root := fs.String("root", "/", "root the config's paths are under (the mounted SD card)")
	sim := fs.Bool("sim", false, "test the emulated terminal (device/sim + gateway simulator): works on any machine")
	simFail := fs.String("sim-fail", "", "with --sim, inject faults, comma-separated: "+strings.Join(diag.Faults, ", "))
	asJSON := fs.Bool("json", false, "print JSON")
	tap := fs.Bool("tap", false, "test card detection: you will be asked to tap a test card")
	print := fs.Bool("print", false, "print the test page")
	scan := fs.Bool("scan", false, "with --print, test the scanner on the test page's QR code")
	timeout := fs.Duration("timeout", 2*time.Minute, "bound on the whole run")
	if pos, err := fs.parse(args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("diag takes no arguments, got %q", pos)
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	var (
		suite diag.Suite
		done  func()
	)
	if *sim {
		var faults []string
		if *simFail != "" {
			faults = strings.Split(*simFail, ",")
		}
		var err error
		if suite, done, err = diag.Sim(ctx, diag.SimOpts{Fail: faults}); err != nil {
			return err
		}
	} else {
		if *simFail != "" {
			return usagef("--sim-fail needs --sim")
		}
		if *cfgPath == "" {
			*cfgPath = rootPath(*root, "etc/tpe/tpe.toml")
		}
		c, err := config.Load(*cfgPath)
		if err != nil {
			return fmt.Errorf("%w; fix it (tpectl config check %s) or run `tpectl provision`", err, *cfgPath)
		}
		prompt := func(msg string) {
			if !*asJSON {
				fmt.Fprintf(stdout, ">>> %s\n", msg)
			} else {
				fmt.Fprintf(os.Stderr, ">>> %s\n", msg)
			}
		}
		suite, done = diag.Hardware(ctx, c, diag.HardwareOpts{Root: *root, Tap: *tap, Print: *print, Scan: *scan, Prompt: prompt})
	}
	defer done()
	rep := diag.Run(ctx, suite)
	if *asJSON {
		if err := rep.WriteJSON(stdout); err != nil {
			return err
		}
	} else {
		rep.WriteTable(stdout)
	}
	if !rep.OK {
		return fmt.Errorf("some checks failed; apply the fixes shown and run diag again")
	}
	return nil
}
