package gatewaysim

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// The identity provider: OpenID Connect Discovery 1.0, a JWKS with rotation,
// OAuth 2.0 client credentials (RFC 6749 §4.4) issuing RFC 9068 JWT access
// tokens (typ at+jwt), and the device authorization grant (RFC 8628) that
// signs cashiers in and returns an ID token (OIDC Core §2).

const deviceGrant = "urn:ietf:params:oauth:grant-type:device_code"

type deviceState struct {
	deviceCode, userCode string
	clientID             string
	expires              time.Time
	interval             time.Duration
	lastPoll             time.Time
	user                 *User
	denied               bool
	done                 bool
}

type idpState struct {
	mu       sync.Mutex
	byDevice map[string]*deviceState
	byUser   map[string]*deviceState
}

func (i *idpState) init() {
	i.byDevice = map[string]*deviceState{}
	i.byUser = map[string]*deviceState{}
}

// issuer is the issuer URL of a request.
func (s *Server) issuer(r *http.Request) string {
	if s.o.Issuer != "" {
		return strings.TrimSuffix(s.o.Issuer, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) discovery(w http.ResponseWriter, r *http.Request) {
	iss := s.issuer(r)
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                iss,
		"token_endpoint":                        iss + "/oauth/token",
		"device_authorization_endpoint":         iss + "/oauth/device_authorization",
		"jwks_uri":                              iss + "/oauth/jwks",
		"grant_types_supported":                 []string{"client_credentials", deviceGrant},
		"response_types_supported":              []string{"token"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post", "none"},
		"claims_supported":                      []string{"iss", "sub", "aud", "azp", "exp", "iat", "auth_time", "name", "preferred_username", "role"},
	})
}

func (s *Server) jwks(w http.ResponseWriter, _ *http.Request) {
	s.keyMu.RLock()
	set := publicSet(s.keys.Signing...)
	s.keyMu.RUnlock()
	w.Header().Set("Cache-Control", "max-age=300")
	writeJSON(w, http.StatusOK, set)
}

// RotateKeys makes a new signing key active; the previous ones stay in the
// JWKS (up to maxSigningKeys) so tokens already issued still verify. It
// returns the new key ID.
func (s *Server) RotateKeys() (string, error) {
	k, err := newRSAJWK(s.now(), s.o.KeyBits, "sig", string(jose.RS256))
	if err != nil {
		return "", err
	}
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	s.keys.Signing = append(s.keys.Signing, k)
	if n := len(s.keys.Signing); n > maxSigningKeys {
		s.keys.Signing = s.keys.Signing[n-maxSigningKeys:]
	}
	return k.KeyID, saveKeys(s.dir, s.keys)
}

func (s *Server) postRotate(w http.ResponseWriter, _ *http.Request) {
	kid, err := s.RotateKeys()
	if err != nil {
		http.Error(w, "rotation failed", http.StatusInternalServerError)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"kid": kid})
}

// sign signs claims with the active key; typ is the JOSE "typ" header.
func (s *Server) sign(typ string, claims any) (string, error) {
	s.keyMu.RLock()
	k := s.keys.Signing[len(s.keys.Signing)-1]
	s.keyMu.RUnlock()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: k},
		(&jose.SignerOptions{}).WithType(jose.ContentType(typ)))
	if err != nil {
		return "", err
	}
	return jwt.Signed(sig).Claims(claims).Serialize()
}

type accessClaims struct {
	jwt.Claims
	ClientID string `json:"client_id"`
	Scope    string `json:"scope,omitempty"`
}

// checkAccessToken verifies an RFC 9068 access token: RS256 by one of our
// keys, typ at+jwt, our issuer, audience tpe-gateway, not expired.
func (s *Server) checkAccessToken(r *http.Request, raw string) error {
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil || len(tok.Headers) != 1 {
		return errors.New("malformed")
	}
	h := tok.Headers[0]
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != "at+jwt" && typ != "application/at+jwt" {
		return errors.New("not an access token")
	}
	s.keyMu.RLock()
	var key any
	for _, k := range s.keys.Signing {
		if k.KeyID == h.KeyID {
			key = k.Public().Key
		}
	}
	s.keyMu.RUnlock()
	if key == nil {
		return errors.New("unknown key")
	}
	var c accessClaims
	if err := tok.Claims(key, &c); err != nil {
		return err
	}
	return c.Claims.ValidateWithLeeway(jwt.Expected{Issuer: s.issuer(r), AnyAudience: jwt.Audience{AccessAudience}, Time: s.now()}, 0)
}

