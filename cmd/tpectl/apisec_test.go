package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"tpe/cmd/internal/terminal"
	"tpe/config"
)

// TestConfigCheckToken: `config check` refuses an empty or short api.token
// with the words tpe would use (both run config.Validate).
func TestConfigCheckToken(t *testing.T) {
	dir, _ := release(t)
	root := filepath.Join(t.TempDir(), "root")
	mustTech(t, provisionArgs(root, filepath.Join(dir, "release.pub"))...)
	cfgPath := filepath.Join(root, "etc/tpe/tpe.toml")
	mustTech(t, "config", "check", cfgPath) // the generated token passes
	b, _ := os.ReadFile(cfgPath)
	tokenLine := regexp.MustCompile(`(?m)^token = ".*"$`)
	if !tokenLine.Match(b) {
		t.Fatalf("no api token line in\n%s", b)
	}
	for name, tok := range map[string]string{"empty": "", "short": "0123456789abcde"} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "tpe.toml")
			os.WriteFile(p, tokenLine.ReplaceAll(b, []byte(`token = "`+tok+`"`)), 0o600)
			_, tpeErr := config.Load(p) // what tpe says at start
			want := config.CheckToken("api.token", tok)
			if tpeErr == nil || want == nil || !strings.Contains(tpeErr.Error(), want.Error()) {
				t.Fatalf("tpe's config.Load: %v, want it to contain %v", tpeErr, want)
			}
			code, _, errs := techRun(t, "config", "check", p)
			if code != 1 || !strings.Contains(errs, want.Error()) {
				t.Errorf("config check: exit %d %q, want exit 1 with %q", code, errs, want)
			}
			if tok != "" && strings.Contains(errs, tok) {
				t.Error("config check printed the token")
			}
		})
	}
}

// TestProvisionAPITLS provisions with --api-tls, serves the provisioned
// terminal's API over HTTPS and connects with a client that pins the
// printed fingerprint (and only it).
func TestProvisionAPITLS(t *testing.T) {
	dir, _ := release(t)
	root := filepath.Join(t.TempDir(), "root")
	args := append(provisionArgs(root, filepath.Join(dir, "release.pub")), "--api-tls", "--hostname", "tpe-0042")
	out := mustTech(t, args...)
	fp := regexp.MustCompile(`(?m)^  ([0-9A-F]{2}(?::[0-9A-F]{2}){31})$`).FindStringSubmatch(out)
	if fp == nil {
		t.Fatalf("no fingerprint printed:\n%s", out)
	}
	if !strings.Contains(out, "generated a random API token") {
		t.Errorf("provision does not say it generated a token:\n%s", out)
	}
	if got := strings.TrimSpace(mustTech(t, "tls", "fingerprint", "--root", root)); got != fp[1] {
		t.Errorf("tls fingerprint = %q, want %q", got, fp[1])
	}
	if out := mustTech(t, args...); !strings.Contains(out, fp[1]) || !strings.Contains(out, "nothing changed") {
		t.Errorf("second provision does not keep the pair:\n%s", out)
	}
	cfgPath := filepath.Join(root, "etc/tpe/tpe.toml")
	mustTech(t, "config", "check", cfgPath)

	// Run the provisioned terminal (paths rebased under root, no gateway).
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = filepath.Join(root, cfg.DataDir)
	cfg.Offline.KeyFile = filepath.Join(root, cfg.Offline.KeyFile)
	cfg.API.TLSCert, cfg.API.TLSKey = filepath.Join(root, cfg.API.TLSCert), filepath.Join(root, cfg.API.TLSKey)
	cfg.Gateway.URL = ""
	ctx, cancel := context.WithCancel(context.Background())
	term, err := terminal.Open(ctx, cfg, terminal.Devices{}, terminal.Opts{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- term.Run(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		term.Close()
	})
	url := term.APIURL(ln) + "/v1/health"
	if !strings.HasPrefix(url, "https://") {
		t.Fatalf("API URL %s, want https", url)
	}
	get := func(pin string) (int, error) {
		c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: pinned(pin)}}
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+cfg.API.Token)
		resp, err := c.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	if status, err := get(fp[1]); err != nil || status != 200 {
		t.Errorf("pinned client: %d %v, want 200", status, err)
	}
	wrong := strings.Repeat("00:", 31) + "00"
	if _, err := get(wrong); err == nil || !strings.Contains(err.Error(), "fingerprint") {
		t.Errorf("client pinning another certificate: %v, want a fingerprint error", err)
	}
	// Plain HTTP on the HTTPS port gets nothing useful.
	if resp, err := http.Get(strings.Replace(url, "https://", "http://", 1)); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Error("plain HTTP answered 200 on the HTTPS API")
		}
	}
}

// pinned is how a cash register trusts a self-signed API certificate: by
// the SHA-256 of the certificate it was given at provisioning, not a CA.
func pinned(fingerprint string) *tls.Config {
	return &tls.Config{
		InsecureSkipVerify: true, // replaced by the pin check below
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("no certificate")
			}
			if got := colonHex(cs.PeerCertificates[0]); got != fingerprint {
				return fmt.Errorf("certificate fingerprint %s is not the pinned one", got)
			}
			return nil
		},
	}
}

func colonHex(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}
