package main

import (
	"context"
	"io"
)

// runSim dispatches to the chip emulators; each lives with its device's file
// (simPN532 in nfc.go, simPrinter in printer.go).
func runSim(ctx context.Context, args []string, stdout io.Writer) error {
	if helpFirst(args) {
		return subHelp(stdout, "sim pn532|printer [COMMAND] [flags]", `
Runs one emulated chip of the simulator on its own, on a PTY, for the real
drivers (tpectl nfc, tpectl printer, or a terminal) to talk to.`,
			[][2]string{{"pn532", "a PN532 NFC reader with a virtual card in its field"},
				{"printer render", "print an ESC/POS capture on virtual paper"},
				{"printer serve", "an ESC/POS receipt printer writing each receipt as PNG"}},
			"tpectl sim pn532 --link /tmp/pn532 --card visa-credit",
			"tpectl sim printer serve --link /tmp/printer --out receipts/")
	}
	if len(args) == 0 {
		return usagef("missing chip: pn532 or printer")
	}
	switch args[0] {
	case "pn532":
		return simPN532(ctx, args[1:], stdout)
	case "printer":
		return simPrinter(ctx, args[1:], stdout)
	}
	return usagef("unknown chip %q: want pn532 or printer", args[0])
}
