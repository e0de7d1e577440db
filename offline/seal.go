package offline

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"tpe/payment"
)

// KeySize is the device key length: AES-256.
const KeySize = 32

// CreateKey writes a new random device key to path (mode 0600). It refuses
// to overwrite an existing key (ErrKeyExists): the journal sealed under the
// old one would become unreadable. Provisioning calls it once.
func CreateKey(path string) error {
	var k [KeySize]byte
	if _, err := rand.Read(k[:]); err != nil {
		return fmt.Errorf("offline: generating the device key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%w: %s", ErrKeyExists, path)
	}
	if err != nil {
		return opErr("creating the device key", err)
	}
	if _, err := f.Write(k[:]); err != nil {
		f.Close()
		os.Remove(path)
		return opErr("writing the device key", err)
	}
	// The key must survive a power cut as surely as the journal it opens.
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return opErr("writing the device key", err)
	}
	return f.Close()
}

// loadKey reads the key file and builds the AEAD. The error never contains
// key bytes.
func loadKey(path string, create bool) (cipher.AEAD, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: no key file configured", ErrNoKey)
	}
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) && create {
		if err := CreateKey(path); err != nil {
			return nil, err
		}
		fi, err = os.Stat(path)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNoKey, path)
	}
	if err != nil {
		return nil, opErr("reading the device key", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s is readable by other users (mode %v); chmod 600 it", ErrBadKey, path, fi.Mode().Perm())
	}
	k, err := os.ReadFile(path)
	if err != nil {
		return nil, opErr("reading the device key", err)
	}
	if len(k) != KeySize {
		return nil, fmt.Errorf("%w: %s holds %d bytes, want %d", ErrBadKey, path, len(k), KeySize)
	}
	block, err := aes.NewCipher(k)
	clear(k)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	return cipher.NewGCM(block)
}

// seal encrypts plain with a fresh random nonce; the result is nonce ‖ ciphertext.
func seal(aead cipher.AEAD, plain, ad []byte) []byte {
	out := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	rand.Read(out)
	return aead.Seal(out, out, plain, ad)
}

// open reverses seal. Any failure is a wrong key or tampering: GCM cannot
// tell them apart.
func open(aead cipher.AEAD, sealed, ad []byte) ([]byte, error) {
	if len(sealed) < aead.NonceSize()+aead.Overhead() {
		return nil, errors.New("sealed data too short")
	}
	n := aead.NonceSize()
	return aead.Open(nil, sealed[:n], sealed[n:], ad)
}

// kcvPlain is what the key check value in meta seals.
var kcvPlain = []byte("tpe offline journal key check v1")

// secrets are the card fields that only ever exist on disk sealed, and only
// while keepsCardData allows.
type secrets struct {
	PAN    string `json:"p"`
	Track2 []byte `json:"t2,omitempty"`
	ICC    []byte `json:"icc,omitempty"`
}

// sealCard returns the sealed secrets of c, or nil when c holds none (a
// masked-only PAN has no digits to seal).
func sealCard(aead cipher.AEAD, c *payment.CardData, txnID string) ([]byte, error) {
	if c == nil || (c.PAN.Digits() == "" && c.Track2.Len() == 0 && c.ICC.Len() == 0) {
		return nil, nil
	}
	plain, err := json.Marshal(secrets{PAN: c.PAN.Digits(), Track2: c.Track2.Reveal(), ICC: c.ICC.Reveal()})
	if err != nil {
		return nil, err
	}
	out := seal(aead, plain, []byte(txnID))
	clear(plain)
	return out, nil
}

// unsealCard restores the secrets into c.
func unsealCard(aead cipher.AEAD, sealed []byte, c *payment.CardData, txnID string) error {
	plain, err := open(aead, sealed, []byte(txnID))
	if err != nil {
		return fmt.Errorf("%w: card data of %s cannot be unsealed", ErrWrongKey, txnID)
	}
	var s secrets
	err = json.Unmarshal(plain, &s)
	clear(plain)
	if err != nil {
		return &CorruptError{Reason: "sealed card data of " + txnID + " is malformed"}
	}
	if s.PAN != "" {
		c.PAN = payment.NewPAN(s.PAN)
	}
	if len(s.Track2) > 0 {
		c.Track2 = payment.NewSecret(s.Track2)
	}
	if len(s.ICC) > 0 {
		c.ICC = payment.NewSecret(s.ICC)
	}
	clear(s.Track2)
	clear(s.ICC)
	return nil
}
