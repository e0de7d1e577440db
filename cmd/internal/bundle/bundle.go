package bundle

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Entry names of the archive and the bundle's product name.
const (
	ManifestName  = "manifest.json"
	SignatureName = "manifest.sig"
	BinaryPath    = "bin/tpe"
	UnitPath      = "systemd/tpe.service"
	MigrationsDir = "migrations"
	Product       = "tpe"
	// Format is the manifest format this package writes and reads.
	Format = 1

	maxManifest   = 1 << 20
	maxSignatures = 64 << 10
	// sigContext separates bundle signatures from any other use of a key.
	sigContext = "tpe-bundle-manifest-v1\n"
)

// File is one payload file of a bundle.
type File struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	Mode   uint32 `json:"mode"` // permission bits
	SHA256 string `json:"sha256"`
}

// Manifest describes a bundle. Its exact encoded bytes are what is signed.
type Manifest struct {
	Format  int    `json:"format"`
	Product string `json:"product"`
	Version string `json:"version"`
	// MinVersion is the anti-rollback floor the release sets: once a
	// terminal has confirmed this bundle, it never installs or rolls back
	// to a version below MinVersion again (cmd/internal/update). Empty
	// means the bundle raises no floor. It is part of the signed bytes, so
	// it cannot be lowered or removed without breaking the signature.
	MinVersion string    `json:"min_version,omitempty"`
	Created    time.Time `json:"created"`
	Files      []File    `json:"files"`
}

// Signature is one ed25519 signature of the manifest.
type Signature struct {
	KeyID string `json:"key_id"`
	Alg   string `json:"alg"`
	Sig   []byte `json:"sig"`
}

// Signatures is the manifest.sig entry.
type Signatures struct {
	Signatures []Signature `json:"signatures"`
}

// Has reports whether m lists path.
func (m *Manifest) Has(p string) bool {
	for _, f := range m.Files {
		if f.Path == p {
			return true
		}
	}
	return false
}

// check validates a decoded manifest.
func (m *Manifest) check() error {
	if m.Format != Format {
		return fmt.Errorf("%w: manifest format %d, this tpectl reads %d; use a matching tpectl", ErrMalformed, m.Format, Format)
	}
	if m.Product != Product {
		return fmt.Errorf("%w: product %q is not %q", ErrMalformed, m.Product, Product)
	}
	v, err := ParseVersion(m.Version)
	if err != nil {
		return err
	}
	if err := checkMinVersion(v, m.MinVersion); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, f := range m.Files {
		if err := checkPath(f.Path); err != nil {
			return err
		}
		if seen[f.Path] {
			return &FileError{Path: f.Path, Reason: "listed twice in the manifest", Err: ErrMalformed}
		}
		seen[f.Path] = true
		if f.Size < 0 || f.Mode&^0o777 != 0 {
			return &FileError{Path: f.Path, Reason: "bad size or mode in the manifest", Err: ErrMalformed}
		}
		if b, err := hex.DecodeString(f.SHA256); err != nil || len(b) != sha256.Size {
			return &FileError{Path: f.Path, Reason: "bad sha256 in the manifest", Err: ErrMalformed}
		}
	}
	if !seen[BinaryPath] {
		return &FileError{Path: BinaryPath, Reason: "missing from the manifest", Err: ErrMalformed}
	}
	return nil
}

// Minimum is the parsed MinVersion; ok is false when the bundle sets no
// floor.
func (m *Manifest) Minimum() (v Version, ok bool, err error) {
	if m.MinVersion == "" {
		return Version{}, false, nil
	}
	v, err = ParseVersion(m.MinVersion)
	if err != nil {
		return Version{}, false, fmt.Errorf("min_version: %w", err)
	}
	return v, true, nil
}

