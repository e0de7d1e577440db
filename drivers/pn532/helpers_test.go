package pn532_test

import (
	"context"
	"testing"
	"time"

	"tpe/device/nfc"
	"tpe/drivers/pn532"
	"tpe/drivers/pn532/pn532sim"
	"tpe/drivers/serialport"
	"tpe/drivers/serialport/ptysim"
)

// cardFunc is a scripted APDU responder.
type cardFunc func(ctx context.Context, capdu []byte) ([]byte, error)

func (f cardFunc) Transceive(ctx context.Context, capdu []byte) ([]byte, error) { return f(ctx, capdu) }

// echoCard answers every C-APDU with its data followed by 90 00.
var echoCard = cardFunc(func(_ context.Context, c []byte) ([]byte, error) {
	return append(append([]byte(nil), c...), 0x90, 0x00), nil
})

var visaTarget = nfc.Target{
	UID: []byte{0x08, 0x34, 0xB9, 0x83}, ATQA: [2]byte{0x00, 0x04}, SAK: 0x20,
	ATS: []byte{0x05, 0x78, 0x80, 0x70, 0x02},
}

func testOpts() *pn532.Opts {
	return &pn532.Opts{AckTimeout: 250 * time.Millisecond, ResponseTimeout: 500 * time.Millisecond,
		CardTimeout: time.Second, PollInterval: 10 * time.Millisecond}
}

type hsuRig struct {
	dev  *pn532.Dev
	chip *pn532sim.Chip
	port *serialport.Port
	pty  *ptysim.PTY
}

// newHSU wires the driver to the emulator through a real PTY.
func newHSU(t testing.TB, so *pn532sim.Opts, do *pn532.Opts) *hsuRig {
	t.Helper()
	r := startHSU(t, so)
	dev, err := pn532.NewHSU(context.Background(), r.port, do)
	if err != nil {
		t.Fatalf("NewHSU: %v", err)
	}
	r.dev = dev
	return r
}

func startHSU(t testing.TB, so *pn532sim.Opts) *hsuRig {
	t.Helper()
	pty, err := ptysim.NewPTY()
	if err != nil {
		t.Fatal(err)
	}
	chip := pn532sim.New(so)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- chip.ServeHSU(ctx, pty.Master) }()
	port, err := serialport.Open(pty.Name(), &serialport.Opts{ReadTimeout: 100 * time.Millisecond})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServeHSU: %v", err)
		}
		port.Close()
		pty.Close()
	})
	return &hsuRig{chip: chip, port: port, pty: pty}
}
