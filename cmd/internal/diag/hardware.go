package diag

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"path/filepath"
	"strings"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/conn/v3/i2c/i2creg"
	"periph.io/x/conn/v3/spi/spireg"
	"periph.io/x/host/v3"

	"tpe/config"
	"tpe/device/display"
	"tpe/device/printer"
	devsim "tpe/device/sim"
	"tpe/drivers/escpos"
	"tpe/drivers/pn532"
	"tpe/drivers/scanner"
	"tpe/drivers/serialport"
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
	_, perr := host.Init()
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
	case h.NFC.Bus == "uart":
		port, err := serialport.Open(h.NFC.Port, &serialport.Opts{Baud: h.NFC.Baud, ReadTimeout: 100 * time.Millisecond})
		if nerr = err; err == nil {
			closers = append(closers, port)
			dev, nerr = pn532.NewHSU(ctx, port, nil)
		}
	case perr != nil:
		nerr = fmt.Errorf("periph host: %w", perr)
	case h.NFC.Bus == "i2c":
		bus, err := i2creg.Open(h.NFC.Port)
		if nerr = err; err == nil {
			closers = append(closers, bus)
			dev, nerr = pn532.NewI2C(ctx, bus, nil)
		}
	case h.NFC.Bus == "spi":
		port, err := spireg.Open(h.NFC.Port)
		if nerr = err; err == nil {
			closers = append(closers, port)
			dev, nerr = pn532.NewSPI(ctx, port, nil)
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
			prof, perr := escpos.ProfileFor(h.Printer.Width)
			var rw io.ReadWriteCloser
			switch {
			case perr != nil:
				err = perr
			case strings.HasPrefix(h.Printer.Port, "/dev/tty"):
				rw, err = serialport.Open(h.Printer.Port, &serialport.Opts{Baud: h.Printer.Baud, ReadTimeout: 100 * time.Millisecond})
			default:
				rw, err = escpos.OpenFile(h.Printer.Port)
			}
			if err == nil {
				closers = append(closers, rw)
				p = escpos.New(rw, &escpos.Opts{Profile: prof, Name: h.Printer.Port})
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
			scr, err = openST7789(h.Display, perr)
			if err == nil {
				closers = append(closers, closerFunc(scr.Halt))
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
			port, err := serialport.Open(h.Scanner.Port, &serialport.Opts{Baud: h.Scanner.Baud, ReadTimeout: 100 * time.Millisecond})
			if err == nil {
				closers = append(closers, port)
				sc.Scanner = scanner.New(port, &scanner.Opts{Terminators: h.Scanner.Terminator, Prefix: h.Scanner.Prefix, Suffix: h.Scanner.Suffix})
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

func openST7789(c config.Display, perr error) (display.Screen, error) {
	if perr != nil {
		return nil, fmt.Errorf("periph host: %w", perr)
	}
	port, err := spireg.Open(c.SPIPort)
	if err != nil {
		return nil, err
	}
	pin := func(name string) (gpio.PinOut, error) {
		if name == "" {
			return nil, nil
		}
		p := gpioreg.ByName(name)
		if p == nil {
			return nil, fmt.Errorf("no GPIO pin %q on this board", name)
		}
		return p, nil
	}
	dc, err1 := pin(c.DCPin)
	rst, err2 := pin(c.ResetPin)
	bl, err3 := pin(c.BacklightPin)
	if err := errors.Join(err1, err2, err3); err != nil {
		port.Close()
		return nil, err
	}
	d, err := st7789.New(port, dc, rst, bl, &st7789.Opts{Width: c.Width, Height: c.Height, Rotation: st7789.Rotation(c.Rotation)})
	if err != nil {
		port.Close()
		return nil, err
	}
	return d, nil
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
