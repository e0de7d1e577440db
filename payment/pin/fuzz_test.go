package pin

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"testing"
)

func mustCipher(t testing.TB, k Key) cipher.Block {
	c, err := aes.NewCipher(k)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// FuzzDecipher: any block and PAN either decipher to a 4–12 digit PIN that
// enciphers back to a block deciphering to the same PIN, or are refused
// with a *BlockError or ErrPAN; nothing panics.
func FuzzDecipher(f *testing.F) {
	for _, b := range vecBlock128 {
		f.Add(mustHex(f, b), vecPAN)
	}
	f.Add(mustHex(f, vecBlock128[0]), "123456789012")
	f.Add(mustHex(f, vecBlock128[0])[:8], vecPAN)
	f.Add([]byte{}, "")
	key := Key(mustHex(f, vecPINKey128[0]))
	f.Fuzz(func(t *testing.T, block []byte, pan string) {
		p, err := DecipherFormat4(key, block, pan)
		if err != nil {
			var be *BlockError
			if !errors.As(err, &be) && !errors.Is(err, ErrPAN) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if len(p) < 4 || len(p) > 12 {
			t.Fatalf("deciphered a PIN of length %d", len(p))
		}
		if _, err := ParsePIN(string(p)); err != nil {
			t.Fatalf("deciphered PIN does not parse: %v", err)
		}
		again, err := EncipherFormat4(key, p, pan, nil)
		if err != nil {
			t.Fatal(err)
		}
		q, err := DecipherFormat4(key, again[:], pan)
		if err != nil || string(q) != string(p) {
			t.Fatalf("re-enciphered PIN does not round-trip: %v", err)
		}
	})
}
