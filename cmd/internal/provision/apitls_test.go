package provision

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"tpe/config"
)

func TestToken(t *testing.T) {
	urlSafe := regexp.MustCompile(`^[A-Za-z0-9_-]{32,}$`)
	seen := map[string]bool{}
	for range 20 {
		tok, err := NewToken()
		if err != nil {
			t.Fatal(err)
		}
		if !urlSafe.MatchString(tok) {
			t.Errorf("token %q is not 32+ URL-safe characters", tok)
		}
		if err := config.CheckToken("api.token", tok); err != nil {
			t.Errorf("config refuses a generated token: %v", err)
		}
		if seen[tok] {
			t.Fatalf("token %q twice", tok)
		}
		seen[tok] = true
	}
	// Each provisioned terminal gets its own token, and config accepts it.
	var toks []string
	for range 2 {
		root := t.TempDir()
		if _, err := Run(request(t, root)); err != nil {
			t.Fatal(err)
		}
		c, err := config.Load(filepath.Join(root, ConfigPath))
		if err != nil {
			t.Fatalf("the provisioned config does not load: %v", err)
		}
		toks = append(toks, c.API.Token)
	}
	if toks[0] == toks[1] || !urlSafe.MatchString(toks[0]) {
		t.Errorf("tokens %q and %q: want two different random ones", toks[0], toks[1])
	}
}

func TestGivenTokenIsKept(t *testing.T) {
	root := t.TempDir()
	req := request(t, root)
	req.Config.API.Token = "given-token-0123456789"
	res, err := Run(req)
	if err != nil || res.TokenCreated {
		t.Fatalf("got %v, TokenCreated %v", err, res != nil && res.TokenCreated)
	}
	c, _ := config.Load(filepath.Join(root, ConfigPath))
	if c.API.Token != "given-token-0123456789" {
		t.Errorf("token %q, want the given one", c.API.Token)
	}
	req.Config.API.Token = "short"
	if _, err := Run(req); err == nil || !strings.Contains(err.Error(), "api.token") || strings.Contains(err.Error(), "short") {
		t.Errorf("short token: got %v, want an api.token error that hides it", err)
	}
}

func TestAPITLS(t *testing.T) {
	root := t.TempDir()
	req := request(t, root)
	req.APITLS, req.TLSHosts = true, []string{"192.168.1.20", "tpe-0042", "tpe-0042.local"}
	res, err := Run(req)
	if err != nil {
		t.Fatal(err)
	}
	if !contains(res.Changed, APICert) || !contains(res.Changed, APIKey) {
		t.Errorf("changed %v, want the API's TLS pair", res.Changed)
	}
	for _, p := range []string{APICert, APIKey} {
		if fi, err := os.Stat(filepath.Join(root, p)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v, want mode 0600", p, fi.Mode().Perm(), err)
		}
	}
	b, _ := os.ReadFile(filepath.Join(root, APICert))
	blk, _ := pem.Decode(b)
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(blk.Bytes)
	if want := strings.ToUpper(strings.Join(hexBytes(sum[:]), ":")); res.TLSFingerprint != want || len(want) != 95 {
		t.Errorf("fingerprint %q, want %q", res.TLSFingerprint, want)
	}
	if fp, err := CertFingerprint(filepath.Join(root, APICert)); err != nil || fp != res.TLSFingerprint {
		t.Errorf("CertFingerprint = %q %v, want %q", fp, err, res.TLSFingerprint)
	}
	if cert.PublicKeyAlgorithm != x509.ECDSA || cert.NotAfter.Before(time.Now().Add(5*365*24*time.Hour)) {
		t.Errorf("certificate: %v until %v, want ECDSA for years", cert.PublicKeyAlgorithm, cert.NotAfter)
	}
	if len(cert.IPAddresses) != 1 || !cert.IPAddresses[0].Equal(net.ParseIP("192.168.1.20")) ||
		strings.Join(cert.DNSNames, ",") != "tpe-0042,tpe-0042.local" {
		t.Errorf("SANs %v %v", cert.IPAddresses, cert.DNSNames)
	}
	if _, err := tls.LoadX509KeyPair(filepath.Join(root, APICert), filepath.Join(root, APIKey)); err != nil {
		t.Errorf("the pair does not load: %v", err)
	}
	c, err := config.Load(filepath.Join(root, ConfigPath))
	if err != nil || c.API.TLSCert != "/"+APICert || c.API.TLSKey != "/"+APIKey {
		t.Errorf("config: %v %q %q", err, c.API.TLSCert, c.API.TLSKey)
	}
	// Again: the pinned pair is kept.
	res2, err := Run(req)
	if err != nil || len(res2.Changed) != 0 || res2.TLSFingerprint != res.TLSFingerprint {
		t.Errorf("second run: %v, changed %v, fingerprint %q", err, res2.Changed, res2.TLSFingerprint)
	}
}

func hexBytes(b []byte) []string {
	out := make([]string, len(b))
	for i, x := range b {
		out[i] = fmt.Sprintf("%02x", x)
	}
	return out
}
