package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
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
	if len(args) == 0 || args[0] != "verify-id-token" {
		return usagef("auth: want the subcommand verify-id-token")
	}
	fs := flag.NewFlagSet("auth verify-id-token", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	issuer := fs.String("issuer", "", "issuer URL (its /.well-known/openid-configuration is read)")
	audience := fs.String("audience", "", "our client ID, which aud must contain")
	caFile := fs.String("ca", "", "PEM file of a CA to trust for the issuer (default: system roots)")
	skew := fs.Duration("skew", time.Minute, "clock-skew leeway (at most 5m)")
	if err := fs.Parse(args[1:]); err != nil {
		return usagef("auth verify-id-token: %v", err)
	}
	if *issuer == "" || *audience == "" || fs.NArg() != 1 {
		return usagef("auth verify-id-token: --issuer, --audience and one TOKEN are required")
	}
	raw := fs.Arg(0)
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
