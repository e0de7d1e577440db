package gateway

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
)

// IDVerifier checks the cashier's ID tokens: every check of OpenID Connect
// Core 1.0 §3.1.3.7 that applies to a token received from the device grant
// (no nonce: RFC 8628 has no authorisation request to carry one):
//
//  1. JWS only (a JWE or an unsecured token is refused); header alg in the
//     allow-list (asymmetric only: "none" and HMAC with the public key as
//     secret are impossible); typ "at+jwt" refused (an access token is not an
//     ID token, RFC 9068 §4);
//  2. signature by the JWKS key with that kid (go-oidc's verifier over our
//     key set, which also refuses a key whose use/alg do not fit);
//  3. iss exactly the discovered issuer; aud contains our client ID and no
//     audience we do not trust; azp present when there are several audiences
//     and equal to our client ID when present;
//  4. exp in the future, nbf (when present) in the past, iat not in the
//     future and not older than MaxAge, all with a bounded clock skew.
type IDVerifier struct {
	issuer   string
	clientID string
	o        IDOpts
	log      *slog.Logger

	mu       sync.Mutex
	provider *discovered
	keys     *KeySet
}

// IDOpts configures an IDVerifier.
type IDOpts struct {
	// Algs is the signature allow-list. Default RS256, PS256, ES256.
	// Symmetric algorithms (HS*) and "none" are refused even if listed.
	Algs []string
	// Skew is the clock-skew leeway on exp/nbf/iat. Default 60 s, at most 5 min.
	Skew time.Duration
	// MaxAge refuses tokens issued longer ago than this. Default 24 h.
	MaxAge time.Duration
	// TrustedAudiences may appear in aud besides our client ID.
	TrustedAudiences []string
	// HTTPClient fetches discovery and the JWKS (TLS settings of the gateway).
	HTTPClient *http.Client
	// MinRefetch rate-limits JWKS refetches on an unknown kid. Default 1 min.
	MinRefetch time.Duration
	// MaxKeyAge refetches the JWKS this long after the last fetch. Default 1 h.
	MaxKeyAge time.Duration
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
	// Logger; discard by default. Tokens are never logged.
	Logger *slog.Logger
}

// MaxSkew bounds IDOpts.Skew: larger leeways are clamped to it.
const MaxSkew = 5 * time.Minute

// IDClaims are the verified claims the terminal uses.
type IDClaims struct {
	Issuer            string         `json:"iss"`
	Subject           string         `json:"sub"`
	Audience          []string       `json:"aud"`
	AZP               string         `json:"azp,omitempty"`
	Expiry            time.Time      `json:"exp"`
	IssuedAt          time.Time      `json:"iat"`
	Name              string         `json:"name,omitempty"`
	PreferredUsername string         `json:"preferred_username,omitempty"`
	Role              string         `json:"role,omitempty"`
	Raw               map[string]any `json:"claims"`
}

// NewIDVerifier returns a verifier for tokens issued by issuer to clientID.
// Discovery is lazy: the terminal may start without network.
func NewIDVerifier(issuer, clientID string, o *IDOpts) (*IDVerifier, error) {
	if issuer == "" || clientID == "" {
		return nil, errors.New("gateway: id verifier needs an issuer and a client ID")
	}
	var opts IDOpts
	if o != nil {
		opts = *o
	}
	if len(opts.Algs) == 0 {
		opts.Algs = []string{"RS256", "PS256", "ES256"}
	}
	opts.Algs = slices.DeleteFunc(slices.Clone(opts.Algs), func(a string) bool {
		return a == "none" || strings.HasPrefix(a, "HS") || a == ""
	})
	if len(opts.Algs) == 0 {
		return nil, errors.New("gateway: id verifier: no asymmetric algorithm allowed")
	}
	if opts.Skew <= 0 {
		opts.Skew = time.Minute
	}
	opts.Skew = min(opts.Skew, MaxSkew)
	if opts.MaxAge <= 0 {
		opts.MaxAge = 24 * time.Hour
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &IDVerifier{issuer: issuer, clientID: clientID, o: opts, log: opts.Logger}, nil
}

type discovered struct {
	Issuer        string   `json:"issuer"`
	JWKSURI       string   `json:"jwks_uri"`
	TokenURL      string   `json:"token_endpoint"`
	DeviceAuthURL string   `json:"device_authorization_endpoint"`
	Algs          []string `json:"id_token_signing_alg_values_supported"`
}

// discover reads the issuer's OpenID configuration once (go-oidc checks
// that the document's issuer is exactly ours, OIDC Discovery §4.3).
func (v *IDVerifier) discover(ctx context.Context) (*discovered, *KeySet, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.provider != nil {
		return v.provider, v.keys, nil
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, v.o.HTTPClient), v.issuer)
	if err != nil {
		return nil, nil, &TokenError{Reason: ReasonDiscovery, Err: err}
	}
	var d discovered
	if err := p.Claims(&d); err != nil || d.JWKSURI == "" {
		return nil, nil, &TokenError{Reason: ReasonDiscovery, Err: errors.New("no jwks_uri")}
	}
	v.provider = &d
	v.keys = NewKeySet(d.JWKSURI, &KeySetOpts{HTTPClient: v.o.HTTPClient, MinRefetch: v.o.MinRefetch, MaxAge: v.o.MaxKeyAge, Now: v.o.Now})
	return v.provider, v.keys, nil
}