// checkMinVersion refuses a floor above the bundle's own version: a
// terminal that installed such a bundle would refuse to run it again.
func checkMinVersion(v Version, minVersion string) error {
	if minVersion == "" {
		return nil
	}
	mv, err := ParseVersion(minVersion)
	if err != nil {
		return fmt.Errorf("min_version: %w", err)
	}
	if mv.Compare(v) > 0 {
		return fmt.Errorf("%w: min_version %s is above the bundle's own version %s; the minimum must be at most the version", ErrMalformed, minVersion, v)
	}
	return nil
}

// checkPath refuses anything that could escape the directory a bundle is
// extracted to.
func checkPath(p string) error {
	if p == "" || path.IsAbs(p) || path.Clean(p) != p || p == "." || strings.HasPrefix(p, "../") || p == ".." ||
		strings.ContainsAny(p, "\\\x00") || p == ManifestName || p == SignatureName {
		return &FileError{Path: p, Reason: "unsafe or reserved path", Err: ErrMalformed}
	}
	return nil
}

// BuildOpts says what goes in a bundle.
type BuildOpts struct {
	Version string // semantic version, e.g. 1.4.2
	// MinVersion is the anti-rollback floor (Manifest.MinVersion); empty
	// sets none.
	MinVersion string
	Binary     string // the terminal binary
	Unit       string // optional systemd unit
	Migrations string // optional directory of config migrations (flat)
	Now        func() time.Time
}

type source struct {
	File
	from string
}

// Build writes an unsigned bundle to w.
func Build(w io.Writer, o BuildOpts) (*Manifest, error) {
	v, err := ParseVersion(o.Version)
	if err != nil {
		return nil, err
	}
	if err := checkMinVersion(v, o.MinVersion); err != nil {
		return nil, err
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	if o.Binary == "" {
		return nil, fmt.Errorf("bundle: no binary given; pass --binary bin/tpe-linux-arm64 (make cross builds it)")
	}
	srcs := []source{{File: File{Path: BinaryPath, Mode: 0o755}, from: o.Binary}}
	if o.Unit != "" {
		srcs = append(srcs, source{File: File{Path: UnitPath, Mode: 0o644}, from: o.Unit})
	}
	if o.Migrations != "" {
		ents, err := os.ReadDir(o.Migrations)
		if err != nil {
			return nil, fmt.Errorf("bundle: reading migrations: %w", err)
		}
		for _, e := range ents {
			if !e.Type().IsRegular() {
				return nil, fmt.Errorf("bundle: migrations: %s is not a regular file; the directory must be flat", e.Name())
			}
			srcs = append(srcs, source{File: File{Path: MigrationsDir + "/" + e.Name(), Mode: 0o644}, from: filepath.Join(o.Migrations, e.Name())})
		}
	}
	m := &Manifest{Format: Format, Product: Product, Version: o.Version, MinVersion: o.MinVersion, Created: now().UTC().Truncate(time.Second)}
	for i := range srcs {
		s := &srcs[i]
		f, err := os.Open(s.from)
		if err != nil {
			return nil, fmt.Errorf("bundle: %w", err)
		}
		h := sha256.New()
		n, err := io.Copy(h, f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("bundle: reading %s: %w", s.from, err)
		}
		s.Size, s.SHA256 = n, hex.EncodeToString(h.Sum(nil))
		m.Files = append(m.Files, s.File)
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("bundle: encoding manifest: %w", err)
	}
	aw := newArchive(w, m.Created)
	if err := aw.add(ManifestName, 0o644, bytes.NewReader(raw), int64(len(raw))); err != nil {
		return nil, err
	}
	for _, s := range srcs {
		f, err := os.Open(s.from)
		if err != nil {
			return nil, fmt.Errorf("bundle: %w", err)
		}
		h := sha256.New()
		err = aw.add(s.Path, os.FileMode(s.Mode), io.TeeReader(f, h), s.Size)
		f.Close()
		if err != nil {
			return nil, err
		}
		if hex.EncodeToString(h.Sum(nil)) != s.SHA256 {
			return nil, fmt.Errorf("bundle: %s changed while building; build again", s.from)
		}
	}
	return m, aw.close()
}

// archive writes the tar+gzip stream with fixed metadata so that the same
// inputs give the same bytes.
type archive struct {
	gz  *gzip.Writer
	tw  *tar.Writer
	mod time.Time
}

func newArchive(w io.Writer, mod time.Time) *archive {
	gz, _ := gzip.NewWriterLevel(w, gzip.BestCompression)
	return &archive{gz: gz, tw: tar.NewWriter(gz), mod: mod}
}

func (a *archive) add(name string, mode os.FileMode, r io.Reader, size int64) error {
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: int64(mode.Perm()), Size: size,
		ModTime: a.mod, Uname: "root", Gname: "root", Format: tar.FormatPAX}
	if err := a.tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("bundle: writing %s: %w", name, err)
	}
	n, err := io.Copy(a.tw, r)
	if err != nil {
		return fmt.Errorf("bundle: writing %s: %w", name, err)
	}
	if n != size {
		return fmt.Errorf("bundle: %s changed size while building; build again", name)
	}
	return nil
}

