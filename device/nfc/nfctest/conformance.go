package nfctest

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"tpe/device/nfc"
)

// CardFunc adapts a function to nfc.Card, for scripted APDU responders.
type CardFunc func(ctx context.Context, capdu []byte) ([]byte, error)

// Transceive calls f.
func (f CardFunc) Transceive(ctx context.Context, capdu []byte) ([]byte, error) { return f(ctx, capdu) }

// Echo answers every C-APDU with its own bytes followed by 90 00.
var Echo = CardFunc(func(_ context.Context, c []byte) ([]byte, error) {
	return append(append([]byte(nil), c...), 0x90, 0x00), nil
})

// Blocking answers only when ctx ends (the card "thinks" until removed);
// started is closed when the first C-APDU arrives.
func Blocking(started chan<- struct{}) CardFunc {
	return func(ctx context.Context, _ []byte) ([]byte, error) {
		close(started)
		<-ctx.Done()
		return nil, ctx.Err()
	}
}

// TargetA returns an ISO 14443-4 type A description with the given UID.
func TargetA(uid ...byte) nfc.Target {
	atqa := [2]byte{0x00, 0x04}
	switch len(uid) {
	case 7:
		atqa = [2]byte{0x00, 0x44}
	case 10:
		atqa = [2]byte{0x00, 0x84}
	}
	return nfc.Target{UID: uid, ATQA: atqa, SAK: 0x20, ATS: []byte{0x05, 0x78, 0x80, 0x70, 0x02}}
}

// long is how long any single step may take before the suite calls the
// reader hung. It is a safety net, not a performance goal.
const long = 10 * time.Second

