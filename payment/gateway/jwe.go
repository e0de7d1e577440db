package gateway

import (
	"context"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/go-jose/go-jose/v4"
	josecipher "github.com/go-jose/go-jose/v4/cipher"

	"tpe/payment"
)

// Card data goes to the gateway sealed with JWE (RFC 7516) to the gateway's
// published card-encryption key (a JWKS at {base}/keys/card with use
// "enc"): ECDH-ES+A256KW on P-256 for an EC key, RSA-OAEP-256 for an RSA
// key, A256GCM content encryption either way. The key decides: the terminal
// seals to whatever the gateway publishes (the first usable key of the set,
// the gateway's preference). TLS protects the channel; the JWE keeps PAN
// and track 2 unreadable to anything that terminates TLS before the
// gateway's card vault. EC is the gateway simulator's default: opening an
// ECDH-ES JWE costs a P-256 scalar multiplication, about a twentieth of an
// RSA-2048 private operation, which decides the gateway's throughput; and
// the cards of a batch share one key agreement (cardSealer).
const (
	CardKeyAlg   = jose.RSA_OAEP_256 // key wrap for an RSA card key
	CardKeyAlgEC = jose.ECDH_ES_A256KW
	CardEnc      = jose.A256GCM
)

// CardKeyAlgs are the key-management algorithms a card JWE may use.
var CardKeyAlgs = []jose.KeyAlgorithm{CardKeyAlgEC, CardKeyAlg}

// cardAlg returns the key-management algorithm for a published card key,
// or an error when the key is not one the terminal seals to: an RSA key
// (RSA-OAEP-256) or a P-256 EC key (ECDH-ES+A256KW), with an "alg" that,
// when present, names that algorithm.
func cardAlg(key *jose.JSONWebKey) (jose.KeyAlgorithm, any, error) {
	if key.Use != "" && key.Use != "enc" {
		return "", nil, fmt.Errorf("%w: key %q is for %q, not encryption", ErrNoCardKey, key.KeyID, key.Use)
	}
	var alg jose.KeyAlgorithm
	var pub any
	switch k := key.Key.(type) {
	case *rsa.PublicKey:
		alg, pub = CardKeyAlg, k
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return "", nil, fmt.Errorf("%w: EC key %q is not on P-256", ErrNoCardKey, key.KeyID)
		}
		alg, pub = CardKeyAlgEC, k
	default:
		return "", nil, fmt.Errorf("%w: key %q is neither an RSA nor an EC public key", ErrNoCardKey, key.KeyID)
	}
	if key.Algorithm != "" && key.Algorithm != string(alg) {
		return "", nil, fmt.Errorf("%w: key %q is for %s, not %s", ErrNoCardKey, key.KeyID, key.Algorithm, alg)
	}
	return alg, pub, nil
}

// SealCard encrypts card data to key (RSA or P-256 EC, see cardAlg), with
// a key agreement of its own.
func SealCard(key *jose.JSONWebKey, card payment.CardData) (string, error) {
	s, err := newCardSealer(key)
	if err != nil {
		return "", err
	}
	defer s.close()
	return s.seal(card)
}

// cardSealer seals the cards of one request to the gateway's card key.
// For an EC key, one ECDH-ES key agreement serves the whole request: the
// ephemeral key and the key-encryption key it yields live as long as the
// request (a single sale, or one batch of offline advices) and each card
// still gets its own random content key and IV, wrapped with AES key wrap
// (RFC 3394), the wrap made to carry many keys under one KEK. Every card's
// JWE stays a standard one that any JOSE library opens alone; it just
// shares its protected header, epk included, with the request's other
// cards. The gain is the gateway's: a batch of 100 advices costs it one
// scalar multiplication instead of 100 (docs/gateway.md, card encryption).
type cardSealer struct {
	alg jose.KeyAlgorithm
	pub any
	kid string
	// ECDH-ES+A256KW only: the request's protected header (base64url,
	// the AEAD's additional data) and key-encryption key.
	protected string
	kek       []byte
}