func (a *archive) close() error {
	if err := a.tw.Close(); err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	if err := a.gz.Close(); err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	return nil
}

// signedBytes is what a signature covers.
func signedBytes(raw []byte) []byte {
	return append([]byte(sigContext), raw...)
}

// walker streams through a bundle and enforces its structure.
type walker struct {
	// header is called with the manifest (raw bytes too) and the
	// signatures (nil when unsigned) before any payload file.
	header func(m *Manifest, raw []byte, sigs *Signatures) error
	// file consumes (part of) one payload file's body; the walker reads the
	// rest and checks size and hash afterwards. Nil discards.
	file func(f File, body io.Reader) error
	// verified is called after a file's hash was checked.
	verified func(f File) error
}

// classify maps a low-level read error to a sentinel.
func classify(err error, where string) error {
	var ce flate.CorruptInputError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return fmt.Errorf("%w (ends inside %s)", ErrTruncated, where)
	case errors.Is(err, gzip.ErrChecksum):
		return fmt.Errorf("%w (compressed data checksum fails in %s)", ErrTampered, where)
	case errors.As(err, &ce), errors.Is(err, gzip.ErrHeader), errors.Is(err, tar.ErrHeader):
		return fmt.Errorf("%w: damaged data in %s (%v); get the bundle again", ErrMalformed, where, err)
	}
	return fmt.Errorf("bundle: reading %s: %w", where, err)
}