type tokenReply struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	IDToken     string `json:"id_token,omitempty"`
	Scope       string `json:"scope,omitempty"`
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// clientAuth returns the client ID of a confidential client (Basic or form
// credentials), or the public client ID when no secret is presented.
func (s *Server) clientAuth(r *http.Request) (id string, confidential, ok bool) {
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	}
	if want, known := s.o.Clients[id]; known {
		return id, true, subtle.ConstantTimeCompare([]byte(secret), []byte(want)) == 1
	}
	if id == s.o.CashierClient && secret == "" {
		return id, false, true
	}
	return id, false, false
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "bad form")
		return
	}
	id, confidential, ok := s.clientAuth(r)
	if !ok {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	now := s.now()
	switch r.PostFormValue("grant_type") {
	case "client_credentials":
		if !confidential {
			oauthError(w, http.StatusBadRequest, "unauthorized_client", "client_credentials needs a confidential client")
			return
		}
		at, err := s.accessToken(r, id, id, now)
		if err != nil {
			oauthError(w, http.StatusInternalServerError, "server_error", "signing failed")
			return
		}
		writeJSON(w, http.StatusOK, tokenReply{AccessToken: at, TokenType: "Bearer", ExpiresIn: int64(s.o.AccessTokenTTL / time.Second), Scope: "payments"})
	case deviceGrant:
		s.deviceToken(w, r, id, now)
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "")
	}
}

func (s *Server) accessToken(r *http.Request, sub, clientID string, now time.Time) (string, error) {
	c := accessClaims{Claims: jwt.Claims{Issuer: s.issuer(r), Subject: sub, Audience: jwt.Audience{AccessAudience},
		Expiry: jwt.NewNumericDate(now.Add(s.o.AccessTokenTTL)), IssuedAt: jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now), ID: randomString(16, "abcdefghijklmnopqrstuvwxyz0123456789")},
		ClientID: clientID, Scope: "payments"}
	return s.sign("at+jwt", c)
}

// IDClaims are the claims of the simulator's ID tokens.
type IDClaims struct {
	jwt.Claims
	AZP               string `json:"azp"`
	AuthTime          int64  `json:"auth_time"`
	Name              string `json:"name"`
	PreferredUsername string `json:"preferred_username"`
	Role              string `json:"role"`
}

func (s *Server) deviceAuthorization(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "bad form")
		return
	}
	id, _, ok := s.clientAuth(r)
	if !ok {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "")
		return
	}
	// RFC 8628 §6.1: user codes from a 20-letter consonant alphabet, 8 chars.
	d := &deviceState{deviceCode: randomString(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
		userCode: randomString(4, "BCDFGHJKLMNPQRSTVWXZ") + "-" + randomString(4, "BCDFGHJKLMNPQRSTVWXZ"),
		clientID: id, expires: s.now().Add(s.o.DeviceCodeTTL), interval: s.o.DeviceInterval}
	s.idp.mu.Lock()
	s.idp.byDevice[d.deviceCode] = d
	s.idp.byUser[d.userCode] = d
	s.idp.mu.Unlock()
	iss := s.issuer(r)
	writeJSON(w, http.StatusOK, map[string]any{
		"device_code": d.deviceCode, "user_code": d.userCode,
		"verification_uri":          iss + "/device",
		"verification_uri_complete": iss + "/device?user_code=" + d.userCode,
		"expires_in":                int64(s.o.DeviceCodeTTL / time.Second),
		"interval":                  int64(d.interval / time.Second),
	})
}

func (s *Server) deviceToken(w http.ResponseWriter, r *http.Request, clientID string, now time.Time) {
	s.idp.mu.Lock()
	d, ok := s.idp.byDevice[r.PostFormValue("device_code")]
	if !ok || d.clientID != clientID || d.done {
		s.idp.mu.Unlock()
		oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown device code")
		return
	}
	switch {
	case now.After(d.expires):
		s.idp.mu.Unlock()
		oauthError(w, http.StatusBadRequest, "expired_token", "")
		return
	case d.denied:
		d.done = true
		s.idp.mu.Unlock()
		oauthError(w, http.StatusBadRequest, "access_denied", "")
		return
	case !d.lastPoll.IsZero() && now.Sub(d.lastPoll) < d.interval*4/5:
		// RFC 8628 §3.5: polling too fast (20 % slack for network jitter);
		// the client adds 5 s to its interval, and so do we.
		d.interval += 5 * time.Second
		d.lastPoll = now
		s.idp.mu.Unlock()
		oauthError(w, http.StatusBadRequest, "slow_down", "")
		return
	case d.user == nil:
		d.lastPoll = now
		s.idp.mu.Unlock()
		oauthError(w, http.StatusBadRequest, "authorization_pending", "")
		return
	}
	u := *d.user
	d.done = true
	delete(s.idp.byUser, d.userCode)
	s.idp.mu.Unlock()
	iss := s.issuer(r)
	idt, err := s.sign("JWT", IDClaims{Claims: jwt.Claims{Issuer: iss, Subject: u.Subject, Audience: jwt.Audience{clientID},
		Expiry: jwt.NewNumericDate(now.Add(s.o.IDTokenTTL)), IssuedAt: jwt.NewNumericDate(now)},
		AZP: clientID, AuthTime: now.Unix(), Name: u.Name, PreferredUsername: u.Username, Role: u.Role})
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", "")
		return
	}
	at, err := s.accessToken(r, u.Subject, clientID, now)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", "")
		return
	}
	writeJSON(w, http.StatusOK, tokenReply{AccessToken: at, TokenType: "Bearer", ExpiresIn: int64(s.o.AccessTokenTTL / time.Second), IDToken: idt, Scope: "openid"})
}

