package gateway

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// TLSOpts chooses whom the client trusts. With nothing set, the system
// roots. CAFile/CAPEM replace them with a private CA. PinSHA256 adds a
// public-key pin: the server's leaf certificate must carry one of the listed
// SubjectPublicKeyInfo SHA-256 digests (hex or base64, as in HPKP); when pins
// are given without a CA, the pin is the only trust anchor (self-signed
// development gateways), since the chain cannot be checked.
type TLSOpts struct {
	CAFile    string
	CAPEM     []byte
	PinSHA256 []string
}

// ErrPinMismatch is a server key that matches none of the pins.
var ErrPinMismatch = errors.New("gateway: server key does not match the pinned key")

// Config builds the tls.Config (TLS 1.2 minimum).
func (o TLSOpts) Config() (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	pem := o.CAPEM
	if o.CAFile != "" {
		b, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("gateway: reading CA file: %w", err)
		}
		pem = append(append([]byte(nil), pem...), b...)
	}
	if len(pem) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, errors.New("gateway: no certificate in the CA PEM")
		}
		c.RootCAs = pool
	}
	if len(o.PinSHA256) == 0 {
		return c, nil
	}
	pins := make(map[[32]byte]bool)
	for _, p := range o.PinSHA256 {
		d, err := decodePin(p)
		if err != nil {
			return nil, err
		}
		pins[d] = true
	}
	chainChecked := len(pem) > 0
	if !chainChecked {
		// The pin replaces chain verification; VerifyConnection below still
		// refuses any key that is not pinned.
		c.InsecureSkipVerify = true
	}
	c.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return ErrPinMismatch
		}
		leaf := cs.PeerCertificates[0]
		if !pins[sha256.Sum256(leaf.RawSubjectPublicKeyInfo)] {
			return ErrPinMismatch
		}
		if !chainChecked {
			if err := leaf.VerifyHostname(cs.ServerName); err != nil && cs.ServerName != "" {
				return fmt.Errorf("gateway: pinned certificate: %w", err)
			}
		}
		return nil
	}
	return c, nil
}

func decodePin(p string) ([32]byte, error) {
	var d [32]byte
	p = strings.TrimPrefix(strings.TrimSpace(p), "sha256/")
	b, err := hex.DecodeString(p)
	if err != nil || len(b) != 32 {
		b, err = base64.StdEncoding.DecodeString(p)
	}
	if err != nil || len(b) != 32 {
		return d, fmt.Errorf("gateway: pin %q is not a SHA-256 digest in hex or base64", p)
	}
	copy(d[:], b)
	return d, nil
}

// SPKIPin returns the hex SHA-256 pin of a certificate's public key.
func SPKIPin(cert *x509.Certificate) string {
	d := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return hex.EncodeToString(d[:])
}