func (w *walker) walk(src io.Reader) (*Manifest, error) {
	// gzip reads through r's own buffer when r is a ByteReader: after the
	// trailer, what is left in r is exactly what follows the archive.
	r := bufio.NewReader(src)
	gz, err := gzip.NewReader(r)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w (the file is empty)", ErrTruncated)
		}
		return nil, classify(err, "the archive header")
	}
	gz.Multistream(false)
	tr := tar.NewReader(gz)
	hdr, err := tr.Next()
	if err != nil {
		return nil, classify(err, ManifestName)
	}
	if hdr.Name != ManifestName || hdr.Typeflag != tar.TypeReg || hdr.Size > maxManifest {
		return nil, fmt.Errorf("%w: first entry is %q, want %s", ErrMalformed, hdr.Name, ManifestName)
	}
	raw, err := io.ReadAll(tr)
	if err != nil {
		return nil, classify(err, ManifestName)
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: manifest: %v", ErrMalformed, err)
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	hdr, err = tr.Next()
	var sigs *Signatures
	if err == nil && hdr.Name == SignatureName {
		if hdr.Typeflag != tar.TypeReg || hdr.Size > maxSignatures {
			return nil, fmt.Errorf("%w: bad %s entry", ErrMalformed, SignatureName)
		}
		b, rerr := io.ReadAll(tr)
		if rerr != nil {
			return nil, classify(rerr, SignatureName)
		}
		sigs = new(Signatures)
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(sigs); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, SignatureName, err)
		}
		hdr, err = tr.Next()
	}
	if w.header != nil {
		if herr := w.header(&m, raw, sigs); herr != nil {
			return nil, herr
		}
	}
	for _, f := range m.Files {
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, &FileError{Path: f.Path, Reason: "listed in the manifest but missing from the archive (truncated?)", Err: ErrTruncated}
			}
			return nil, classify(err, f.Path)
		}
		if hdr.Name != f.Path {
			if m.Has(hdr.Name) {
				return nil, &FileError{Path: f.Path, Reason: "listed in the manifest but missing from the archive", Err: ErrTampered}
			}
			return nil, &FileError{Path: hdr.Name, Reason: "not in the signed manifest", Err: ErrTampered}
		}
		if hdr.Typeflag != tar.TypeReg {
			return nil, &FileError{Path: f.Path, Reason: "not a regular file", Err: ErrTampered}
		}
		if hdr.Size != f.Size {
			return nil, &FileError{Path: f.Path, Reason: fmt.Sprintf("size %d, manifest says %d", hdr.Size, f.Size), Err: ErrTampered}
		}
		h := sha256.New()
		body := io.TeeReader(tr, h)
		if w.file != nil {
			if ferr := w.file(f, body); ferr != nil {
				return nil, ferr
			}
		}
		if _, err := io.Copy(io.Discard, body); err != nil {
			return nil, classify(err, f.Path)
		}
		if !sameHash(h, f.SHA256) {
			return nil, &FileError{Path: f.Path, Reason: "sha256 differs from the manifest", Err: ErrTampered}
		}
		if w.verified != nil {
			if verr := w.verified(f); verr != nil {
				return nil, verr
			}
		}
		hdr, err = tr.Next()
	}
	switch {
	case err == nil:
		return nil, &FileError{Path: hdr.Name, Reason: "not in the signed manifest", Err: ErrTampered}
	case !errors.Is(err, io.EOF):
		return nil, classify(err, "the end of the archive")
	}
	// The tar end marker was read; the gzip trailer (CRC and length) must
	// follow and nothing after it.
	if _, err := io.Copy(io.Discard, gz); err != nil {
		return nil, classify(err, "the end of the archive")
	}
	var one [1]byte
	if n, _ := r.Read(one[:]); n > 0 {
		return nil, fmt.Errorf("%w: data after the end of the archive", ErrTampered)
	}
	return &m, nil
}

func sameHash(h hash.Hash, want string) bool {
	return hex.EncodeToString(h.Sum(nil)) == want
}

// verifySigs accepts a manifest signed by at least one trusted key. A
// signature claiming a trusted key that does not verify fails even when
// another one does: it means someone edited the manifest.
func verifySigs(raw []byte, sigs *Signatures, trusted []ed25519.PublicKey) (string, error) {
	if len(trusted) == 0 {
		return "", ErrNoTrustedKeys
	}
	if sigs == nil || len(sigs.Signatures) == 0 {
		return "", ErrUnsigned
	}
	byID := map[string]ed25519.PublicKey{}
	for _, k := range trusted {
		byID[KeyID(k)] = k
	}
	msg := signedBytes(raw)
	good := ""
	var seen []string
	for _, s := range sigs.Signatures {
		seen = append(seen, s.KeyID)
		k, ok := byID[s.KeyID]
		if !ok {
			continue
		}
		if s.Alg != "ed25519" || !ed25519.Verify(k, msg, s.Sig) {
			return "", fmt.Errorf("%w (key %s)", ErrBadSignature, s.KeyID)
		}
		good = s.KeyID
	}
	if good == "" {
		return "", fmt.Errorf("%w (signed by %s)", ErrUntrusted, strings.Join(seen, ", "))
	}
	return good, nil
}

// Info is what Verify learnt about a good bundle.
type Info struct {
	Manifest *Manifest
	KeyID    string // the trusted key that signed it
}

