package hardware

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/conn/v3/i2c/i2creg"
	"periph.io/x/conn/v3/spi/spireg"
	"periph.io/x/host/v3"

	"tpe/config"
	"tpe/drivers/escpos"
	"tpe/drivers/pn532"
	"tpe/drivers/scanner"
	"tpe/drivers/serialport"
	"tpe/drivers/st7789"
)

// serialTimeout is every serial port's read timeout: the drivers poll
// with their own deadlines, and tarm/serial's Close waits for a pending read.
const serialTimeout = 100 * time.Millisecond

var (
	hostOnce sync.Once
	hostErr  error
)

// initHost loads periph's host drivers once per process (only I²C, SPI and
// GPIO need them).
func initHost() error {
	hostOnce.Do(func() {
		if _, err := host.Init(); err != nil {
			hostErr = fmt.Errorf("periph host: %w", err)
		}
	})
	return hostErr
}

// OpenNFC opens the PN532 on its bus.
func OpenNFC(ctx context.Context, c config.NFC, log *slog.Logger) (*pn532.Dev, io.Closer, error) {
	o := &pn532.Opts{Logger: log}
	switch c.Bus {
	case "uart":
		port, err := serialport.Open(c.Port, &serialport.Opts{Baud: c.Baud, ReadTimeout: serialTimeout})
		if err != nil {
			return nil, nil, err
		}
		d, err := pn532.NewHSU(ctx, port, o)
		return keep(d, port, err)
	case "i2c":
		if err := initHost(); err != nil {
			return nil, nil, err
		}
		bus, err := i2creg.Open(c.Port)
		if err != nil {
			return nil, nil, err
		}
		d, err := pn532.NewI2C(ctx, bus, o)
		return keep(d, bus, err)
	case "spi":
		if err := initHost(); err != nil {
			return nil, nil, err
		}
		port, err := spireg.Open(c.Port)
		if err != nil {
			return nil, nil, err
		}
		d, err := pn532.NewSPI(ctx, port, o)
		return keep(d, port, err)
	}
	return nil, nil, fmt.Errorf("bus %q: use uart, i2c or spi", c.Bus)
}

// OpenPrinter opens the ESC/POS printer on a serial port (/dev/tty*) or a
// printer device file (/dev/usb/lp0).
func OpenPrinter(c config.Printer, log *slog.Logger) (*escpos.Dev, io.Closer, error) {
	profile, err := escpos.ProfileFor(c.Width)
	if err != nil {
		return nil, nil, err
	}
	var rw io.ReadWriteCloser
	if strings.HasPrefix(c.Port, "/dev/tty") {
		rw, err = serialport.Open(c.Port, &serialport.Opts{Baud: c.Baud, ReadTimeout: serialTimeout})
	} else {
		rw, err = escpos.OpenFile(c.Port)
	}
	if err != nil {
		return nil, nil, err
	}
	return escpos.New(rw, &escpos.Opts{Profile: profile, Name: c.Port, Logger: log}), rw, nil
}

// OpenDisplay opens the ST7789 on its SPI port and GPIO pins.
func OpenDisplay(c config.Display, log *slog.Logger) (*st7789.Dev, io.Closer, error) {
	if err := initHost(); err != nil {
		return nil, nil, err
	}
	port, err := spireg.Open(c.SPIPort)
	if err != nil {
		return nil, nil, err
	}
	pin := func(name string) (gpio.PinOut, error) {
		if name == "" {
			return nil, nil // optional pin: a nil interface, which the driver skips
		}
		if p := gpioreg.ByName(name); p != nil {
			return p, nil
		}
		return nil, fmt.Errorf("no GPIO pin %q on this board", name)
	}
	dc, err1 := pin(c.DCPin)
	rst, err2 := pin(c.ResetPin)
	bl, err3 := pin(c.BacklightPin)
	if err := errors.Join(err1, err2, err3); err != nil {
		port.Close()
		return nil, nil, err
	}
	d, err := st7789.New(port, dc, rst, bl, &st7789.Opts{Width: c.Width, Height: c.Height, Rotation: st7789.Rotation(c.Rotation), Logger: log})
	return keep(d, port, err)
}

// OpenScanner opens the serial 2D scanner.
func OpenScanner(c config.Scanner, log *slog.Logger) (*scanner.Dev, io.Closer, error) {
	port, err := serialport.Open(c.Port, &serialport.Opts{Baud: c.Baud, ReadTimeout: serialTimeout})
	if err != nil {
		return nil, nil, err
	}
	return scanner.New(port, &scanner.Opts{Terminators: c.Terminator, Prefix: c.Prefix, Suffix: c.Suffix, Logger: log}), port, nil
}

// keep returns the device and its bus, or closes the bus when the driver
// could not start on it.
func keep[D any](d D, bus io.Closer, err error) (D, io.Closer, error) {
	if err != nil {
		bus.Close()
		var zero D
		return zero, nil, err
	}
	return d, bus, nil
}