// Conformance runs the device/nfc contract against the readers newReader
// makes; each subtest gets a fresh reader.
func Conformance(t *testing.T, newReader func(t *testing.T) (nfc.Reader, Control)) {
	detect := func(t *testing.T, r nfc.Reader) nfc.Card {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), long)
		defer cancel()
		c, err := r.Detect(ctx)
		if err != nil {
			t.Fatalf("Detect: %v", err)
		}
		if c == nil {
			t.Fatal("Detect returned a nil card and no error")
		}
		return c
	}
	tx := func(t *testing.T, c nfc.Card, capdu []byte) ([]byte, error) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), long)
		defer cancel()
		return c.Transceive(ctx, capdu)
	}

	t.Run("Identity", func(t *testing.T) {
		r, _ := newReader(t)
		if r.String() == "" {
			t.Error("String is empty")
		}
		if err := r.Halt(); err != nil {
			t.Errorf("Halt on an idle reader: %v", err)
		}
	})

	t.Run("NoCardUntilCtxEnds", func(t *testing.T) {
		r, _ := newReader(t)
		ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
		defer cancel()
		c, err := r.Detect(ctx)
		if !errors.Is(err, nfc.ErrNoCard) {
			t.Fatalf("got (%v, %v), want ErrNoCard", c, err)
		}
		if c != nil {
			t.Fatal("card returned with an error")
		}
		ctx2, cancel2 := context.WithCancel(context.Background())
		cancel2()
		if _, err := r.Detect(ctx2); !errors.Is(err, nfc.ErrNoCard) {
			t.Fatalf("cancelled ctx: got %v, want ErrNoCard", err)
		}
	})

	t.Run("DetectAndTarget", func(t *testing.T) {
		r, ctl := newReader(t)
		want := TargetA(0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66)
		ctl.Present(want, Echo)
		c := detect(t, r)
		ti, ok := c.(nfc.TargetInfo)
		if !ok {
			t.Skip("card does not implement nfc.TargetInfo")
		}
		got := ti.Target()
		if !bytes.Equal(got.UID, want.UID) || got.ATQA != want.ATQA || got.SAK != want.SAK || !bytes.Equal(got.ATS, want.ATS) {
			t.Fatalf("target: got %+v, want %+v", got, want)
		}
	})

	t.Run("DetectWaitsForCard", func(t *testing.T) {
		r, ctl := newReader(t)
		done := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), long)
			defer cancel()
			_, err := r.Detect(ctx)
			done <- err
		}()
		time.Sleep(50 * time.Millisecond)
		ctl.Present(TargetA(0x08, 1, 2, 3), Echo)
		if err := <-done; err != nil {
			t.Fatalf("Detect: %v", err)
		}
	})

	t.Run("APDULengths", func(t *testing.T) {
		r, ctl := newReader(t)
		ctl.Present(TargetA(0x08, 1, 2, 3), Echo)
		c := detect(t, r)
		for _, n := range []int{0, 4, 5, 64, 250, 252, 253, 255, 256, 261, 262, 300, 520, 1024, 4096} {
			capdu := make([]byte, n)
			for i := range capdu {
				capdu[i] = byte(i*31 + n)
			}
			got, err := tx(t, c, capdu)
			if err != nil {
				t.Fatalf("%d-byte apdu: %v", n, err)
			}
			if want := append(capdu, 0x90, 0x00); !bytes.Equal(got, want) {
				t.Fatalf("%d-byte apdu: got %d bytes % X…, want %d", n, len(got), got[:min(8, len(got))], len(want))
			}
		}
	})

	t.Run("StatusWordsAreNotErrors", func(t *testing.T) {
		r, ctl := newReader(t)
		ctl.Present(TargetA(0x08, 1, 2, 3), CardFunc(func(context.Context, []byte) ([]byte, error) {
			return []byte{0x6A, 0x82}, nil
		}))
		c := detect(t, r)
		got, err := tx(t, c, []byte{0x00, 0xA4, 0x04, 0x00, 0x02, 0xA0, 0x00, 0x00})
		if err != nil || !bytes.Equal(got, []byte{0x6A, 0x82}) {
			t.Fatalf("got % X, %v; want 6A 82", got, err)
		}
	})

	t.Run("CardRemoved", func(t *testing.T) {
		r, ctl := newReader(t)
		ctl.Present(TargetA(0x08, 1, 2, 3), Echo)
		c := detect(t, r)
		if _, err := tx(t, c, []byte{0x00, 0xB2, 0x01, 0x0C, 0x00}); err != nil {
			t.Fatal(err)
		}
		ctl.Remove()
		if _, err := tx(t, c, []byte{0x00, 0xB2, 0x01, 0x0C, 0x00}); !errors.Is(err, nfc.ErrCardRemoved) {
			t.Fatalf("got %v, want ErrCardRemoved", err)
		}
		// And it stays removed.
		if _, err := tx(t, c, []byte{0x00, 0xB2, 0x01, 0x0C, 0x00}); !errors.Is(err, nfc.ErrCardRemoved) {
			t.Fatalf("second try: got %v, want ErrCardRemoved", err)
		}
	})

	t.Run("CardRemovedMidAPDU", func(t *testing.T) {
		r, ctl := newReader(t)
		started := make(chan struct{})
		ctl.Present(TargetA(0x08, 1, 2, 3), Blocking(started))
		c := detect(t, r)
		go func() {
			<-started
			time.Sleep(20 * time.Millisecond)
			ctl.Remove()
		}()
		if _, err := tx(t, c, []byte{0x80, 0xAE, 0x80, 0x00, 0x00}); !errors.Is(err, nfc.ErrCardRemoved) {
			t.Fatalf("got %v, want ErrCardRemoved", err)
		}
	})

	t.Run("TransceiveCancelled", func(t *testing.T) {
		r, ctl := newReader(t)
		started := make(chan struct{})
		ctl.Present(TargetA(0x08, 1, 2, 3), Blocking(started))
		c := detect(t, r)
		ctx, cancel := context.WithCancel(context.Background())
		go func() { <-started; cancel() }()
		_, err := c.Transceive(ctx, []byte{0x80, 0xA8, 0x00, 0x00, 0x02, 0x83, 0x00, 0x00})
		if err == nil {
			t.Fatal("cancelled Transceive returned no error")
		}
		// The reader is still usable afterwards.
		ctl.Present(TargetA(0x08, 9, 9, 9), Echo)
		c2 := detect(t, r)
		if _, err := tx(t, c2, []byte{0x00, 0x84, 0x00, 0x00, 0x08}); err != nil {
			t.Fatalf("after cancel: %v", err)
		}
	})

	t.Run("RedetectNewCard", func(t *testing.T) {
		r, ctl := newReader(t)
		ctl.Present(TargetA(0x08, 1, 1, 1), Echo)
		c1 := detect(t, r)
		ctl.Remove()
		ctl.Present(TargetA(0x08, 2, 2, 2), Echo)
		c2 := detect(t, r)
		if ti, ok := c2.(nfc.TargetInfo); ok && !bytes.Equal(ti.Target().UID, []byte{0x08, 2, 2, 2}) {
			t.Fatalf("second card uid % X", ti.Target().UID)
		}
		if _, err := tx(t, c2, []byte{0x00, 0x01}); err != nil {
			t.Fatal(err)
		}
		if _, err := tx(t, c1, []byte{0x00, 0x01}); !errors.Is(err, nfc.ErrCardRemoved) {
			t.Fatalf("old card: got %v, want ErrCardRemoved", err)
		}
	})

	t.Run("SameCardAgainAfterDetect", func(t *testing.T) {
		r, ctl := newReader(t)
		ctl.Present(TargetA(0x08, 1, 1, 1), Echo)
		c1 := detect(t, r)
		c2 := detect(t, r) // card never left: found again
		if _, err := tx(t, c2, []byte{0x00, 0x01}); err != nil {
			t.Fatal(err)
		}
		if _, err := tx(t, c1, []byte{0x00, 0x01}); !errors.Is(err, nfc.ErrCardRemoved) {
			t.Fatalf("superseded card: got %v, want ErrCardRemoved", err)
		}
	})

	t.Run("HaltThenDetect", func(t *testing.T) {
		r, ctl := newReader(t)
		ctl.Present(TargetA(0x08, 1, 1, 1), Echo)
		c := detect(t, r)
		if err := r.Halt(); err != nil {
			t.Fatal(err)
		}
		if _, err := tx(t, c, []byte{0x00, 0x01}); !errors.Is(err, nfc.ErrCardRemoved) {
			t.Fatalf("card after Halt: got %v, want ErrCardRemoved", err)
		}
		c2 := detect(t, r)
		if _, err := tx(t, c2, []byte{0x00, 0x01}); err != nil {
			t.Fatal(err)
		}
	})
}
