package provision

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	qrcode "github.com/skip2/go-qrcode"

	"tpe/cmd/internal/bundle"
	"tpe/config"
	"tpe/offline"
)

// Paths relative to the root.
const (
	ConfigPath     = "etc/tpe/tpe.toml"
	TerminalKey    = "etc/tpe/terminal.key"
	TerminalPub    = "etc/tpe/terminal.pub"
	QRPath         = "etc/tpe/terminal-id.png"
	qrSize         = 384
	configFileMode = 0o640
)

// Request is what to provision.
type Request struct {
	Root   string
	Config config.Config
	// Trust lists PEM public key files of the release keys to install.
	Trust []string
	Force bool
	// APITLS makes a self-signed pair for the local API (APICert, APIKey)
	// valid for TLSHosts, and points api.tls_cert/tls_key at it.
	APITLS   bool
	TLSHosts []string
	// PINKey, when set, is the AES DUKPT initial key to seal beside the
	// device key (offline.SavePINKey): online PIN on this terminal.
	PINKey *KeyInjection
}

// Result says what Run did.
type Result struct {
	Changed    []string // files written, relative to the root
	PublicKey  []byte   // the terminal's public key, PEM
	KeyID      string   // short fingerprint of PublicKey
	ConfigPath string
	QRPath     string
	// TokenCreated: api.token was generated (not given, none to keep).
	TokenCreated bool
	// TLSFingerprint is the SHA-256 of the API's certificate with APITLS,
	// for the cash register to pin.
	TLSFingerprint string
}

