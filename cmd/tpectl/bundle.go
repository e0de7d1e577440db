package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"os"
	"strings"

	"tpe/cmd/internal/bundle"
)

// runBundle builds, signs and verifies update bundles and makes signing keys.
func runBundle(_ context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usagef("want `bundle build|sign|verify|keygen`")
	}
	if helpFirst(args) {
		return subHelp(stdout, "bundle build|sign|verify|keygen [flags]", "Signed update bundles (docs/provisioning.md §4).",
			[][2]string{{"build", "make an unsigned bundle: --version, --binary, --out [--unit] [--min-version]"},
				{"sign", "add an ed25519 signature: --key KEY FILE"},
				{"verify", "check a bundle against trusted keys: --pubkey PUB FILE"},
				{"keygen", "make a release key pair: --out PREFIX"}},
			"tpectl bundle keygen --out release",
			"tpectl bundle build --version 1.4.2 --binary bin/tpe-linux-arm64 --unit scripts/systemd/tpe.service --out tpe-1.4.2.tpeb",
			"tpectl bundle sign --key release.key tpe-1.4.2.tpeb")
	}
	switch args[0] {
	case "build":
		return bundleBuild(args[1:], stdout)
	case "sign":
		return bundleSign(args[1:], stdout)
	case "verify":
		return bundleVerify(args[1:], stdout)
	case "keygen":
		return bundleKeygen(args[1:], stdout)
	}
	return usagef("unknown bundle command %q; want build, sign, verify or keygen", args[0])
}

func bundleBuild(args []string, stdout io.Writer) error {
	fs := newTechFlags("bundle build", stdout)
	fs.about("bundle build --version V --binary FILE --out FILE [--unit FILE] [--migrations DIR] [--min-version V]", `
Writes an unsigned bundle; sign it with `+"`tpectl bundle sign`"+`.

--min-version sets the bundle's minimum version, its anti-rollback floor
(min_version in the signed manifest): once a terminal has confirmed this
bundle, it refuses to install or roll back to any version below it, even
with --force, and the floor can never be lowered on the device. The default
is none: raising the floor is a deliberate release decision (a flaw fixed in
that version), not something every build does. It must not exceed --version.`,
		"tpectl bundle build --version 1.4.2 --binary bin/tpe-linux-arm64 --unit scripts/systemd/tpe.service --out tpe-1.4.2-arm64.tpeb")
	version := fs.String("version", "", "semantic version of the release, e.g. 1.4.2 (required)")
	minVersion := fs.String("min-version", "", "oldest version terminals may run once they confirmed this bundle, e.g. 1.4.0 (default: none; irreversible on the terminals)")
	binary := fs.String("binary", "", "terminal binary stamped with the version, e.g. bin/tpe-linux-arm64 from scripts/cross-build.sh (required)")
	unit := fs.String("unit", "", "systemd unit to ship, e.g. scripts/systemd/tpe.service")
	migrations := fs.String("migrations", "", "directory of config migrations")
	out := fs.String("out", "", "bundle file to write, e.g. tpe-1.4.2-arm64.tpeb (required)")
	if pos, err := fs.parse(args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("bundle build takes no arguments, got %q", pos)
	}
	if *version == "" || *binary == "" || *out == "" {
		return usagef("--version, --binary and --out are required")
	}
	m, err := bundle.BuildFile(*out, bundle.BuildOpts{Version: *version, MinVersion: *minVersion, Binary: *binary, Unit: *unit, Migrations: *migrations})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "built %s: tpe %s, %d files (unsigned; next: tpectl bundle sign --key KEY %s)\n", *out, m.Version, len(m.Files), *out)
	if m.MinVersion != "" {
		fmt.Fprintf(stdout, "minimum version %s: terminals that confirm this bundle will refuse anything older, for good\n", m.MinVersion)
	}
	// The first-start health check compares the version the new terminal
	// reports with the bundle's: a binary stamped otherwise rolls back.
	if b, err := os.ReadFile(*binary); err == nil && !bytes.Contains(b, []byte(strings.TrimPrefix(*version, "v"))) {
		fmt.Fprintf(stdout, "WARNING: %s does not contain the string %q: build it with -ldflags \"-X tpe/config.Version=%s\" (scripts/cross-build.sh does), or its health check after an update will fail and roll it back\n", *binary, *version, *version)
	}
	return nil
}