// Endpoints returns the discovered token and device-authorization endpoints.
func (v *IDVerifier) Endpoints(ctx context.Context) (token, device string, err error) {
	d, _, err := v.discover(ctx)
	if err != nil {
		return "", "", err
	}
	return d.TokenURL, d.DeviceAuthURL, nil
}

// Verify checks raw and returns its claims, or a *TokenError saying why not.
func (v *IDVerifier) Verify(ctx context.Context, raw string) (*IDClaims, error) {
	algs := make([]jose.SignatureAlgorithm, len(v.o.Algs))
	for i, a := range v.o.Algs {
		algs[i] = jose.SignatureAlgorithm(a)
	}
	if strings.Count(raw, ".") != 2 {
		return nil, &TokenError{Reason: ReasonMalformed, Err: errors.New("not a compact JWS")}
	}
	if alg, ok := headerAlg(raw); ok && !slices.Contains(v.o.Algs, alg) {
		return nil, &TokenError{Reason: ReasonAlg, Err: fmt.Errorf("alg %q", alg)}
	}
	jws, err := jose.ParseSignedCompact(raw, algs)
	if err != nil {
		return nil, &TokenError{Reason: ReasonMalformed}
	}
	if len(jws.Signatures) != 1 {
		return nil, &TokenError{Reason: ReasonMalformed, Err: errors.New("not exactly one signature")}
	}
	h := jws.Signatures[0].Protected
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); isAccessTokenType(typ) {
		return nil, &TokenError{Reason: ReasonAccessToken}
	}
	if _, ok := h.ExtraHeaders["crit"]; ok {
		return nil, &TokenError{Reason: ReasonMalformed, Err: errors.New("critical header not understood")}
	}
	_, keys, err := v.discover(ctx)
	if err != nil {
		return nil, err
	}
	ov := oidc.NewVerifier(v.issuer, keys, &oidc.Config{ClientID: v.clientID, SupportedSigningAlgs: v.o.Algs,
		SkipExpiryCheck: true, Now: v.o.Now})
	tok, err := ov.Verify(ctx, raw)
	if err != nil {
		return nil, classifyOIDC(err, raw)
	}
	var c struct {
		AZP               string          `json:"azp"`
		Name              string          `json:"name"`
		PreferredUsername string          `json:"preferred_username"`
		Role              string          `json:"role"`
		Exp               json.Number     `json:"exp"`
		Iat               json.Number     `json:"iat"`
		Nbf               json.RawMessage `json:"nbf"`
	}
	var raws map[string]any
	if err := tok.Claims(&c); err != nil {
		return nil, &TokenError{Reason: ReasonMalformed, Err: errors.New("claims")}
	}
	if err := tok.Claims(&raws); err != nil {
		return nil, &TokenError{Reason: ReasonMalformed}
	}
	now, skew := v.o.Now(), v.o.Skew
	switch {
	case tok.Subject == "":
		return nil, &TokenError{Reason: ReasonMissingClaim, Err: errors.New("sub")}
	case c.Exp == "" || tok.Expiry.IsZero():
		return nil, &TokenError{Reason: ReasonMissingClaim, Err: errors.New("exp")}
	case c.Iat == "" || tok.IssuedAt.IsZero():
		return nil, &TokenError{Reason: ReasonMissingClaim, Err: errors.New("iat")}
	case !now.Before(tok.Expiry.Add(skew)):
		return nil, &TokenError{Reason: ReasonExpired}
	case tok.IssuedAt.After(now.Add(skew)):
		return nil, &TokenError{Reason: ReasonIssuedFuture}
	case now.Sub(tok.IssuedAt) > v.o.MaxAge:
		return nil, &TokenError{Reason: ReasonTooOld}
	}
	if len(c.Nbf) > 0 && string(c.Nbf) != "null" {
		var nbf float64
		if err := json.Unmarshal(c.Nbf, &nbf); err != nil {
			return nil, &TokenError{Reason: ReasonMalformed, Err: errors.New("nbf")}
		}
		if time.Unix(int64(nbf), 0).After(now.Add(skew)) {
			return nil, &TokenError{Reason: ReasonNotYetValid}
		}
	}
	for _, a := range tok.Audience {
		if a != v.clientID && !slices.Contains(v.o.TrustedAudiences, a) {
			return nil, &TokenError{Reason: ReasonAudience, Err: fmt.Errorf("untrusted audience %q", a)}
		}
	}
	if len(tok.Audience) > 1 && c.AZP == "" {
		return nil, &TokenError{Reason: ReasonAZP, Err: errors.New("several audiences and no azp")}
	}
	if c.AZP != "" && c.AZP != v.clientID {
		return nil, &TokenError{Reason: ReasonAZP, Err: fmt.Errorf("azp %q is not us", c.AZP)}
	}
	return &IDClaims{Issuer: tok.Issuer, Subject: tok.Subject, Audience: tok.Audience, AZP: c.AZP,
		Expiry: tok.Expiry, IssuedAt: tok.IssuedAt, Name: c.Name, PreferredUsername: c.PreferredUsername,
		Role: c.Role, Raw: raws}, nil
}