// Run provisions req.Root. Nothing is written when the config does not
// validate or would replace another one without Force.
func Run(req Request) (*Result, error) {
	if req.Root == "" {
		return nil, errors.New("provision: no root directory; pass --root / on the terminal, or the mounted SD card")
	}
	c := req.Config
	res := &Result{ConfigPath: rooted(req.Root, ConfigPath), QRPath: rooted(req.Root, QRPath)}
	old, err := os.ReadFile(res.ConfigPath)
	if c.API.Token == "" {
		// Keep the token the cash registers already have; else a new one.
		if oc, perr := config.Parse(string(old), ConfigPath); err == nil && perr == nil {
			c.API.Token = oc.API.Token
		} else if c.API.Token, err = NewToken(); err != nil {
			return nil, err
		} else {
			res.TokenCreated = true
		}
	}
	if req.APITLS {
		c.API.TLSCert, c.API.TLSKey = "/"+APICert, "/"+APIKey
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	text, err := config.Format(c)
	if err != nil {
		return nil, err
	}
	// Decide about the config before writing anything.
	old, err = os.ReadFile(res.ConfigPath)
	writeConfig := true
	switch {
	case err == nil && bytes.Equal(old, text):
		writeConfig = false
	case err == nil && !req.Force:
		who := ""
		if oc, perr := config.Parse(string(old), ConfigPath); perr == nil {
			who = fmt.Sprintf(" (now terminal %s, merchant %s)", oc.Terminal.ID, oc.Terminal.MerchantID)
		}
		return nil, fmt.Errorf("%w%s", ErrProvisioned, who)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("provision: %w", err)
	}
	var trusted [][]byte
	for _, p := range req.Trust {
		k, err := bundle.LoadPublic(p)
		if err != nil {
			return nil, fmt.Errorf("provision: --trust %s: %w", p, err)
		}
		pem, _ := bundle.EncodePublic(k)
		trusted = append(trusted, pem)
	}

	if err := os.MkdirAll(rooted(req.Root, "etc/tpe"), 0o755); err != nil {
		return nil, fmt.Errorf("provision: %w", err)
	}
	// The data directory holds the journal: owner only.
	if err := os.MkdirAll(rooted(req.Root, c.DataDir), 0o700); err != nil {
		return nil, fmt.Errorf("provision: %w", err)
	}
	changed := func(rel string) { res.Changed = append(res.Changed, rel) }

	if writeConfig {
		if err := writeAtomic(res.ConfigPath, text, configFileMode); err != nil {
			return nil, err
		}
		changed(ConfigPath)
	}
	// The device key lives outside the data directory (config validation
	// refuses otherwise), by default in etc/tpe/private: a directory of its
	// own, owner only, since etc/tpe is group-readable for the config.
	keyRel := c.Offline.KeyFile
	keyPath := rooted(req.Root, keyRel)
	if err := mkdirPrivate(filepath.Dir(keyPath)); err != nil {
		return nil, err
	}
	switch err := offline.CreateKey(keyPath); {
	case err == nil:
		changed(strings.TrimPrefix(filepath.ToSlash(keyRel), "/"))
	case errors.Is(err, offline.ErrKeyExists):
		// Kept: the journal is sealed under it.
		if fi, serr := os.Stat(keyPath); serr == nil && fi.Mode().Perm()&0o077 != 0 {
			return nil, fmt.Errorf("provision: %s is readable by other users (mode %v); chmod 600 it", keyPath, fi.Mode().Perm())
		}
	default:
		return nil, err
	}

	if req.PINKey != nil {
		if err := offline.SavePINKey(keyPath, req.PINKey.InitialKey, req.PINKey.InitialKeyID); err != nil {
			return nil, fmt.Errorf("provision: %w", err)
		}
		changed(strings.TrimPrefix(filepath.ToSlash(filepath.Join(filepath.Dir(keyRel), offline.PINKeyFileName)), "/"))
	}

	if req.APITLS {
		fp, created, err := apiTLS(req.Root, req.TLSHosts)
		if err != nil {
			return nil, err
		}
		if created {
			changed(APIKey)
			changed(APICert)
		}
		res.TLSFingerprint = fp
	}

	pub, created, err := terminalKey(req.Root)
	if err != nil {
		return nil, err
	}
	if created {
		changed(TerminalKey)
		changed(TerminalPub)
	}
	res.PublicKey, _ = bundle.EncodePublic(pub)
	sum := sha256.Sum256(pub)
	res.KeyID = hex.EncodeToString(sum[:8])

	png, err := qrcode.Encode(c.Terminal.ID, qrcode.Medium, qrSize)
	if err != nil {
		return nil, fmt.Errorf("provision: QR code: %w", err)
	}
	if ok, err := writeIfDifferent(res.QRPath, png, 0o644); err != nil {
		return nil, err
	} else if ok {
		changed(QRPath)
	}
	for _, pem := range trusted {
		k, _ := bundle.ParsePublic(pem)
		rel := bundle.TrustedDir + "/" + bundle.KeyID(k) + ".pub"
		if err := os.MkdirAll(rooted(req.Root, bundle.TrustedDir), 0o755); err != nil {
			return nil, fmt.Errorf("provision: %w", err)
		}
		if ok, err := writeIfDifferent(rooted(req.Root, rel), pem, 0o644); err != nil {
			return nil, err
		} else if ok {
			changed(rel)
		}
	}
	return res, nil
}

// terminalKey loads the terminal's key pair, creating it once.
func terminalKey(root string) (ed25519.PublicKey, bool, error) {
	privPath, pubPath := rooted(root, TerminalKey), rooted(root, TerminalPub)
	if _, err := os.Stat(privPath); err == nil {
		priv, err := bundle.LoadPrivate(privPath)
		if err != nil {
			return nil, false, fmt.Errorf("provision: the terminal key exists but cannot be used: %w; restore it from backup (a new key needs re-enrolment at the acquirer)", err)
		}
		pub := priv.Public().(ed25519.PublicKey)
		pem, _ := bundle.EncodePublic(pub)
		// The public half is derived: rewrite it if it went missing.
		if _, err := writeIfDifferent(pubPath, pem, 0o644); err != nil {
			return nil, false, err
		}
		return pub, false, nil
	}
	pub, priv, err := bundle.GenerateKey()
	if err != nil {
		return nil, false, fmt.Errorf("provision: generating the terminal key: %w", err)
	}
	privPEM, err := bundle.EncodePrivate(priv)
	if err != nil {
		return nil, false, err
	}
	pubPEM, _ := bundle.EncodePublic(pub)
	if err := writeAtomic(privPath, privPEM, 0o600); err != nil {
		return nil, false, err
	}
	if err := writeAtomic(pubPath, pubPEM, 0o644); err != nil {
		return nil, false, err
	}
	return pub, true, nil
}

func rooted(root, p string) string { return filepath.Join(root, filepath.FromSlash(p)) }

// mkdirPrivate creates dir with mode 0700 (whatever the umask) when it does
// not exist; an existing directory is left as the technician set it.
func mkdirPrivate(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("provision: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("provision: %w", err)
	}
	return nil
}

func writeIfDifferent(p string, b []byte, mode os.FileMode) (bool, error) {
	if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, b) {
		return false, nil
	}
	return true, writeAtomic(p, b, mode)
}

// writeAtomic writes through a synced temporary file and a rename, so a
// power cut leaves the old file or the new one.
func writeAtomic(p string, b []byte, mode os.FileMode) error {
	tmp := p + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return fmt.Errorf("provision: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, mode)
	}
	if err == nil {
		err = os.Rename(tmp, p)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("provision: writing %s: %w", p, err)
	}
	if d, err := os.Open(filepath.Dir(p)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
