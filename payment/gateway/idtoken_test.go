package gateway_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"tpe/payment/gateway"
)

// testIdP is an identity provider written for these tests with go-jose
// alone, so the verifier is checked against tokens the simulator's code did
// not issue.
type testIdP struct {
	ts   *httptest.Server
	mu   sync.Mutex
	keys []jose.JSONWebKey // published (public parts)
	jwks int               // JWKS downloads
}

var (
	idpKeysOnce sync.Once
	rsaA, rsaB  *rsa.PrivateKey
	ecKey       *ecdsa.PrivateKey
)

func idpKeys() {
	idpKeysOnce.Do(func() {
		rsaA, _ = rsa.GenerateKey(rand.Reader, 2048)
		rsaB, _ = rsa.GenerateKey(rand.Reader, 2048)
		ecKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	})
}

const testClient = "tpe-cashier"

func newTestIdP(t *testing.T) *testIdP { return newTestIdPF(t) }

func newTestIdPF(t testing.TB) *testIdP {
	idpKeys()
	p := &testIdP{}
	p.keys = []jose.JSONWebKey{{Key: &rsaA.PublicKey, KeyID: "kid-a", Use: "sig", Algorithm: "RS256"},
		{Key: &ecKey.PublicKey, KeyID: "kid-ec", Use: "sig", Algorithm: "ES256"},
		// A symmetric key in a JWKS must never verify anything.
		{Key: []byte("0123456789abcdef0123456789abcdef"), KeyID: "kid-oct", Algorithm: "HS256"}}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"issuer": p.ts.URL, "jwks_uri": p.ts.URL + "/jwks",
			"token_endpoint": p.ts.URL + "/token", "id_token_signing_alg_values_supported": []string{"RS256", "ES256"}})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.jwks++
		set := jose.JSONWebKeySet{Keys: p.keys}
		p.mu.Unlock()
		json.NewEncoder(w).Encode(set)
	})
	p.ts = httptest.NewServer(mux)
	t.Cleanup(p.ts.Close)
	return p
}

func (p *testIdP) publish(k jose.JSONWebKey) {
	p.mu.Lock()
	p.keys = append(p.keys, k)
	p.mu.Unlock()
}

func (p *testIdP) fetches() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.jwks
}

type claims map[string]any

func (p *testIdP) good() claims {
	now := time.Now()
	return claims{"iss": p.ts.URL, "sub": "user-carol", "aud": testClient, "azp": testClient,
		"exp": now.Add(10 * time.Minute).Unix(), "iat": now.Unix(), "name": "Carol", "role": "supervisor"}
}

