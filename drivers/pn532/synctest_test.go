package pn532_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"tpe/device/nfc"
	"tpe/drivers/pn532"
	"tpe/drivers/pn532/pn532sim"
)

// The I²C path has no real I/O, so its waits run on synctest's fake clock:
// the timing rules are checked exactly, not with sleeps and slack.

func TestDetectPollingTiming(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		chip := pn532sim.New(nil)
		bus := chip.I2C()
		defer bus.Close()
		o := testOpts()
		o.PollInterval = 100 * time.Millisecond
		dev, err := pn532.NewI2C(context.Background(), bus, o)
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			time.Sleep(time.Hour)
			chip.Place(pn532sim.WithTarget(echoCard, visaTarget))
		}()
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Hour)
		defer cancel()
		polls := chip.Stats().Commands[pn532.CmdInListPassiveTarget]
		if _, err := dev.Detect(ctx); err != nil {
			t.Fatal(err)
		}
		el := time.Since(start)
		if el < time.Hour || el > time.Hour+o.PollInterval+50*time.Millisecond {
			t.Fatalf("card found after %v, want within one poll interval of 1h", el)
		}
		n := chip.Stats().Commands[pn532.CmdInListPassiveTarget] - polls
		// One InListPassiveTarget per interval (plus bus polling time).
		if want := int(time.Hour / o.PollInterval); n < want*9/10 || n > want+1 {
			t.Fatalf("%d polls in an hour, want about %d", n, want)
		}
	})
}

func TestDetectDeadlineExact(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		chip := pn532sim.New(nil)
		bus := chip.I2C()
		defer bus.Close()
		dev, err := pn532.NewI2C(context.Background(), bus, testOpts())
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_, err = dev.Detect(ctx)
		if !errors.Is(err, nfc.ErrNoCard) {
			t.Fatalf("got %v", err)
		}
		if el := time.Since(start); el < 3*time.Second || el > 3*time.Second+100*time.Millisecond {
			t.Fatalf("gave up after %v, want 3s", el)
		}
		if chip.Field() {
			t.Fatal("field on after giving up")
		}
	})
}

func TestSilentChipTiming(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		chip := pn532sim.New(nil)
		bus := chip.I2C()
		defer bus.Close()
		o := testOpts()
		dev, err := pn532.NewI2C(context.Background(), bus, o)
		if err != nil {
			t.Fatal(err)
		}
		chip.SetSilent(true)
		start := time.Now()
		_, err = dev.FirmwareVersion(context.Background())
		if !errors.Is(err, pn532.ErrNoAck) {
			t.Fatalf("got %v", err)
		}
		// Two attempts, each waiting AckTimeout (+ a 2 ms wake-up).
		el := time.Since(start)
		if el < 2*o.AckTimeout || el > 2*o.AckTimeout+20*time.Millisecond {
			t.Fatalf("gave up after %v, want 2×%v", el, o.AckTimeout)
		}
	})
}
