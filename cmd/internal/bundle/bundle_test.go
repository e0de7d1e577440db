package bundle

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/ed25519"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type fixture struct {
	dir      string
	path     string // signed bundle
	pub      ed25519.PublicKey
	priv     ed25519.PrivateKey
	otherPub ed25519.PublicKey
	otherKey ed25519.PrivateKey
}

func newFixture(t testing.TB, version string) *fixture {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "tpe")
	if err := os.WriteFile(bin, bytes.Repeat([]byte("\x7fELF terminal binary "+version+"\n"), 2000), 0o755); err != nil {
		t.Fatal(err)
	}
	unit := filepath.Join(dir, "tpe.service")
	os.WriteFile(unit, []byte("[Service]\nExecStart=/opt/tpe/current/bin/tpe\n"), 0o644)
	mig := filepath.Join(dir, "mig")
	os.Mkdir(mig, 0o755)
	os.WriteFile(filepath.Join(mig, "0001-noop.toml"), []byte("# nothing\n"), 0o644)
	f := &fixture{dir: dir, path: filepath.Join(dir, "tpe-"+version+".tpeb")}
	var err error
	if f.pub, f.priv, err = GenerateKey(); err != nil {
		t.Fatal(err)
	}
	if f.otherPub, f.otherKey, err = GenerateKey(); err != nil {
		t.Fatal(err)
	}
	if _, err := BuildFile(f.path, BuildOpts{Version: version, Binary: bin, Unit: unit, Migrations: mig,
		Now: func() time.Time { return time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC) }}); err != nil {
		t.Fatal(err)
	}
	if _, err := Sign(f.path, f.priv); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) bytes(t testing.TB) []byte {
	b, err := os.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	f := newFixture(t, "1.2.3")
	info, err := VerifyFile(f.path, []ed25519.PublicKey{f.otherPub, f.pub})
	if err != nil {
		t.Fatal(err)
	}
	if info.Manifest.Version != "1.2.3" || info.KeyID != KeyID(f.pub) {
		t.Fatalf("got %+v, want version 1.2.3 signed by %s", info, KeyID(f.pub))
	}
	if got := len(info.Manifest.Files); got != 3 {
		t.Fatalf("got %d files, want 3 (binary, unit, migration)", got)
	}
	out := filepath.Join(t.TempDir(), "slot")
	r, _ := os.Open(f.path)
	defer r.Close()
	if _, err := Extract(r, []ed25519.PublicKey{f.pub}, out, nil); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(out, BinaryPath))
	if err != nil || fi.Mode().Perm() != 0o755 {
		t.Fatalf("binary: %v, mode %v", err, fi)
	}
	if _, err := CheckDir(out); err != nil {
		t.Fatalf("CheckDir: %v", err)
	}
	os.WriteFile(filepath.Join(out, UnitPath), []byte("changed"), 0o644)
	if _, err := CheckDir(out); !errors.Is(err, ErrTampered) {
		t.Fatalf("CheckDir after change: got %v, want ErrTampered", err)
	}
}

func TestSignTwiceKeepsBothAndIsIdempotent(t *testing.T) {
	f := newFixture(t, "1.0.0")
	if _, err := Sign(f.path, f.otherKey); err != nil {
		t.Fatal(err)
	}
	before := f.bytes(t)
	if _, err := Sign(f.path, f.otherKey); err != nil {
		t.Fatal(err)
	}
	_, sigs, err := Inspect(f.path)
	if err != nil || len(sigs.Signatures) != 2 {
		t.Fatalf("got %v sigs (%v), want 2", sigs, err)
	}
	if !bytes.Equal(before, f.bytes(t)) {
		t.Fatal("signing again with the same key changed the bundle")
	}
	if fi, _ := os.Stat(f.path); fi.Mode().Perm() != 0o644 {
		t.Errorf("signed bundle mode %v, want 0644", fi.Mode().Perm())
	}
	for _, k := range []ed25519.PublicKey{f.pub, f.otherPub} {
		if _, err := VerifyFile(f.path, []ed25519.PublicKey{k}); err != nil {
			t.Fatalf("key %s: %v", KeyID(k), err)
		}
	}
}

