package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"tpe/cmd/internal/hardware"
	"tpe/cmd/internal/terminal"
	"tpe/config"
)

// devices holds the opened peripherals and their buses, closed after the
// drivers have halted (drivers never own their buses).
type devices struct {
	terminal.Devices
	buses []io.Closer
}

func (d *devices) Close() error {
	var err error
	for i := len(d.buses) - 1; i >= 0; i-- {
		err = errors.Join(err, d.buses[i].Close())
	}
	return err
}

// openDevices opens every configured peripheral with its real driver. A
// device that fails to open is an error naming its config key: a terminal
// must not start with a silently missing reader.
func openDevices(ctx context.Context, c config.Hardware, log *slog.Logger) (_ *devices, err error) {
	d := &devices{}
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	if c.NFC.Driver != "pn532" {
		return nil, fmt.Errorf("hardware.nfc.driver = %q is not a real reader: use pn532, or run tpe-sim", c.NFC.Driver)
	}
	reader, bus, err := hardware.OpenNFC(ctx, c.NFC, log)
	if err != nil {
		return nil, fmt.Errorf("hardware.nfc (%s %s): %w", c.NFC.Bus, c.NFC.Port, err)
	}
	d.Reader, d.buses = reader, append(d.buses, bus)
	if c.Printer.Driver == "escpos" {
		p, bus, err := hardware.OpenPrinter(c.Printer, log)
		if err != nil {
			return nil, fmt.Errorf("hardware.printer (%s): %w", c.Printer.Port, err)
		}
		d.Printer, d.buses = p, append(d.buses, bus)
	}
	if c.Display.Driver == "st7789" {
		s, bus, err := hardware.OpenDisplay(c.Display, log)
		if err != nil {
			return nil, fmt.Errorf("hardware.display (%s): %w", c.Display.SPIPort, err)
		}
		d.Screen, d.buses = s, append(d.buses, bus)
	}
	if c.Scanner.Driver == "serial" {
		s, bus, err := hardware.OpenScanner(c.Scanner, log)
		if err != nil {
			return nil, fmt.Errorf("hardware.scanner (%s): %w", c.Scanner.Port, err)
		}
		d.Scanner, d.buses = s, append(d.buses, bus)
	}
	return d, nil
}
