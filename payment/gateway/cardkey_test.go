package gateway_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"tpe/payment/gateway"
	"tpe/payment/gateway/gatewaysim"
)

// The terminal seals card data to whatever key the gateway publishes: the
// simulator's EC key by default, its RSA key when asked, and the sale goes
// through end to end either way (the simulator opens the JWE, checks the
// ICC amount and approves).
func TestCardKeyECAndRSAEndToEnd(t *testing.T) {
	for _, tc := range []struct {
		typ string
		alg jose.KeyAlgorithm
	}{
		{"", gateway.CardKeyAlgEC},
		{gatewaysim.CardKeyEC, gateway.CardKeyAlgEC},
		{gatewaysim.CardKeyRSA, gateway.CardKeyAlg},
	} {
		t.Run("type="+tc.typ, func(t *testing.T) {
			e := newEnv(t, &gatewaysim.Opts{CardKeyType: tc.typ, CardKeyBits: 1024}, nil)
			pub := e.sim.CardKey()
			if pub.Algorithm != string(tc.alg) || pub.Use != "enc" {
				t.Fatalf("published card key alg %q use %q, want %s/enc", pub.Algorithm, pub.Use, tc.alg)
			}
			c := e.client(t, nil)
			res, err := c.Sale(context.Background(), sale(orderID(t), 1250))
			if err != nil || !res.Approved {
				t.Fatalf("sale sealed to the %s key: %+v, %v", tc.alg, res, err)
			}
			// What went over the wire names the published key's algorithm.
			compact, err := gateway.SealCard(&pub, testCard())
			if err != nil {
				t.Fatal(err)
			}
			obj, err := jose.ParseEncryptedCompact(compact, gateway.CardKeyAlgs, []jose.ContentEncryption{gateway.CardEnc})
			if err != nil || obj.Header.Algorithm != string(tc.alg) || obj.Header.KeyID != pub.KeyID {
				t.Fatalf("JWE header %+v, %v; want alg %s kid %s", obj.Header, err, tc.alg, pub.KeyID)
			}
		})
	}
}

// Switching the simulator's card key type keeps the old key for opening:
// a terminal that cached it still gets its sale through.
func TestCardKeySwitchKeepsOldKeyForOpening(t *testing.T) {
	dir := simDir(t)
	sim, err := gatewaysim.New(dir, &gatewaysim.Opts{CardKeyType: gatewaysim.CardKeyEC})
	if err != nil {
		t.Fatal(err)
	}
	old := sim.CardKey()
	sim.Close()
	e := newEnvIn(t, dir, &gatewaysim.Opts{CardKeyType: gatewaysim.CardKeyRSA, CardKeyBits: 1024})
	if k := e.sim.CardKey(); k.Algorithm != string(gateway.CardKeyAlg) || k.KeyID == old.KeyID {
		t.Fatalf("after the switch the published key is %s %s, want a new RSA key", k.Algorithm, k.KeyID)
	}
	c := e.client(t, func(o *gateway.Opts) { o.CardKey = &old })
	if res, err := c.Sale(context.Background(), sale(orderID(t), 1250)); err != nil || !res.Approved {
		t.Fatalf("sale sealed to the retired EC key: %+v, %v", res, err)
	}
}

func TestSealCardRefusesKeysItCannotUse(t *testing.T) {
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	r, _ := rsa.GenerateKey(rand.Reader, 1024)
	for name, k := range map[string]*jose.JSONWebKey{
		"P-384":            {Key: &p384.PublicKey, Use: "enc"},
		"signing key":      {Key: &p256.PublicKey, Use: "sig"},
		"EC with RSA alg":  {Key: &p256.PublicKey, Algorithm: string(jose.RSA_OAEP_256)},
		"RSA with ECDH":    {Key: &r.PublicKey, Algorithm: string(jose.ECDH_ES_A256KW)},
		"RSA-OAEP (SHA-1)": {Key: &r.PublicKey, Algorithm: string(jose.RSA_OAEP)},
		"private key":      {Key: p256, Use: "enc"},
	} {
		if _, err := gateway.SealCard(k, testCard()); !errors.Is(err, gateway.ErrNoCardKey) {
			t.Errorf("%s: SealCard error %v, want ErrNoCardKey", name, err)
		}
	}
	// The EC key opens what was sealed to it; the clear PAN is inside only.
	k := &jose.JSONWebKey{Key: &p256.PublicKey, KeyID: "ec-1", Use: "enc", Algorithm: string(jose.ECDH_ES_A256KW)}
	compact, err := gateway.SealCard(k, testCard())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(compact, testPAN) {
		t.Fatal("the clear PAN is in the JWE")
	}
	sc, err := gateway.OpenCard(p256, compact)
	if err != nil || sc.PAN != testPAN {
		t.Fatalf("OpenCard with the EC key: %+v, %v", sc.PAN == testPAN, err)
	}
	if _, err := gateway.OpenCard(r, compact); err == nil {
		t.Fatal("an RSA key opened an ECDH-ES JWE")
	}
}