// Verify reads a whole bundle and checks its structure, every file's size
// and hash, and its signature against the trusted keys.
func Verify(r io.Reader, trusted []ed25519.PublicKey) (*Info, error) {
	var info Info
	w := walker{header: func(m *Manifest, raw []byte, sigs *Signatures) error {
		id, err := verifySigs(raw, sigs, trusted)
		info.KeyID = id
		return err
	}}
	m, err := w.walk(r)
	if err != nil {
		return nil, err
	}
	info.Manifest = m
	return &info, nil
}

// VerifyFile is Verify on a file.
func VerifyFile(p string, trusted []ed25519.PublicKey) (*Info, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	defer f.Close()
	return Verify(f, trusted)
}

// Inspect reads a bundle's manifest and signatures without trusting them
// (for `bundle verify` output and sign). Files are not hashed.
func Inspect(p string) (*Manifest, *Signatures, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, nil, fmt.Errorf("bundle: %w", err)
	}
	defer f.Close()
	var (
		man  *Manifest
		sigs *Signatures
	)
	stop := errors.New("stop")
	w := walker{header: func(m *Manifest, _ []byte, s *Signatures) error {
		man, sigs = m, s
		return stop
	}}
	if _, err := w.walk(f); err != stop {
		return nil, nil, err
	}
	return man, sigs, nil
}

// ExtractOpts tunes Extract.
type ExtractOpts struct {
	// AfterFile is called after each file is written and synced (tests use
	// it to cut the power at that point).
	AfterFile func(f File)
}

// Extract verifies the bundle read from r while writing its files under
// dir (created, must not exist). Each file is fsynced; manifest.json and
// manifest.sig are kept in dir. On error dir may hold a partial copy: the
// caller removes it.
func Extract(r io.Reader, trusted []ed25519.PublicKey, dir string, o *ExtractOpts) (*Info, error) {
	var opts ExtractOpts
	if o != nil {
		opts = *o
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	var info Info
	var cur *os.File
	w := walker{
		header: func(m *Manifest, raw []byte, sigs *Signatures) error {
			id, err := verifySigs(raw, sigs, trusted)
			if err != nil {
				return err
			}
			info.KeyID = id
			sb, _ := json.Marshal(sigs)
			if err := writeSynced(filepath.Join(dir, ManifestName), raw, 0o644); err != nil {
				return err
			}
			return writeSynced(filepath.Join(dir, SignatureName), sb, 0o644)
		},
		file: func(f File, body io.Reader) error {
			dst := filepath.Join(dir, filepath.FromSlash(f.Path))
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return fmt.Errorf("bundle: %w", err)
			}
			out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fs.FileMode(f.Mode))
			if err != nil {
				return fmt.Errorf("bundle: %w", err)
			}
			cur = out
			if _, err := io.Copy(out, body); err != nil {
				out.Close()
				cur = nil
				return classify(err, f.Path)
			}
			return nil
		},
		verified: func(f File) error {
			// Sync after the hash is known good, so a file on disk is
			// either absent, partial (dir is then discarded), or right.
			err := cur.Sync()
			if cerr := cur.Close(); err == nil {
				err = cerr
			}
			name := cur.Name()
			cur = nil
			if err != nil {
				return fmt.Errorf("bundle: writing %s: %w", f.Path, err)
			}
			// Chmod because the umask may have narrowed the create mode.
			if err := os.Chmod(name, fs.FileMode(f.Mode)); err != nil {
				return fmt.Errorf("bundle: %w", err)
			}
			if opts.AfterFile != nil {
				opts.AfterFile(f)
			}
			return nil
		},
	}
	m, err := w.walk(r)
	if err != nil {
		if cur != nil {
			cur.Close() // a file whose hash failed; the caller discards dir
		}
		return nil, err
	}
	if err := syncDirs(dir); err != nil {
		return nil, err
	}
	info.Manifest = m
	return &info, nil
}

