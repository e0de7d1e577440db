package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/term"

	"tpe/drivers/escpos"
	"tpe/drivers/escpos/escpossim"
	"tpe/drivers/serialport"
)

// runPrinter prints the test page: `printer test --port PATH [--width 58|80]
// [--baud N]`. PATH is a serial line (a tty: USB-serial adapter, PTY) or a
// printer device file such as /dev/usb/lp0.
func runPrinter(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usagef("missing subcommand: test")
	}
	if args[0] != "test" {
		return usagef("unknown subcommand %q: want test", args[0])
	}
	fs := flag.NewFlagSet("printer test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	port := fs.String("port", "", "serial device or printer device file (/dev/usb/lp0)")
	width := fs.Int("width", 80, "paper width in mm: 58 or 80")
	baud := fs.Int("baud", 19200, "line speed (serial only)")
	page := fs.String("codepage", "cp858", "text code page: cp858 or wpc1252")
	if err := fs.Parse(args[1:]); err != nil {
		return usagef("%v", err)
	}
	if *port == "" {
		return usagef("--port is required")
	}
	prof, err := escpos.ProfileFor(*width)
	if err != nil {
		return usagef("%v", err)
	}
	cp := escpos.CP858
	switch *page {
	case "cp858":
	case "wpc1252":
		cp = escpos.WPC1252
	default:
		return usagef("--codepage %q: want cp858 or wpc1252", *page)
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
	if len(args) == 0 {
		return usagef("missing subcommand: render or serve")
	}
	sub := args[0]
	fs := flag.NewFlagSet("sim printer "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	width := fs.Int("width", 80, "paper width in mm: 58 or 80")
	link := fs.String("link", "", "serve: path of the symlink to the emulated serial device")
	out := fs.String("out", ".", "serve: directory for receipt-N.png")
	if err := fs.Parse(args[1:]); err != nil {
		return usagef("%v", err)
	}
	prof, err := escpos.ProfileFor(*width)
	if err != nil {
		return usagef("%v", err)
	}
	switch sub {
	case "render":
		if fs.NArg() != 2 {
			return usagef("render needs IN.bin and OUT.png")
		}
		in, err := os.ReadFile(fs.Arg(0))
		if err != nil {
			return err
		}
		img, st := escpossim.Render(in, prof.Dots)
		b, err := escpossim.PNG(img)
		if err != nil {
			return err
		}
		if err := os.WriteFile(fs.Arg(1), b, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: %d bytes, %d commands, %d cuts, %d not drawn, %d unknown → %s (%d×%d)\n",
			fs.Arg(0), st.Bytes, st.Commands, st.Cuts, st.Unrendered, st.Unknown, fs.Arg(1), img.Bounds().Dx(), img.Bounds().Dy())
		return nil
	case "serve":
		if *link == "" {
			return usagef("--link is required")
		}
		return servePrinter(ctx, prof, *link, *out, stdout)
	}
	return usagef("unknown subcommand %q: want render or serve", sub)
}

func servePrinter(ctx context.Context, prof escpos.Profile, link, dir string, stdout io.Writer) error {
	pty, err := serialport.NewPTY()
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
