package gatewaysim

import (
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
// keys, newest last, and the card-encryption key.
type keyFile struct {
	Signing []jose.JSONWebKey `json:"signing"`
	Card    jose.JSONWebKey   `json:"card"`
}

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

func loadKeys(now time.Time, dir string, bits, cardBits int) (*keyFile, error) {
	path := filepath.Join(dir, "keys.json")
	b, err := os.ReadFile(path)
	if err == nil {
		var kf keyFile
		if err := json.Unmarshal(b, &kf); err != nil || len(kf.Signing) == 0 {
			return nil, fmt.Errorf("gatewaysim: %s is not a key file", path)
		}
		for _, k := range append(kf.Signing, kf.Card) {
			if _, ok := k.Key.(*rsa.PrivateKey); !ok {
				return nil, fmt.Errorf("gatewaysim: %s holds a non-RSA-private key", path)
			}
		}
		return &kf, nil
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
	if kf.Card, err = newRSAJWK(now, cardBits, "enc", string(jose.RSA_OAEP_256)); err != nil {
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
