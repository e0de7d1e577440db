package main

import (
	"context"
	"io"
)

// runSim dispatches to the chip emulators; each lives with its device's file
// (simPN532 in nfc.go, simPrinter in printer.go).
func runSim(ctx context.Context, args []string, stdout io.Writer) error {
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
