package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/term"

	"tpe/drivers/escpos"
	"tpe/drivers/escpos/escpossim"
	"tpe/drivers/serialport"
	"tpe/drivers/serialport/ptysim"
)

// runPrinter prints the test page: `printer test --port PATH [--width 58|80]
// [--baud N]`. PATH is a serial line (a tty: USB-serial adapter, PTY) or a
// printer device file such as /dev/usb/lp0.
func runPrinter(ctx context.Context, args []string, stdout io.Writer) error {
	if helpFirst(args) {
		args = []string{"test", "--help"}
	}
	if len(args) == 0 {
		return usagef("missing subcommand: test")
	}
	if args[0] != "test" {
		return usagef("unknown subcommand %q: want test", args[0])
	}
	fs := newTechFlags("printer test", stdout)
	fs.about("printer test --port PATH [--width 58|80] [--baud N] [--codepage cp858|wpc1252]", `
Prints the test page (code page, sizes, barcode, QR code) and reads the
printer's status before and after. PATH is a serial line (a tty: USB-serial
adapter, PTY) or a printer device file such as /dev/usb/lp0, whose status
cannot be read: the page is then printed blind.`,
		"tpectl printer test --port /dev/usb/lp0",
		"tpectl printer test --port /dev/ttyUSB0 --baud 19200 --width 58")
	port := fs.String("port", "", "serial device or printer device file, e.g. /dev/usb/lp0 (required)")
	width := fs.Int("width", 80, "paper width in mm: 58 or 80")
	baud := fs.Int("baud", 19200, "line speed (serial only)")
	page := fs.String("codepage", "cp858", "text code page: cp858 or wpc1252")
	if pos, err := fs.parse(args[1:]); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("printer test takes no arguments, got %q", pos)
	}
	if *port == "" {
		return usagef("--port is required")
	}
	if err := oneOfInt("width", *width, 58, 80); err != nil {
		return err
	}
	if err := oneOf("codepage", *page, "cp858", "wpc1252"); err != nil {
		return err
	}
	prof, err := escpos.ProfileFor(*width)
	if err != nil {
		return usagef("%v", err)
	}
	cp := escpos.CP858
	if *page == "wpc1252" {
		cp = escpos.WPC1252
	}
	opts := &escpos.Opts{Profile: prof, CodePage: cp, Name: *port}
	var rw io.ReadWriter
	tty, err := isTTY(*port)
	if err != nil {
		return err
	}
	if tty {
		p, err := serialport.Open(*port, &serialport.Opts{Baud: *baud, ReadTimeout: 100 * time.Millisecond})
		if err != nil {
			return err
		}
		defer p.Close()
		rw, opts.Name = p, p.String()
	} else {
		f, err := escpos.OpenFile(*port)
		if err != nil {
			return err
		}
		defer f.Close()
		// usblp and plain files cannot time out a read: print blind.
		opts.NoStatus = !escpos.SupportsDeadline(f)
		rw = f
	}
	dev := escpos.New(rw, opts)
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if !opts.NoStatus {
		st, err := dev.Status(pctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "status: online=%t paper_out=%t paper_low=%t cover_open=%t error=%t\n",
			st.Online, st.PaperOut, st.PaperLow, st.CoverOpen, st.Error)
	}
	title := "tpectl " + *port
	if err := dev.PrintRaw(pctx, escpos.TestPage(prof, cp, title)); err != nil {
		return err
	}
	mode := "checked before and after"
	if opts.NoStatus {
		mode = "not readable on this device: print blind"
	}
	fmt.Fprintf(stdout, "test page printed on %s (status %s)\n", dev, mode)
	return nil
}

// isTTY reports whether path is a terminal (serial line), following
// symlinks; a device file or a plain file is not.
func isTTY(path string) (bool, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return false, fmt.Errorf("opening %s: %w", path, err)
	}
	defer f.Close()
	return term.IsTerminal(int(f.Fd())), nil
}

