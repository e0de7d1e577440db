package update

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tpe/cmd/internal/bundle"
)

// bundleMin builds and signs a bundle of version v declaring minimum min
// ("" for none), cached under "v@min".
func (k *kit) bundleMin(t testing.TB, v, min string) string {
	t.Helper()
	if min == "" {
		return k.bundle(t, v)
	}
	key := v + "@" + min
	if p, ok := k.bundles[key]; ok {
		return p
	}
	bin := filepath.Join(k.src, "tpe-"+key)
	os.WriteFile(bin, []byte("#!/bin/sh\necho tpe "+v+"\n"), 0o755)
	p := filepath.Join(k.src, "tpe-"+key+".tpeb")
	if _, err := bundle.BuildFile(p, bundle.BuildOpts{Version: v, MinVersion: min, Binary: bin}); err != nil {
		t.Fatal(err)
	}
	if _, err := bundle.Sign(p, k.priv); err != nil {
		t.Fatal(err)
	}
	k.bundles[key] = p
	return p
}

// step is one operation on a terminal in the tables below.
type step struct {
	op      string // "apply", "force", "confirm", "check-ok", "check-fail", "rollback"
	version string // apply/force: the bundle's version
	min     string // apply/force: its min_version
}

func (k *kit) do(t *testing.T, s step) error {
	t.Helper()
	switch s.op {
	case "apply", "force":
		_, err := Apply(context.Background(), k.root, k.bundleMin(t, s.version, s.min), &Opts{Force: s.op == "force"})
		return err
	case "confirm":
		return Confirm(k.root)
	case "check-ok":
		_, err := Check(context.Background(), k.root, healthy, fast)
		return err
	case "check-fail":
		_, err := Check(context.Background(), k.root, failing, fast)
		return err
	case "rollback":
		_, err := Rollback(k.root, "test", time.Now())
		return err
	}
	t.Fatalf("unknown step %q", s.op)
	return nil
}

func (k *kit) setup(t *testing.T, steps []step) {
	t.Helper()
	for _, s := range steps {
		if err := k.do(t, s); err != nil && !errors.Is(err, ErrRolledBack) {
			t.Fatalf("setup %+v: %v", s, err)
		}
	}
}

// floorFile is the content of MinVersionPath, "" when absent.
func (k *kit) floorFile(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(k.root, MinVersionPath))
	if errors.Is(err, os.ErrNotExist) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestApplyBelowMinimumRefused(t *testing.T) {
	// 1.2.0 declares 1.1.0 the oldest safe version.
	firstInstall := []step{{op: "apply", version: "1.2.0", min: "1.1.0"}}
	confirmed := []step{{op: "apply", version: "1.0.0"}, {op: "apply", version: "1.2.0", min: "1.1.0"}, {op: "check-ok"}}
	onTrial := []step{{op: "apply", version: "1.0.5"}, {op: "apply", version: "1.2.0", min: "1.1.0"}}
	tests := []struct {
		name  string
		setup []step
		try   step
		want  error
	}{
		{"first install then forced 1.0.0", firstInstall, step{op: "force", version: "1.0.0"}, ErrBelowMinimum},
		{"confirmed update then forced 1.0.0", confirmed, step{op: "force", version: "1.0.0"}, ErrBelowMinimum},
		{"trial's minimum holds for installs", onTrial, step{op: "force", version: "1.0.0"}, ErrBelowMinimum},
		{"unforced below the minimum", firstInstall, step{op: "apply", version: "1.0.0"}, ErrBelowMinimum},
		{"pre-release of the minimum", firstInstall, step{op: "force", version: "1.1.0-rc.1"}, ErrBelowMinimum},
		{"semantic, not lexical", []step{{op: "apply", version: "1.10.0", min: "1.10.0"}}, step{op: "force", version: "1.9.0"}, ErrBelowMinimum},
		{"forced to exactly the minimum", firstInstall, step{op: "force", version: "1.1.0"}, nil},
		{"forced reinstall of the same version", firstInstall, step{op: "force", version: "1.2.0", min: "1.1.0"}, nil},
		{"no minimum, forced downgrade as before", []step{{op: "apply", version: "1.2.0"}}, step{op: "force", version: "1.0.0"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newKit(t)
			k.setup(t, tt.setup)
			before := k.status(t)
			err := k.do(t, tt.try)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if tt.want == nil {
				return
			}
			var be *BelowMinimumError
			if !errors.As(err, &be) || be.Version != tt.try.version {
				t.Fatalf("got %#v, want a *BelowMinimumError for %s", err, tt.try.version)
			}
			for _, s := range []string{tt.try.version, be.Minimum, "cannot be lowered", "--force"} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("message %q does not say %q", err, s)
				}
			}
			if after := k.status(t); after.Version != before.Version || after.Active != before.Active || after.Trial != before.Trial {
				t.Fatalf("a refused bundle changed the terminal: got %+v, want %+v", after, before)
			}
		})
	}
}