func sign(t testing.TB, alg jose.SignatureAlgorithm, key any, kid, typ string, c claims) string {
	t.Helper()
	o := &jose.SignerOptions{}
	if typ != "" {
		o = o.WithType(jose.ContentType(typ))
	}
	if kid != "" {
		o = o.WithHeader("kid", kid)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, o)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(s).Claims(map[string]any(c)).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func b64(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func TestIDTokenChecks(t *testing.T) {
	p := newTestIdP(t)
	v, err := gateway.NewIDVerifier(p.ts.URL, testClient, &gateway.IDOpts{Skew: time.Minute, MinRefetch: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rs := func(c claims) string { return sign(t, jose.RS256, rsaA, "kid-a", "JWT", c) }
	with := func(k string, val any) claims {
		c := p.good()
		if val == nil {
			delete(c, k)
		} else {
			c[k] = val
		}
		return c
	}
	now := time.Now()
	pubDER, _ := x509.MarshalPKIXPublicKey(&rsaA.PublicKey)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	good := p.good()
	tampered := rs(good)
	parts := strings.Split(tampered, ".")
	good2 := p.good()
	good2["role"] = "cashier"
	tampered = parts[0] + "." + b64(good2) + "." + parts[2]

	tests := []struct {
		name   string
		token  string
		reason string
	}{
		{"valid RS256", rs(p.good()), ""},
		{"valid ES256 with the second key", sign(t, jose.ES256, ecKey, "kid-ec", "JWT", p.good()), ""},
		{"expired within the skew is accepted", rs(with("exp", now.Add(-30*time.Second).Unix())), ""},
		{"expired", rs(with("exp", now.Add(-2*time.Minute).Unix())), gateway.ReasonExpired},
		{"not yet valid", rs(with("nbf", now.Add(5*time.Minute).Unix())), gateway.ReasonNotYetValid},
		{"nbf within the skew", rs(with("nbf", now.Add(30*time.Second).Unix())), ""},
		{"issued in the future", rs(with("iat", now.Add(5*time.Minute).Unix())), gateway.ReasonIssuedFuture},
		{"issued too long ago", rs(with("iat", now.Add(-48*time.Hour).Unix())), gateway.ReasonTooOld},
		{"wrong issuer", rs(with("iss", "https://evil.example")), gateway.ReasonIssuer},
		{"issuer with a trailing slash", rs(with("iss", p.ts.URL+"/")), gateway.ReasonIssuer},
		{"wrong audience", rs(with("aud", "someone-else")), gateway.ReasonAudience},
		{"extra untrusted audience", rs(with("aud", []string{testClient, "someone-else"})), gateway.ReasonAudience},
		{"azp of another client", rs(with("azp", "someone-else")), gateway.ReasonAZP},
		{"missing sub", rs(with("sub", nil)), gateway.ReasonMissingClaim},
		{"missing exp", rs(with("exp", nil)), gateway.ReasonMissingClaim},
		{"missing iat", rs(with("iat", nil)), gateway.ReasonMissingClaim},
		{"alg none", b64(map[string]string{"alg": "none", "typ": "JWT"}) + "." + b64(p.good()) + ".", gateway.ReasonAlg},
		{"alg none with kid", b64(map[string]string{"alg": "none", "kid": "kid-a"}) + "." + b64(p.good()) + ".", gateway.ReasonAlg},
		{"HS256 with the public key PEM as secret", sign(t, jose.HS256, pubPEM, "kid-a", "JWT", p.good()), gateway.ReasonAlg},
		{"HS256 with the public key DER as secret", sign(t, jose.HS256, pubDER, "kid-a", "JWT", p.good()), gateway.ReasonAlg},
		{"access token presented as ID token", sign(t, jose.RS256, rsaA, "kid-a", "at+jwt", p.good()), gateway.ReasonAccessToken},
		{"access token, media-type form", sign(t, jose.RS256, rsaA, "kid-a", "application/at+jwt", p.good()), gateway.ReasonAccessToken},
		{"signed by an unpublished key", sign(t, jose.RS256, rsaB, "kid-b", "JWT", p.good()), gateway.ReasonUnknownKey},
		{"unpublished key claiming a published kid", sign(t, jose.RS256, rsaB, "kid-a", "JWT", p.good()), gateway.ReasonSignature},
		{"RSA token naming the EC key", sign(t, jose.RS256, rsaA, "kid-ec", "JWT", p.good()), gateway.ReasonAlg},
		{"tampered payload", tampered, gateway.ReasonSignature},
		{"no kid with several keys", sign(t, jose.RS256, rsaA, "", "JWT", p.good()), gateway.ReasonUnknownKey},
		{"HS256 with the JWKS's symmetric key", sign(t, jose.HS256, []byte("0123456789abcdef0123456789abcdef"), "kid-oct", "JWT", p.good()), gateway.ReasonAlg},
		{"RS256 naming the symmetric key", sign(t, jose.RS256, rsaA, "kid-oct", "JWT", p.good()), gateway.ReasonUnknownKey},
		{"garbage", "not.a.token", gateway.ReasonMalformed},
		{"JWE instead of JWS", "eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIn0.a.b.c.d", gateway.ReasonMalformed},
		{"empty", "", gateway.ReasonMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := v.Verify(ctx, tt.token)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("valid token refused: %v", err)
				}
				if c.Subject != "user-carol" || c.Role != "supervisor" || c.Name != "Carol" {
					t.Fatalf("claims %+v", c)
				}
				return
			}
			var te *gateway.TokenError
			if !errors.As(err, &te) || te.Reason != tt.reason || !errors.Is(err, gateway.ErrInvalidIDToken) {
				t.Fatalf("got %v, want reason %s", err, tt.reason)
			}
			if tt.token != "" && strings.Contains(err.Error(), tt.token) {
				t.Fatalf("error contains the token")
			}
		})
	}
	// Unknown kids were asked for several times, but MinRefetch (1 h) allows
	// only the first fetch plus one refetch.
	if n := p.fetches(); n > 2 {
		t.Fatalf("%d JWKS fetches, want at most 2 (refetch on unknown kid is rate-limited)", n)
	}
}

func TestIDTokenKeyRotation(t *testing.T) {
	p := newTestIdP(t)
	now := time.Unix(1_800_000_000, 0)
	clock := now
	var mu sync.Mutex
	v, _ := gateway.NewIDVerifier(p.ts.URL, testClient, &gateway.IDOpts{MinRefetch: time.Minute,
		Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }})
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
	ctx := context.Background()
	c := p.good()
	c["iat"], c["exp"] = now.Unix(), now.Add(time.Hour).Unix()
	if _, err := v.Verify(ctx, sign(t, jose.RS256, rsaA, "kid-a", "JWT", c)); err != nil {
		t.Fatal(err)
	}
	// The IdP rotates to kid-b: a token with the new kid arrives before the
	// rate limit allows a refetch, then after.
	p.publish(jose.JSONWebKey{Key: &rsaB.PublicKey, KeyID: "kid-b", Use: "sig", Algorithm: "RS256"})
	newTok := sign(t, jose.RS256, rsaB, "kid-b", "JWT", c)
	if _, err := v.Verify(ctx, newTok); err == nil {
		t.Fatal("new kid accepted without a refetch")
	}
	for range 5 {
		v.Verify(ctx, sign(t, jose.RS256, rsaB, "kid-forged", "JWT", c))
	}
	if n := p.fetches(); n != 1 {
		t.Fatalf("%d JWKS fetches inside the rate-limit window, want 1", n)
	}
	advance(61 * time.Second)
	if _, err := v.Verify(ctx, newTok); err != nil {
		t.Fatalf("token with the rotated key after the refetch window: %v", err)
	}
	if n := p.fetches(); n != 2 {
		t.Fatalf("%d JWKS fetches, want 2", n)
	}
	// Old-key tokens still verify while the IdP keeps publishing the key.
	if _, err := v.Verify(ctx, sign(t, jose.RS256, rsaA, "kid-a", "JWT", c)); err != nil {
		t.Fatal(err)
	}
	// After MaxKeyAge (1 h) the set is refreshed even for a known kid; if
	// the IdP is down then, the last good keys keep working (a terminal
	// must sign cashiers in through an IdP outage).
	advance(2 * time.Hour)
	c["iat"], c["exp"] = clock.Unix(), clock.Add(time.Hour).Unix()
	tok := sign(t, jose.RS256, rsaA, "kid-a", "JWT", c)
	if _, err := v.Verify(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if n := p.fetches(); n != 3 {
		t.Fatalf("%d JWKS fetches, want a refresh after MaxKeyAge", n)
	}
	p.ts.Close()
	advance(2 * time.Hour)
	c["iat"], c["exp"] = clock.Unix(), clock.Add(time.Hour).Unix()
	if _, err := v.Verify(ctx, sign(t, jose.RS256, rsaA, "kid-a", "JWT", c)); err != nil {
		t.Fatalf("cached key through an IdP outage: %v", err)
	}
}

func TestDiscoveryIssuerMismatch(t *testing.T) {
	idpKeys()
	var url string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"issuer": "https://evil.example", "jwks_uri": url + "/jwks"})
	}))
	defer ts.Close()
	url = ts.URL
	v, _ := gateway.NewIDVerifier(ts.URL, testClient, nil)
	c := claims{"iss": ts.URL, "sub": "x", "aud": testClient, "exp": time.Now().Add(time.Minute).Unix(), "iat": time.Now().Unix()}
	_, err := v.Verify(context.Background(), sign(t, jose.RS256, rsaA, "kid-a", "JWT", c))
	var te *gateway.TokenError
	if !errors.As(err, &te) || te.Reason != gateway.ReasonDiscovery {
		t.Fatalf("discovery naming another issuer: %v", err)
	}
}