func newCardSealer(key *jose.JSONWebKey) (*cardSealer, error) {
	alg, pub, err := cardAlg(key)
	if err != nil {
		return nil, err
	}
	s := &cardSealer{alg: alg, pub: pub, kid: key.KeyID}
	if ec, ok := pub.(*ecdsa.PublicKey); ok {
		if err := s.agree(ec); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// close forgets the request's key-encryption key.
func (s *cardSealer) close() { clear(s.kek) }

// seal is the compact JWE of one card. It is the one place where the clear
// PAN and track 2 are read (Digits, Reveal).
func (s *cardSealer) seal(card payment.CardData) (string, error) {
	sc := SealedCard{PAN: card.PAN.Digits(), Expiry: card.Expiry, PANSeq: card.PANSeq,
		Track2: hex.EncodeToString(card.Track2.Reveal()), ICC: hex.EncodeToString(card.ICC.Reveal())}
	plain, err := json.Marshal(sc)
	if err != nil {
		return "", fmt.Errorf("gateway: sealing card: %w", err)
	}
	defer clear(plain)
	if s.kek != nil {
		return s.sealECDHES(plain)
	}
	enc, err := jose.NewEncrypter(CardEnc, jose.Recipient{Algorithm: s.alg, Key: s.pub, KeyID: s.kid},
		(&jose.EncrypterOptions{}).WithContentType("application/json"))
	if err != nil {
		return "", fmt.Errorf("gateway: sealing card: %w", err)
	}
	obj, err := enc.Encrypt(plain)
	if err != nil {
		return "", fmt.Errorf("gateway: sealing card: %w", err)
	}
	return obj.CompactSerialize()
}

// jweHeader is the protected header of an ECDH-ES+A256KW card JWE.
type jweHeader struct {
	Alg string `json:"alg"`
	Enc string `json:"enc"`
	Kid string `json:"kid,omitempty"`
	Cty string `json:"cty"`
	EPK epkJWK `json:"epk"`
}

type epkJWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

var b64 = base64.RawURLEncoding.EncodeToString

// agree makes the request's ECDH-ES+A256KW key agreement with the card key
// (RFC 7518 §4.6, no apu or apv): a fresh ephemeral P-256 key, the Concat
// KDF of the shared secret into a 256-bit key-encryption key, and the
// protected header that carries the ephemeral public key. It goes through
// crypto/ecdh: go-jose's encrypter uses the deprecated big-integer
// elliptic API, three times the cost. The Concat KDF is go-jose's.
func (s *cardSealer) agree(pub *ecdsa.PublicKey) error {
	recipient, err := pub.ECDH()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNoCardKey, err)
	}
	eph, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("gateway: sealing card: %w", err)
	}
	z, err := eph.ECDH(recipient)
	if err != nil {
		return fmt.Errorf("gateway: sealing card: %w", err)
	}
	defer clear(z)
	point := eph.PublicKey().Bytes() // 0x04 ‖ X ‖ Y
	h, err := json.Marshal(jweHeader{Alg: string(CardKeyAlgEC), Enc: string(CardEnc), Kid: s.kid, Cty: "application/json",
		EPK: epkJWK{Kty: "EC", Crv: "P-256", X: b64(point[1:33]), Y: b64(point[33:65])}})
	if err != nil {
		return fmt.Errorf("gateway: sealing card: %w", err)
	}
	kek := make([]byte, 32)
	kdf := josecipher.NewConcatKDF(crypto.SHA256, z, lengthPrefixed([]byte(CardKeyAlgEC)),
		lengthPrefixed(nil), lengthPrefixed(nil), binary.BigEndian.AppendUint32(nil, 256), nil)
	if _, err := io.ReadFull(kdf, kek); err != nil {
		return fmt.Errorf("gateway: sealing card: %w", err)
	}
	s.protected, s.kek = b64(h), kek
	return nil
}