func TestRejects(t *testing.T) {
	f := newFixture(t, "2.0.0")
	good := f.bytes(t)
	trusted := []ed25519.PublicKey{f.pub}

	unsigned := filepath.Join(f.dir, "unsigned.tpeb")
	if _, err := BuildFile(unsigned, BuildOpts{Version: "2.0.0", Binary: filepath.Join(f.dir, "tpe")}); err != nil {
		t.Fatal(err)
	}
	ub, _ := os.ReadFile(unsigned)

	tests := []struct {
		name    string
		data    []byte
		trusted []ed25519.PublicKey
		want    error
	}{
		{"wrong key", good, []ed25519.PublicKey{f.otherPub}, ErrUntrusted},
		{"no trusted keys", good, nil, ErrNoTrustedKeys},
		{"unsigned", ub, trusted, ErrUnsigned},
		{"empty file", nil, trusted, ErrTruncated},
		{"not gzip", []byte("hello, this is not a bundle"), trusted, ErrMalformed},
		{"trailing data", append(append([]byte{}, good...), "extra"...), trusted, ErrTampered},
		{"binary replaced", rewrite(t, good, func(name string, b []byte) []byte {
			if name == BinaryPath {
				b = bytes.Clone(b)
				b[100] ^= 1
			}
			return b
		}), trusted, ErrTampered},
		{"manifest edited after signing", rewrite(t, good, func(name string, b []byte) []byte {
			if name == ManifestName {
				return bytes.Replace(b, []byte(`"2.0.0"`), []byte(`"9.0.0"`), 1)
			}
			return b
		}), trusted, ErrBadSignature},
		{"file dropped", rewrite(t, good, func(name string, b []byte) []byte {
			if name == UnitPath {
				return nil
			}
			return b
		}), trusted, ErrTampered},
		{"file added", append2(t, good, "bin/backdoor", []byte("x")), trusted, ErrTampered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Verify(bytes.NewReader(tt.data), tt.trusted)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), ";") && !strings.Contains(err.Error(), "(") && !errors.Is(err, ErrMalformed) {
				t.Errorf("message %q does not say what to do", err)
			}
			dir := filepath.Join(t.TempDir(), "x")
			if _, err := Extract(bytes.NewReader(tt.data), tt.trusted, dir, nil); !errors.Is(err, tt.want) {
				t.Fatalf("Extract: got %v, want %v", err, tt.want)
			}
		})
	}
}

// TestTruncatedEverywhere cuts the signed bundle at many lengths: every one
// must be refused.
func TestTruncatedEverywhere(t *testing.T) {
	f := newFixture(t, "1.0.0")
	good := f.bytes(t)
	step := max(1, len(good)/97)
	for n := 0; n < len(good); n += step {
		if _, err := Verify(bytes.NewReader(good[:n]), []ed25519.PublicKey{f.pub}); err == nil {
			t.Fatalf("truncated to %d of %d bytes: accepted", n, len(good))
		}
	}
	if _, err := Verify(bytes.NewReader(good[:len(good)-1]), []ed25519.PublicKey{f.pub}); !errors.Is(err, ErrTruncated) {
		t.Fatalf("one byte short: got %v, want ErrTruncated", err)
	}
}

// TestBitFlipsEverywhere flips one bit at many offsets: a flipped bundle is
// refused, or — when the flip hits bits the decoders ignore (gzip header
// fields outside the CRC, deflate encodings that decode the same) — its
// content is byte for byte the signed one.
func TestBitFlipsEverywhere(t *testing.T) {
	f := newFixture(t, "1.0.0")
	good := f.bytes(t)
	want := gunzip(t, good)
	step := max(1, len(good)/200)
	tried, accepted := 0, 0
	for off := 0; off < len(good); off += step {
		b := bytes.Clone(good)
		b[off] ^= 0x10
		tried++
		if _, err := Verify(bytes.NewReader(b), []ed25519.PublicKey{f.pub}); err == nil {
			accepted++
			if !bytes.Equal(gunzip(t, b), want) {
				t.Fatalf("bit flip at %d of %d accepted with different content", off, len(good))
			}
		}
	}
	if accepted > tried/10 {
		t.Fatalf("%d of %d bit flips accepted", accepted, tried)
	}
}

