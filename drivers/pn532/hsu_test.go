package pn532_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"tpe/device/nfc"
	"tpe/drivers/pn532"
	"tpe/drivers/pn532/pn532sim"
)

func TestHSUInitAndCommands(t *testing.T) {
	r := newHSU(t, nil, testOpts())
	ctx := context.Background()
	if got, want := r.dev.Firmware(), (pn532.Firmware{IC: 0x32, Ver: 1, Rev: 6, Support: 7}); got != want {
		t.Fatalf("firmware: got %v, want %v", got, want)
	}
	if !r.chip.Awake() {
		t.Fatal("chip still asleep after init")
	}
	fw, err := r.dev.FirmwareVersion(ctx)
	if err != nil || fw.IC != 0x32 {
		t.Fatalf("FirmwareVersion: %v %v", fw, err)
	}
	echo, err := r.dev.Diagnose(ctx, 0x00, []byte("libnfc"))
	if err != nil || !bytes.Equal(echo, append([]byte{0}, "libnfc"...)) {
		t.Fatalf("Diagnose: got % X, %v", echo, err)
	}
	if err := r.dev.WriteRegister(ctx, pn532.Register{Addr: 0x6302, Value: 0x80}, pn532.Register{Addr: 0x6303, Value: 0x81}); err != nil {
		t.Fatal(err)
	}
	regs, err := r.dev.ReadRegister(ctx, 0x6302, 0x6303, 0x6305)
	if err != nil || !bytes.Equal(regs, []byte{0x80, 0x81, 0x00}) {
		t.Fatalf("ReadRegister: got % X, %v", regs, err)
	}
	if r.chip.Register(0x6303) != 0x81 {
		t.Fatal("chip did not remember the register write")
	}
	if err := r.dev.SetParameters(ctx, 0x14); err != nil {
		t.Fatal(err)
	}
	if err := r.dev.SAMConfiguration(ctx, 1, 0x14); err != nil {
		t.Fatal(err)
	}
	if err := r.dev.SetTimings(ctx, 0x0B, 0x0A); err != nil {
		t.Fatal(err)
	}
	if err := r.dev.SetMaxRetries(ctx, 0xFF, 0x01, 0x01); err != nil {
		t.Fatal(err)
	}
	if err := r.dev.RFField(ctx, true); err != nil || !r.chip.Field() {
		t.Fatalf("field on: %v, chip field %v", err, r.chip.Field())
	}
	if tg, err := r.dev.ListPassiveTarget(ctx); err != nil || tg != nil {
		t.Fatalf("empty field: got %v, %v", tg, err)
	}
	r.chip.Place(pn532sim.WithTarget(echoCard, visaTarget))
	tg, err := r.dev.ListPassiveTarget(ctx)
	if err != nil || tg == nil {
		t.Fatalf("ListPassiveTarget: %v, %v", tg, err)
	}
	if tg.Tg != 1 || !bytes.Equal(tg.UID, visaTarget.UID) || tg.ATQA != visaTarget.ATQA || tg.SAK != 0x20 || !bytes.Equal(tg.ATS, visaTarget.ATS) {
		t.Fatalf("target: got %+v, want %+v", tg, visaTarget)
	}
	if err := r.dev.Deselect(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if tg, err := r.dev.ListPassiveTarget(ctx); err != nil || tg != nil {
		t.Fatalf("halted card answered: %v, %v", tg, err)
	}
	if err := r.dev.Release(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if err := r.dev.PowerDown(ctx); err != nil {
		t.Fatal(err)
	}
	if r.chip.Awake() {
		t.Fatal("chip awake after PowerDown")
	}
	// The next command must wake it (HSU 0x55 preamble).
	if _, err := r.dev.FirmwareVersion(ctx); err != nil {
		t.Fatalf("after PowerDown: %v", err)
	}
	if err := r.dev.Halt(); err != nil {
		t.Fatal(err)
	}
	if r.chip.Field() {
		t.Fatal("field on after Halt")
	}
}

func TestHSUDetectTransceive(t *testing.T) {
	r := newHSU(t, nil, testOpts())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r.chip.Place(pn532sim.WithTarget(echoCard, visaTarget))
	card, err := r.dev.Detect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := card.(nfc.TargetInfo).Target(); !bytes.Equal(got.UID, visaTarget.UID) {
		t.Fatalf("uid: got % X", got.UID)
	}
	for _, n := range []int{0, 1, 200, 250, 251, 252, 253, 400, 600, 1000} {
		capdu := make([]byte, n)
		for i := range capdu {
			capdu[i] = byte(i * 7)
		}
		got, err := card.Transceive(ctx, capdu)
		if err != nil {
			t.Fatalf("len %d: %v", n, err)
		}
		if want := append(capdu, 0x90, 0x00); !bytes.Equal(got, want) {
			t.Fatalf("len %d: got %d bytes, want %d", n, len(got), len(want))
		}
	}
	r.chip.Remove()
	if _, err := card.Transceive(ctx, []byte{0x00, 0xA4, 0x04, 0x00}); !errors.Is(err, nfc.ErrCardRemoved) {
		t.Fatalf("after removal: got %v, want ErrCardRemoved", err)
	}
}

// Commands from several goroutines are serialised on the one chip.
func TestHSUConcurrentUse(t *testing.T) {
	r := newHSU(t, nil, testOpts())
	r.chip.Place(pn532sim.WithTarget(echoCard, visaTarget))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	card, err := r.dev.Detect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 3*20)
	for g := 0; g < 3; g++ {
		go func() {
			for i := 0; i < 20; i++ {
				apdu := []byte{0x00, 0xB2, byte(g), byte(i), 0x00}
				got, err := card.Transceive(ctx, apdu)
				if err == nil && !bytes.Equal(got, append(apdu, 0x90, 0x00)) {
					err = errors.New("mixed-up response")
				}
				if err == nil && g == 0 {
					_, err = r.dev.FirmwareVersion(ctx)
				}
				errs <- err
			}
		}()
	}
	for i := 0; i < 60; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// nfcpy's 262-byte communication test needs extended frames both ways.
func TestExtendedFramesThroughDriver(t *testing.T) {
	data := make([]byte, 262)
	for i := range data {
		data[i] = byte(i)
	}
	hsu := newHSU(t, nil, testOpts())
	i2cDev, _ := newI2C(t)
	spiDev, _ := newSPI(t, true)
	for name, d := range map[string]*pn532.Dev{"hsu": hsu.dev, "i2c": i2cDev, "spi": spiDev} {
		got, err := d.Diagnose(context.Background(), 0x00, data)
		if err != nil || !bytes.Equal(got, append([]byte{0x00}, data...)) {
			t.Fatalf("%s: got %d bytes, %v", name, len(got), err)
		}
		if _, err := d.Diagnose(context.Background(), 0x00, make([]byte, 264)); !errors.Is(err, pn532.ErrTooLong) {
			t.Fatalf("%s: oversized: got %v, want ErrTooLong", name, err)
		}
	}
}
