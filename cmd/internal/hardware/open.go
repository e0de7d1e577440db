package hardware

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"

	"tpe/config"
	"tpe/device/display"
	"tpe/device/nfc"
	"tpe/device/printer"
	"tpe/device/scanner"
)

// Devices are the opened peripherals; a nil one is configured "none".
type Devices struct {
	Reader  nfc.Reader
	Printer printer.Printer
	Screen  display.Screen
	Scanner scanner.Scanner
}

// Factory opens the peripherals of one driver name that this package does
// not know: tpe-sim registers one for "sim" (emulated chips). A nil field
// means the driver has no such device. The closer returned with a device is
// closed after the drivers halted (nil: nothing to close).
type Factory struct {
	NFC     func(ctx context.Context, c config.NFC, log *slog.Logger) (nfc.Reader, io.Closer, error)
	Printer func(ctx context.Context, c config.Printer, log *slog.Logger) (printer.Printer, io.Closer, error)
	Display func(ctx context.Context, c config.Display, log *slog.Logger) (display.Screen, io.Closer, error)
	Scanner func(ctx context.Context, c config.Scanner, log *slog.Logger) (scanner.Scanner, io.Closer, error)
}

// Opts are what a program adds to the real drivers.
type Opts struct {
	// Factories open drivers by name besides pn532, escpos, st7789 and
	// serial (which they may not replace).
	Factories map[string]Factory
	Logger    *slog.Logger
}

// Open opens every configured peripheral: the real drivers (pn532, escpos,
// st7789, serial), "none" as nil, anything else through o.Factories. A
// peripheral this build cannot open — "sim" in tpe, an unknown driver, a
// device that does not answer — is an error naming its config key and the
// fix: a terminal never starts with a device silently missing. The closer
// closes the buses (after the caller halted the drivers); on error what was
// opened is closed already.
func Open(ctx context.Context, c config.Hardware, o *Opts) (_ Devices, _ io.Closer, err error) {
	if o == nil {
		o = &Opts{}
	}
	log := o.Logger
	var d Devices
	var cl closers
	defer func() {
		if err != nil {
			cl.Close()
		}
	}()
	keep := func(c io.Closer) {
		if c != nil {
			cl = append(cl, c)
		}
	}

	switch c.NFC.Driver {
	case "pn532":
		r, bus, err := OpenNFC(ctx, c.NFC, log)
		if err != nil {
			return Devices{}, nil, fmt.Errorf("hardware.nfc (%s %s): %w", c.NFC.Bus, c.NFC.Port, err)
		}
		d.Reader = r
		keep(bus)
	default:
		f, err := factory(o, "nfc", c.NFC.Driver, "pn532", o.Factories[c.NFC.Driver].NFC != nil)
		if err != nil {
			return Devices{}, nil, err
		}
		if f == nil {
			return Devices{}, nil, errors.New("hardware.nfc.driver = none: the terminal needs a card reader (pn532)")
		}
		r, c2, err := f.NFC(ctx, c.NFC, log)
		if err != nil {
			return Devices{}, nil, fmt.Errorf("hardware.nfc (%s): %w", c.NFC.Driver, err)
		}
		d.Reader = r
		keep(c2)
	}

	switch c.Printer.Driver {
	case "escpos":
		p, bus, err := OpenPrinter(c.Printer, log)
		if err != nil {
			return Devices{}, nil, fmt.Errorf("hardware.printer (%s): %w", c.Printer.Port, err)
		}
		d.Printer = p
		keep(bus)
	default:
		f, err := factory(o, "printer", c.Printer.Driver, "escpos", o.Factories[c.Printer.Driver].Printer != nil)
		if err != nil {
			return Devices{}, nil, err
		}
		if f != nil {
			p, c2, err := f.Printer(ctx, c.Printer, log)
			if err != nil {
				return Devices{}, nil, fmt.Errorf("hardware.printer (%s): %w", c.Printer.Driver, err)
			}
			d.Printer = p
			keep(c2)
		}
	}

	switch c.Display.Driver {
	case "st7789":
		s, bus, err := OpenDisplay(c.Display, log)
		if err != nil {
			return Devices{}, nil, fmt.Errorf("hardware.display (%s): %w", c.Display.SPIPort, err)
		}
		d.Screen = s
		keep(bus)
	default:
		f, err := factory(o, "display", c.Display.Driver, "st7789", o.Factories[c.Display.Driver].Display != nil)
		if err != nil {
			return Devices{}, nil, err
		}
		if f != nil {
			s, c2, err := f.Display(ctx, c.Display, log)
			if err != nil {
				return Devices{}, nil, fmt.Errorf("hardware.display (%s): %w", c.Display.Driver, err)
			}
			d.Screen = s
			keep(c2)
		}
	}

	switch c.Scanner.Driver {
	case "serial":
		s, bus, err := OpenScanner(c.Scanner, log)
		if err != nil {
			return Devices{}, nil, fmt.Errorf("hardware.scanner (%s): %w", c.Scanner.Port, err)
		}
		d.Scanner = s
		keep(bus)
	default:
		f, err := factory(o, "scanner", c.Scanner.Driver, "serial", o.Factories[c.Scanner.Driver].Scanner != nil)
		if err != nil {
			return Devices{}, nil, err
		}
		if f != nil {
			s, c2, err := f.Scanner(ctx, c.Scanner, log)
			if err != nil {
				return Devices{}, nil, fmt.Errorf("hardware.scanner (%s): %w", c.Scanner.Driver, err)
			}
			d.Scanner = s
			keep(c2)
		}
	}
	return d, cl, nil
}

// factory finds the factory of a driver that is not a real one: nil for
// "none", an error naming the key and the fix when this build cannot open it.
func factory(o *Opts, dev, driver, real string, has bool) (*Factory, error) {
	if driver == "none" {
		return nil, nil
	}
	if has {
		f := o.Factories[driver]
		return &f, nil
	}
	var known []string
	for name, f := range o.Factories {
		if (dev == "nfc" && f.NFC != nil) || (dev == "printer" && f.Printer != nil) || (dev == "display" && f.Display != nil) || (dev == "scanner" && f.Scanner != nil) {
			known = append(known, name)
		}
	}
	slices.Sort(known)
	choices := real
	if dev != "nfc" {
		choices += " or none"
	}
	if len(known) > 0 {
		choices = strings.Join(append([]string{real}, known...), ", ")
		if dev != "nfc" {
			choices += " or none"
		}
	}
	fix := "set hardware." + dev + ".driver to " + choices
	if driver == "sim" {
		fix += " (emulated devices run in tpe-sim, not in this build)"
	}
	return nil, fmt.Errorf("hardware.%s.driver = %q: this build cannot open it: %s", dev, driver, fix)
}

// closers closes in reverse order of opening.
type closers []io.Closer

func (cs closers) Close() error {
	var err error
	for i := len(cs) - 1; i >= 0; i-- {
		err = errors.Join(err, cs[i].Close())
	}
	return err
}