func gunzip(t *testing.T, b []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestUnsafeManifestPaths(t *testing.T) {
	for _, p := range []string{"../etc/passwd", "/etc/passwd", "bin/../../x", "manifest.sig", "a\\b", ""} {
		if err := checkPath(p); !errors.Is(err, ErrMalformed) {
			t.Errorf("checkPath(%q) = %v, want ErrMalformed", p, err)
		}
	}
	if err := checkPath("migrations/0001.toml"); err != nil {
		t.Errorf("good path refused: %v", err)
	}
}

func TestKeys(t *testing.T) {
	dir := t.TempDir()
	pub, priv, _ := GenerateKey()
	prefix := filepath.Join(dir, "release")
	if err := WriteKeyPair(prefix, pub, priv); err != nil {
		t.Fatal(err)
	}
	if err := WriteKeyPair(prefix, pub, priv); err == nil {
		t.Fatal("overwrote an existing key pair")
	}
	k, err := LoadPrivate(prefix + ".key")
	if err != nil || !k.Equal(priv) {
		t.Fatalf("LoadPrivate: %v", err)
	}
	os.Chmod(prefix+".key", 0o644)
	if _, err := LoadPrivate(prefix + ".key"); !errors.Is(err, ErrBadKey) {
		t.Fatalf("world-readable key: got %v, want ErrBadKey", err)
	}
	trusted := filepath.Join(dir, "trusted")
	if _, err := LoadTrusted(trusted); !errors.Is(err, ErrNoTrustedKeys) {
		t.Fatalf("missing dir: got %v", err)
	}
	os.Mkdir(trusted, 0o755)
	b, _ := os.ReadFile(prefix + ".pub")
	os.WriteFile(filepath.Join(trusted, "release.pub"), b, 0o644)
	keys, err := LoadTrusted(trusted)
	if err != nil || len(keys) != 1 || !keys[0].Equal(pub) {
		t.Fatalf("LoadTrusted: %v %v", keys, err)
	}
	os.WriteFile(filepath.Join(trusted, "junk.pub"), []byte("junk"), 0o644)
	if _, err := LoadTrusted(trusted); !errors.Is(err, ErrBadKey) {
		t.Fatalf("junk key: got %v, want ErrBadKey", err)
	}
	if _, err := ParsePublic(b); err != nil {
		t.Fatal(err)
	}
	if _, err := ParsePrivate(b); !errors.Is(err, ErrBadKey) {
		t.Fatalf("public as private: got %v", err)
	}
}

func TestVersionCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1.0.0", "1.0.0", 0}, {"v1.0.0", "1.0.0", 0}, {"1.0.1", "1.0.0", 1}, {"1.10.0", "1.9.9", 1},
		{"2.0.0", "10.0.0", -1}, {"1.0.0-rc.1", "1.0.0", -1}, {"1.0.0-rc.2", "1.0.0-rc.10", -1},
		{"1.0.0-alpha", "1.0.0-alpha.1", -1}, {"1.0.0-beta", "1.0.0-alpha", 1}, {"1.0.0+build5", "1.0.0", 0},
	}
	for _, tt := range tests {
		a, err := ParseVersion(tt.a)
		if err != nil {
			t.Fatal(err)
		}
		b, err := ParseVersion(tt.b)
		if err != nil {
			t.Fatal(err)
		}
		if got := a.Compare(b); got != tt.want {
			t.Errorf("%s vs %s: got %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
	for _, s := range []string{"", "dev", "1.2", "1.2.3.4", "01.2.3", "1.2.x", "1.2.3-", "a1b2c3d"} {
		if _, err := ParseVersion(s); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseVersion(%q) = %v, want ErrMalformed", s, err)
		}
	}
}

// rewrite decodes a bundle, lets fn change (or drop, with nil) each entry,
// and encodes it again, keeping the signature entry as it was.
func rewrite(t testing.TB, b []byte, fn func(name string, body []byte) []byte) []byte {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var out bytes.Buffer
	gw := gzip.NewWriter(&out)
	tw := tar.NewWriter(gw)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		body = fn(h.Name, body)
		if body == nil {
			continue
		}
		h.Size = int64(len(body))
		tw.WriteHeader(h)
		tw.Write(body)
	}
	tw.Close()
	gw.Close()
	return out.Bytes()
}

