package offline

import (
	"crypto/cipher"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"testing"

	"tpe/payment"
)

// newTestAEAD is the AEAD of a new device key in a temporary directory.
func newTestAEAD(tb testing.TB) cipher.AEAD {
	tb.Helper()
	key := filepath.Join(tb.TempDir(), KeyName)
	if err := CreateKey(key); err != nil {
		tb.Fatal(err)
	}
	aead, err := loadKey(key, false)
	if err != nil {
		tb.Fatal(err)
	}
	return aead
}

// cardTxnThrough is cardTxn n moved through states at t0.
func cardTxnThrough(n int, states []payment.State) *payment.Transaction {
	tx := cardTxn(n, t0)
	for _, s := range states {
		tx.Transition(s, t0, "")
	}
	return tx
}

// FuzzDecodeRecord feeds damaged journal records to decode: it answers a
// transaction or an error (ErrCorrupt, ErrWrongKey), never a panic.
func FuzzDecodeRecord(f *testing.F) {
	aead := newTestAEAD(f)
	for i, states := range [][]payment.State{nil, toOffline, {payment.StateAwaitingCustomer, payment.StateCancelled}} {
		tx := cardTxnThrough(i, states)
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

// FuzzHasSeal checks hasSeal's shortcut for the records encode writes
// against decoding the record: on any valid JSON they agree.
func FuzzHasSeal(f *testing.F) {
	aead := newTestAEAD(f)
	for i, states := range [][]payment.State{nil, toOffline, {payment.StateAwaitingCustomer, payment.StateCancelled}} {
		tx := cardTxnThrough(i, states)
		tx.Reason = `a "quoted" \ reason },"seal":"AAAA"} ` + "\u2028"
		b, err := encode(aead, tx)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`{"txn":{"id":"x"}}`, `{"txn":{"id":"x"},"seal":"AAAA"}`, `{"txn":{"id":"x"},"seal":""}`,
		`{"txn":{"id":"x"},"seal":null}`, `{"txn":{"id":"x"},"Seal":"AAAA"}`, `{"txn":{"id":"x"},"seal":"AAAA","seal":null}`,
		`{"txn":{"id":"x\"},\"seal\":\"AAAA\"}"}}`, `{"txn":{"a":["}",{"b":"\\"}]},"seal":"QUJD"}`,
		`{"seal":"AAAA","txn":{}}`, `{"txn":{"id":"x"}} `, `{"txn":{"id":"x"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) {
			return // damaged records: the reads that decode them report it
		}
		var p sealProbe
		want := json.Unmarshal(b, &p) == nil && len(p.Seal) > 0 && string(p.Seal) != "null" && string(p.Seal) != `""`
		if got := hasSeal(b); got != want {
			t.Fatalf("hasSeal(%s) = %v, decoding says %v", b, got, want)
		}
	})
}

// decodeBoth reads one record as decodeAt does with and without the key,
// in copies that share nothing.
func TestDecodeBothIsDecodeAtTwice(t *testing.T) {
	aead := newTestAEAD(t)
	for i, states := range [][]payment.State{nil, toOffline} {
		tx := cardTxnThrough(i, states)
		tx.Sequence = 0 // as in a record written before sequences were kept
		b, err := encode(aead, tx)
		if err != nil {
			t.Fatal(err)
		}
		clear, full, err := decodeBoth(aead, 42, b)
		if err != nil {
			t.Fatal(err)
		}
		wantClear, _ := decodeAt(nil, 42, b)
		wantFull, _ := decodeAt(aead, 42, b)
		if !reflect.DeepEqual(clear, wantClear) || !reflect.DeepEqual(full, wantFull) {
			t.Fatalf("states %v: decodeBoth\n%+v\n%+v\nwant\n%+v\n%+v", states, clear, full, wantClear, wantFull)
		}
		if keepsCardData(tx) && (full.Card.PAN.Digits() == "" || clear.Card.PAN.Digits() != "" || clear.Card.ICC.Len() != 0) {
			t.Fatalf("secrets: full %q, clear %q", full.Card.PAN.Digits(), clear.Card.PAN.Digits())
		}
		full.History[0].Reason = "changed in the copy sent"
		if reflect.DeepEqual(clear, full) || !reflect.DeepEqual(clear, wantClear) {
			t.Fatal("the copies share their history")
		}
	}
}
