package diag

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"tpe/cmd/internal/hardware"
	"tpe/config"
	"tpe/device/display"
	"tpe/device/nfc"
	"tpe/device/printer"
	"tpe/device/scanner"
	devsim "tpe/device/sim"
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

// Hardware builds a Suite from a terminal's config through hardware.Open:
// real drivers for pn532/escpos/st7789/serial, the emulators (its "sim"
// factory) for peripherals configured as "sim". A peripheral that does not open becomes a failing check with its
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

	// Every device through hardware.Open, the emulators as its "sim"
	// driver; one that does not open is a failing check, not an error.
	h := c.Hardware
	var (
		simNFC     *devsim.NFC
		simDisplay *devsim.Display
		simScanner *devsim.Scanner
	)
	failed := map[string]error{}
	d, buses, _ := hardware.Open(ctx, h, &hardware.Opts{
		Factories: map[string]hardware.Factory{"sim": {
			NFC: func(ctx context.Context, _ config.NFC, _ *slog.Logger) (nfc.Reader, io.Closer, error) {
				n, err := devsim.NewNFC(ctx, nil)
				if err != nil {
					return nil, nil, err
				}
				simNFC = n
				return n.Dev(), n, nil
			},
			Printer: func(_ context.Context, c config.Printer, _ *slog.Logger) (printer.Printer, io.Closer, error) {
				p, err := devsim.NewPrinter(&devsim.PrinterOpts{Width: c.Width})
				if err != nil {
					return nil, nil, err
				}
				return p, p, nil
			},
			Display: func(_ context.Context, c config.Display, _ *slog.Logger) (display.Screen, io.Closer, error) {
				d, err := devsim.NewDisplay(&devsim.DisplayOpts{Width: c.Width, Height: c.Height, Rotation: st7789.Rotation(c.Rotation)})
				if err != nil {
					return nil, nil, err
				}
				simDisplay = d
				return d, nil, nil
			},
			Scanner: func(_ context.Context, _ config.Scanner, _ *slog.Logger) (scanner.Scanner, io.Closer, error) {
				s, err := devsim.NewScanner(nil)
				if err != nil {
					return nil, nil, err
				}
				simScanner = s
				return s.Scanner(), s, nil
			},
		}},
		Partial: func(key string, err error) { failed[key] = err },
	})
	closers = append(closers, buses) // closed last: drivers halt first

	// NFC.
	where := fmt.Sprintf("%s %s, hardware.nfc in tpe.toml", h.NFC.Bus, h.NFC.Port)
	if simNFC != nil {
		where = "emulated PN532"
	}
	dev, _ := d.Reader.(*pn532.Dev)
	if dev == nil {
		nerr := failed["hardware.nfc"]
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
		p := d.Printer
		where := h.Printer.Port
		if h.Printer.Driver == "sim" {
			where = "emulated printer"
		}
		if p == nil {
			p = brokenPrinter{failed["hardware.printer"]}
		}
		lines := []printer.Line{{Text: "terminal", Right: c.Terminal.ID}, {Text: "merchant", Right: c.Terminal.MerchantID},
			{Text: "date", Right: time.Now().Format("2006-01-02 15:04")}}
		s.Printer = &Printer{Printer: p, TestPage: o.Print, TestCode: code, Lines: lines, Where: where}
	}

	// Display.
	if h.Display.Driver != "none" {
		scr := d.Screen
		var verify func(image.Image) error
		if scr == nil {
			scr = brokenScreen{failed["hardware.display"]}
		} else {
			closers = append(closers, closerFunc(scr.Halt))
		}
		if simDisplay != nil {
			verify = func(want image.Image) error { return sameImage(simDisplay.Snapshot(), want) }
		}
		s.Display = &Display{Screen: scr, Verify: verify, Where: fmt.Sprintf("SPI %s, DC %s, RESET %s", h.Display.SPIPort, h.Display.DCPin, h.Display.ResetPin)}
	}

	// Scanner.
	if h.Scanner.Driver != "none" {
		sc := &Scanner{Code: code, Where: h.Scanner.Port, Scanner: d.Scanner}
		switch {
		case d.Scanner == nil:
			sc.Scanner = brokenScanner{failed["hardware.scanner"]}
			sc.Feed = func(context.Context) error { return nil } // report the open error
		case simScanner != nil:
			sc.Feed = func(ctx context.Context) error { return simScanner.ScanWhenAsked(ctx, code) }
		case o.Scan && o.Print:
			sc.Feed = func(context.Context) error {
				o.Prompt("scan the QR code at the bottom of the test page now")
				return nil
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
