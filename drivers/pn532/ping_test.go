package pn532_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"tpe/device/nfc"
	"tpe/drivers/pn532"
)

func TestPing(t *testing.T) {
	r := newHSU(t, nil, testOpts())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r.chip.ResetStats()
	if err := r.dev.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if n := r.chip.Stats().Commands[pn532.CmdGetFirmwareVersion]; n != 1 {
		t.Errorf("chip ran GetFirmwareVersion %d times, want 1", n)
	}

	r.chip.SetSilent(true)
	if err := r.dev.Ping(ctx); !errors.Is(err, pn532.ErrNoAck) || !errors.Is(err, nfc.ErrReader) {
		t.Errorf("silent chip: got %v, want ErrNoAck", err)
	}
	r.chip.SetSilent(false)
	if err := r.dev.Ping(ctx); err != nil {
		t.Errorf("chip back: %v", err)
	}
}

// A ping never queues behind a command in progress (a payment's poll or
// APDU): it answers ErrBusy at once and sends nothing.
func TestPingBusy(t *testing.T) {
	r := newHSU(t, nil, testOpts())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r.chip.SetResponseDelay(300 * time.Millisecond)
	r.chip.ResetStats()
	done := make(chan error, 1)
	go func() { _, err := r.dev.FirmwareVersion(ctx); done <- err }()
	for r.chip.Stats().Frames == 0 {
		time.Sleep(time.Millisecond)
	}
	// Had Ping waited for the lock it would have succeeded after the delay.
	if err := r.dev.Ping(ctx); !errors.Is(err, pn532.ErrBusy) {
		t.Errorf("Ping during a command: got %v, want ErrBusy", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("FirmwareVersion: %v", err)
	}
	if f := r.chip.Stats().Frames; f != 1 {
		t.Errorf("chip received %d frames, want only the running command's", f)
	}
}
