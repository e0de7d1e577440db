package gatewaysim

import (
	"crypto"
	"crypto/aes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/go-jose/go-jose/v4"
	josecipher "github.com/go-jose/go-jose/v4/cipher"
)

// ecdhesUnwrapper opens the content key of an ECDH-ES+A256KW JWE (RFC 7518
// §4.6) with the card key held as a crypto/ecdh key. go-jose does the same
// through the deprecated big-integer elliptic API: about three scalar
// multiplications per card instead of one, and the card key's opening is
// the simulator's hot path (one per sale or advice). Everything but the key
// agreement — Concat KDF, AES key unwrap, content decryption — stays
// go-jose's.
type ecdhesUnwrapper struct {
	priv *ecdh.PrivateKey
}

func newECDHESUnwrapper(k *ecdsa.PrivateKey) (*ecdhesUnwrapper, error) {
	p, err := k.ECDH()
	if err != nil {
		return nil, fmt.Errorf("gatewaysim: card key: %w", err)
	}
	return &ecdhesUnwrapper{priv: p}, nil
}

var _ jose.OpaqueKeyDecrypter = (*ecdhesUnwrapper)(nil)

// DecryptKey unwraps the content key (jose.OpaqueKeyDecrypter).
func (u *ecdhesUnwrapper) DecryptKey(encryptedKey []byte, h jose.Header) ([]byte, error) {
	if h.Algorithm != string(jose.ECDH_ES_A256KW) {
		return nil, fmt.Errorf("gatewaysim: %s is not ECDH-ES+A256KW", h.Algorithm)
	}
	epk, err := ephemeralKey(h.ExtraHeaders["epk"])
	if err != nil {
		return nil, err
	}
	z, err := u.priv.ECDH(epk)
	if err != nil {
		return nil, fmt.Errorf("gatewaysim: key agreement: %w", err)
	}
	apu, err := optionalB64(h.ExtraHeaders["apu"])
	if err != nil {
		return nil, err
	}
	apv, err := optionalB64(h.ExtraHeaders["apv"])
	if err != nil {
		return nil, err
	}
	const keySize = 32 // A256KW
	supPubInfo := binary.BigEndian.AppendUint32(nil, keySize*8)
	kdf := josecipher.NewConcatKDF(crypto.SHA256, z, lengthPrefixed([]byte(h.Algorithm)),
		lengthPrefixed(apu), lengthPrefixed(apv), supPubInfo, nil)
	kek := make([]byte, keySize)
	if _, err := kdf.Read(kek); err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(kek)
	clear(kek)
	if err != nil {
		return nil, err
	}
	return josecipher.KeyUnwrap(block, encryptedKey)
}

// ephemeralKey reads the "epk" header: a P-256 public JWK. NewPublicKey
// checks the point is on the curve (an invalid-curve attack fails here).
func ephemeralKey(v any) (*ecdh.PublicKey, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("gatewaysim: no epk header")
	}
	if m["kty"] != "EC" || m["crv"] != "P-256" {
		return nil, errors.New("gatewaysim: epk is not a P-256 key")
	}
	x, err := coordinate(m["x"])
	if err != nil {
		return nil, err
	}
	y, err := coordinate(m["y"])
	if err != nil {
		return nil, err
	}
	point := append(append([]byte{4}, x...), y...)
	pub, err := ecdh.P256().NewPublicKey(point)
	if err != nil {
		return nil, fmt.Errorf("gatewaysim: epk: %w", err)
	}
	return pub, nil
}

// coordinate decodes a 32-byte P-256 coordinate; RFC 7518 §6.2.1.2 wants
// the full length, but shorter encodings seen in the wild are padded.
func coordinate(v any) ([]byte, error) {
	s, _ := v.(string)
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 || len(b) > 32 {
		return nil, errors.New("gatewaysim: epk coordinate is not 32 bytes of base64url")
	}
	return append(make([]byte, 32-len(b)), b...), nil
}

func optionalB64(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	s, ok := v.(string)
	if !ok {
		return nil, errors.New("gatewaysim: apu/apv is not a string")
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, errors.New("gatewaysim: apu/apv is not base64url")
	}
	return b, nil
}

func lengthPrefixed(b []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(b))), b...)
}
