package diag

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"path/filepath"
	"time"

	"tpe/cmd/internal/hardware"
	"tpe/config"
	"tpe/device/display"
	"tpe/device/printer"
	devsim "tpe/device/sim"
	"tpe/drivers/escpos"
	"tpe/drivers/pn532"
	"tpe/drivers/st7789"
	"tpe/offline"
	"tpe/payment/emv/cardsim"
)

// HardwareOpts says which interactive checks the technician wants.
type HardwareOpts struct {
	Root string // the terminal's root ("/")
	// Tap asks for a test card; Prompt tells the technician what to do.
	Tap    bool
	Print  bool // print the test page
	Scan   bool // read the test page's code with the scanner (needs Print)
	Prompt func(msg string)
}

// Hardware builds a Suite from a terminal's config: real drivers for
// pn532/escpos/st7789/serial, the emulators for peripherals configured as
// "sim". A peripheral that does not open becomes a failing check with its
// fix, not an error: diag must report everything it can.
func Hardware(ctx context.Context, c config.Config, o HardwareOpts) (Suite, func()) {
	if o.Root == "" {
		o.Root = "/"
	}
	if o.Prompt == nil {
		o.Prompt = func(string) {}
	}
	var closers []io.Closer
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i].Close()
		}
	}
	var s Suite
	code := fmt.Sprintf("TPE-DIAG-%s-%d", c.Terminal.ID, time.Now().Unix()%100000)

	// NFC.
	h := c.Hardware
	where := fmt.Sprintf("%s %s, hardware.nfc in tpe.toml", h.NFC.Bus, h.NFC.Port)
	var dev *pn532.Dev
	var nerr error
	var simNFC *devsim.NFC
	switch {
	case h.NFC.Driver == "sim":
		n, err := devsim.NewNFC(ctx, nil)
		if err == nil {
			closers = append(closers, n)
			dev, where, simNFC = n.Dev(), "emulated PN532", n
		}
		nerr = err
	default:
		var bus io.Closer
		if dev, bus, nerr = hardware.OpenNFC(ctx, h.NFC, nil); nerr == nil {
			closers = append(closers, bus)
		}
	}
	if dev == nil {
		if nerr == nil {
			nerr = errors.New("no reader configured")
		}
		s.NFC = &NFC{Where: where, Firmware: func(context.Context) (string, error) { return "", nerr }}
	} else {
		closers = append(closers, closerFunc(dev.Halt))
		s.NFC = &NFC{Reader: dev, Where: where, Field: dev.RFField,
			Firmware: func(ctx context.Context) (string, error) {
				fw, err := dev.FirmwareVersion(ctx)
				return fw.String(), err
			}}
		switch {
		case simNFC != nil:
			s.NFC.Tap = func(context.Context) error {
				card, err := cardsim.New("visa-credit")
				if err == nil {
					simNFC.Present(card)
				}
				return err
			}
		case o.Tap:
			s.NFC.Tap = func(context.Context) error {
				o.Prompt("tap a contactless test card on the reader now")
				return nil
			}
		}
	}

	// Printer.
	if h.Printer.Driver != "none" {
		var p printer.Printer
		var err error
		where := h.Printer.Port
		if h.Printer.Driver == "sim" {
			var sp *devsim.Printer
			sp, err = devsim.NewPrinter(&devsim.PrinterOpts{Width: h.Printer.Width})
			if err == nil {
				closers = append(closers, sp)
				p, where = sp, "emulated printer"
			}
		} else {
			var dev *escpos.Dev
			var bus io.Closer
			if dev, bus, err = hardware.OpenPrinter(h.Printer, nil); err == nil {
				closers = append(closers, bus)
				p = dev
			}
		}
		if p == nil {
			p = brokenPrinter{err}
		}
		lines := []printer.Line{{Text: "terminal", Right: c.Terminal.ID}, {Text: "merchant", Right: c.Terminal.MerchantID},
			{Text: "date", Right: time.Now().Format("2006-01-02 15:04")}}
		s.Printer = &Printer{Printer: p, TestPage: o.Print, TestCode: code, Lines: lines, Where: where}
	}

	// Display.
	if h.Display.Driver != "none" {
		var scr display.Screen
		var verify func(image.Image) error
		var err error
		if h.Display.Driver == "sim" {
			var d *devsim.Display
			d, err = devsim.NewDisplay(&devsim.DisplayOpts{Width: h.Display.Width, Height: h.Display.Height, Rotation: st7789.Rotation(h.Display.Rotation)})
			if err == nil {
				closers = append(closers, closerFunc(d.Halt))
				scr, verify = d, func(want image.Image) error { return sameImage(d.Snapshot(), want) }
			}
		} else {
			var dev *st7789.Dev
			var bus io.Closer
			if dev, bus, err = hardware.OpenDisplay(h.Display, nil); err == nil {
				closers = append(closers, bus, closerFunc(dev.Halt))
				scr = dev
			}
		}
		if scr == nil {
			scr = brokenScreen{err}
		}
		s.Display = &Display{Screen: scr, Verify: verify, Where: fmt.Sprintf("SPI %s, DC %s, RESET %s", h.Display.SPIPort, h.Display.DCPin, h.Display.ResetPin)}
	}

	// Scanner.
	if h.Scanner.Driver != "none" {
		sc := &Scanner{Code: code, Where: h.Scanner.Port}
		if h.Scanner.Driver == "sim" {
			ss, err := devsim.NewScanner(nil)
			if err == nil {
				closers = append(closers, ss)
				sc.Scanner = ss.Scanner()
				sc.Feed = func(ctx context.Context) error { return ss.ScanWhenAsked(ctx, code) }
			} else {
				sc.Scanner = brokenScanner{err}
				sc.Feed = func(context.Context) error { return nil }
			}
		} else {
			dev, bus, err := hardware.OpenScanner(h.Scanner, nil)
			if err == nil {
				closers = append(closers, bus)
				sc.Scanner = dev
			} else {
				sc.Scanner = brokenScanner{err}
				sc.Feed = func(context.Context) error { return nil } // report the open error
			}
			if err == nil && o.Scan && o.Print {
				sc.Feed = func(context.Context) error {
					o.Prompt("scan the QR code at the bottom of the test page now")
					return nil
				}
			}
		}
		s.Scanner = sc
	}

	rooted := func(p string) string { return filepath.Join(o.Root, filepath.FromSlash(p)) }
	s.Disk = &Disk{Path: rooted(c.DataDir)}
	key := c.Offline.KeyFile
	if key == "" {
		key = filepath.Join(c.DataDir, offline.KeyName)
	}
	s.Journal = &Journal{Path: rooted(filepath.Join(c.DataDir, offline.FileName)), KeyFile: rooted(key), MaxAge: c.Offline.MaxAge}
	if c.Gateway.URL != "" {
		g := &Gateway{URL: c.Gateway.URL, TokenURL: c.Gateway.TokenURL, CAFile: c.Gateway.CAFile, PinSHA256: c.Gateway.PinSHA256, Timeout: c.Gateway.Timeout}
		if c.Gateway.CAFile != "" {
			g.CAFile = rooted(c.Gateway.CAFile)
		}
		if c.Gateway.Auth == "oauth2" {
			g.ClientID, g.ClientSecret = c.Gateway.ClientID, c.Gateway.ClientSecret
		}
		s.Gateway = g
		s.Clock = &Clock{Reference: g.Date}
	} else {
		s.Clock = &Clock{}
	}
	return s, closeAll
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

// brokenPrinter, brokenScreen and brokenScanner stand for a peripheral that
// did not open: every call fails with why.
type brokenPrinter struct{ err error }

func (b brokenPrinter) Print(context.Context, printer.Receipt) error { return b.err }
func (b brokenPrinter) Status(context.Context) (printer.Status, error) {
	return printer.Status{}, fmt.Errorf("cannot open the printer: %w", b.err)
}
func (b brokenPrinter) String() string { return "printer (not opened)" }
func (b brokenPrinter) Halt() error    { return nil }

type brokenScreen struct{ err error }

func (b brokenScreen) Show(context.Context, image.Image) error {
	return fmt.Errorf("cannot open the display: %w", b.err)
}
func (b brokenScreen) Bounds() image.Rectangle { return image.Rect(0, 0, 240, 320) }
func (b brokenScreen) String() string          { return "display (not opened)" }
func (b brokenScreen) Halt() error             { return nil }

type brokenScanner struct{ err error }

func (b brokenScanner) Scan(context.Context) (string, error) {
	return "", fmt.Errorf("cannot open the scanner: %w", b.err)
}
func (b brokenScanner) String() string { return "scanner (not opened)" }
func (b brokenScanner) Halt() error    { return nil }