func TestIDVerifierOptions(t *testing.T) {
	if _, err := gateway.NewIDVerifier("", "x", nil); err == nil {
		t.Error("no issuer accepted")
	}
	if _, err := gateway.NewIDVerifier("https://i", "x", &gateway.IDOpts{Algs: []string{"HS256", "none"}}); err == nil {
		t.Error("an HMAC/none-only allow-list was accepted")
	}
	// A huge skew is clamped to MaxSkew: a token expired 10 minutes ago is refused.
	p := newTestIdP(t)
	v, _ := gateway.NewIDVerifier(p.ts.URL, testClient, &gateway.IDOpts{Skew: 24 * time.Hour})
	c := p.good()
	c["exp"] = time.Now().Add(-10 * time.Minute).Unix()
	if _, err := v.Verify(context.Background(), sign(t, jose.RS256, rsaA, "kid-a", "JWT", c)); err == nil {
		t.Error("skew not clamped")
	}
	// Discovery failure is a clear error.
	dead, _ := gateway.NewIDVerifier("http://127.0.0.1:1", testClient, nil)
	var te *gateway.TokenError
	if _, err := dead.Verify(context.Background(), sign(t, jose.RS256, rsaA, "kid-a", "JWT", c)); !errors.As(err, &te) || te.Reason != gateway.ReasonDiscovery {
		t.Errorf("unreachable issuer: %v", err)
	}
}