// sealECDHES is the compact JWE of plain under the request's key agreement,
// with a content key and IV of its own and A256GCM content (RFC 7516 §5.1,
// RFC 7518 §5.3): what go-jose's encrypter produces.
// TestSealCardRefusesKeysItCannotUse and TestBatchSealerSharesOneAgreement
// open the result with go-jose's own decrypter.
func (s *cardSealer) sealECDHES(plain []byte) (string, error) {
	cek := make([]byte, 32)
	defer clear(cek)
	iv := make([]byte, 12)
	rand.Read(cek)
	rand.Read(iv)
	kw, err := aes.NewCipher(s.kek)
	if err != nil {
		return "", fmt.Errorf("gateway: sealing card: %w", err)
	}
	wrapped, err := josecipher.KeyWrap(kw, cek)
	if err != nil {
		return "", fmt.Errorf("gateway: sealing card: %w", err)
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return "", fmt.Errorf("gateway: sealing card: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return "", fmt.Errorf("gateway: sealing card: %w", err)
	}
	sealed := gcm.Seal(nil, iv, plain, []byte(s.protected))
	ct, tag := sealed[:len(sealed)-gcm.Overhead()], sealed[len(sealed)-gcm.Overhead():]
	return s.protected + "." + b64(wrapped) + "." + b64(iv) + "." + b64(ct) + "." + b64(tag), nil
}

func lengthPrefixed(b []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(b))), b...)
}

// OpenCard decrypts a sealed card with the gateway's private key (simulator
// side): an *rsa.PrivateKey for RSA-OAEP-256, an *ecdsa.PrivateKey for
// ECDH-ES+A256KW. Only those with A256GCM are accepted, in the compact
// serialization.
func OpenCard(priv any, compact string) (SealedCard, error) {
	var sc SealedCard
	obj, err := jose.ParseEncryptedCompact(compact, CardKeyAlgs, []jose.ContentEncryption{CardEnc})
	if err != nil {
		return sc, fmt.Errorf("%w: card data: %v", ErrMalformedReply, err)
	}
	plain, err := obj.Decrypt(priv)
	if err != nil {
		return sc, fmt.Errorf("gateway: card data does not decrypt: %w", err)
	}
	defer clear(plain)
	if err := json.Unmarshal(plain, &sc); err != nil {
		return sc, fmt.Errorf("%w: sealed card is not JSON", ErrMalformedReply)
	}
	return sc, nil
}

// cardSealer is a sealer for one request, to the gateway's card key; the
// caller closes it.
func (c *Client) cardSealer(ctx context.Context) (*cardSealer, error) {
	key, err := c.cardKeyFor(ctx)
	if err != nil {
		return nil, err
	}
	return newCardSealer(key)
}

// cardKeyFor returns the pinned key, or the gateway's published one (cached).
func (c *Client) cardKeyFor(ctx context.Context) (*jose.JSONWebKey, error) {
	c.keyMu.Lock()
	defer c.keyMu.Unlock()
	if c.o.CardKey != nil {
		return c.o.CardKey, nil
	}
	if c.cardKey != nil && time.Since(c.keyAt) < c.o.CardKeyTTL {
		return c.cardKey, nil
	}
	var set jose.JSONWebKeySet
	if err := c.get(ctx, call{op: "card key", method: http.MethodGet, base: c.base, path: "keys/card", out: &set}); err != nil {
		if c.cardKey != nil {
			return c.cardKey, nil // keep the last good key through an outage
		}
		return nil, fmt.Errorf("%w: %w", ErrNoCardKey, err)
	}
	// The first key the terminal can seal to wins: the gateway lists its
	// preferred key first (during a key change, the new one).
	for i := range set.Keys {
		k := &set.Keys[i]
		if _, _, err := cardAlg(k); err == nil {
			c.cardKey, c.keyAt = k, time.Now()
			return k, nil
		}
	}
	return nil, fmt.Errorf("%w: no RSA or P-256 EC encryption key in the published set", ErrNoCardKey)
}
