package flash

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh/knownhosts"

	"tpe/cmd/internal/bundle"
	"tpe/cmd/internal/flash/sshtest"
	"tpe/cmd/internal/update"
)

// signed builds a ~1 MiB incompressible signed bundle of version v.
func signed(t *testing.T, priv ed25519.PrivateKey, v string) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "tpe")
	b := make([]byte, 1<<20)
	rand.Read(b)
	os.WriteFile(bin, b, 0o755)
	p := filepath.Join(dir, "tpe-"+v+".tpeb")
	if _, err := bundle.BuildFile(p, bundle.BuildOpts{Version: v, Binary: bin}); err != nil {
		t.Fatal(err)
	}
	if _, err := bundle.Sign(p, priv); err != nil {
		t.Fatal(err)
	}
	return p
}

func rootTrusting(t *testing.T, pub ed25519.PublicKey) string {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, bundle.TrustedDir), 0o755)
	pem, _ := bundle.EncodePublic(pub)
	os.WriteFile(filepath.Join(root, bundle.TrustedDir, "release.pub"), pem, 0o644)
	return root
}

func TestParseTarget(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		in   string
		want Target
		ok   bool
	}{
		{dir, Target{Dir: dir}, true},
		{"root@tpe-0042.local", Target{User: "root", Host: "tpe-0042.local:22"}, true},
		{"tech@10.0.0.7:2222", Target{User: "tech", Host: "10.0.0.7:2222"}, true},
		{"tech@[fe80::1]:22", Target{User: "tech", Host: "[fe80::1]:22"}, true},
		{"/no/such/dir", Target{}, false},
		{"tpe-0042.local", Target{}, false},
		{"root@host:99999", Target{}, false},
		{"root@host;rm -rf /", Target{}, false},
	}
	for _, tt := range tests {
		got, err := ParseTarget(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseTarget(%q) = %+v, %v; want %+v ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrBadTarget) {
			t.Errorf("ParseTarget(%q): %v is not ErrBadTarget", tt.in, err)
		}
	}
}

func TestDirResumes(t *testing.T) {
	pub, priv, _ := bundle.GenerateKey()
	root := rootTrusting(t, pub)
	src := signed(t, priv, "1.0.0")
	fi, _ := os.Stat(src)
	ctx, cancel := context.WithCancel(context.Background())
	var bar bytes.Buffer
	draw := Bar(&bar, "copy")
	_, err := Run(ctx, Target{Dir: root}, src, &Opts{Progress: func(done, total int64) {
		draw(done, total)
		if done >= total/2 {
			cancel()
		}
	}})
	if err == nil || !strings.Contains(err.Error(), "again to resume") {
		t.Fatalf("interrupted copy: got %v", err)
	}
	part := filepath.Join(root, StageDir, filepath.Base(src)+".part")
	pfi, err := os.Stat(part)
	if err != nil || pfi.Size() == 0 || pfi.Size() >= fi.Size() {
		t.Fatalf("part file: %v %v", pfi, err)
	}
	if s, _ := update.GetStatus(root); s.Active != "" {
		t.Fatal("an interrupted copy installed something")
	}
	res, err := Run(context.Background(), Target{Dir: root}, src, &Opts{Progress: draw})
	if err != nil {
		t.Fatal(err)
	}
	if res.Resumed != pfi.Size() || res.Resumed+res.Sent != fi.Size() {
		t.Fatalf("resumed %d + sent %d, want %d + %d", res.Resumed, res.Sent, pfi.Size(), fi.Size()-pfi.Size())
	}
	if res.Apply == nil || res.Apply.Version != "1.0.0" {
		t.Fatalf("apply: %+v", res.Apply)
	}
	if !strings.Contains(bar.String(), "100.0%") || !strings.Contains(bar.String(), "[###") {
		t.Errorf("no progress bar: %q", bar.String())
	}
	if s, err := update.GetStatus(root); err != nil || s.Version != "1.0.0" {
		t.Fatalf("status: %+v %v", s, err)
	}
}

func TestDirRefusesUntrustedBeforeCopying(t *testing.T) {
	pub, _, _ := bundle.GenerateKey()
	_, otherPriv, _ := bundle.GenerateKey()
	root := rootTrusting(t, pub)
	_, err := Run(context.Background(), Target{Dir: root}, signed(t, otherPriv, "1.0.0"), nil)
	if !errors.Is(err, bundle.ErrUntrusted) {
		t.Fatalf("got %v, want ErrUntrusted", err)
	}
	if _, err := os.Stat(filepath.Join(root, StageDir)); !os.IsNotExist(err) {
		t.Fatal("copied an untrusted bundle")
	}
}

