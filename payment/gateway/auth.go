package gateway

import (
	"context"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// authorizer puts the terminal's credentials on a request.
type authorizer interface {
	apply(ctx context.Context, r *http.Request) error
	// invalidate drops a cached token after a 401; false when there is
	// nothing to refresh (Basic), so the 401 is final.
	invalidate() bool
}

// basicAuth is PayXpert's native originator authentication.
type basicAuth struct{ user, pass string }

func (b basicAuth) apply(_ context.Context, r *http.Request) error {
	r.SetBasicAuth(b.user, b.pass)
	return nil
}

func (basicAuth) invalidate() bool { return false }

// tokenCache holds the client-credentials access token until Margin before
// it expires. Tokens live only here and in the Authorization header: they
// are never logged, and errors from the token endpoint carry only the OAuth
// error code.
type tokenCache struct {
	cfg    clientcredentials.Config
	hc     *http.Client
	margin time.Duration

	mu  sync.Mutex
	tok *oauth2.Token
}

func newTokenCache(o *OAuth, hc *http.Client) *tokenCache {
	m := o.Margin
	if m <= 0 {
		m = 30 * time.Second
	}
	return &tokenCache{
		cfg: clientcredentials.Config{ClientID: o.ClientID, ClientSecret: o.ClientSecret,
			TokenURL: o.TokenURL, Scopes: o.Scopes, AuthStyle: oauth2.AuthStyleInHeader},
		hc: hc, margin: m,
	}
}

// token returns the cached token or fetches one. The mutex serialises
// fetches so concurrent sales share one token request.
func (t *tokenCache) token(ctx context.Context) (*oauth2.Token, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tok != nil && (t.tok.Expiry.IsZero() || time.Now().Add(t.margin).Before(t.tok.Expiry)) {
		return t.tok, nil
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, t.hc)
	tok, err := t.cfg.Token(ctx)
	if err != nil {
		return nil, redactTokenErr(err)
	}
	t.tok = tok
	return tok, nil
}

func (t *tokenCache) apply(ctx context.Context, r *http.Request) error {
	tok, err := t.token(ctx)
	if err != nil {
		return err
	}
	r.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	return nil
}

func (t *tokenCache) invalidate() bool {
	t.mu.Lock()
	t.tok = nil
	t.mu.Unlock()
	return true
}

// tokenError is a token-endpoint failure without the response body (which
// oauth2.RetrieveError would otherwise print).
type tokenError struct {
	code string
	err  error
}

func (e *tokenError) Error() string {
	if e.code != "" {
		return "gateway: access token refused: " + e.code
	}
	return "gateway: access token: " + e.err.Error()
}

func (e *tokenError) Unwrap() error { return e.err }

func redactTokenErr(err error) error {
	if re, ok := err.(*oauth2.RetrieveError); ok {
		code := re.ErrorCode
		if code == "" && re.Response != nil {
			code = re.Response.Status
		}
		return &tokenError{code: code, err: ErrUnauthorized}
	}
	return &tokenError{err: err}
}
