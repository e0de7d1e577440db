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
	// Partial, when set, is told about each device that does not open
	// (its key, "hardware.printer", and why), which Open then leaves nil
	// instead of failing: tpectl diag reports every device.
	Partial func(key string, err error)
}

// Open opens every configured peripheral: the real drivers (pn532, escpos,
// st7789, serial), "none" as nil, anything else through o.Factories. A
// peripheral this build cannot open — "sim" in tpe, an unknown driver, a
// device that does not answer — is an error naming its config key and the
// fix: a terminal never starts with a device silently missing. The closer
// closes the buses (after the caller halted the drivers); on error what was
// opened is closed already. With o.Partial set, such a device is reported
// to it instead and left nil, and Open goes on (tpectl diag).
func Open(ctx context.Context, c config.Hardware, o *Opts) (_ Devices, _ io.Closer, err error) {
	if o == nil {
		o = &Opts{}
	}
	var d Devices
	var cl closers
	defer func() {
		if err != nil {
			cl.Close()
		}
	}()
	// fail reports a device that did not open: the error, or Partial.
	fail := func(key string, err error) error {
		if o.Partial != nil {
			o.Partial(key, err)
			return nil
		}
		return err
	}

	if r, bus, err := openNFC(ctx, c.NFC, o); err != nil {
		if err := fail("hardware.nfc", err); err != nil {
			return Devices{}, nil, err
		}
	} else {
		d.Reader = r
		cl.keep(bus)
	}
	if p, bus, err := openPrinter(ctx, c.Printer, o); err != nil {
		if err := fail("hardware.printer", err); err != nil {
			return Devices{}, nil, err
		}
	} else {
		d.Printer = p
		cl.keep(bus)
	}
	if s, bus, err := openDisplay(ctx, c.Display, o); err != nil {
		if err := fail("hardware.display", err); err != nil {
			return Devices{}, nil, err
		}
	} else {
		d.Screen = s
		cl.keep(bus)
	}
	if s, bus, err := openScanner(ctx, c.Scanner, o); err != nil {
		if err := fail("hardware.scanner", err); err != nil {
			return Devices{}, nil, err
		}
	} else {
		d.Scanner = s
		cl.keep(bus)
	}
	return d, cl, nil
}

func openNFC(ctx context.Context, c config.NFC, o *Opts) (nfc.Reader, io.Closer, error) {
	if c.Driver == "pn532" {
		r, bus, err := OpenNFC(ctx, c, o.Logger)
		if err != nil {
			return nil, nil, fmt.Errorf("hardware.nfc (%s %s): %w", c.Bus, c.Port, err)
		}
		return r, bus, nil
	}
	f, err := factory(o, "nfc", c.Driver, "pn532", o.Factories[c.Driver].NFC != nil)
	if err != nil {
		return nil, nil, err
	}
	if f == nil {
		return nil, nil, errors.New("hardware.nfc.driver = none: the terminal needs a card reader (pn532)")
	}
	r, bus, err := f.NFC(ctx, c, o.Logger)
	if err != nil {
		return nil, nil, fmt.Errorf("hardware.nfc (%s): %w", c.Driver, err)
	}
	return r, bus, nil
}

func openPrinter(ctx context.Context, c config.Printer, o *Opts) (printer.Printer, io.Closer, error) {
	if c.Driver == "escpos" {
		p, bus, err := OpenPrinter(c, o.Logger)
		if err != nil {
			return nil, nil, fmt.Errorf("hardware.printer (%s): %w", c.Port, err)
		}
		return p, bus, nil
	}
	f, err := factory(o, "printer", c.Driver, "escpos", o.Factories[c.Driver].Printer != nil)
	if err != nil || f == nil {
		return nil, nil, err
	}
	p, bus, err := f.Printer(ctx, c, o.Logger)
	if err != nil {
		return nil, nil, fmt.Errorf("hardware.printer (%s): %w", c.Driver, err)
	}
	return p, bus, nil
}

func openDisplay(ctx context.Context, c config.Display, o *Opts) (display.Screen, io.Closer, error) {
	if c.Driver == "st7789" {
		s, bus, err := OpenDisplay(c, o.Logger)
		if err != nil {
			return nil, nil, fmt.Errorf("hardware.display (%s): %w", c.SPIPort, err)
		}
		return s, bus, nil
	}
	f, err := factory(o, "display", c.Driver, "st7789", o.Factories[c.Driver].Display != nil)
	if err != nil || f == nil {
		return nil, nil, err
	}
	s, bus, err := f.Display(ctx, c, o.Logger)
	if err != nil {
		return nil, nil, fmt.Errorf("hardware.display (%s): %w", c.Driver, err)
	}
	return s, bus, nil
}

func openScanner(ctx context.Context, c config.Scanner, o *Opts) (scanner.Scanner, io.Closer, error) {
	if c.Driver == "serial" {
		s, bus, err := OpenScanner(c, o.Logger)
		if err != nil {
			return nil, nil, fmt.Errorf("hardware.scanner (%s): %w", c.Port, err)
		}
		return s, bus, nil
	}
	f, err := factory(o, "scanner", c.Driver, "serial", o.Factories[c.Driver].Scanner != nil)
	if err != nil || f == nil {
		return nil, nil, err
	}
	s, bus, err := f.Scanner(ctx, c, o.Logger)
	if err != nil {
		return nil, nil, fmt.Errorf("hardware.scanner (%s): %w", c.Driver, err)
	}
	return s, bus, nil
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

func (cs *closers) keep(c io.Closer) {
	if c != nil {
		*cs = append(*cs, c)
	}
}

func (cs closers) Close() error {
	var err error
	for i := len(cs) - 1; i >= 0; i-- {
		err = errors.Join(err, cs[i].Close())
	}
	return err
}
