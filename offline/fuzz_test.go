package offline

import (
	"errors"
	"path/filepath"
	"testing"

	"tpe/payment"
)

// FuzzDecodeRecord feeds damaged journal records to decode: it answers a
// transaction or an error (ErrCorrupt, ErrWrongKey), never a panic.
func FuzzDecodeRecord(f *testing.F) {
	dir := f.TempDir()
	key := filepath.Join(dir, KeyName)
	if err := CreateKey(key); err != nil {
		f.Fatal(err)
	}
	aead, err := loadKey(key, false)
	if err != nil {
		f.Fatal(err)
	}
	for i, states := range [][]payment.State{nil, toOffline, {payment.StateAwaitingCustomer, payment.StateCancelled}} {
		tx := cardTxn(i, t0)
		for _, s := range states {
			tx.Transition(s, t0, "")
		}
		b, err := encode(aead, tx)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	noCard := cardTxn(9, t0)
	noCard.Card = nil
	b, _ := encode(aead, noCard)
	f.Add(b)
	f.Add([]byte(`{"txn":{"id":"x","card":{"pan":"1"}},"seal":"AAAA"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		tx, err := decode(aead, b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrWrongKey) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if tx.ID == "" {
			t.Fatal("decoded a transaction without ID")
		}
	})
}
