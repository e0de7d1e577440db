package gatewaysim

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// keyFile is the simulator's key material on disk (0600): the IdP signing
// keys, newest last, the card-encryption key it publishes, and the card
// keys it published before (CardRetired): a terminal caches the published
// key for a while (an hour by default), so card data sealed to a retired
// key still opens.
type keyFile struct {
	Signing     []jose.JSONWebKey `json:"signing"`
	Card        jose.JSONWebKey   `json:"card"`
	CardRetired []jose.JSONWebKey `json:"card_retired,omitempty"`
}

// Card-encryption key types (Opts.CardKeyType, gatewaysim --card-key).
const (
	CardKeyEC  = "EC"  // P-256, ECDH-ES+A256KW: the default
	CardKeyRSA = "RSA" // RSA-OAEP-256, Opts.CardKeyBits
)

// maxRetiredCardKeys bounds the retired card keys kept for opening.
const maxRetiredCardKeys = 3

// maxSigningKeys is how many signing keys the JWKS keeps: the active one
// plus recently retired ones, so tokens signed before a rotation stay
// verifiable (OIDC Core §10.1.1).
const maxSigningKeys = 3

func newRSAJWK(now time.Time, bits int, use string, alg string) (jose.JSONWebKey, error) {
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return jose.JSONWebKey{}, fmt.Errorf("gatewaysim: generating key: %w", err)
	}
	var id [9]byte
	rand.Read(id[:])
	kid := now.UTC().Format("20060102") + "-" + base64.RawURLEncoding.EncodeToString(id[:])
	return jose.JSONWebKey{Key: k, KeyID: kid, Use: use, Algorithm: alg}, nil
}

func newCardJWK(now time.Time, typ string, rsaBits int) (jose.JSONWebKey, error) {
	if typ == CardKeyRSA {
		return newRSAJWK(now, rsaBits, "enc", string(jose.RSA_OAEP_256))
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return jose.JSONWebKey{}, fmt.Errorf("gatewaysim: generating key: %w", err)
	}
	var id [9]byte
	rand.Read(id[:])
	kid := now.UTC().Format("20060102") + "-" + base64.RawURLEncoding.EncodeToString(id[:])
	return jose.JSONWebKey{Key: k, KeyID: kid, Use: "enc", Algorithm: string(jose.ECDH_ES_A256KW)}, nil
}

// cardKeyType is the type of a card key: CardKeyEC, CardKeyRSA or "".
func cardKeyType(k jose.JSONWebKey) string {
	switch p := k.Key.(type) {
	case *rsa.PrivateKey:
		return CardKeyRSA
	case *ecdsa.PrivateKey:
		if p.Curve == elliptic.P256() {
			return CardKeyEC
		}
	}
	return ""
}

// loadKeys reads dir's key file, or makes one. A card key of another type
// than cardType is retired (still opened, no longer published) and a new
// one of cardType made: switching --card-key on a data directory takes
// effect without losing what terminals sealed to the old key.
func loadKeys(now time.Time, dir string, bits int, cardType string, cardBits int) (*keyFile, error) {
	path := filepath.Join(dir, "keys.json")
	b, err := os.ReadFile(path)
	if err == nil {
		var kf keyFile
		if err := json.Unmarshal(b, &kf); err != nil || len(kf.Signing) == 0 {
			return nil, fmt.Errorf("gatewaysim: %s is not a key file", path)
		}
		for _, k := range kf.Signing {
			if _, ok := k.Key.(*rsa.PrivateKey); !ok {
				return nil, fmt.Errorf("gatewaysim: %s holds a non-RSA-private signing key", path)
			}
		}
		for _, k := range append([]jose.JSONWebKey{kf.Card}, kf.CardRetired...) {
			if cardKeyType(k) == "" {
				return nil, fmt.Errorf("gatewaysim: %s holds a card key that is neither RSA nor P-256 private", path)
			}
		}
		if cardKeyType(kf.Card) == cardType {
			return &kf, nil
		}
		ck, err := newCardJWK(now, cardType, cardBits)
		if err != nil {
			return nil, err
		}
		kf.CardRetired = append(kf.CardRetired, kf.Card)
		if n := len(kf.CardRetired); n > maxRetiredCardKeys {
			kf.CardRetired = kf.CardRetired[n-maxRetiredCardKeys:]
		}
		kf.Card = ck
		return &kf, saveKeys(dir, &kf)
	}
	if !os.IsNotExist(err) {
		return nil, fmt.Errorf("gatewaysim: reading keys: %w", err)
	}
	var kf keyFile
	sk, err := newRSAJWK(now, bits, "sig", string(jose.RS256))
	if err != nil {
		return nil, err
	}
	kf.Signing = []jose.JSONWebKey{sk}
	if kf.Card, err = newCardJWK(now, cardType, cardBits); err != nil {
		return nil, err
	}
	return &kf, saveKeys(dir, &kf)
}

func saveKeys(dir string, kf *keyFile) error {
	b, err := json.Marshal(kf)
	if err != nil {
		return fmt.Errorf("gatewaysim: encoding keys: %w", err)
	}
	path := filepath.Join(dir, "keys.json")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("gatewaysim: writing keys: %w", err)
	}
	return os.Rename(tmp, path)
}

func publicSet(keys ...jose.JSONWebKey) jose.JSONWebKeySet {
	var set jose.JSONWebKeySet
	for _, k := range keys {
		set.Keys = append(set.Keys, k.Public())
	}
	return set
}