// headerAlg reads the alg of a compact JWS header before any parsing that
// would reject it, so "none" is reported as a refused algorithm.
func headerAlg(raw string) (string, bool) {
	h, _, _ := strings.Cut(raw, ".")
	b, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		return "", false
	}
	var hdr struct {
		Alg *string `json:"alg"`
	}
	if json.Unmarshal(b, &hdr) != nil || hdr.Alg == nil {
		return "", false
	}
	if len(*hdr.Alg) > 16 {
		return "(long)", true
	}
	return *hdr.Alg, true
}

func isAccessTokenType(typ string) bool {
	t := strings.ToLower(typ)
	return t == "at+jwt" || t == "application/at+jwt"
}

// classifyOIDC turns go-oidc's error into a reason, keeping its text only
// when it cannot contain the token.
func classifyOIDC(err error, raw string) error {
	var ke *keyError
	if errors.As(err, &ke) {
		return &TokenError{Reason: ke.reason}
	}
	msg := err.Error()
	if strings.Contains(msg, raw) {
		msg = "[token redacted]"
	}
	// go-oidc flattens the key set's error with %v: recover our reason.
	for _, r := range []string{ReasonUnknownKey, ReasonAlg, ReasonSignature, ReasonMalformed} {
		if strings.Contains(msg, "verify signature: gateway: "+r) {
			return &TokenError{Reason: r}
		}
	}
	if strings.Contains(msg, "invalid id token: "+ReasonDiscovery) {
		return &TokenError{Reason: ReasonDiscovery, Err: errors.New(msg)}
	}
	switch {
	case strings.Contains(msg, "different provider"):
		return &TokenError{Reason: ReasonIssuer, Err: errors.New(msg)}
	case strings.Contains(msg, "expected audience"):
		return &TokenError{Reason: ReasonAudience, Err: errors.New(msg)}
	case strings.Contains(msg, "verify signature"):
		return &TokenError{Reason: ReasonSignature}
	}
	return &TokenError{Reason: ReasonMalformed, Err: errors.New(msg)}
}

var allAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512, jose.EdDSA, jose.HS256, jose.HS384, jose.HS512}

// KeySet is a JWKS cache: keys are looked up by kid; an unknown kid
// refetches the set at most once per MinRefetch (so a flood of forged kids
// cannot hammer the IdP), and the set is refreshed after MaxAge. It
// implements go-oidc's KeySet.
type KeySet struct {
	url string
	o   KeySetOpts

	mu      sync.Mutex
	keys    []jose.JSONWebKey
	fetched time.Time
	fetches int
}

