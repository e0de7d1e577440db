package gatewaysim

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

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
	return u.unwrapKey(h.ExtraHeaders["epk"], h.ExtraHeaders["apu"], h.ExtraHeaders["apv"], encryptedKey)
}

// unwrapKey unwraps the content key from the epk, apu and apv header
// members as decoded from JSON.
func (u *ecdhesUnwrapper) unwrapKey(epkHeader, apuHeader, apvHeader any, encryptedKey []byte) ([]byte, error) {
	kek, err := u.agree(epkHeader, apuHeader, apvHeader)
	if err != nil {
		return nil, err
	}
	defer clear(kek)
	return unwrapWith(kek, encryptedKey)
}

// agree is the key agreement's key-encryption key: ECDH of the card key
// with the sender's ephemeral key, through the Concat KDF.
func (u *ecdhesUnwrapper) agree(epkHeader, apuHeader, apvHeader any) ([]byte, error) {
	epk, err := ephemeralKey(epkHeader)
	if err != nil {
		return nil, err
	}
	z, err := u.priv.ECDH(epk)
	if err != nil {
		return nil, fmt.Errorf("gatewaysim: key agreement: %w", err)
	}
	defer clear(z)
	apu, err := optionalB64(apuHeader)
	if err != nil {
		return nil, err
	}
	apv, err := optionalB64(apvHeader)
	if err != nil {
		return nil, err
	}
	const keySize = 32 // A256KW
	supPubInfo := binary.BigEndian.AppendUint32(nil, keySize*8)
	kdf := josecipher.NewConcatKDF(crypto.SHA256, z, lengthPrefixed([]byte(jose.ECDH_ES_A256KW)),
		lengthPrefixed(apu), lengthPrefixed(apv), supPubInfo, nil)
	kek := make([]byte, keySize)
	if _, err := kdf.Read(kek); err != nil {
		return nil, err
	}
	return kek, nil
}

// unwrapWith unwraps a content key with AES key wrap (A256KW).
func unwrapWith(kek, encryptedKey []byte) ([]byte, error) {
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	return josecipher.KeyUnwrap(block, encryptedKey)
}

// agreements remembers, for one batch request, the key-encryption key each
// ECDH-ES protected header (epk included) yielded. A terminal seals the
// cards of a batch under one key agreement (docs/gateway.md, card
// encryption), so a batch of 100 advices costs one scalar multiplication,
// not 100; each card still has its own wrapped content key, IV and tag,
// all checked. It lives for one request: the request clears it.
type agreements map[string][]byte

// forget clears the remembered keys.
func (a agreements) forget() {
	for h, kek := range a {
		clear(kek)
		delete(a, h)
	}
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

// ecdhesHeaderKeys are the protected-header members openECDHES reads; a
// JWE with any other member (zip, crit, …) goes through go-jose.
var ecdhesHeaderKeys = map[string]bool{"alg": true, "enc": true, "kid": true, "cty": true, "epk": true, "apu": true, "apv": true}

// openECDHES is openCard's path for what terminals send: a compact
// ECDH-ES+A256KW / A256GCM JWE for one of the EC card keys, with no header
// member but those of ecdhesHeaderKeys. Parsing it through go-jose (its
// JSON fork, header sanitising, generic decrypter) cost half as much again
// as the key agreement itself. handled is false for any other JWE, which
// openJOSE then opens; once handled, err is the JWE's fault. The checks are
// go-jose's: algorithms, the key's own algorithm, IV and tag sizes, the
// protected header as the AEAD's additional data.
//
// ag, when not nil, holds the key agreements of the request so far: a
// protected header seen before reuses its key-encryption key.
func (keys *cardKeys) openECDHES(compact string, ag agreements) (plain []byte, handled bool, err error) {
	parts := strings.Split(compact, ".")
	if len(parts) != 5 {
		return nil, false, nil
	}
	hb, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[0], "="))
	if err != nil {
		return nil, false, nil
	}
	var h map[string]json.RawMessage
	if json.Unmarshal(hb, &h) != nil {
		return nil, false, nil
	}
	str := map[string]string{}
	for name, v := range h {
		if !ecdhesHeaderKeys[name] {
			return nil, false, nil
		}
		if name == "epk" {
			continue
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			return nil, false, nil
		}
		str[name] = s
	}
	if str["alg"] != string(jose.ECDH_ES_A256KW) || str["enc"] != string(jose.A256GCM) {
		return nil, false, nil
	}
	k := keys.forKID(str["kid"])
	u, ok := keys.unwrap[k.KeyID]
	if !ok || k.Algorithm != string(jose.ECDH_ES_A256KW) {
		return nil, false, nil // openJOSE says why
	}
	fail := func(why string) ([]byte, bool, error) {
		return nil, true, fmt.Errorf("%w: %s", errSealedCard, why)
	}
	var bin [4][]byte
	for i, p := range parts[1:] {
		// go-jose accepts padding; so does this path, to refuse nothing it opens.
		if bin[i], err = base64.RawURLEncoding.DecodeString(strings.TrimRight(p, "=")); err != nil {
			return fail("a part is not base64url")
		}
	}
	wrapped, iv, ct, tag := bin[0], bin[1], bin[2], bin[3]
	if len(iv) != 12 || len(tag) < 16 {
		return fail("A256GCM wants a 12-byte IV and a 16-byte tag")
	}
	kek := ag[parts[0]]
	if kek == nil {
		var epk any
		if json.Unmarshal(h["epk"], &epk) != nil {
			return fail("epk is not a JWK")
		}
		var apu, apv any
		if v, ok := str["apu"]; ok {
			apu = v
		}
		if v, ok := str["apv"]; ok {
			apv = v
		}
		if kek, err = u.agree(epk, apu, apv); err != nil {
			return fail(err.Error())
		}
		if ag != nil {
			ag[parts[0]] = kek
		} else {
			defer clear(kek)
		}
	}
	cek, err := unwrapWith(kek, wrapped)
	if err != nil {
		return fail(err.Error())
	}
	defer clear(cek)
	block, err := aes.NewCipher(cek)
	if err != nil {
		return fail("content key is not AES-256")
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return fail(err.Error())
	}
	plain, err = gcm.Open(nil, iv, append(ct, tag...), []byte(parts[0]))
	if err != nil {
		return fail("content does not decrypt")
	}
	return plain, true, nil
}
