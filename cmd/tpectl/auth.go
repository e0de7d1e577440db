package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"tpe/payment/gateway"
)

// runAuth checks tokens: `auth verify-id-token --issuer URL --audience AUD
// TOKEN` verifies an OpenID Connect ID token the way the terminal does
// (payment/gateway.IDVerifier: discovery, JWKS, OIDC Core §3.1.3.7) and
// prints its claims as JSON. TOKEN "-" reads it from standard input, which
// keeps it out of the shell history.
func runAuth(ctx context.Context, args []string, stdout io.Writer) error {
	if helpFirst(args) {
		args = []string{"verify-id-token", "--help"}
	}
	if len(args) == 0 || args[0] != "verify-id-token" {
		return usagef("auth: want the subcommand verify-id-token")
	}
	fs := newTechFlags("auth verify-id-token", stdout)
	fs.about("auth verify-id-token --issuer URL --audience AUD [--ca FILE] [--skew D] TOKEN|-", `
Verifies an OpenID Connect ID token the way the terminal does (discovery,
JWKS, signature, iss, aud, exp; OIDC Core 3.1.3.7) and prints its claims as
JSON. TOKEN "-" reads it from standard input, which keeps it out of the
shell history.`,
		"tpectl auth verify-id-token --issuer http://127.0.0.1:8480 --audience t42 - < token.jwt")
	issuer := fs.String("issuer", "", "issuer URL; its /.well-known/openid-configuration is read (required)")
	audience := fs.String("audience", "", "our client ID, which aud must contain (required)")
	caFile := fs.String("ca", "", "PEM file of a CA to trust for the issuer (default: system roots)")
	skew := fs.Duration("skew", time.Minute, "clock-skew leeway, a duration up to 5m")
	pos, err := fs.parse(args[1:])
	if err != nil {
		return err
	}
	if *issuer == "" || *audience == "" || len(pos) != 1 {
		return usagef("auth verify-id-token: --issuer, --audience and one TOKEN are required")
	}
	raw := pos[0]
	if raw == "-" {
		b, err := io.ReadAll(io.LimitReader(os.Stdin, 64<<10))
		if err != nil {
			return fmt.Errorf("reading the token: %w", err)
		}
		raw = string(b)
	}
	raw = strings.TrimSpace(raw)
	hc := &http.Client{Timeout: 15 * time.Second}
	if *caFile != "" {
		pem, err := os.ReadFile(*caFile)
		if err != nil {
			return err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return errors.New("no certificate in " + *caFile)
		}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		hc.Transport = tr
	}
	v, err := gateway.NewIDVerifier(*issuer, *audience, &gateway.IDOpts{HTTPClient: hc, Skew: *skew})
	if err != nil {
		return err
	}
	claims, err := v.Verify(ctx, raw)
	if err != nil {
		return fmt.Errorf("token refused: %w", err)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(claims.Raw)
}
