package gatewaysim

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// sealWithGoJose seals plain for key with go-jose's own encrypter: an
// implementation independent of the terminal's.
func sealWithGoJose(t testing.TB, key jose.JSONWebKey, extra map[jose.HeaderKey]any) string {
	t.Helper()
	enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.KeyAlgorithm(key.Algorithm), Key: key.Public().Key, KeyID: key.KeyID},
		&jose.EncrypterOptions{ExtraHeaders: extra})
	if err != nil {
		t.Fatal(err)
	}
	obj, err := enc.Encrypt([]byte(`{"pan":"4970100000000014","expiry":"2812"}`))
	if err != nil {
		t.Fatal(err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testCardKeys(t testing.TB) (*cardKeys, jose.JSONWebKey, jose.JSONWebKey) {
	t.Helper()
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecJWK := jose.JSONWebKey{Key: ec, KeyID: "ec-1", Algorithm: string(jose.ECDH_ES_A256KW), Use: "enc"}
	rsaJWK := jose.JSONWebKey{Key: rk, KeyID: "rsa-0", Algorithm: string(jose.RSA_OAEP_256), Use: "enc"}
	keys, err := newCardKeys(&keyFile{Card: ecJWK, CardRetired: []jose.JSONWebKey{rsaJWK}})
	if err != nil {
		t.Fatal(err)
	}
	return keys, ecJWK, rsaJWK
}

// openECDHES takes the JWEs terminals send and leaves every other one to
// go-jose; both open what the other opens, alike.
func TestOpenECDHESAgreesWithGoJose(t *testing.T) {
	keys, ecJWK, rsaJWK := testCardKeys(t)
	for name, tc := range map[string]struct {
		jwe     string
		handled bool
	}{
		"terminal's":   {sealWithGoJose(t, ecJWK, nil), true},
		"cty":          {sealWithGoJose(t, ecJWK, map[jose.HeaderKey]any{"cty": "application/json"}), true},
		"other member": {sealWithGoJose(t, ecJWK, map[jose.HeaderKey]any{"x-note": "1"}), false},
		"RSA":          {sealWithGoJose(t, rsaJWK, nil), false},
	} {
		fast, handled, err := keys.openECDHES(tc.jwe)
		if handled != tc.handled || (handled && err != nil) {
			t.Errorf("%s: handled %v, %v; want handled %v", name, handled, err, tc.handled)
		}
		slow, err := keys.openJOSE(tc.jwe)
		if err != nil {
			t.Fatalf("%s: go-jose: %v", name, err)
		}
		if handled && !bytes.Equal(fast, slow) {
			t.Errorf("%s: opened %q, go-jose %q", name, fast, slow)
		}
		if sc, err := openCard(keys, tc.jwe); err != nil || sc.PAN != "4970100000000014" {
			t.Errorf("%s: openCard %+v, %v", name, sc, err)
		}
	}
	// A forged tag does not open.
	good := sealWithGoJose(t, ecJWK, nil)
	if _, err := openCard(keys, good[:len(good)-2]+"AA"); err == nil {
		t.Error("a JWE with a forged tag opened")
	}
}

// FuzzOpenCard: openCard (fast path first) and go-jose alone agree on any
// string: both refuse it, or both open it to the same bytes.
func FuzzOpenCard(f *testing.F) {
	keys, ecJWK, rsaJWK := testCardKeys(f)
	good := sealWithGoJose(f, ecJWK, nil)
	f.Add(good)
	f.Add(sealWithGoJose(f, rsaJWK, nil))
	parts := strings.Split(good, ".")
	f.Add(strings.Join([]string{parts[0] + "==", parts[1], parts[2] + "=", parts[3], parts[4]}, "."))
	f.Add(strings.Join([]string{parts[0], parts[1], parts[2], parts[3][:len(parts[3])-4], parts[3][len(parts[3])-4:] + parts[4]}, "."))
	f.Add(strings.Join([]string{parts[0], parts[1], parts[2], parts[3], parts[4][:8]}, "."))
	f.Add(strings.Join(parts[:4], "."))
	f.Fuzz(func(t *testing.T, jwe string) {
		fast, handled, ferr := keys.openECDHES(jwe)
		slow, serr := keys.openJOSE(jwe)
		if !handled {
			return
		}
		if (ferr == nil) != (serr == nil) || !bytes.Equal(fast, slow) {
			t.Fatalf("fast path %q, %v; go-jose %q, %v", fast, ferr, slow, serr)
		}
	})
}

// FuzzPlainKeys: whenever plainKeys lets an object through, json.Unmarshal
// reads it as decodeExact does.
func FuzzPlainKeys(f *testing.F) {
	for _, s := range []string{
		`{"pan":"4970100000000014","expiry":"2812","track2":"4970=2812"}`,
		`{"PAN":"1","pan":"2"}`, `{"pan":"1","PAN":"2"}`, `{"p\u0061n":"1"}`, `{"ſpan":"1"}`,
		`{"pan":"1","x":{"pan":"2","Pan":[1,"\"pan\""]}}`, ` {"pan" : "1" , "panSeq":"01"} `,
		`{"orderID":"o","amount":100,"offline":true,"orderId":"p"}`, `{"amount":1e2}`, `[]`, `{}`,
	} {
		f.Add(s)
	}
	check := func(t *testing.T, b []byte, fields map[string]reflect.Type, fresh func() any) {
		if !json.Valid(b) || !plainKeys(b, fields) {
			return
		}
		got, want := fresh(), fresh()
		gerr, werr := json.Unmarshal(b, got), decodeExact(b, want)
		if (gerr == nil) != (werr == nil) || (gerr == nil && !reflect.DeepEqual(got, want)) {
			t.Fatalf("%s: Unmarshal %+v, %v; decodeExact %+v, %v", b, got, gerr, want, werr)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		check(t, []byte(s), sealedCardFields(), func() any { return new(sealedCard) })
		check(t, []byte(s), saleFields(), func() any { return new(emvSaleRequest) })
	})
}
