package gateway_test

import (
	"crypto/rand"
	"crypto/rsa"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"tpe/payment/gateway"
)

// The card travels as a compact JWE (RFC 7516 §7.1) and only as that: the
// simulator's vault refuses the JSON serialization rather than guessing.
func TestOpenCardCompactOnly(t *testing.T) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	key := &jose.JSONWebKey{Key: &priv.PublicKey, KeyID: "card-1", Use: "enc"}
	compact, err := gateway.SealCard(key, testCard())
	if err != nil {
		t.Fatal(err)
	}
	sc, err := gateway.OpenCard(priv, compact)
	if err != nil {
		t.Fatalf("OpenCard(compact): %v", err)
	}
	if sc.PAN != testPAN || sc.Expiry != "3012" {
		t.Errorf("got PAN %q expiry %q, want the sealed card back", sc.PAN, sc.Expiry)
	}

	obj, err := jose.ParseEncryptedCompact(compact, []jose.KeyAlgorithm{gateway.CardKeyAlg}, []jose.ContentEncryption{gateway.CardEnc})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gateway.OpenCard(priv, obj.FullSerialize()); err == nil {
		t.Error("OpenCard accepted a JSON-serialized JWE, want an error")
	}
}