// ReadManifest reads and checks the manifest of an extracted bundle (an
// update slot) without hashing its files; CheckDir does both.
func ReadManifest(dir string) (*Manifest, error) {
	raw, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, ManifestName, err)
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	return &m, nil
}

// CheckDir verifies an extracted bundle (an update slot) against its own
// manifest: every file present with its hash. It does not check the
// signature again; the slot was written only after it verified.
func CheckDir(dir string) (*Manifest, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	for _, f := range m.Files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		fh, err := os.Open(p)
		if err != nil {
			return nil, &FileError{Path: f.Path, Reason: "missing", Err: ErrTampered}
		}
		h := sha256.New()
		n, err := io.Copy(h, fh)
		fh.Close()
		if err != nil || n != f.Size || !sameHash(h, f.SHA256) {
			return nil, &FileError{Path: f.Path, Reason: "differs from the manifest", Err: ErrTampered}
		}
	}
	return m, nil
}

// Sign adds (or replaces) key's signature in the bundle at p, rewriting the
// file atomically. It checks every file's hash first: signing a damaged
// bundle would make it trusted.
func Sign(p string, key ed25519.PrivateKey) (string, error) {
	in, err := os.Open(p)
	if err != nil {
		return "", fmt.Errorf("bundle: %w", err)
	}
	defer in.Close()
	pub := key.Public().(ed25519.PublicKey)
	id := KeyID(pub)
	tmp, err := os.CreateTemp(filepath.Dir(p), ".sign-*")
	if err != nil {
		return "", fmt.Errorf("bundle: %w", err)
	}
	defer os.Remove(tmp.Name())
	var aw *archive
	w := walker{
		header: func(m *Manifest, raw []byte, sigs *Signatures) error {
			var out Signatures
			if sigs != nil {
				for _, s := range sigs.Signatures {
					if s.KeyID != id {
						out.Signatures = append(out.Signatures, s)
					}
				}
			}
			out.Signatures = append(out.Signatures, Signature{KeyID: id, Alg: "ed25519", Sig: ed25519.Sign(key, signedBytes(raw))})
			sort.Slice(out.Signatures, func(i, j int) bool { return out.Signatures[i].KeyID < out.Signatures[j].KeyID })
			sb, _ := json.MarshalIndent(out, "", "  ")
			aw = newArchive(tmp, m.Created)
			if err := aw.add(ManifestName, 0o644, bytes.NewReader(raw), int64(len(raw))); err != nil {
				return err
			}
			return aw.add(SignatureName, 0o644, bytes.NewReader(sb), int64(len(sb)))
		},
		file: func(f File, body io.Reader) error {
			return aw.add(f.Path, os.FileMode(f.Mode), body, f.Size)
		},
	}
	if _, err := w.walk(in); err != nil {
		tmp.Close()
		return "", err
	}
	if err := aw.close(); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", fmt.Errorf("bundle: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("bundle: %w", err)
	}
	// CreateTemp made it 0600: keep the bundle's own mode.
	if fi, err := in.Stat(); err == nil {
		os.Chmod(tmp.Name(), fi.Mode().Perm())
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return "", fmt.Errorf("bundle: %w", err)
	}
	return id, syncDir(filepath.Dir(p))
}

// BuildFile builds into path atomically.
func BuildFile(p string, o BuildOpts) (*Manifest, error) {
	tmp, err := os.CreateTemp(filepath.Dir(p), ".build-*")
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	defer os.Remove(tmp.Name())
	m, err := Build(tmp, o)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	return m, syncDir(filepath.Dir(p))
}

func writeSynced(p string, b []byte, mode os.FileMode) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("bundle: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("bundle: %w", err)
	}
	return f.Close()
}

// syncDirs fsyncs dir and every directory below it, so that the names of
// the files written there survive a power cut.
func syncDirs(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return syncDir(p)
		}
		return nil
	})
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	err = d.Sync()
	d.Close()
	if err != nil {
		return fmt.Errorf("bundle: syncing %s: %w", dir, err)
	}
	return nil
}