func append2(t testing.TB, b []byte, name string, body []byte) []byte {
	t.Helper()
	out := rewrite(t, b, func(_ string, b []byte) []byte { return b })
	// Re-encode with one more entry at the end.
	gz, _ := gzip.NewReader(bytes.NewReader(out))
	tr := tar.NewReader(gz)
	var buf bytes.Buffer
	gw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gw)
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		body, _ := io.ReadAll(tr)
		tw.WriteHeader(h)
		tw.Write(body)
	}
	tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(body))})
	tw.Write(body)
	tw.Close()
	gw.Close()
	return buf.Bytes()
}

func FuzzVerify(f *testing.F) {
	fx := newFixture(f, "1.0.0")
	good := fx.bytes(f)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte{0x1f, 0x8b, 8, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := Verify(bytes.NewReader(b), []ed25519.PublicKey{fx.pub})
		if err == nil && !bytes.Equal(b, good) {
			// Another encoding of the same signed content is acceptable
			// only if it carries the same manifest.
			if info.Manifest.Version != "1.0.0" {
				t.Fatalf("accepted a different bundle: %+v", info.Manifest)
			}
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	fx := newFixture(b, "1.0.0")
	good := fx.bytes(b)
	b.SetBytes(int64(len(good)))
	for b.Loop() {
		if _, err := Verify(bytes.NewReader(good), []ed25519.PublicKey{fx.pub}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestMinVersion(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "tpe")
	os.WriteFile(bin, []byte("\x7fELF terminal binary 1.2.0\n"), 0o755)
	pub, priv, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, version, min string
		want               error // from Build
	}{
		{"below the version", "1.2.0", "1.1.0", nil},
		{"equal to the version", "1.2.0", "1.2.0", nil},
		{"none", "1.2.0", "", nil},
		{"pre-release minimum", "1.2.0", "1.2.0-rc.1", nil},
		{"above the version", "1.2.0", "1.10.0", ErrMalformed},
		{"not semantic", "1.2.0", "1.1", ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".tpeb")
			_, err := BuildFile(p, BuildOpts{Version: tt.version, MinVersion: tt.min, Binary: bin})
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if tt.want != nil {
				return
			}
			if _, err := Sign(p, priv); err != nil {
				t.Fatal(err)
			}
			info, err := VerifyFile(p, []ed25519.PublicKey{pub})
			if err != nil {
				t.Fatal(err)
			}
			if info.Manifest.MinVersion != tt.min {
				t.Fatalf("got min_version %q, want %q", info.Manifest.MinVersion, tt.min)
			}
			raw := gunzip(t, mustRead(t, p))
			if has := bytes.Contains(raw, []byte(`"min_version"`)); has != (tt.min != "") {
				t.Fatalf("manifest has min_version: %v, want %v (omitted when empty, for older readers)", has, tt.min != "")
			}
		})
	}
}

func TestMinVersionIsSigned(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "tpe")
	os.WriteFile(bin, []byte("\x7fELF terminal binary 1.2.0\n"), 0o755)
	pub, priv, _ := GenerateKey()
	p := filepath.Join(dir, "b.tpeb")
	if _, err := BuildFile(p, BuildOpts{Version: "1.2.0", MinVersion: "1.1.0", Binary: bin}); err != nil {
		t.Fatal(err)
	}
	if _, err := Sign(p, priv); err != nil {
		t.Fatal(err)
	}
	good := mustRead(t, p)
	edits := map[string][2]string{
		"lowered": {`"min_version": "1.1.0"`, `"min_version": "1.0.0"`},
		"raised":  {`"min_version": "1.1.0"`, `"min_version": "1.2.0"`},
		"removed": {`"min_version": "1.1.0",`, ``},
	}
	for name, e := range edits {
		t.Run(name, func(t *testing.T) {
			bad := rewrite(t, good, func(n string, b []byte) []byte {
				if n == ManifestName {
					nb := bytes.Replace(b, []byte(e[0]), []byte(e[1]), 1)
					if bytes.Equal(nb, b) {
						t.Fatal("the edit did not change the manifest")
					}
					return nb
				}
				return b
			})
			if _, err := Verify(bytes.NewReader(bad), []ed25519.PublicKey{pub}); !errors.Is(err, ErrBadSignature) {
				t.Fatalf("got %v, want ErrBadSignature", err)
			}
		})
	}
}

func mustRead(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
