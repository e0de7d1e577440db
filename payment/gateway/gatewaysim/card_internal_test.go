package gatewaysim

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
	josecipher "github.com/go-jose/go-jose/v4/cipher"
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
		fast, handled, err := keys.openECDHES(tc.jwe, nil)
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
		if sc, err := openCard(keys, tc.jwe, nil); err != nil || sc.PAN != "4970100000000014" {
			t.Errorf("%s: openCard %+v, %v", name, sc, err)
		}
	}
	// A forged tag does not open.
	good := sealWithGoJose(t, ecJWK, nil)
	if _, err := openCard(keys, good[:len(good)-2]+"AA", nil); err == nil {
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
		slow, serr := keys.openJOSE(jwe)
		// Alone, and in a batch whose earlier advice agreed a key under
		// good's header: a remembered agreement opens nothing go-jose
		// would not.
		ag := agreements{}
		defer ag.forget()
		if _, _, err := keys.openECDHES(good, ag); err != nil {
			t.Fatal(err)
		}
		for _, a := range []agreements{nil, ag} {
			fast, handled, ferr := keys.openECDHES(jwe, a)
			if !handled {
				return
			}
			if (ferr == nil) != (serr == nil) || !bytes.Equal(fast, slow) {
				t.Fatalf("fast path (batch %v) %q, %v; go-jose %q, %v", a != nil, fast, ferr, slow, serr)
			}
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

// sealShared seals each plain text to the EC card key under one ECDH-ES
// key agreement, as a terminal seals a batch (docs/gateway.md): written
// here from RFC 7518 §4.6 with crypto/ecdh and go-jose's KDF and key wrap.
func sealShared(t *testing.T, key jose.JSONWebKey, plains ...string) []string {
	t.Helper()
	recipient, err := key.Key.(*ecdsa.PrivateKey).PublicKey.ECDH()
	if err != nil {
		t.Fatal(err)
	}
	eph, _ := ecdh.P256().GenerateKey(rand.Reader)
	z, _ := eph.ECDH(recipient)
	pt := eph.PublicKey().Bytes()
	b64 := base64.RawURLEncoding.EncodeToString
	h, _ := json.Marshal(map[string]any{"alg": "ECDH-ES+A256KW", "enc": "A256GCM", "kid": key.KeyID,
		"epk": map[string]string{"kty": "EC", "crv": "P-256", "x": b64(pt[1:33]), "y": b64(pt[33:])}})
	kek := make([]byte, 32)
	kdf := josecipher.NewConcatKDF(crypto.SHA256, z, lengthPrefixed([]byte("ECDH-ES+A256KW")), lengthPrefixed(nil), lengthPrefixed(nil), []byte{0, 0, 1, 0}, nil)
	kdf.Read(kek)
	kw, _ := aes.NewCipher(kek)
	var out []string
	for _, p := range plains {
		cek, iv := make([]byte, 32), make([]byte, 12)
		rand.Read(cek)
		rand.Read(iv)
		wrapped, _ := josecipher.KeyWrap(kw, cek)
		block, _ := aes.NewCipher(cek)
		gcm, _ := cipher.NewGCM(block)
		sealed := gcm.Seal(nil, iv, []byte(p), []byte(b64(h)))
		out = append(out, strings.Join([]string{b64(h), b64(wrapped), b64(iv), b64(sealed[:len(sealed)-16]), b64(sealed[len(sealed)-16:])}, "."))
	}
	return out
}

// A batch's cards sealed under one key agreement cost the simulator one
// agreement, and each opens to what go-jose opens; the remembered
// agreement opens nothing whose own parts do not check (a content key
// moved from another card, a forged tag).
func TestBatchAgreementOpensEachCardOnItsOwnMerits(t *testing.T) {
	keys, ecJWK, _ := testCardKeys(t)
	jwes := sealShared(t, ecJWK, `{"pan":"4970100000000014"}`, `{"pan":"5413330089010491"}`, `{"pan":"4000000000000051"}`)
	ag := agreements{}
	for i, jwe := range jwes {
		fast, handled, err := keys.openECDHES(jwe, ag)
		slow, serr := keys.openJOSE(jwe)
		if !handled || err != nil || serr != nil || !bytes.Equal(fast, slow) {
			t.Fatalf("card %d: %q, handled %v, %v; go-jose %q, %v", i, fast, handled, err, slow, serr)
		}
	}
	if len(ag) != 1 {
		t.Errorf("%d key agreements for one batch, want 1", len(ag))
	}
	p0, p1 := strings.Split(jwes[0], "."), strings.Split(jwes[1], ".")
	for name, jwe := range map[string]string{
		"another card's content key": strings.Join([]string{p0[0], p1[1], p0[2], p0[3], p0[4]}, "."),
		"forged tag":                 strings.Join([]string{p0[0], p0[1], p0[2], p0[3], p1[4]}, "."),
	} {
		if _, handled, err := keys.openECDHES(jwe, ag); !handled || err == nil {
			t.Errorf("%s: handled %v, %v; want refused", name, handled, err)
		}
	}
	ag.forget()
	if len(ag) != 0 {
		t.Error("agreements outlive their request")
	}
}
