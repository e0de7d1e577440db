package bundle

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// TrustedDir is where a terminal keeps the public keys it accepts bundles
// from, relative to its root.
const TrustedDir = "etc/tpe/trusted-keys"

// KeyID names a public key: hex of the first 8 bytes of SHA-256(PKIX).
func KeyID(pub ed25519.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "invalid"
	}
	h := sha256.Sum256(der)
	return hex.EncodeToString(h[:8])
}

// GenerateKey makes a new signing key pair.
func GenerateKey() (ed25519.PublicKey, ed25519.PrivateKey, error) {
	return ed25519.GenerateKey(rand.Reader)
}

// EncodePrivate is the PKCS #8 PEM of k.
func EncodePrivate(k ed25519.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("bundle: encoding private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// EncodePublic is the PKIX PEM of k.
func EncodePublic(k ed25519.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		return nil, fmt.Errorf("bundle: encoding public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// ParsePrivate reads a PKCS #8 PEM ed25519 private key.
func ParsePrivate(b []byte) (ed25519.PrivateKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%w: want a PEM \"PRIVATE KEY\" block (tpectl bundle keygen writes one)", ErrBadKey)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w: the key is a %T, want ed25519", ErrBadKey, k)
	}
	return ek, nil
}

// ParsePublic reads a PKIX PEM ed25519 public key.
func ParsePublic(b []byte) (ed25519.PublicKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("%w: want a PEM \"PUBLIC KEY\" block", ErrBadKey)
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	ek, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: the key is a %T, want ed25519", ErrBadKey, k)
	}
	return ek, nil
}

// LoadPrivate reads a private key file. It refuses a file other users can
// read: a leaked release key signs updates for every terminal.
func LoadPrivate(path string) (ed25519.PrivateKey, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("bundle: reading signing key: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s is readable by other users (mode %v); chmod 600 it", ErrBadKey, path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("bundle: reading signing key: %w", err)
	}
	k, err := ParsePrivate(b)
	clear(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// LoadPublic reads a public key file.
func LoadPublic(path string) (ed25519.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("bundle: reading public key: %w", err)
	}
	k, err := ParsePublic(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// WriteKeyPair writes prefix.key (0600) and prefix.pub. It refuses to
// overwrite either: losing a release key strands every terminal trusting it.
func WriteKeyPair(prefix string, pub ed25519.PublicKey, priv ed25519.PrivateKey) error {
	privPEM, err := EncodePrivate(priv)
	if err != nil {
		return err
	}
	pubPEM, err := EncodePublic(pub)
	if err != nil {
		return err
	}
	if err := writeNew(prefix+".key", privPEM, 0o600); err != nil {
		return err
	}
	if err := writeNew(prefix+".pub", pubPEM, 0o644); err != nil {
		os.Remove(prefix + ".key")
		return err
	}
	return nil
}

func writeNew(path string, b []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("bundle: %s already exists; choose another --out prefix or move the old key away", path)
	}
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("bundle: writing %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("bundle: writing %s: %w", path, err)
	}
	return f.Close()
}

// LoadTrusted reads every *.pub file of dir. A missing directory or one
// without keys is ErrNoTrustedKeys; an unreadable key is an error, not
// skipped, so that a technician notices it.
func LoadTrusted(dir string) ([]ed25519.PublicKey, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w (%s is missing)", ErrNoTrustedKeys, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("bundle: reading trusted keys: %w", err)
	}
	var names []string
	for _, e := range ents {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".pub") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var keys []ed25519.PublicKey
	for _, n := range names {
		k, err := LoadPublic(filepath.Join(dir, n))
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w (%s holds no .pub file)", ErrNoTrustedKeys, dir)
	}
	return keys, nil
}
