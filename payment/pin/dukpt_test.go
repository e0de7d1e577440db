package pin

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func hexOf(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }

func vecKSN(t testing.TB, counter uint32) KSN {
	return NewKSN([8]byte(mustHex(t, vecIKID)), counter)
}

func TestDeriveInitialKey(t *testing.T) {
	tests := []struct{ name, bdk, want string }{
		{"aes128", vecBDK128, vecIK128},
		{"aes256", vecBDK256, vecIK256},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ik, err := DeriveInitialKey(mustHex(t, tt.bdk), [8]byte(mustHex(t, vecIKID)))
			if err != nil {
				t.Fatal(err)
			}
			if got := hexOf(ik); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDeriveTransactionAndPINKeys(t *testing.T) {
	type row struct {
		name     string
		ik       string
		counter  uint32
		txn, pin string
		wt       KeyType
	}
	var rows []row
	for i, c := range vecCounters {
		rows = append(rows,
			row{name: "aes128 bdk/aes128 pin", ik: vecIK128, counter: c, txn: vecTxnKey128[i], pin: vecPINKey128[i], wt: AES128},
			row{name: "aes256 bdk/aes128 pin", ik: vecIK256, counter: c, txn: vecTxnKey256[i], pin: vecPINKey256to128[i], wt: AES128},
			row{name: "aes256 bdk/aes256 pin", ik: vecIK256, counter: c, txn: vecTxnKey256[i], pin: vecPINKey256[i], wt: AES256},
		)
	}
	for _, e := range vecTxnKey128Edge {
		rows = append(rows, row{name: "aes128 bdk edge", ik: vecIK128, counter: e.counter, txn: e.key})
	}
	for _, tt := range rows {
		ksn := vecKSN(t, tt.counter)
		t.Run(tt.name+"/"+ksn.String(), func(t *testing.T) {
			ik := Key(mustHex(t, tt.ik))
			txn, err := DeriveTransactionKey(ik, ksn)
			if err != nil {
				t.Fatal(err)
			}
			if got := hexOf(txn); got != tt.txn {
				t.Errorf("transaction key: got %v, want %v", got, tt.txn)
			}
			if tt.pin == "" {
				return
			}
			pk, err := DerivePINKey(ik, ksn, tt.wt)
			if err != nil {
				t.Fatal(err)
			}
			if got := hexOf(pk); got != tt.pin {
				t.Errorf("PIN key: got %v, want %v", got, tt.pin)
			}
			if hexOf(ik) != tt.ik {
				t.Errorf("the initial key was changed by the derivation")
			}
		})
	}
}

func TestPINKeyStrongerThanInitialKey(t *testing.T) {
	_, err := DerivePINKey(mustHex(t, vecIK128), vecKSN(t, 1), AES256)
	if !errors.Is(err, ErrKeyType) {
		t.Errorf("got %v, want ErrKeyType", err)
	}
}

func TestCounterRules(t *testing.T) {
	for _, c := range []uint32{0, 0x0001FFFF, 0xFFFFFFFF, 0xFFFF0001} {
		if _, err := DeriveTransactionKey(mustHex(t, vecIK128), vecKSN(t, c)); !errors.Is(err, ErrCounter) {
			t.Errorf("counter %08X: got %v, want ErrCounter", c, err)
		}
	}
	next := []struct{ from, want uint32 }{
		{0, 1},
		{1, 2},
		{0x0001FFFE, 0x00020000}, // 1FFFF has 17 one-bits: skipped
		{0x00020000, 0x00020001},
		{0x0000FFFF, 0x00010000},
		{0xFFFE8000, 0xFFFF0000},
	}
	for _, tt := range next {
		got, err := vecKSN(t, tt.from).Next()
		if err != nil || got.Counter() != tt.want {
			t.Errorf("after %08X: got %08X, %v; want %08X", tt.from, got.Counter(), err, tt.want)
		}
		if !got.Valid() {
			t.Errorf("after %08X: %08X is not a valid counter", tt.from, got.Counter())
		}
	}
	// FFFF0000 is the key's last transaction.
	if _, err := vecKSN(t, 0xFFFF0000).Next(); !errors.Is(err, ErrKeyLifeEnded) {
		t.Errorf("after FFFF0000: got %v, want ErrKeyLifeEnded", err)
	}
}

// TestCounterWalk follows Next through a region of counters and checks
// that it never yields a counter with more than 16 one-bits nor skips one
// that has at most 16.
func TestCounterWalk(t *testing.T) {
	ksn := vecKSN(t, 0xFFFE0000)
	seen := 0
	for {
		next, err := ksn.Next()
		if errors.Is(err, ErrKeyLifeEnded) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for c := ksn.Counter() + 1; c < next.Counter(); c++ {
			if vecKSN(t, c).Valid() {
				t.Fatalf("Next skipped valid counter %08X", c)
			}
		}
		if !next.Valid() {
			t.Fatalf("Next gave invalid counter %08X", next.Counter())
		}
		ksn = next
		seen++
	}
	if ksn.Counter() != 0xFFFF0000 || seen == 0 {
		t.Errorf("walk ended at %08X after %d steps, want FFFF0000", ksn.Counter(), seen)
	}
}

func TestParseKSN(t *testing.T) {
	ksn, err := ParseKSN("123456789012345600000001")
	if err != nil || ksn.Counter() != 1 || ksn.InitialKeyID() != [8]byte(mustHex(t, vecIKID)) {
		t.Errorf("got %v %v", ksn, err)
	}
	for _, bad := range []string{"", "1234", "12345678901234560000000G", "12345678901234560000000100"} {
		if _, err := ParseKSN(bad); !errors.Is(err, ErrKSN) {
			t.Errorf("ParseKSN(%q): got %v, want ErrKSN", bad, err)
		}
	}
}

func TestKeyLengths(t *testing.T) {
	for _, n := range []int{0, 8, 15, 17, 33} {
		if _, err := DeriveInitialKey(make(Key, n), [8]byte{}); !errors.Is(err, ErrKeyLength) {
			t.Errorf("%d-byte BDK: got %v, want ErrKeyLength", n, err)
		}
	}
}
