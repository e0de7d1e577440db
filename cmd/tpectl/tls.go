package main

import (
	"context"
	"fmt"
	"io"

	"tpe/cmd/internal/provision"
)

// runTLS prints the SHA-256 fingerprint of a certificate (by default the
// local API's under --root) for a cash register to pin.
func runTLS(_ context.Context, args []string, stdout io.Writer) error {
	if helpFirst(args) {
		args = []string{"fingerprint", "--help"}
	}
	if len(args) == 0 || args[0] != "fingerprint" {
		return usagef("want `tls fingerprint [CERT.pem | --root DIR]`")
	}
	fs := newTechFlags("tls fingerprint", stdout)
	fs.about("tls fingerprint [CERT.pem | --root DIR]", `
Prints the SHA-256 of the local API's DER certificate in colon hex, as a
cash register pins it (tpectl provision --api-tls made the pair).`,
		"tpectl tls fingerprint --root /",
		"tpectl tls fingerprint /etc/tpe/api.crt")
	root := fs.String("root", "/", "root of the terminal's file system: the certificate is <root>/"+provision.APICert)
	pos, err := fs.parse(args[1:])
	if err != nil {
		return err
	}
	path := rootPath(*root, provision.APICert)
	switch len(pos) {
	case 0:
	case 1:
		path = pos[0]
	default:
		return usagef("tls fingerprint takes one certificate file")
	}
	fp, err := provision.CertFingerprint(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\n", fp)
	return nil
}
