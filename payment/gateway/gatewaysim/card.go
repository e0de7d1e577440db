package gatewaysim

import (
	"crypto/rsa"
	"errors"
	"fmt"

	"github.com/go-jose/go-jose/v4"
)

// errSealedCard is card data that does not open: not a JWE of the accepted
// algorithms, not for the simulator's key, or not a sealed card inside.
var errSealedCard = errors.New("gatewaysim: card data cannot be opened")

// openCard decrypts emvSaleRequest.CardData (docs/gateway.md, card
// encryption): a compact JWE, RSA-OAEP-256 key wrap and A256GCM content,
// to the card key published at /keys/card. Nothing else is accepted.
func openCard(priv *rsa.PrivateKey, compact string) (sealedCard, error) {
	var sc sealedCard
	obj, err := jose.ParseEncryptedCompact(compact, []jose.KeyAlgorithm{jose.RSA_OAEP_256}, []jose.ContentEncryption{jose.A256GCM})
	if err != nil {
		return sc, fmt.Errorf("%w: %v", errSealedCard, err)
	}
	plain, err := obj.Decrypt(priv)
	if err != nil {
		return sc, fmt.Errorf("%w: %v", errSealedCard, err)
	}
	defer clear(plain)
	if err := decodeExact(plain, &sc); err != nil {
		return sc, fmt.Errorf("%w: not a sealed card", errSealedCard)
	}
	return sc, nil
}
