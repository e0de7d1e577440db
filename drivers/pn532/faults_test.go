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

// detected returns a rig with a card activated.
func detected(t *testing.T, card nfc.Card) (*hsuRig, nfc.Card) {
	t.Helper()
	return detectedWith(t, card, testOpts())
}

func detectedWith(t *testing.T, card nfc.Card, o *pn532.Opts) (*hsuRig, nfc.Card) {
	t.Helper()
	r := newHSU(t, nil, o)
	r.chip.Place(pn532sim.WithTarget(card, visaTarget))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := r.dev.Detect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return r, c
}

func TestHSURecovers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		faults []pn532sim.Fault
		nacks  int64
	}{
		{"LostHostFrame", []pn532sim.Fault{pn532sim.FaultIgnoreFrame}, 0},
		{"CorruptResponse", []pn532sim.Fault{pn532sim.FaultCorruptResponse}, 1},
		{"TruncatedResponse", []pn532sim.Fault{pn532sim.FaultTruncateResponse}, 1},
		{"LostResponse", []pn532sim.Fault{pn532sim.FaultDropResponse}, 1},
		{"LineNoise", []pn532sim.Fault{pn532sim.FaultGarbage}, 0},
		{"TwoCorruptResponses", []pn532sim.Fault{pn532sim.FaultCorruptResponse, pn532sim.FaultCorruptResponse}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, c := detected(t, echoCard)
			r.chip.ResetStats()
			r.chip.Inject(tc.faults...)
			apdu := []byte{0x00, 0xB2, 0x01, 0x0C, 0x00}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			got, err := c.Transceive(ctx, apdu)
			if err != nil {
				t.Fatalf("Transceive: %v", err)
			}
			if !bytes.Equal(got, append(apdu, 0x90, 0x00)) {
				t.Fatalf("got % X", got)
			}
			if s := r.chip.Stats(); s.NACKs != tc.nacks {
				t.Errorf("NACKs: got %d, want %d", s.NACKs, tc.nacks)
			}
			// The line is in sync: the next exchange is clean.
			if _, err := c.Transceive(ctx, apdu); err != nil {
				t.Fatalf("next Transceive: %v", err)
			}
		})
	}
}

func TestHSUPersistentCorruptionIsReaderError(t *testing.T) {
	r, c := detected(t, echoCard)
	// The response and both NACKed resends arrive damaged.
	r.chip.Inject(pn532sim.FaultCorruptResponse, pn532sim.FaultCorruptResponse, pn532sim.FaultCorruptResponse)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := c.Transceive(ctx, []byte{0x00, 0x01})
	if !errors.Is(err, pn532.ErrNoResponse) || !errors.Is(err, nfc.ErrReader) {
		t.Fatalf("got %v, want ErrNoResponse wrapping nfc.ErrReader", err)
	}
	if fw, err := r.dev.FirmwareVersion(ctx); err != nil || fw.IC != 0x32 {
		t.Fatalf("after abort: %v %v", fw, err)
	}
}

func TestHSUSilentChip(t *testing.T) {
	r, c := detected(t, echoCard)
	r.chip.SetSilent(true)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := c.Transceive(ctx, []byte{0x00, 0x01})
	if !errors.Is(err, pn532.ErrNoAck) || !errors.Is(err, nfc.ErrReader) {
		t.Fatalf("got %v, want ErrNoAck wrapping nfc.ErrReader", err)
	}
	if _, err := r.dev.FirmwareVersion(ctx); !errors.Is(err, pn532.ErrNoAck) {
		t.Fatalf("FirmwareVersion: got %v, want ErrNoAck", err)
	}
	// The chip comes back: the driver resynchronises.
	r.chip.SetSilent(false)
	if _, err := r.dev.FirmwareVersion(ctx); err != nil {
		t.Fatalf("after silence: %v", err)
	}
}

func TestHSUSilentFromPowerOn(t *testing.T) {
	r := startHSU(t, nil)
	r.chip.SetSilent(true)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := pn532.NewHSU(ctx, r.port, testOpts())
	if !errors.Is(err, pn532.ErrNoAck) {
		t.Fatalf("got %v, want ErrNoAck", err)
	}
}

