package offline

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"tpe/payment"
	"tpe/payment/paymenttest"
	"tpe/payment/pin"
)

func openWithPINKey(t *testing.T, dir string) *Store {
	t.Helper()
	keyFile := filepath.Join(dir, "key", "device.key")
	st, err := Open(filepath.Join(dir, "journal.db"), &Opts{KeyFile: keyFile, PINKeyFile: PINKeyPath(keyFile)})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestPINKeyCounterDurable(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key", "device.key")
	os.MkdirAll(filepath.Dir(keyFile), 0o700)
	if err := CreateKey(keyFile); err != nil {
		t.Fatal(err)
	}
	st := openWithPINKey(t, dir)
	if err := st.PINReady(context.Background()); !errors.Is(err, payment.ErrPINUnavailable) {
		t.Fatalf("no key injected: %v, want ErrPINUnavailable", err)
	}
	st.Close()

	ik, err := pin.DeriveInitialKey(paymenttest.TestBDK, paymenttest.TestInitialKeyID)
	if err != nil {
		t.Fatal(err)
	}
	if err := SavePINKey(keyFile, ik, paymenttest.TestInitialKeyID); err != nil {
		t.Fatal(err)
	}
	sealed, _ := os.ReadFile(PINKeyPath(keyFile))
	if fi, _ := os.Stat(PINKeyPath(keyFile)); fi.Mode().Perm() != 0o600 || bytes.Contains(sealed, ik) {
		t.Fatalf("PIN key file mode %v, key in clear %v", fi.Mode().Perm(), bytes.Contains(sealed, ik))
	}

	st = openWithPINKey(t, dir)
	ctx := context.Background()
	if err := st.PINReady(ctx); err != nil {
		t.Fatal(err)
	}
	var last uint32
	for want := uint32(1); want <= 2; want++ {
		b, err := st.EncipherPIN(ctx, pin.PIN("1234"), paymenttest.TestPAN)
		if err != nil {
			t.Fatal(err)
		}
		if c := pin.KSN(b.KSN).Counter(); c != want {
			t.Fatalf("counter %d, want %d", c, want)
		}
		got, err := paymenttest.DecipherPIN(b, paymenttest.TestPAN)
		if err != nil || string(got) != "1234" {
			t.Fatalf("issuer deciphers %v", err)
		}
		last = want
	}
	st.Close()
	// A restart goes on from the journal: a KSN is never used twice.
	st = openWithPINKey(t, dir)
	defer st.Close()
	b, err := st.EncipherPIN(ctx, pin.PIN("1234"), paymenttest.TestPAN)
	if err != nil || pin.KSN(b.KSN).Counter() != last+1 {
		t.Fatalf("after reopening: counter %d (%v), want %d", pin.KSN(b.KSN).Counter(), err, last+1)
	}
	// A failed commit leaves the counter where it was and gives no block.
	st.failWrite = func() error { return errors.New("disk error") }
	if _, err := st.EncipherPIN(ctx, pin.PIN("1234"), paymenttest.TestPAN); err == nil {
		t.Fatal("a PIN was enciphered under a counter that is not on disk")
	}
	st.failWrite = nil

	// The key's life: the last counter is FFFF0000.
	if err := st.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(dukptCounterKey(paymenttest.TestInitialKeyID), binary.BigEndian.AppendUint32(nil, 0xFFFE8000))
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.EncipherPIN(ctx, pin.PIN("1234"), paymenttest.TestPAN); err != nil {
		t.Fatalf("last counter: %v", err)
	}
	s, _ := st.PINKey()
	if !s.Exhausted || s.LastKSN != "1234567890123456FFFF0000" {
		t.Fatalf("status %+v", s)
	}
	if err := st.PINReady(ctx); !errors.Is(err, payment.ErrPINUnavailable) || !errors.Is(err, pin.ErrKeyLifeEnded) {
		t.Fatalf("PINReady after the last counter: %v", err)
	}
	if _, err := st.EncipherPIN(ctx, pin.PIN("1234"), paymenttest.TestPAN); !errors.Is(err, pin.ErrKeyLifeEnded) {
		t.Fatalf("EncipherPIN after the last counter: %v", err)
	}
}

func TestPINKeyWrongDeviceKey(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key", "device.key")
	os.MkdirAll(filepath.Dir(keyFile), 0o700)
	CreateKey(keyFile)
	if err := SavePINKey(keyFile, make(pin.Key, 16), [8]byte{1}); err != nil {
		t.Fatal(err)
	}
	os.Remove(keyFile)
	CreateKey(keyFile) // another device key
	_, err := Open(filepath.Join(dir, "journal.db"), &Opts{KeyFile: keyFile, PINKeyFile: PINKeyPath(keyFile)})
	if !errors.Is(err, ErrWrongKey) {
		t.Fatalf("got %v, want ErrWrongKey", err)
	}
	if err := SavePINKey(keyFile, make(pin.Key, 10), [8]byte{1}); err == nil {
		t.Fatal("a 10-byte key was accepted")
	}
}
