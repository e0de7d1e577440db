package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"tpe/config"
)

// The world emulates every peripheral: a real driver in tpe-sim's config is
// an error naming the key, not a device silently replaced or dropped.
func TestWorldRefusesRealDrivers(t *testing.T) {
	cfg := config.SimDefaults(t.TempDir())
	cfg.Hardware.Printer.Driver = "escpos"
	w, err := openWorld(context.Background(), cfg, flags{}, slog.New(slog.DiscardHandler))
	if err == nil {
		w.Close()
		t.Fatal("opened a world with a real printer configured")
	}
	if !strings.Contains(err.Error(), "hardware.printer.driver") {
		t.Errorf("error %q does not name hardware.printer.driver", err)
	}
}