func TestHSUDelayedResponse(t *testing.T) {
	o := testOpts()
	o.ResponseTimeout = 200 * time.Millisecond // chip commands give up after 200 + 2×450 ms
	r, c := detectedWith(t, echoCard, o)
	r.chip.SetResponseDelay(150 * time.Millisecond) // under CardTimeout
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.Transceive(ctx, []byte{0x00, 0x01}); err != nil {
		t.Fatalf("delayed: %v", err)
	}
	// Longer than every chip-command timeout: fails with a typed error,
	// then the line recovers.
	r.chip.SetResponseDelay(2 * time.Second)
	if _, err := r.dev.FirmwareVersion(ctx); !errors.Is(err, nfc.ErrReader) {
		t.Fatalf("too slow: got %v, want ErrReader", err)
	}
	r.chip.SetResponseDelay(0)
	time.Sleep(1500 * time.Millisecond) // let the late response arrive and be skipped
	if fw, err := r.dev.FirmwareVersion(ctx); err != nil || fw.IC != 0x32 {
		t.Fatalf("after late frame: %v %v", fw, err)
	}
}

func TestHSUSlowCardTimesOut(t *testing.T) {
	slow := cardFunc(func(ctx context.Context, c []byte) ([]byte, error) {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(5 * time.Second):
			return []byte{0x90, 0x00}, nil
		}
	})
	r, c := detected(t, slow)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := c.Transceive(ctx, []byte{0x80, 0xAE, 0x80, 0x00, 0x00})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want deadline exceeded", err)
	}
	// ctx end turned the field off and aborted the command.
	if r.chip.Field() {
		t.Fatal("field still on after cancelled Transceive")
	}
	if s := r.chip.Stats(); s.ACKs == 0 {
		t.Fatalf("driver did not abort the command with an ACK: %+v", s)
	}
	if _, err := c.Transceive(context.Background(), []byte{0x00, 0x01}); !errors.Is(err, nfc.ErrCardRemoved) {
		t.Fatalf("card after field off: got %v, want ErrCardRemoved", err)
	}
}

func TestHSUDetectCancelTurnsFieldOff(t *testing.T) {
	r := newHSU(t, nil, testOpts())
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Millisecond)
	defer cancel()
	_, err := r.dev.Detect(ctx)
	if !errors.Is(err, nfc.ErrNoCard) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	if r.chip.Field() {
		t.Fatal("field left on after Detect gave up")
	}
	if r.chip.Stats().Commands[pn532.CmdInListPassiveTarget] == 0 {
		t.Fatal("Detect never polled")
	}
}

func TestHSUStatusErrors(t *testing.T) {
	failing := cardFunc(func(context.Context, []byte) ([]byte, error) {
		return nil, errors.New("card fault")
	})
	_, c := detected(t, failing)
	// The card fails (status 01) but is still present: a timeout, not a
	// removal.
	_, err := c.Transceive(context.Background(), []byte{0x00, 0x01})
	var se *pn532.StatusError
	if !errors.As(err, &se) || se.Code != pn532.StatusTimeout || !errors.Is(err, nfc.ErrTimeout) {
		t.Fatalf("got %v, want StatusError 01 matching nfc.ErrTimeout", err)
	}
	if errors.Is(err, nfc.ErrCardRemoved) {
		t.Fatal("present card reported removed")
	}
}

func TestHSUIgnoresNonISODEP(t *testing.T) {
	r := newHSU(t, nil, testOpts())
	r.chip.Place(pn532sim.WithTarget(echoCard, nfc.Target{UID: []byte{4, 1, 2, 3, 4, 5, 6}, ATQA: [2]byte{0, 0x44}, SAK: 0x00}))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := r.dev.Detect(ctx); !errors.Is(err, nfc.ErrNoCard) {
		t.Fatalf("MIFARE Ultralight-like card: got %v, want ErrNoCard", err)
	}
}

func TestHSUUnknownCommandIsSyntaxError(t *testing.T) {
	r := newHSU(t, nil, testOpts())
	_, err := r.dev.Diagnose(context.Background(), 0x42, nil) // no such test
	if !errors.Is(err, pn532.ErrSyntax) {
		t.Fatalf("got %v, want ErrSyntax", err)
	}
	if _, err := r.dev.FirmwareVersion(context.Background()); err != nil {
		t.Fatal(err)
	}
}