// KeySetOpts configures a KeySet.
type KeySetOpts struct {
	HTTPClient *http.Client
	MinRefetch time.Duration // default 1 min
	MaxAge     time.Duration // default 1 h
	MaxBytes   int64         // default 256 KiB
	Now        func() time.Time
}

// NewKeySet returns a JWKS cache of url.
func NewKeySet(url string, o *KeySetOpts) *KeySet {
	var opts KeySetOpts
	if o != nil {
		opts = *o
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if opts.MinRefetch <= 0 {
		opts.MinRefetch = time.Minute
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = time.Hour
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 256 << 10
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &KeySet{url: url, o: opts}
}

// Fetches counts JWKS downloads (tests and diagnostics).
func (k *KeySet) Fetches() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.fetches
}

type keyError struct{ reason string }

func (e *keyError) Error() string { return "gateway: " + e.reason }

// VerifySignature finds the key named by the token's kid and checks the
// signature with it alone.
func (k *KeySet) VerifySignature(ctx context.Context, raw string) ([]byte, error) {
	jws, err := jose.ParseSignedCompact(raw, allAlgs)
	if err != nil || len(jws.Signatures) != 1 {
		return nil, &keyError{ReasonMalformed}
	}
	h := jws.Signatures[0].Header
	key, err := k.key(ctx, h.KeyID)
	if err != nil {
		return nil, err
	}
	if key.Use != "" && key.Use != "sig" {
		return nil, &keyError{ReasonUnknownKey}
	}
	if key.Algorithm != "" && key.Algorithm != h.Algorithm {
		return nil, &keyError{ReasonAlg}
	}
	if !algFitsKey(h.Algorithm, key.Key) {
		return nil, &keyError{ReasonAlg}
	}
	payload, err := jws.Verify(key.Key)
	if err != nil {
		return nil, &keyError{ReasonSignature}
	}
	return payload, nil
}

// algFitsKey refuses any pairing of alg and key type other than the
// asymmetric ones: the public key can never serve as an HMAC secret.
func algFitsKey(alg string, key any) bool {
	switch key.(type) {
	case *rsa.PublicKey:
		return strings.HasPrefix(alg, "RS") || strings.HasPrefix(alg, "PS")
	case *ecdsa.PublicKey:
		return strings.HasPrefix(alg, "ES")
	case ed25519.PublicKey:
		return alg == "EdDSA"
	}
	return false
}

func (k *KeySet) key(ctx context.Context, kid string) (*jose.JSONWebKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.o.Now()
	stale := k.fetched.IsZero() || now.Sub(k.fetched) > k.o.MaxAge
	if !stale {
		if key := k.find(kid); key != nil {
			return key, nil
		}
		if now.Sub(k.fetched) < k.o.MinRefetch {
			return nil, &keyError{ReasonUnknownKey}
		}
	}
	if err := k.fetch(ctx, now); err != nil {
		if key := k.find(kid); key != nil {
			return key, nil // last good set through an IdP outage
		}
		return nil, err
	}
	if key := k.find(kid); key != nil {
		return key, nil
	}
	return nil, &keyError{ReasonUnknownKey}
}

// find returns the key with kid; with no kid, the only signing key.
func (k *KeySet) find(kid string) *jose.JSONWebKey {
	if kid == "" {
		if len(k.keys) == 1 {
			return &k.keys[0]
		}
		return nil
	}
	for i := range k.keys {
		if k.keys[i].KeyID == kid {
			return &k.keys[i]
		}
	}
	return nil
}

func (k *KeySet) fetch(ctx context.Context, now time.Time) error {
	k.fetched = now // a failed fetch also counts for the rate limit
	k.fetches++
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return &TokenError{Reason: ReasonDiscovery, Err: err}
	}
	resp, err := k.o.HTTPClient.Do(req)
	if err != nil {
		return &TokenError{Reason: ReasonDiscovery, Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return &TokenError{Reason: ReasonDiscovery, Err: fmt.Errorf("jwks: http status %d", resp.StatusCode)}
	}
	var set jose.JSONWebKeySet
	if err := DecodeReply(resp.Body, k.o.MaxBytes, &set); err != nil {
		return &TokenError{Reason: ReasonDiscovery, Err: err}
	}
	// Only public asymmetric keys: a symmetric key in a JWKS is a mistake
	// or an attack, and must never verify anything.
	keys := set.Keys[:0]
	for _, key := range set.Keys {
		switch key.Key.(type) {
		case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
			keys = append(keys, key)
		}
	}
	k.keys = keys
	return nil
}
