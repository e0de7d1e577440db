package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/conn/v3/i2c/i2creg"
	"periph.io/x/conn/v3/spi/spireg"
	"periph.io/x/host/v3"

	"tpe/cmd/internal/terminal"
	"tpe/config"
	"tpe/drivers/escpos"
	"tpe/drivers/pn532"
	"tpe/drivers/scanner"
	"tpe/drivers/serialport"
	"tpe/drivers/st7789"
)

// hardware holds the opened buses so that Close releases them after the
// drivers have halted (drivers never own their buses).
type hardware struct {
	dev     terminal.Devices
	closers []io.Closer
}

func (h *hardware) Close() error {
	var err error
	for i := len(h.closers) - 1; i >= 0; i-- {
		err = errors.Join(err, h.closers[i].Close())
	}
	return err
}

// openHardware opens every configured peripheral with its real driver. A
// device that fails to open is an error naming its config key: a terminal
// must not start with a silently missing reader.
func openHardware(ctx context.Context, cfg config.Hardware, log *slog.Logger) (_ *hardware, err error) {
	h := &hardware{}
	defer func() {
		if err != nil {
			h.Close()
		}
	}()
	if _, err := host.Init(); err != nil {
		return nil, fmt.Errorf("periph host: %w", err)
	}
	if err := h.openNFC(ctx, cfg.NFC, log); err != nil {
		return nil, fmt.Errorf("hardware.nfc (%s %s): %w", cfg.NFC.Bus, cfg.NFC.Port, err)
	}
	if err := h.openPrinter(cfg.Printer, log); err != nil {
		return nil, fmt.Errorf("hardware.printer (%s): %w", cfg.Printer.Port, err)
	}
	if err := h.openDisplay(cfg.Display, log); err != nil {
		return nil, fmt.Errorf("hardware.display (%s): %w", cfg.Display.SPIPort, err)
	}
	if err := h.openScanner(cfg.Scanner, log); err != nil {
		return nil, fmt.Errorf("hardware.scanner (%s): %w", cfg.Scanner.Port, err)
	}
	return h, nil
}

func (h *hardware) openNFC(ctx context.Context, c config.NFC, log *slog.Logger) error {
	if c.Driver != "pn532" {
		return fmt.Errorf("driver %q is not a real reader (use pn532, or run tpe-sim)", c.Driver)
	}
	o := &pn532.Opts{Logger: log}
	switch c.Bus {
	case "uart":
		port, err := serialport.Open(c.Port, &serialport.Opts{Baud: c.Baud, ReadTimeout: 100 * time.Millisecond})
		if err != nil {
			return err
		}
		h.closers = append(h.closers, port)
		d, err := pn532.NewHSU(ctx, port, o)
		if err != nil {
			return err
		}
		h.dev.Reader = d
	case "i2c":
		bus, err := i2creg.Open(c.Port)
		if err != nil {
			return err
		}
		h.closers = append(h.closers, bus)
		d, err := pn532.NewI2C(ctx, bus, o)
		if err != nil {
			return err
		}
		h.dev.Reader = d
	case "spi":
		port, err := spireg.Open(c.Port)
		if err != nil {
			return err
		}
		h.closers = append(h.closers, port)
		d, err := pn532.NewSPI(ctx, port, o)
		if err != nil {
			return err
		}
		h.dev.Reader = d
	}
	return nil
}

func (h *hardware) openPrinter(c config.Printer, log *slog.Logger) error {
	if c.Driver == "none" {
		return nil
	}
	profile := escpos.Paper80
	if c.Width == 58 {
		profile = escpos.Paper58
	}
	var rw io.ReadWriteCloser
	var err error
	if strings.HasPrefix(c.Port, "/dev/tty") {
		rw, err = serialport.Open(c.Port, &serialport.Opts{Baud: c.Baud, ReadTimeout: 100 * time.Millisecond})
	} else {
		rw, err = escpos.OpenFile(c.Port)
	}
	if err != nil {
		return err
	}
	h.closers = append(h.closers, rw)
	h.dev.Printer = escpos.New(rw, &escpos.Opts{Profile: profile, Name: c.Port, Logger: log})
	return nil
}

func (h *hardware) openDisplay(c config.Display, log *slog.Logger) error {
	if c.Driver == "none" {
		return nil
	}
	port, err := spireg.Open(c.SPIPort)
	if err != nil {
		return err
	}
	h.closers = append(h.closers, port)
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
		return err
	}
	d, err := st7789.New(port, dc, rst, bl, &st7789.Opts{Width: c.Width, Height: c.Height, Rotation: st7789.Rotation(c.Rotation), Logger: log})
	if err != nil {
		return err
	}
	h.dev.Screen = d
	return nil
}

func (h *hardware) openScanner(c config.Scanner, log *slog.Logger) error {
	if c.Driver == "none" {
		return nil
	}
	port, err := serialport.Open(c.Port, &serialport.Opts{Baud: c.Baud, ReadTimeout: 100 * time.Millisecond})
	if err != nil {
		return err
	}
	h.closers = append(h.closers, port)
	h.dev.Scanner = scanner.New(port, &scanner.Opts{Terminators: c.Terminator, Prefix: c.Prefix, Suffix: c.Suffix, Logger: log})
	return nil
}