// simPrinter runs the virtual printer:
//
//	sim printer render [--width 58|80] IN.bin OUT.png
//	sim printer serve --link PATH [--width 58|80] [--out DIR]
//
// render prints an ESC/POS capture on virtual paper; serve emulates a
// printer on a PTY symlinked at PATH and writes each receipt cut to DIR.
func simPrinter(ctx context.Context, args []string, stdout io.Writer) error {
	if helpFirst(args) {
		return subHelp(stdout, "sim printer render|serve [flags]", `
The virtual ESC/POS printer of the simulator, on its own.`,
			[][2]string{{"render", "print an ESC/POS capture on virtual paper: IN.bin OUT.png"},
				{"serve", "emulate a printer on a PTY and write each receipt cut as PNG"}},
			"tpectl sim printer render receipt.bin receipt.png",
			"tpectl sim printer serve --link /tmp/printer --out receipts/")
	}
	if len(args) == 0 {
		return usagef("missing subcommand: render or serve")
	}
	sub := args[0]
	fs := newTechFlags("sim printer "+sub, stdout)
	width := fs.Int("width", 80, "paper width in mm: 58 or 80")
	var link, out *string
	switch sub {
	case "render":
		fs.about("sim printer render [--width 58|80] IN.bin OUT.png", `
Prints an ESC/POS byte stream (IN.bin: captured from a printer's line, or a
golden file of drivers/escpos/testdata) on virtual paper and writes it as
OUT.png.`,
			"tpectl sim printer render --width 58 receipt.bin receipt.png")
	case "serve":
		fs.about("sim printer serve --link PATH [--width 58|80] [--out DIR]", `
Emulates an ESC/POS printer on a new PTY, symlinked at PATH, until
interrupted; each receipt cut is written to DIR as receipt-N.png.`,
			"tpectl sim printer serve --link /tmp/printer --out receipts/")
		link = fs.String("link", "", "path of the symlink to the emulated serial device (required)")
		out = fs.String("out", ".", "directory for receipt-N.png")
	default:
		return usagef("unknown subcommand %q: want render or serve", sub)
	}
	pos, err := fs.parse(args[1:])
	if err != nil {
		return err
	}
	if err := oneOfInt("width", *width, 58, 80); err != nil {
		return err
	}
	prof, err := escpos.ProfileFor(*width)
	if err != nil {
		return usagef("%v", err)
	}
	switch sub {
	case "render":
		if len(pos) != 2 {
			return usagef("render needs IN.bin and OUT.png")
		}
		in, err := os.ReadFile(pos[0])
		if err != nil {
			return err
		}
		img, st := escpossim.Render(in, prof.Dots)
		b, err := escpossim.PNG(img)
		if err != nil {
			return err
		}
		if err := os.WriteFile(pos[1], b, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: %d bytes, %d commands, %d cuts, %d not drawn, %d unknown → %s (%d×%d)\n",
			pos[0], st.Bytes, st.Commands, st.Cuts, st.Unrendered, st.Unknown, pos[1], img.Bounds().Dx(), img.Bounds().Dy())
		if len(st.Skipped) > 0 {
			names := slices.Sorted(maps.Keys(st.Skipped))
			for i, n := range names {
				names[i] = fmt.Sprintf("%s ×%d", n, st.Skipped[n])
			}
			fmt.Fprintf(stdout, "not drawn: %s\n", strings.Join(names, ", "))
		}
		return nil
	case "serve":
		if len(pos) > 0 {
			return usagef("sim printer serve takes no arguments, got %q", pos)
		}
		if *link == "" {
			return usagef("--link is required")
		}
		return servePrinter(ctx, prof, *link, *out, stdout)
	}
	return nil
}

func servePrinter(ctx context.Context, prof escpos.Profile, link, dir string, stdout io.Writer) error {
	pty, err := ptysim.NewPTY()
	if err != nil {
		return err
	}
	defer pty.Close()
	if err := pty.Link(link); err != nil {
		return err
	}
	var sim *escpossim.Printer
	sim = escpossim.New(&escpossim.Opts{Dots: prof.Dots, OnCut: func(n int) {
		b, err := sim.LastPNG()
		if err != nil || b == nil {
			return
		}
		name := filepath.Join(dir, fmt.Sprintf("receipt-%d.png", n))
		if err := os.WriteFile(name, b, 0o644); err == nil {
			fmt.Fprintln(stdout, "cut:", name)
		}
	}})
	fmt.Fprintf(stdout, "virtual %s printer on %s (%s); Ctrl-C to stop\n", prof.Name, link, pty.Name())
	return sim.Serve(ctx, pty.Master)
}
