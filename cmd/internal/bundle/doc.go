// Package bundle is the update bundle of the TPE terminal: a gzip-compressed
// POSIX tar archive holding a manifest (version, every file's size, mode
// and SHA-256), the manifest's ed25519 signatures, the terminal binary, an
// optional systemd unit and optional config migrations.
//
// # Layout
//
// Entries come in this order, and a reader refuses any other:
//
//	manifest.json     the Manifest, exact bytes that are signed
//	manifest.sig      Signatures (absent in an unsigned bundle)
//	bin/tpe           the terminal binary (mode 0755)
//	systemd/tpe.service
//	migrations/…      config migrations, applied by cmd/internal/update
//
// Putting the signatures before the payload lets a reader check the
// signature, then hash each file as it streams past, in one pass and without
// holding the binary in memory. Every file of the archive must be listed in
// the manifest and every listed file must be present with its size and hash:
// a tampered, truncated, reordered or padded archive fails, each with its own
// sentinel error (ErrTampered, ErrTruncated, ErrMalformed…).
//
// # Minimum version
//
// A manifest may carry min_version, the release's anti-rollback floor: the
// oldest version a terminal may run once it has confirmed this bundle
// (cmd/internal/update enforces it). It lives in the manifest, so the
// signature covers it: lowering or removing it breaks the signature. It
// must be at most the bundle's own version. The field is omitted when
// empty, so bundles without a floor stay readable by an older tpectl; an
// older tpectl refuses a bundle that sets one (unknown manifest field),
// which is the safe side since it could not enforce it.
//
// # Keys
//
// Ed25519 (RFC 8032) keys are PEM files: PKCS #8 "PRIVATE KEY" (mode 0600)
// and PKIX "PUBLIC KEY", the formats `openssl genpkey -algorithm ed25519`
// writes, so a release team can keep its signing key in its own tooling. A
// key is named by its KeyID, the first 8 bytes of the SHA-256 of its PKIX
// encoding in hex. A terminal trusts only the public keys in its
// trusted-keys directory (TrustedDir under the root), installed by
// `tpectl provision --trust`.
package bundle
