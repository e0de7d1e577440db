package pin

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestFormat4Fields(t *testing.T) {
	p, err := ParsePIN(vecPIN)
	if err != nil {
		t.Fatal(err)
	}
	pf, err := pinField(p, mustHex(t, vecRandom))
	if err != nil {
		t.Fatal(err)
	}
	if got := hexOf(pf[:]); got != vecPINField {
		t.Errorf("PIN field: got %v, want %v", got, vecPINField)
	}
	af, err := panField(vecPAN)
	if err != nil {
		t.Fatal(err)
	}
	if got := hexOf(af[:]); got != vecPANField {
		t.Errorf("PAN field: got %v, want %v", got, vecPANField)
	}
}

func TestPANField(t *testing.T) {
	tests := []struct{ pan, want string }{
		{"123456789012", "01234567890120000000000000000000"},        // 12 digits: M = 0
		{"1234567890123456789", "71234567890123456789000000000000"}, // 19 digits: M = 7
		{"12345", "00000000123450000000000000000000"},               // shorter: left-padded to 12, M = 0
	}
	for _, tt := range tests {
		f, err := panField(tt.pan)
		if err != nil {
			t.Fatal(err)
		}
		if got := hexOf(f[:]); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.pan, got, tt.want)
		}
	}
	for _, bad := range []string{"", "12345678901234567890", "41111111111111a1"} {
		if _, err := panField(bad); !errors.Is(err, ErrPAN) {
			t.Errorf("%q: got %v, want ErrPAN", bad, err)
		}
	}
}

// TestFormat4Vectors enciphers the supplement's PIN block under each of the
// first eight PIN keys and deciphers it back.
func TestFormat4Vectors(t *testing.T) {
	for i := range vecPINKey128 {
		t.Run(vecBlock128[i], func(t *testing.T) {
			key := Key(mustHex(t, vecPINKey128[i]))
			p, _ := ParsePIN(vecPIN)
			block, err := EncipherFormat4(key, p, vecPAN, mustHex(t, vecRandom))
			if err != nil {
				t.Fatal(err)
			}
			if got := hexOf(block[:]); got != vecBlock128[i] {
				t.Errorf("got %v, want %v", got, vecBlock128[i])
			}
			back, err := DecipherFormat4(key, mustHex(t, vecBlock128[i]), vecPAN)
			if err != nil {
				t.Fatal(err)
			}
			if string(back) != vecPIN {
				t.Errorf("deciphered a different PIN (length %d)", len(back))
			}
		})
	}
}

func TestFormat4RoundTrip(t *testing.T) {
	key := Key(mustHex(t, vecPINKey256[0]))
	for _, pin := range []string{"0000", "1234", "98765", "123456789012"} {
		for _, pan := range []string{"4111111111111111", "5413330089020011", "123456789012", "6759649826438453"} {
			p, _ := ParsePIN(pin)
			b1, err := EncipherFormat4(key, p, pan, nil)
			if err != nil {
				t.Fatal(err)
			}
			b2, _ := EncipherFormat4(key, p, pan, nil)
			if b1 == b2 {
				t.Errorf("two blocks of the same PIN are equal: the random fill is not random")
			}
			got, err := DecipherFormat4(key, b1[:], pan)
			if err != nil || string(got) != pin {
				t.Errorf("PIN of length %d, PAN %s: round trip failed: %v", len(pin), pan[len(pan)-4:], err)
			}
		}
	}
}