func TestRollbackBelowMinimum(t *testing.T) {
	tests := []struct {
		name        string
		steps       []step
		want        error
		wantVersion string // running after the rollback attempt
	}{
		{"confirmed by its health check", []step{{op: "apply", version: "1.0.0"}, {op: "apply", version: "1.2.0", min: "1.1.0"}, {op: "check-ok"}},
			ErrBelowMinimum, "1.2.0"},
		{"confirmed by a technician", []step{{op: "apply", version: "1.0.0"}, {op: "apply", version: "1.2.0", min: "1.1.0"}, {op: "confirm"}},
			ErrBelowMinimum, "1.2.0"},
		{"forced reinstall keeps the floor", []step{{op: "apply", version: "1.0.0"}, {op: "apply", version: "1.2.0", min: "1.1.0"}, {op: "confirm"},
			{op: "force", version: "1.2.0", min: "1.1.0"}, {op: "confirm"}}, nil, "1.2.0"},
		{"other slot at the minimum", []step{{op: "apply", version: "1.1.0"}, {op: "apply", version: "1.2.0", min: "1.1.0"}, {op: "confirm"}},
			nil, "1.1.0"},
		// A trial's minimum is not committed: a failed trial must always
		// be able to go back to the version that ran before it.
		{"on trial, the way back stays open", []step{{op: "apply", version: "1.0.0"}, {op: "apply", version: "1.2.0", min: "1.1.0"}},
			nil, "1.0.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newKit(t)
			k.setup(t, tt.steps)
			err := k.do(t, step{op: "rollback"})
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			s := k.status(t)
			if s.Version != tt.wantVersion {
				t.Fatalf("running %s, want %s", s.Version, tt.wantVersion)
			}
			if tt.want != nil {
				if !strings.Contains(err.Error(), "slot a version 1.0.0") || !strings.Contains(err.Error(), "1.1.0") {
					t.Errorf("message %q does not name the slot, its version and the minimum", err)
				}
				if !s.Slots[0].BelowMinimum || s.MinVersion != "1.1.0" {
					t.Errorf("status does not show slot a below the minimum: %+v", s)
				}
			}
		})
	}
}

func TestFailedTrialRollsBackBelowItsOwnMinimum(t *testing.T) {
	k := newKit(t)
	k.setup(t, []step{{op: "apply", version: "1.0.0"}, {op: "apply", version: "1.2.0", min: "1.1.0"}})
	if err := k.do(t, step{op: "check-fail"}); !errors.Is(err, ErrRolledBack) {
		t.Fatalf("got %v, want ErrRolledBack", err)
	}
	if s := k.status(t); s.Version != "1.0.0" || s.MinVersion != "" {
		t.Fatalf("got %+v, want 1.0.0 running and no floor", s)
	}
	if got := k.floorFile(t); got != "" {
		t.Fatalf("floor file %q after a failed trial, want none", got)
	}
}

func TestMinimumNeverDecreases(t *testing.T) {
	k := newKit(t)
	k.setup(t, []step{{op: "apply", version: "1.0.0"}})
	tests := []struct {
		version, min string
		want         string // floor file after confirming version
	}{
		{"1.2.0", "1.1.0", "1.1.0\n"},
		{"1.3.0", "1.0.0", "1.1.0\n"}, // a later bundle with a lower minimum
		{"1.4.0", "", "1.1.0\n"},      // or none
		{"1.5.0", "1.4.0", "1.4.0\n"},
		{"1.6.0", "1.3.9", "1.4.0\n"},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			k.setup(t, []step{{op: "apply", version: tt.version, min: tt.min}, {op: "check-ok"}})
			if got := k.floorFile(t); got != tt.want {
				t.Fatalf("floor file %q, want %q", got, tt.want)
			}
			if _, err := os.Stat(filepath.Join(k.root, MinVersionPath+".tmp")); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("temporary floor file left behind: %v", err)
			}
		})
	}
	// A forced install of something between the old and the new floor.
	if err := k.do(t, step{op: "force", version: "1.3.5"}); !errors.Is(err, ErrBelowMinimum) {
		t.Fatalf("got %v, want ErrBelowMinimum", err)
	}
}

