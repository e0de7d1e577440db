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
	if len(args) == 0 || args[0] != "fingerprint" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprintln(stdout, "usage: tpectl tls fingerprint [CERT.pem | --root DIR]\n\nPrints the SHA-256 of the DER certificate in colon hex, as cash registers pin it.")
			return nil
		}
		return usagef("want `tls fingerprint [CERT.pem | --root DIR]`")
	}
	fs := newTechFlags("tls fingerprint", stdout)
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