// ApproveDevice signs username in on the terminal showing userCode (what
// the cashier does on the phone). The password is not checked here: this is
// the Go-side shortcut for tests and the simulator UI.
func (s *Server) ApproveDevice(userCode, username string) error {
	u := s.user(username)
	if u == nil {
		return fmt.Errorf("%w: %q", ErrUnknownUser, username)
	}
	return s.decide(userCode, u, false)
}

// DenyDevice refuses the sign-in of userCode.
func (s *Server) DenyDevice(userCode string) error { return s.decide(userCode, nil, true) }

func (s *Server) user(name string) *User {
	for i := range s.o.Users {
		if s.o.Users[i].Username == name {
			return &s.o.Users[i]
		}
	}
	return nil
}

func (s *Server) decide(userCode string, u *User, deny bool) error {
	s.idp.mu.Lock()
	defer s.idp.mu.Unlock()
	d, ok := s.idp.byUser[strings.ToUpper(strings.TrimSpace(userCode))]
	if !ok || d.done || s.now().After(d.expires) || d.user != nil || d.denied {
		return ErrUnknownUserCode
	}
	d.user, d.denied = u, deny
	return nil
}

var devicePageT = template.Must(template.New("device").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>TPE sign-in</title></head><body>
<h1>Sign in on the terminal</h1>
{{if .Msg}}<p><strong>{{.Msg}}</strong></p>{{end}}
<form method="post" action="/device">
<label>Code shown on the terminal <input name="user_code" value="{{.Code}}" autocomplete="off"></label><br>
<label>User <input name="username" autocomplete="username"></label><br>
<label>Password <input name="password" type="password" autocomplete="current-password"></label><br>
<button name="action" value="approve">Sign in</button>
<button name="action" value="deny">Refuse</button>
</form></body></html>`))

func (s *Server) devicePage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	devicePageT.Execute(w, map[string]string{"Code": r.URL.Query().Get("user_code")})
}

func (s *Server) deviceSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
	r.ParseForm()
	code := r.PostFormValue("user_code")
	msg := "Signed in: you can go back to the terminal."
	var err error
	if r.PostFormValue("action") == "deny" {
		err = s.DenyDevice(code)
		msg = "Sign-in refused."
	} else {
		u := s.user(r.PostFormValue("username"))
		if u == nil || subtle.ConstantTimeCompare([]byte(u.Password), []byte(r.PostFormValue("password"))) != 1 {
			err = ErrUnknownUser
		} else {
			err = s.decide(code, u, false)
		}
	}
	status := http.StatusOK
	switch {
	case errors.Is(err, ErrUnknownUser):
		msg, status = "Wrong user or password.", http.StatusUnauthorized
	case err != nil:
		msg, status = "Unknown or expired code.", http.StatusBadRequest
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	devicePageT.Execute(w, map[string]string{"Msg": msg, "Code": code})
}

// postApprove is the JSON twin of ApproveDevice: {"user_code","username"}.
func (s *Server) postApprove(w http.ResponseWriter, r *http.Request) {
	var req struct {
		UserCode string `json:"user_code"`
		Username string `json:"username"`
		Deny     bool   `json:"deny"`
	}
	if err := readJSON(r, &req); err != nil {
		http.Error(w, "bad JSON", http.StatusBadRequest)
		return
	}
	var err error
	if req.Deny {
		err = s.DenyDevice(req.UserCode)
	} else {
		err = s.ApproveDevice(req.UserCode, req.Username)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	json.NewEncoder(w).Encode(map[string]bool{"ok": true})
}