// TestMinimumRepairedFromConfirmedSlot covers a power cut between
// confirming a version and writing its floor, and a deleted floor file: the
// confirmed active version's minimum is written back before it is needed.
func TestMinimumRepairedFromConfirmedSlot(t *testing.T) {
	k := newKit(t)
	k.setup(t, []step{{op: "apply", version: "1.0.0"}, {op: "apply", version: "1.2.0", min: "1.1.0"}, {op: "confirm"}})
	if err := os.Remove(filepath.Join(k.root, MinVersionPath)); err != nil {
		t.Fatal(err)
	}
	if err := k.do(t, step{op: "rollback"}); !errors.Is(err, ErrBelowMinimum) {
		t.Fatalf("got %v, want ErrBelowMinimum", err)
	}
	if got := k.floorFile(t); got != "1.1.0\n" {
		t.Fatalf("floor file %q, want 1.1.0", got)
	}
}

func TestCorruptMinimumFileIsAnError(t *testing.T) {
	tests := []struct {
		name  string
		write func(p string) error
	}{
		{"empty", func(p string) error { return os.WriteFile(p, nil, 0o644) }},
		{"garbage", func(p string) error { return os.WriteFile(p, []byte("\x00\x00garbage"), 0o644) }},
		{"not semantic", func(p string) error { return os.WriteFile(p, []byte("1.1\n"), 0o644) }},
		{"two lines", func(p string) error { return os.WriteFile(p, []byte("1.1.0\n0.0.1\n"), 0o644) }},
		{"a directory", func(p string) error { return os.Mkdir(p, 0o755) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newKit(t)
			k.setup(t, []step{{op: "apply", version: "1.0.0"}, {op: "apply", version: "1.2.0", min: "1.1.0"}, {op: "confirm"}})
			p := filepath.Join(k.root, MinVersionPath)
			os.Remove(p)
			if err := tt.write(p); err != nil {
				t.Fatal(err)
			}
			for _, s := range []step{{op: "force", version: "1.0.0"}, {op: "apply", version: "1.3.0"}, {op: "rollback"}} {
				if err := k.do(t, s); !errors.Is(err, ErrMinimumUnreadable) {
					t.Errorf("%s %s: got %v, want ErrMinimumUnreadable", s.op, s.version, err)
				}
			}
			st, err := GetStatus(k.root)
			if !errors.Is(err, ErrMinimumUnreadable) || st.MinVersionProblem == "" || st.Version != "1.2.0" {
				t.Fatalf("status: got %+v, %v; want the slots and ErrMinimumUnreadable", st, err)
			}
		})
	}
}

func TestTamperedMinVersionBreaksSignature(t *testing.T) {
	tests := []struct {
		name string
		edit func(manifest []byte) []byte
	}{
		{"lowered", func(m []byte) []byte {
			return bytes.Replace(m, []byte(`"min_version": "1.1.0"`), []byte(`"min_version": "0.0.1"`), 1)
		}},
		{"removed", func(m []byte) []byte {
			return bytes.Replace(m, []byte(`"min_version": "1.1.0",`), nil, 1)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newKit(t)
			k.setup(t, []step{{op: "apply", version: "1.0.0"}})
			good, err := os.ReadFile(k.bundleMin(t, "1.2.0", "1.1.0"))
			if err != nil {
				t.Fatal(err)
			}
			bad := writeTmp(t, editManifest(t, good, tt.edit))
			_, err = Apply(context.Background(), k.root, bad, nil)
			if !errors.Is(err, bundle.ErrBadSignature) {
				t.Fatalf("got %v, want bundle.ErrBadSignature", err)
			}
			if s := k.status(t); s.Version != "1.0.0" || s.Trial {
				t.Fatalf("a tampered bundle changed the terminal: %+v", s)
			}
		})
	}
}

// editManifest rewrites a bundle with edit applied to manifest.json and
// every other entry (the signatures too) kept as it was.
func editManifest(t *testing.T, b []byte, edit func([]byte) []byte) []byte {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var out bytes.Buffer
	gw := gzip.NewWriter(&out)
	tw := tar.NewWriter(gw)
	changed := false
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if h.Name == bundle.ManifestName {
			nb := edit(body)
			changed = !bytes.Equal(nb, body)
			body = nb
		}
		h.Size = int64(len(body))
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write(body)
	}
	if !changed {
		t.Fatal("the edit did not change the manifest")
	}
	tw.Close()
	gw.Close()
	return out.Bytes()
}
