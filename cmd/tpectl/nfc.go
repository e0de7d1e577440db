package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"tpe/device/nfc"
	"tpe/drivers/pn532"
	"tpe/drivers/pn532/pn532sim"
	"tpe/drivers/serialport"
	"tpe/drivers/serialport/ptysim"
	"tpe/payment/emv/cardsim"
)

// runNFC talks to a PN532 on a serial line: `nfc info` prints the chip's
// firmware, `nfc poll` waits for a card and prints its activation data.
func runNFC(ctx context.Context, args []string, stdout io.Writer) error {
	if helpFirst(args) {
		return subHelp(stdout, "nfc info|poll --port PATH [--baud N] [--timeout D]", `
Talks to a PN532 NFC reader on a serial line (HSU: a UART or a USB-serial
adapter), or to the emulator of `+"`tpectl sim pn532`"+`.`,
			[][2]string{{"info", "print the chip's firmware version"}, {"poll", "wait for a card and print its activation data (ATQA, UID, SAK, ATS)"}},
			"tpectl nfc info --port /dev/ttyS0", "tpectl nfc poll --port /dev/ttyUSB0 --timeout 30s")
	}
	if len(args) == 0 {
		return usagef("missing subcommand: info or poll")
	}
	sub := args[0]
	if sub != "info" && sub != "poll" {
		return usagef("unknown subcommand %q: want info or poll", sub)
	}
	fs := newTechFlags("nfc "+sub, stdout)
	port := fs.String("port", "", "serial device of the PN532 (HSU), e.g. /dev/ttyS0 (required)")
	baud := fs.Int("baud", 115200, "line speed; the PN532's HSU default is 115200")
	timeout := new(time.Duration)
	if sub == "poll" {
		fs.about("nfc poll --port PATH [--baud N] [--timeout D]", `
Waits for a card in the reader's field and prints its ISO/IEC 14443A
activation data. Exits 1 when no card came.`,
			"tpectl nfc poll --port /dev/ttyS0 --timeout 30s")
		fs.DurationVar(timeout, "timeout", 10*time.Second, "how long to wait for a card")
	} else {
		fs.about("nfc info --port PATH [--baud N]", "Prints the reader and its firmware version.",
			"tpectl nfc info --port /dev/ttyS0")
	}
	if pos, err := fs.parse(args[1:]); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("nfc %s takes no arguments, got %q", sub, pos)
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
	fs := newTechFlags("sim pn532", stdout)
	fs.about("sim pn532 --link PATH [--card PROFILE|FILE] [--baud N] [--pace]", `
Emulates a PN532 on a new PTY, symlinked at PATH, until interrupted: point
`+"`tpectl nfc`"+` or a terminal's [hardware.nfc] port at PATH. --card places a
card in the field.`,
		"tpectl sim pn532 --link /tmp/pn532 --card visa-credit")
	link := fs.String("link", "", "path of the symlink to the emulated serial device (required)")
	cardArg := fs.String("card", "", "card in the field: a virtual card profile ("+profileNames()+") or FILE.card.json")
	baud := fs.Int("baud", 115200, "HSU speed used for pacing")
	pace := fs.Bool("pace", false, "take the wire time of every byte at --baud")
	if pos, err := fs.parse(args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("sim pn532 takes no arguments, got %q", pos)
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
				return usagef("--card %q is neither a virtual card profile (%s) nor a card script: %v", *cardArg, profileNames(), err)
			}
			card = s
			if len(s.UID) == 4 || len(s.UID) == 7 || len(s.UID) == 10 {
				t := pn532sim.DefaultTarget()
				t.UID = s.UID
				card = pn532sim.WithTarget(s, t)
			}
		}
	}
	pty, err := ptysim.NewPTY()
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