func TestSSHResumesAndInstalls(t *testing.T) {
	srv := sshtest.Start(t)
	remoteRoot := t.TempDir()
	// The terminal's tpectl, faked: it records its arguments.
	fake := filepath.Join(t.TempDir(), "tpectl")
	record := filepath.Join(t.TempDir(), "args")
	os.WriteFile(fake, []byte("#!/bin/sh\necho \"$@\" > "+record+"\necho installed\n"), 0o755)
	_, priv, _ := bundle.GenerateKey()
	src := signed(t, priv, "1.2.0")
	fi, _ := os.Stat(src)
	target := Target{User: "tech", Host: srv.Addr}
	so := &SSHOpts{Identity: srv.Identity, KnownHosts: srv.KnownHosts, RemoteRoot: remoteRoot, RemoteTpectl: fake}

	srv.SetCut(func(cmd string, n int64) bool { return strings.HasPrefix(cmd, "cat ") && n > fi.Size()/3 })
	_, err := Run(context.Background(), target, src, &Opts{SSH: so})
	if err == nil || !strings.Contains(err.Error(), "resume") {
		t.Fatalf("cut transfer: got %v", err)
	}
	srv.SetCut(nil)
	var out bytes.Buffer
	res, err := Run(context.Background(), target, src, &Opts{SSH: so, Out: &out, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Resumed == 0 || res.Resumed+res.Sent != fi.Size() {
		t.Fatalf("resumed %d + sent %d, want a resume totalling %d", res.Resumed, res.Sent, fi.Size())
	}
	args, _ := os.ReadFile(record)
	want := "update apply --root " + remoteRoot + " --force " + filepath.Join(remoteRoot, StageDir, filepath.Base(src))
	if strings.TrimSpace(string(args)) != want {
		t.Fatalf("remote tpectl got %q, want %q", args, want)
	}
	if !strings.Contains(out.String(), "installed") {
		t.Errorf("remote output not shown: %q", out.String())
	}
	// The staged copy is byte-identical (its hash was checked remotely) and
	// removed after the install.
	if _, err := os.Stat(res.Staged); !os.IsNotExist(err) {
		t.Errorf("staged copy left: %v", err)
	}
}

func TestSSHRefusesUnknownOrChangedHostKey(t *testing.T) {
	srv := sshtest.Start(t)
	_, priv, _ := bundle.GenerateKey()
	src := signed(t, priv, "1.0.0")
	empty := filepath.Join(t.TempDir(), "known_hosts")
	os.WriteFile(empty, nil, 0o600)
	target := Target{User: "tech", Host: srv.Addr}
	_, err := Run(context.Background(), target, src, &Opts{SSH: &SSHOpts{Identity: srv.Identity, KnownHosts: empty}})
	if err == nil || !strings.Contains(err.Error(), "--accept-new-host-key") {
		t.Fatalf("unknown host: got %v", err)
	}
	other := sshtest.Start(t) // another host key, same address below
	b, _ := os.ReadFile(other.KnownHosts)
	changed := filepath.Join(t.TempDir(), "known_hosts")
	os.WriteFile(changed, bytes.Replace(b, []byte(knownhosts.Normalize(other.Addr)), []byte(knownhosts.Normalize(srv.Addr)), 1), 0o600)
	_, err = Run(context.Background(), target, src, &Opts{SSH: &SSHOpts{Identity: srv.Identity, KnownHosts: changed, AcceptNew: true}})
	if err == nil || !strings.Contains(err.Error(), "CHANGED") {
		t.Fatalf("changed host key: got %v", err)
	}
	// First contact with AcceptNew records the key.
	fake := filepath.Join(t.TempDir(), "tpectl")
	os.WriteFile(fake, []byte("#!/bin/sh\nexit 0\n"), 0o755)
	if _, err := Run(context.Background(), target, src, &Opts{SSH: &SSHOpts{Identity: srv.Identity, KnownHosts: empty, AcceptNew: true,
		RemoteRoot: t.TempDir(), RemoteTpectl: fake}}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(empty); !bytes.Contains(b, []byte("ssh-ed25519")) {
		t.Fatalf("known_hosts not updated: %q", b)
	}
}

func TestSSHRemoteRefusal(t *testing.T) {
	srv := sshtest.Start(t)
	_, priv, _ := bundle.GenerateKey()
	src := signed(t, priv, "1.0.0")
	fake := filepath.Join(t.TempDir(), "tpectl")
	os.WriteFile(fake, []byte("#!/bin/sh\necho 'tpectl update: update: a payment is in flight; finish or cancel it on the terminal, then apply again' >&2\nexit 1\n"), 0o755)
	root := t.TempDir()
	_, err := Run(context.Background(), Target{User: "tech", Host: srv.Addr}, src, &Opts{SSH: &SSHOpts{Identity: srv.Identity, KnownHosts: srv.KnownHosts, RemoteRoot: root, RemoteTpectl: fake}})
	if err == nil || !strings.Contains(err.Error(), "in flight") {
		t.Fatalf("got %v, want the terminal's reason", err)
	}
	// The copy stays staged for the retry.
	if _, err := os.Stat(filepath.Join(root, StageDir, filepath.Base(src))); err != nil {
		t.Fatalf("staged copy gone after a refusal: %v", err)
	}
}
