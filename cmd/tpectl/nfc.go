package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"tpe/device/nfc"
	"tpe/drivers/pn532"
	"tpe/drivers/pn532/pn532sim"
	"tpe/drivers/serialport"
	"tpe/payment/emv/cardsim"
)

// runNFC talks to a PN532 on a serial line: `nfc info` prints the chip's
// firmware, `nfc poll` waits for a card and prints its activation data.
func runNFC(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usagef("missing subcommand: info or poll")
	}
	sub := args[0]
	if sub != "info" && sub != "poll" {
		return usagef("unknown subcommand %q: want info or poll", sub)
	}
	fs := flag.NewFlagSet("nfc "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	port := fs.String("port", "", "serial device of the PN532 (HSU)")
	baud := fs.Int("baud", 115200, "line speed")
	timeout := fs.Duration("timeout", 10*time.Second, "poll: how long to wait for a card")
	if err := fs.Parse(args[1:]); err != nil {
		return usagef("%v", err)
	}
	if *port == "" {
		return usagef("--port is required")
	}
	p, err := serialport.Open(*port, &serialport.Opts{Baud: *baud})
	if err != nil {
		return err
	}
	defer p.Close()
	octx, cancel := context.WithTimeout(ctx, 3*time.Second)
	dev, err := pn532.NewHSU(octx, p, nil)
	cancel()
	if err != nil {
		return err
	}
	defer dev.Halt()
	fmt.Fprintf(stdout, "reader:   %s\nfirmware: %s\n", dev, dev.Firmware())
	if sub == "info" {
		return nil
	}
	pctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	card, err := dev.Detect(pctx)
	if errors.Is(err, nfc.ErrNoCard) {
		fmt.Fprintln(stdout, "no card")
		return err
	}
	if err != nil {
		return err
	}
	if ti, ok := card.(nfc.TargetInfo); ok {
		t := ti.Target()
		fmt.Fprintf(stdout, "ISO/IEC 14443A (106 kbps) target:\n  ATQA: % X\n  UID:  % X\n  SAK:  %02X\n  ATS:  % X\n",
			t.ATQA[:], t.UID, t.SAK, t.ATS)
	}
	return nil
}

// simPN532 emulates a PN532 on a new PTY, symlinked at --link, until ctx
// ends. --card places a card in the field: a virtual card profile of
// payment/emv/cardsim or a *.card.json script.
func simPN532(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("sim pn532", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	link := fs.String("link", "", "path of the symlink to the emulated serial device")
	cardArg := fs.String("card", "", "card in the field: a cardsim profile (visa-credit, mastercard…) or FILE.card.json")
	baud := fs.Int("baud", 115200, "HSU speed used for pacing")
	pace := fs.Bool("pace", false, "take the wire time of every byte at --baud")
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	if *link == "" {
		return usagef("--link is required")
	}
	var card nfc.Card
	if *cardArg != "" {
		// Same rule as `tpectl emv run`: a profile name wins, anything
		// else is a card script.
		if c, err := cardsim.New(*cardArg); err == nil {
			card = c
		} else {
			s, err := cardsim.LoadScript(*cardArg)
			if err != nil {
				return fmt.Errorf("card %q is neither a profile nor a card script: %w", *cardArg, err)
			}
			card = s
			if len(s.UID) == 4 || len(s.UID) == 7 || len(s.UID) == 10 {
				t := pn532sim.DefaultTarget()
				t.UID = s.UID
				card = pn532sim.WithTarget(s, t)
			}
		}
	}
	pty, err := serialport.NewPTY()
	if err != nil {
		return err
	}
	defer pty.Close()
	if err := pty.Link(*link); err != nil {
		return err
	}
	chip := pn532sim.New(&pn532sim.Opts{Baud: *baud, Pace: *pace})
	if card != nil {
		chip.Place(card)
	}
	fmt.Fprintf(stdout, "PN532 emulator on %s (link %s); interrupt to stop\n", pty.Name(), *link)
	return chip.ServeHSU(ctx, pty.Master)
}
