package hardware

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"tpe/config"
	"tpe/device/nfc"
	"tpe/device/nfc/nfctest"
	"tpe/device/printer"
	"tpe/device/printer/printertest"
)

type closeCount struct{ n *int }

func (c closeCount) Close() error { *c.n++; return nil }

// fakeFactory opens a fake reader and printer under the driver name "fake".
func fakeFactory(closed *int) map[string]Factory {
	return map[string]Factory{"fake": {
		NFC: func(context.Context, config.NFC, *slog.Logger) (nfc.Reader, io.Closer, error) {
			return nfctest.NewReader(), closeCount{closed}, nil
		},
		Printer: func(context.Context, config.Printer, *slog.Logger) (printer.Printer, io.Closer, error) {
			return printertest.NewFake(), closeCount{closed}, nil
		},
	}}
}

func hw(nfc, prn, disp, scan string) config.Hardware {
	return config.Hardware{
		NFC: config.NFC{Driver: nfc}, Printer: config.Printer{Driver: prn},
		Display: config.Display{Driver: disp}, Scanner: config.Scanner{Driver: scan},
	}
}

// A peripheral this build cannot open is an error naming its key and the
// fix, never dropped; what was opened before it is closed.
func TestOpenRefusesWhatItCannotOpen(t *testing.T) {
	for _, tt := range []struct {
		name string
		c    config.Hardware
		key  string
	}{
		{"sim reader", hw("sim", "none", "none", "none"), "hardware.nfc.driver"},
		{"sim printer", hw("fake", "sim", "none", "none"), "hardware.printer.driver"},
		{"sim display", hw("fake", "fake", "sim", "none"), "hardware.display.driver"},
		{"sim scanner", hw("fake", "none", "none", "sim"), "hardware.scanner.driver"},
		{"unknown printer", hw("fake", "star", "none", "none"), "hardware.printer.driver"},
		{"no reader", hw("none", "none", "none", "none"), "hardware.nfc.driver"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var closed int
			d, cl, err := Open(context.Background(), tt.c, &Opts{Factories: fakeFactory(&closed)})
			if err == nil {
				cl.Close()
				t.Fatalf("opened %+v, want an error", d)
			}
			if !strings.Contains(err.Error(), tt.key) {
				t.Errorf("error %q does not name %s", err, tt.key)
			}
			if strings.Contains(tt.name, "sim") && !strings.Contains(err.Error(), "tpe-sim") {
				t.Errorf("error %q does not say where sim devices run", err)
			}
			if tt.c.NFC.Driver == "fake" && closed == 0 {
				t.Error("the reader opened before the failure was not closed")
			}
		})
	}
}

func TestOpenFactoriesAndNone(t *testing.T) {
	var closed int
	d, cl, err := Open(context.Background(), hw("fake", "fake", "none", "none"), &Opts{Factories: fakeFactory(&closed)})
	if err != nil {
		t.Fatal(err)
	}
	if d.Reader == nil || d.Printer == nil || d.Screen != nil || d.Scanner != nil {
		t.Errorf("devices %+v", d)
	}
	if err := cl.Close(); err != nil || closed != 2 {
		t.Errorf("close: %v, %d closed", err, closed)
	}
}

// A real device that does not answer is an error with its key too.
func TestOpenRealPrinterMissing(t *testing.T) {
	var closed int
	c := hw("fake", "escpos", "none", "none")
	c.Printer.Port, c.Printer.Width = "/nonexistent/lp0", 80
	_, _, err := Open(context.Background(), c, &Opts{Factories: fakeFactory(&closed)})
	if err == nil || !strings.Contains(err.Error(), "hardware.printer") || closed != 1 {
		t.Errorf("err %v, %d closed", err, closed)
	}
}

func ExampleOpen_sim() {
	_, _, err := Open(context.Background(), hw("sim", "sim", "sim", "sim"), nil)
	fmt.Println(err)
	// Output: hardware.nfc.driver = "sim": this build cannot open it: set hardware.nfc.driver to pn532 (emulated devices run in tpe-sim, not in this build)
}
