package sim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	devscanner "tpe/device/scanner"
	"tpe/drivers/scanner"
	"tpe/drivers/serialport/ptysim"
)

// ErrBadCode means Scanner.Scan was given something no barcode holds:
// empty, too long, or not printable ASCII.
var ErrBadCode = errors.New("sim: scanner: not a scannable code")

// ScannerOpts configures NewScanner. nil means defaults.
type ScannerOpts struct {
	// Baud is the line speed (default 9600, the scanners' factory setting).
	Baud int
	// Terminator is what the emulated scanner sends after each code
	// (default "\r\n").
	Terminator string
	// Prefix and Suffix wrap each code on the wire, as a scanner
	// configured with them would; set the same in Driver to strip them.
	Prefix, Suffix string
	// Link, if set, is a path where a symlink to the PTY is made.
	Link string
	// Driver tunes the scanner driver; nil means its defaults.
	Driver *scanner.Opts
	// Logger is passed to the driver; discarded by default.
	Logger *slog.Logger
}

// Scanner is an emulated serial 2D scanner: Scan writes a code on the
// master side of a PTY, the real scanner driver reads it on the slave side
// through serialport, as from a scanner on a USB-serial adapter.
type Scanner struct {
	o    ScannerOpts
	pty  *ptysim.PTY
	dev  *scanner.Dev
	mu   sync.Mutex
	once sync.Once
}

// NewScanner opens the PTY and the driver on it.
func NewScanner(o *ScannerOpts) (*Scanner, error) {
	var opts ScannerOpts
	if o != nil {
		opts = *o
	}
	if opts.Baud == 0 {
		opts.Baud = 9600
	}
	if opts.Terminator == "" {
		opts.Terminator = "\r\n"
	}
	p, err := ptysim.NewPTY()
	if err != nil {
		return nil, fmt.Errorf("sim: scanner: %w", err)
	}
	if opts.Link != "" {
		if err := p.Link(opts.Link); err != nil {
			p.Close()
			return nil, fmt.Errorf("sim: scanner: %w", err)
		}
	}
	var dopts scanner.Opts
	if opts.Driver != nil {
		dopts = *opts.Driver
	}
	if dopts.Logger == nil {
		dopts.Logger = opts.Logger
	}
	dev, err := scanner.Open(p.Name(), opts.Baud, &dopts)
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("sim: scanner: %w", err)
	}
	return &Scanner{o: opts, pty: p, dev: dev}, nil
}

// Scanner is the driver, as the payment flow sees it.
func (s *Scanner) Scanner() devscanner.Scanner { return s.dev }

// Dev is the driver itself.
func (s *Scanner) Dev() *scanner.Dev { return s.dev }

// PTYName is the path of the PTY slave the driver reads.
func (s *Scanner) PTYName() string { return s.pty.Name() }

// Waiting reports whether the terminal is waiting for a code (a Scan is in
// progress). A code scanned while it is not is dropped by the driver, as a
// code shown to an idle terminal must not pay for the next sale.
func (s *Scanner) Waiting() bool { return s.dev.Pending() }

// Scan makes the emulated scanner read code now.
func (s *Scanner) Scan(code string) error {
	if code == "" || len(code) > 4096 {
		return fmt.Errorf("%w: %d bytes", ErrBadCode, len(code))
	}
	for i := 0; i < len(code); i++ {
		if c := code[i]; c < 0x20 || c > 0x7E {
			return fmt.Errorf("%w: byte %d is %#02x", ErrBadCode, i, c)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	b.WriteString(s.o.Prefix)
	b.WriteString(code)
	b.WriteString(s.o.Suffix)
	b.WriteString(s.o.Terminator)
	if _, err := s.pty.Master.Write([]byte(b.String())); err != nil {
		return fmt.Errorf("sim: scanner: %w", err)
	}
	return nil
}

// ScanWhenAsked waits until the terminal asks for a code, then scans it:
// what POST /v1/sim/scan and scripted tests want.
func (s *Scanner) ScanWhenAsked(ctx context.Context, code string) error {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for !s.dev.Pending() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("sim: scanner: nobody asked for a code: %w", ctx.Err())
		case <-t.C:
		}
	}
	return s.Scan(code)
}

// Unplug pulls the scanner's cable: the PTY closes, the driver reports
// scanner.ErrUnplugged.
func (s *Scanner) Unplug() error {
	return s.pty.Close()
}

// Close halts the driver and closes the PTY (again, after Unplug).
func (s *Scanner) Close() error {
	var err error
	s.once.Do(func() {
		herr := s.dev.Halt()
		perr := s.pty.Close()
		if errors.Is(perr, os.ErrClosed) {
			perr = nil // already unplugged
		}
		err = errors.Join(herr, perr)
	})
	return err
}
