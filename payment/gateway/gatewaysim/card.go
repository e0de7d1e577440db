package gatewaysim

import (
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"

	"github.com/go-jose/go-jose/v4"
)

// errSealedCard is card data that does not open: not a JWE of the accepted
// algorithms, not for one of the simulator's card keys, or not a sealed
// card inside.
var errSealedCard = errors.New("gatewaysim: card data cannot be opened")

// cardKeyAlgs are the key-management algorithms of card data: ECDH-ES+A256KW
// for the P-256 key, RSA-OAEP-256 for an RSA key.
var cardKeyAlgs = []jose.KeyAlgorithm{jose.ECDH_ES_A256KW, jose.RSA_OAEP_256}

// openCard decrypts emvSaleRequest.CardData (docs/gateway.md, card
// encryption): a compact JWE, A256GCM content, its key wrapped for the card
// key published at /keys/card or a retired one, chosen by the JWE's "kid".
// The algorithm must be the key's own: an RSA key opens RSA-OAEP-256 only,
// the EC key ECDH-ES+A256KW only. Nothing else is accepted. ag carries a
// batch's key agreements (nil for a single sale).
func openCard(keys *cardKeys, compact string, ag agreements) (sealedCard, error) {
	var sc sealedCard
	plain, handled, err := keys.openECDHES(compact, ag)
	if !handled {
		plain, err = keys.openJOSE(compact)
	}
	if err != nil {
		return sc, err
	}
	defer clear(plain)
	err = json.Unmarshal(plain, &sc)
	if !plainKeys(plain, sealedCardFields()) {
		sc = sealedCard{}
		err = decodeExact(plain, &sc)
	}
	if err != nil {
		return sc, fmt.Errorf("%w: not a sealed card", errSealedCard)
	}
	return sc, nil
}

// openJOSE opens a JWE of either algorithm through go-jose.
func (keys *cardKeys) openJOSE(compact string) ([]byte, error) {
	obj, err := jose.ParseEncryptedCompact(compact, cardKeyAlgs, []jose.ContentEncryption{jose.A256GCM})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errSealedCard, err)
	}
	k := keys.forKID(obj.Header.KeyID)
	if obj.Header.Algorithm != k.Algorithm {
		return nil, fmt.Errorf("%w: %s for a %s key", errSealedCard, obj.Header.Algorithm, k.Algorithm)
	}
	key := k.Key
	if u, ok := keys.unwrap[k.KeyID]; ok {
		key = u
	}
	plain, err := obj.Decrypt(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errSealedCard, err)
	}
	return plain, nil
}

// forKID is the card key a JWE's kid names; a JWE without kid (or with
// an unknown one) is for the published key.
func (keys *cardKeys) forKID(kid string) jose.JSONWebKey {
	if k, ok := keys.byID[kid]; ok {
		return k
	}
	return keys.active
}

// sealedCardFields are sealedCard's JSON names.
var sealedCardFields = sync.OnceValue(func() map[string]reflect.Type {
	m := map[string]reflect.Type{}
	jsonFields(reflect.TypeOf(sealedCard{}), m)
	return m
})

// cardKeys are the card keys that open card data, by key ID.
type cardKeys struct {
	active jose.JSONWebKey
	byID   map[string]jose.JSONWebKey
	unwrap map[string]*ecdhesUnwrapper // the EC keys' fast path (ecdhes.go)
}

func newCardKeys(kf *keyFile) (*cardKeys, error) {
	ck := &cardKeys{active: kf.Card, byID: map[string]jose.JSONWebKey{}, unwrap: map[string]*ecdhesUnwrapper{}}
	for _, k := range append([]jose.JSONWebKey{kf.Card}, kf.CardRetired...) {
		if k.Algorithm == "" {
			// Key files written before the card key carried its alg
			// held RSA keys only.
			k.Algorithm = string(jose.RSA_OAEP_256)
		}
		ck.byID[k.KeyID] = k
		if k.KeyID == kf.Card.KeyID {
			ck.active = k
		}
		if ec, ok := k.Key.(*ecdsa.PrivateKey); ok {
			u, err := newECDHESUnwrapper(ec)
			if err != nil {
				return nil, err
			}
			ck.unwrap[k.KeyID] = u
		}
	}
	return ck, nil
}

// cardKeys returns the keys that open card data.
func (s *Server) cardKeys() *cardKeys {
	s.keyMu.RLock()
	defer s.keyMu.RUnlock()
	return s.card
}