func bundleSign(args []string, stdout io.Writer) error {
	fs := newTechFlags("bundle sign", stdout)
	fs.about("bundle sign --key KEY FILE", "Adds an ed25519 signature by KEY to the bundle FILE, in place.",
		"tpectl bundle sign --key release.key tpe-1.4.2-arm64.tpeb")
	key := fs.String("key", "", "ed25519 private key (PEM, from `tpectl bundle keygen`) (required)")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if *key == "" || len(pos) != 1 {
		return usagef("want `bundle sign --key KEY FILE`")
	}
	k, err := bundle.LoadPrivate(*key)
	if err != nil {
		return err
	}
	id, err := bundle.Sign(pos[0], k)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "signed %s with key %s\n", pos[0], id)
	return nil
}

func bundleVerify(args []string, stdout io.Writer) error {
	fs := newTechFlags("bundle verify", stdout)
	fs.about("bundle verify (--pubkey PUB ... | --root DIR) FILE", `
Checks the bundle's signatures and every file's hash against the trusted
keys, as a terminal does before installing it, and lists its content.`,
		"tpectl bundle verify --pubkey release.pub tpe-1.4.2-arm64.tpeb",
		"tpectl bundle verify --root /mnt/sdcard tpe-1.4.2-arm64.tpeb")
	var pubs multiFlag
	fs.Var(&pubs, "pubkey", "trusted public key (PEM); repeatable")
	root := fs.String("root", "", "trust the keys a terminal root trusts (ROOT/"+bundle.TrustedDir+")")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || (len(pubs) == 0 && *root == "") {
		return usagef("want `bundle verify --pubkey PUB FILE` (or --root DIR)")
	}
	var trusted []ed25519.PublicKey
	for _, p := range pubs {
		k, err := bundle.LoadPublic(p)
		if err != nil {
			return err
		}
		trusted = append(trusted, k)
	}
	if *root != "" {
		ks, err := bundle.LoadTrusted(rootPath(*root, bundle.TrustedDir))
		if err != nil {
			return err
		}
		trusted = append(trusted, ks...)
	}
	info, err := bundle.VerifyFile(pos[0], trusted)
	if err != nil {
		return fmt.Errorf("%s: REFUSED: %w", pos[0], err)
	}
	fmt.Fprintf(stdout, "%s: OK: tpe %s built %s, signed by trusted key %s\n", pos[0], info.Manifest.Version,
		info.Manifest.Created.Format("2006-01-02 15:04 MST"), info.KeyID)
	if info.Manifest.MinVersion != "" {
		fmt.Fprintf(stdout, "  minimum version %s (signed): once confirmed, terminals refuse anything older\n", info.Manifest.MinVersion)
	}
	for _, f := range info.Manifest.Files {
		fmt.Fprintf(stdout, "  %-28s %10d  %04o  sha256:%s\n", f.Path, f.Size, f.Mode, f.SHA256)
	}
	return nil
}

func bundleKeygen(args []string, stdout io.Writer) error {
	fs := newTechFlags("bundle keygen", stdout)
	fs.about("bundle keygen --out PREFIX", `
Makes a release key pair: PREFIX.key (secret: keep it offline, never on a
terminal) and PREFIX.pub (install it with `+"`tpectl provision --trust`"+`).`,
		"tpectl bundle keygen --out release")
	out := fs.String("out", "", "prefix of the key files: PREFIX.key (secret, 0600) and PREFIX.pub (required)")
	if pos, err := fs.parse(args); err != nil {
		return err
	} else if len(pos) > 0 || *out == "" {
		return usagef("want `bundle keygen --out PREFIX`")
	}
	pub, priv, err := bundle.GenerateKey()
	if err != nil {
		return err
	}
	if err := bundle.WriteKeyPair(*out, pub, priv); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s.key (keep it offline, never on a terminal) and %s.pub (key %s; install it on terminals with `tpectl provision --trust %s.pub`)\n",
		*out, *out, bundle.KeyID(pub), *out)
	return nil
}
