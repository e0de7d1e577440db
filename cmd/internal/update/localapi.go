package update

import (
	"bytes"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"tpe/config"
)

// LocalAPI is how tpectl on the terminal reaches its local API: the base
// URL (loopback when api.listen is a wildcard address) and a client. With
// api.tls_cert set it speaks HTTPS and trusts exactly that certificate,
// read under root: the pair is self-signed and its SANs need not name
// 127.0.0.1.
func LocalAPI(root string, c config.Config) (string, *http.Client, error) {
	host, port, err := net.SplitHostPort(c.API.Listen)
	if err != nil {
		return "", nil, fmt.Errorf("api.listen %q: %w", c.API.Listen, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	base := "http://" + net.JoinHostPort(host, port)
	if c.API.TLSCert == "" {
		return base, http.DefaultClient, nil
	}
	b, err := os.ReadFile(Rooted(root, c.API.TLSCert))
	if err != nil {
		return "", nil, fmt.Errorf("api.tls_cert: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "CERTIFICATE" {
		return "", nil, fmt.Errorf("api.tls_cert %s: no PEM certificate", c.API.TLSCert)
	}
	want := blk.Bytes
	tc := &tls.Config{
		InsecureSkipVerify: true, // replaced by the exact-certificate check below
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 || !bytes.Equal(cs.PeerCertificates[0].Raw, want) {
				return errors.New("the local API's certificate is not api.tls_cert")
			}
			return nil
		},
	}
	return "https://" + net.JoinHostPort(host, port), &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: tc}}, nil
}
