package sim

import (
	"context"
	"fmt"
	"image"
	"log/slog"
	"sync"
	"time"

	"tpe/device/printer"
	"tpe/drivers/escpos"
	"tpe/drivers/escpos/escpossim"
	"tpe/drivers/serialport"
	"tpe/drivers/serialport/ptysim"
)

// PrinterOpts configures NewPrinter. nil means defaults.
type PrinterOpts struct {
	// Width is the paper width in mm: 58 or 80 (default 80).
	Width int
	// Baud is the line speed (default 115200).
	Baud int
	// Link, if set, is a path where a symlink to the PTY is made, so
	// `tpectl printer test --port LINK` can print on the virtual paper.
	Link string
	// OnCut is called after each receipt is cut (the simulator refreshes
	// its paper view), with the number of receipts cut so far.
	OnCut func(n int)
	// Driver tunes the escpos driver; nil means its defaults for Width.
	Driver *escpos.Opts
	// Logger is passed to the driver; discarded by default.
	Logger *slog.Logger
}

// Printer is an emulated receipt printer: the real escpos driver writes
// through serialport to the slave side of a PTY, escpossim reads the master
// side, answers status requests and prints on virtual paper. It implements
// printer.Printer; the other methods are the simulator's controls.
type Printer struct {
	*escpos.Dev
	sim    *escpossim.Printer
	pty    *ptysim.PTY
	port   *serialport.Port
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	err    error
}

var _ printer.Printer = (*Printer)(nil)

// NewPrinter starts the virtual printer on a PTY and opens the driver on it.
func NewPrinter(o *PrinterOpts) (*Printer, error) {
	var opts PrinterOpts
	if o != nil {
		opts = *o
	}
	if opts.Width == 0 {
		opts.Width = 80
	}
	if opts.Baud == 0 {
		opts.Baud = 115200
	}
	prof, err := escpos.ProfileFor(opts.Width)
	if err != nil {
		return nil, fmt.Errorf("sim: printer: %w", err)
	}
	pty, err := ptysim.NewPTY()
	if err != nil {
		return nil, fmt.Errorf("sim: printer: %w", err)
	}
	if opts.Link != "" {
		if err := pty.Link(opts.Link); err != nil {
			pty.Close()
			return nil, fmt.Errorf("sim: printer: %w", err)
		}
	}
	// Open the port before the emulator can answer anything (tarm/serial
	// on a PTY: see drivers/serialport).
	port, err := serialport.Open(pty.Name(), &serialport.Opts{Baud: opts.Baud, ReadTimeout: 100 * time.Millisecond})
	if err != nil {
		pty.Close()
		return nil, fmt.Errorf("sim: printer: %w", err)
	}
	var dopts escpos.Opts
	if opts.Driver != nil {
		dopts = *opts.Driver
	}
	if dopts.Profile.Dots == 0 {
		dopts.Profile = prof
	}
	if dopts.Name == "" {
		dopts.Name = "sim " + pty.Name()
	}
	if dopts.Logger == nil {
		dopts.Logger = opts.Logger
	}
	sim := escpossim.New(&escpossim.Opts{Dots: dopts.Profile.Dots, OnCut: opts.OnCut})
	ctx, cancel := context.WithCancel(context.Background())
	p := &Printer{Dev: escpos.New(port, &dopts), sim: sim, pty: pty, port: port, cancel: cancel, done: make(chan error, 1)}
	go func() { p.done <- sim.Serve(ctx, pty.Master) }()
	return p, nil
}

// Name is the PTY path the driver talks to.
func (p *Printer) Name() string { return p.pty.Name() }

// Sim is the virtual printer itself (stats, raw feeds).
func (p *Printer) Sim() *escpossim.Printer { return p.sim }

// PaperOut empties (true) or reloads (false) the roll.
func (p *Printer) PaperOut(out bool) { p.sim.SetPaperOut(out) }

// CoverOpen opens or closes the cover.
func (p *Printer) CoverOpen(open bool) { p.sim.SetCoverOpen(open) }

// NearEnd sets the roll's near-end sensor.
func (p *Printer) NearEnd(near bool) { p.sim.SetNearEnd(near) }

// PaperOutAfter runs the roll out after about n more lines (30 dots each).
func (p *Printer) PaperOutAfter(lines int) { p.sim.PaperOutAfter(lines * 30) }

// Last is the last receipt cut (or the paper so far), nil before any print.
func (p *Printer) Last() image.Image { return p.sim.Last() }

// LastPNG is Last as PNG (/v1/sim/printer/last.png); nil when nothing printed.
func (p *Printer) LastPNG() ([]byte, error) { return p.sim.LastPNG() }

// All returns the receipts cut so far (at most the last 32), oldest first.
func (p *Printer) All() []image.Image { return p.sim.Receipts() }

// Close stops the emulator and closes the port and the PTY. It is
// idempotent; Halt (from the driver) leaves everything open.
func (p *Printer) Close() error {
	p.once.Do(func() {
		p.cancel()
		perr := p.port.Close()
		xerr := p.pty.Close()
		select {
		case err := <-p.done:
			p.err = err
		case <-time.After(2 * time.Second):
			p.err = fmt.Errorf("sim: printer: emulator did not stop")
		}
		if p.err == nil {
			p.err = perr
		}
		if p.err == nil {
			p.err = xerr
		}
	})
	return p.err
}
