package escpos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"tpe/device/printer"
)

var _ printer.Printer = (*Dev)(nil)

// Opts configures a Dev. The zero value is an 80 mm printer in CP858 that
// answers status requests within 1 s.
type Opts struct {
	// Profile is the paper geometry; zero means Paper80.
	Profile Profile
	// CodePage is the text table; zero means CP858.
	CodePage CodePage
	// StatusTimeout bounds the wait for each DLE EOT answer; 0 means 1 s.
	StatusTimeout time.Duration
	// NoStatus is for write-only transports (a device file the kernel
	// driver does not read back from): Print skips status checks and Status
	// answers ErrNoReply.
	NoStatus bool
	// Chunk is the largest single write; 0 means 1024 bytes. Between chunks
	// Print checks ctx, so a cancelled print stops within one chunk.
	Chunk int
	// Name appears in String (the port path).
	Name   string
	Logger *slog.Logger
}

// Dev is an ESC/POS receipt printer on a byte stream: a serial port
// (drivers/serialport) or a printer device file (OpenFile).
type Dev struct {
	mu  sync.Mutex
	rw  io.ReadWriter
	o   Opts
	log *slog.Logger
}

// New returns the printer on rw. nil Opts means defaults. It sends nothing:
// the first Print initialises the printer.
func New(rw io.ReadWriter, o *Opts) *Dev {
	var opts Opts
	if o != nil {
		opts = *o
	}
	if opts.Profile.Dots == 0 {
		opts.Profile = Paper80
	}
	if opts.CodePage.cm == nil {
		opts.CodePage = CP858
	}
	if opts.StatusTimeout <= 0 {
		opts.StatusTimeout = time.Second
	}
	if opts.Chunk <= 0 {
		opts.Chunk = 1024
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Dev{rw: rw, o: opts, log: opts.Logger}
}

// Profile is the paper geometry the printer lays receipts out for.
func (d *Dev) Profile() Profile { return d.o.Profile }

// Encode returns the bytes Print would send for r.
func (d *Dev) Encode(r printer.Receipt) []byte { return Layout(r, d.o.Profile, d.o.CodePage) }

// Print lays r out and prints it. It checks the printer before sending (a
// receipt is not started on a printer that cannot finish it) and after (a
// roll that ran out mid-receipt returns printer.ErrPaperOut: the receipt is
// incomplete and must be considered unprinted).
func (d *Dev) Print(ctx context.Context, r printer.Receipt) error {
	return d.PrintRaw(ctx, d.Encode(r))
}

// PrintRaw sends an ESC/POS stream (a test page, an Encoder's output) with
// the same status checks as Print.
func (d *Dev) PrintRaw(ctx context.Context, b []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("escpos: print not started: %w", err)
	}
	if !d.o.NoStatus {
		if err := d.ready(ctx, "before printing"); err != nil {
			return err
		}
	}
	for len(b) > 0 {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("escpos: print interrupted: %w", err)
		}
		n := min(len(b), d.o.Chunk)
		if _, err := d.rw.Write(b[:n]); err != nil {
			return fmt.Errorf("escpos: writing to %s: %w", d, err)
		}
		b = b[n:]
	}
	if !d.o.NoStatus {
		if err := d.ready(ctx, "after printing"); err != nil {
			return err
		}
	}
	d.log.Debug("printed", "printer", d.String())
	return nil
}

func (d *Dev) ready(ctx context.Context, when string) error {
	st, err := d.status(ctx)
	if err != nil {
		return err
	}
	if err := st.Err(); err != nil {
		d.log.Warn("printer not ready", "when", when, "err", err)
		return fmt.Errorf("escpos: %s: %w", when, err)
	}
	return nil
}

// Status asks the printer for its real-time status (DLE EOT 1, 2, 4, and 3
// when an error is reported).
func (d *Dev) Status(ctx context.Context) (printer.Status, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.status(ctx)
}

func (d *Dev) status(ctx context.Context) (printer.Status, error) {
	if d.o.NoStatus {
		return printer.Status{}, ErrNoReply
	}
	var st printer.Status
	b1, err := d.query(ctx, StatusPrinter)
	if err != nil {
		return st, err
	}
	b2, err := d.query(ctx, StatusOffline)
	if err != nil {
		return st, err
	}
	b4, err := d.query(ctx, StatusPaper)
	if err != nil {
		return st, err
	}
	st.Online = b1&StPrinterOffline == 0
	st.CoverOpen = b2&StOfflineCoverOpen != 0
	st.PaperOut = b2&StOfflinePaperEnd != 0 || b4&StPaperEnd != 0
	st.PaperLow = b4&StPaperNearEnd != 0
	st.Error = b2&StOfflineError != 0
	if st.Error {
		b3, err := d.query(ctx, StatusErrors)
		if err != nil {
			return st, err
		}
		// An auto-recoverable error (head too hot) clears by itself: still
		// an error for this receipt, but logged as such.
		d.log.Warn("printer error", "cutter", b3&StErrorCutter != 0,
			"unrecoverable", b3&StErrorUnrecoverable != 0, "auto_recoverable", b3&StErrorAutoRecover != 0)
	}
	return st, nil
}

// query sends DLE EOT n and reads the one-byte answer.
func (d *Dev) query(ctx context.Context, n byte) (byte, error) {
	if _, err := d.rw.Write([]byte{DLE, EOT, n}); err != nil {
		return 0, fmt.Errorf("escpos: status request to %s: %w", d, err)
	}
	deadline := time.Now().Add(d.o.StatusTimeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	if f, ok := d.rw.(interface{ SetReadDeadline(time.Time) error }); ok {
		if err := f.SetReadDeadline(deadline); err != nil {
			// A device file that cannot wait with a deadline would block
			// forever on a silent printer.
			return 0, fmt.Errorf("escpos: %s cannot time out reads (%v): %w", d, err, ErrNoReply)
		}
		defer f.SetReadDeadline(time.Time{})
	}
	var b [1]byte
	for {
		k, err := d.rw.Read(b[:])
		if k == 1 {
			if b[0]&StatusFixedMask != StatusFixed {
				return 0, &StatusError{Request: int(n), Got: b[0]}
			}
			return b[0], nil
		}
		var te interface{ Timeout() bool }
		switch {
		case err == nil:
		case errors.As(err, &te) && te.Timeout():
		default:
			return 0, fmt.Errorf("escpos: reading status from %s: %w", d, err)
		}
		if ctx.Err() != nil {
			return 0, fmt.Errorf("escpos: status: %w", ctx.Err())
		}
		if time.Now().After(deadline) {
			return 0, ErrNoReply
		}
	}
}

// String names the printer and its paper.
func (d *Dev) String() string {
	name := d.o.Name
	if name == "" {
		name = "escpos"
	}
	return name + " (" + d.o.Profile.Name + ")"
}

// Halt does nothing: ESC/POS printers stop after each document and the port
// belongs to the caller.
func (d *Dev) Halt() error { return nil }

// OpenFile opens a printer device file (/dev/usb/lp0) for reading and
// writing. Whether status can be read back depends on the kernel driver:
// usblp can, but a read never times out, so pass NoStatus unless the file
// supports deadlines (SupportsDeadline).
func OpenFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("escpos: opening %s: %w", path, err)
	}
	return f, nil
}

// SupportsDeadline reports whether reads on f can time out (pipes, ptys).
func SupportsDeadline(f *os.File) bool {
	if err := f.SetReadDeadline(time.Time{}); err != nil {
		return false
	}
	return true
}
