package provision

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"strings"
	"time"
)

// Paths of the local API's TLS pair, relative to the root.
const (
	APICert = "etc/tpe/api.crt"
	APIKey  = "etc/tpe/api.key"
)

// apiCertValidity is long: the cash register pins the certificate itself,
// so renewing it means re-pinning every till.
const apiCertValidity = 10 * 365 * 24 * time.Hour

// NewToken returns a random API bearer token: 32 bytes from crypto/rand,
// URL-safe base64 without padding (43 characters).
func NewToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("provision: random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Fingerprint is the SHA-256 of a DER certificate in colon hex
// (AB:CD:…), as `openssl x509 -fingerprint -sha256` prints it.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

// CertFingerprint reads a PEM certificate file and returns Fingerprint of
// its first certificate.
func CertFingerprint(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return "", fmt.Errorf("%s: no PEM CERTIFICATE block", path)
		}
		if blk.Type == "CERTIFICATE" {
			if _, err := x509.ParseCertificate(blk.Bytes); err != nil {
				return "", fmt.Errorf("%s: %w", path, err)
			}
			return Fingerprint(blk.Bytes), nil
		}
	}
}

// SelfSigned makes an ECDSA P-256 certificate and key (both PEM) for the
// local API, valid for hosts (names and IP addresses).
func SelfSigned(hosts []string, now time.Time) (certPEM, keyPEM []byte, err error) {
	if len(hosts) == 0 {
		return nil, nil, errors.New("provision: a TLS certificate needs at least one host name")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("provision: TLS key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, fmt.Errorf("provision: TLS serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: hosts[0], Organization: []string{"TPE local API"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(apiCertValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("provision: TLS certificate: %w", err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("provision: TLS key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), nil
}

// apiTLS makes the API's pair under root once, like the other keys: an
// existing pair is kept (the cash registers have pinned it) if it loads.
func apiTLS(root string, hosts []string) (fingerprint string, created bool, err error) {
	certPath, keyPath := rooted(root, APICert), rooted(root, APIKey)
	_, cerr := os.Stat(certPath)
	_, kerr := os.Stat(keyPath)
	if cerr == nil && kerr == nil {
		if _, err := tls.LoadX509KeyPair(certPath, keyPath); err != nil {
			return "", false, fmt.Errorf("provision: the API's TLS pair exists but cannot be used: %w; remove %s and %s to make a new one (cash registers must then pin the new fingerprint)", err, certPath, keyPath)
		}
		fp, err := CertFingerprint(certPath)
		return fp, false, err
	}
	certPEM, keyPEM, err := SelfSigned(hosts, time.Now())
	if err != nil {
		return "", false, err
	}
	if err := writeAtomic(keyPath, keyPEM, 0o600); err != nil {
		return "", false, err
	}
	if err := writeAtomic(certPath, certPEM, 0o600); err != nil {
		return "", false, err
	}
	fp, err := CertFingerprint(certPath)
	return fp, true, err
}
