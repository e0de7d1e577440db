package gateway

import (
	"context"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/go-jose/go-jose/v4"

	"tpe/payment"
)

// Card data goes to the gateway sealed with JWE (RFC 7516): RSA-OAEP-256
// key wrap + A256GCM content encryption, to the gateway's published
// card-encryption key (a JWKS at {base}/keys/card with use "enc"). TLS
// protects the channel; the JWE keeps PAN and track 2 unreadable to
// anything that terminates TLS before the gateway's card vault.
const (
	CardKeyAlg = jose.RSA_OAEP_256
	CardEnc    = jose.A256GCM
)

// SealCard encrypts card data to key. It is the one place where the clear
// PAN and track 2 are read (Digits, Reveal).
func SealCard(key *jose.JSONWebKey, card payment.CardData) (string, error) {
	pub, ok := key.Key.(*rsa.PublicKey)
	if !ok {
		return "", fmt.Errorf("%w: not an RSA public key", ErrNoCardKey)
	}
	enc, err := jose.NewEncrypter(CardEnc, jose.Recipient{Algorithm: CardKeyAlg, Key: pub, KeyID: key.KeyID},
		(&jose.EncrypterOptions{}).WithContentType("application/json"))
	if err != nil {
		return "", fmt.Errorf("gateway: sealing card: %w", err)
	}
	sc := SealedCard{PAN: card.PAN.Digits(), Expiry: card.Expiry, PANSeq: card.PANSeq,
		Track2: hex.EncodeToString(card.Track2.Reveal()), ICC: hex.EncodeToString(card.ICC.Reveal())}
	plain, err := json.Marshal(sc)
	if err != nil {
		return "", fmt.Errorf("gateway: sealing card: %w", err)
	}
	obj, err := enc.Encrypt(plain)
	clear(plain)
	if err != nil {
		return "", fmt.Errorf("gateway: sealing card: %w", err)
	}
	return obj.CompactSerialize()
}

// OpenCard decrypts a sealed card with the gateway's private key (simulator
// side). Only RSA-OAEP-256 + A256GCM are accepted.
func OpenCard(priv *rsa.PrivateKey, compact string) (SealedCard, error) {
	var sc SealedCard
	obj, err := jose.ParseEncryptedCompact(compact, []jose.KeyAlgorithm{CardKeyAlg}, []jose.ContentEncryption{CardEnc})
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

func (c *Client) sealCard(ctx context.Context, card payment.CardData) (string, error) {
	key, err := c.cardKeyFor(ctx)
	if err != nil {
		return "", err
	}
	return SealCard(key, card)
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
	for i := range set.Keys {
		k := &set.Keys[i]
		if _, ok := k.Key.(*rsa.PublicKey); ok && (k.Use == "" || k.Use == "enc") &&
			(k.Algorithm == "" || k.Algorithm == string(CardKeyAlg)) {
			c.cardKey, c.keyAt = k, time.Now()
			return k, nil
		}
	}
	return nil, fmt.Errorf("%w: no RSA encryption key in the published set", ErrNoCardKey)
}
