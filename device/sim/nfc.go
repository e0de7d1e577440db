package sim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"tpe/device/nfc"
	"tpe/drivers/pn532"
	"tpe/drivers/pn532/pn532sim"
	"tpe/drivers/serialport"
	"tpe/drivers/serialport/ptysim"
)

// NFCOpts configures NewNFC. nil means defaults.
type NFCOpts struct {
	// Baud is the HSU speed (default 115200).
	Baud int
	// Pace makes the emulated chip take the wire time of every byte.
	Pace bool
	// Link, if set, is a path where a symlink to the PTY is made, so that
	// other programs (tpectl nfc, nfc-list) can open it too.
	Link string
	// Driver tunes the pn532 driver; nil means its defaults.
	Driver *pn532.Opts
	// Logger is passed to the chip and the driver; discarded by default.
	Logger *slog.Logger
}

// NFC is an emulated PN532 on a PTY driven by the real pn532 driver.
type NFC struct {
	chip   *pn532sim.Chip
	pty    *ptysim.PTY
	port   *serialport.Port
	dev    *pn532.Dev
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

// NewNFC starts the emulator and opens the driver on it.
func NewNFC(ctx context.Context, o *NFCOpts) (*NFC, error) {
	var opts NFCOpts
	if o != nil {
		opts = *o
	}
	if opts.Baud == 0 {
		opts.Baud = 115200
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	p, err := ptysim.NewPTY()
	if err != nil {
		return nil, fmt.Errorf("sim: nfc: %w", err)
	}
	if opts.Link != "" {
		if err := p.Link(opts.Link); err != nil {
			p.Close()
			return nil, fmt.Errorf("sim: nfc: %w", err)
		}
	}
	chip := pn532sim.New(&pn532sim.Opts{Baud: opts.Baud, Pace: opts.Pace, Logger: opts.Logger})
	sctx, cancel := context.WithCancel(context.Background())
	n := &NFC{chip: chip, pty: p, cancel: cancel, done: make(chan error, 1)}
	go func() { n.done <- chip.ServeHSU(sctx, p.Master) }()
	n.port, err = serialport.Open(p.Name(), &serialport.Opts{Baud: opts.Baud})
	if err != nil {
		n.Close()
		return nil, fmt.Errorf("sim: nfc: %w", err)
	}
	var dopts pn532.Opts
	if opts.Driver != nil {
		dopts = *opts.Driver
	}
	if dopts.Logger == nil {
		dopts.Logger = opts.Logger
	}
	n.dev, err = pn532.NewHSU(ctx, n.port, &dopts)
	if err != nil {
		n.Close()
		return nil, fmt.Errorf("sim: nfc: %w", err)
	}
	return n, nil
}

// Reader is the driver, as the payment flow sees it.
func (n *NFC) Reader() nfc.Reader { return n.dev }

// Dev is the driver itself.
func (n *NFC) Dev() *pn532.Dev { return n.dev }

// Chip is the emulated PN532 (stats, fault injection).
func (n *NFC) Chip() *pn532sim.Chip { return n.chip }

// Present puts card in the field, replacing any other. A card that
// implements nfc.TargetInfo chooses its UID/ATQA/SAK/ATS.
func (n *NFC) Present(card nfc.Card) { n.chip.Place(card) }

// Remove takes the card out of the field.
func (n *NFC) Remove() { n.chip.Remove() }

// PTYName is the slave device the driver uses.
func (n *NFC) PTYName() string { return n.pty.Name() }

// Close stops the emulator and closes the line.
func (n *NFC) Close() error {
	var err error
	n.once.Do(func() {
		if n.dev != nil {
			_ = n.dev.Halt()
		}
		n.cancel()
		err = <-n.done
		if n.port != nil {
			err = errors.Join(err, n.port.Close())
		}
		err = errors.Join(err, n.pty.Close())
	})
	return err
}