func TestFormat4Invalid(t *testing.T) {
	key := Key(mustHex(t, vecPINKey128[0]))
	// block enciphers a hand-made PIN field, to reach each rule.
	block := func(field string) []byte {
		b := mustHex(t, field)
		af, _ := panField(vecPAN)
		c := mustCipher(t, key)
		c.Encrypt(b, b)
		for i := range b {
			b[i] ^= af[i]
		}
		c.Encrypt(b, b)
		return b
	}
	tests := []struct {
		name   string
		block  []byte
		pan    string
		reason BlockReason
	}{
		{"short block", mustHex(t, vecBlock128[0])[:15], vecPAN, ReasonSize},
		{"wrong PAN", mustHex(t, vecBlock128[0]), "4111111111111112", ReasonControl},
		{"wrong key", mustHex(t, vecBlock128[1]), vecPAN, ReasonControl},
		{"format 0 control", block("041234FFFFFFFFFF2F69ADDE2E9E7ACE"), vecPAN, ReasonControl},
		{"PIN length 3", block("43123AAAAAAAAAAA2F69ADDE2E9E7ACE"), vecPAN, ReasonPINLength},
		{"PIN length 13", block("4D1234567890123A2F69ADDE2E9E7ACE"), vecPAN, ReasonPINLength},
		{"PIN digit B", block("44123BAAAAAAAAAA2F69ADDE2E9E7ACE"), vecPAN, ReasonPINDigit},
		{"fill F", block("441234FAAAAAAAAA2F69ADDE2E9E7ACE"), vecPAN, ReasonFill},
		{"fill 0 at the end", block("441234AAAAAAAAA02F69ADDE2E9E7ACE"), vecPAN, ReasonFill},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := DecipherFormat4(key, tt.block, tt.pan)
			var be *BlockError
			if !errors.As(err, &be) {
				t.Fatalf("got %v (PIN of length %d), want a *BlockError", err, len(p))
			}
			if be.Reason != tt.reason {
				t.Errorf("got reason %v, want %v", be.Reason, tt.reason)
			}
			if strings.Contains(err.Error(), "1234") {
				t.Errorf("error text holds the PIN: %q", err)
			}
		})
	}
	// Fill and random half are valid whatever their random values are.
	if p, err := DecipherFormat4(key, block("441234AAAAAAAAAA0000000000000000"), vecPAN); err != nil || string(p) != "1234" {
		t.Errorf("zero random fill refused: %v", err)
	}
}

func TestParsePIN(t *testing.T) {
	for _, bad := range []string{"", "123", "1234567890123", "12a4", "12 34"} {
		_, err := ParsePIN(bad)
		if !errors.Is(err, ErrPIN) {
			t.Errorf("ParsePIN(%q): got %v, want ErrPIN", bad, err)
		}
		if bad != "" && strings.Contains(err.Error(), bad) {
			t.Errorf("error repeats the PIN: %q", err)
		}
	}
	if _, err := EncipherFormat4(mustHex(t, vecPINKey128[0]), PIN("12345"), vecPAN, []byte{1, 2, 3}); !errors.Is(err, ErrRandom) {
		t.Errorf("3-byte random fill: got %v, want ErrRandom", err)
	}
}

// TestRedaction: a PIN or a key printed any way, or logged, shows nothing
// of itself.
func TestRedaction(t *testing.T) {
	p, _ := ParsePIN("987654")
	k := Key(mustHex(t, vecIK128))
	var logs bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&logs, nil), slog.NewJSONHandler(&logs, nil)} {
		slog.New(h).Info("pin entered", "pin", p, "key", k, "group", slog.GroupValue(slog.Any("pin", p)))
	}
	out := logs.String() + fmt.Sprint(p, k) + fmt.Sprintf("%v %s %+v %#v %v %#v %q", p, p, p, p, k, k, k) +
		fmt.Sprintf("%v", struct {
			P PIN
			K Key
		}{p, k})
	for _, secret := range []string{"987654", "39383736", vecIK128, strings.ToLower(vecIK128), "[57 56"} {
		if strings.Contains(out, secret) {
			t.Errorf("%q reached the output:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "redacted") {
		t.Errorf("no redaction marker:\n%s", out)
	}
	p.Wipe()
	if string(p) != "\x00\x00\x00\x00\x00\x00" {
		t.Errorf("Wipe left the PIN")
	}
}
