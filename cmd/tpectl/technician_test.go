package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// techRun runs the CLI in-process and returns exit code, stdout and stderr.
func techRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func mustTech(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := techRun(t, args...)
	if code != 0 {
		t.Fatalf("tpectl %v: exit %d\n%s%s", args, code, out, errs)
	}
	return out
}

// release makes a key pair and signed bundles of the given versions.
func release(t *testing.T, versions ...string) (dir string, bundles map[string]string) {
	dir = t.TempDir()
	mustTech(t, "bundle", "keygen", "--out", filepath.Join(dir, "release"))
	bundles = map[string]string{}
	for _, v := range versions {
		bin := filepath.Join(dir, "tpe-"+v)
		os.WriteFile(bin, []byte("#!/bin/sh\necho "+v+"\n"), 0o755)
		out := filepath.Join(dir, "tpe-"+v+".tpeb")
		mustTech(t, "bundle", "build", "--version", v, "--binary", bin, "--unit", "../../scripts/systemd/tpe.service", "--out", out)
		mustTech(t, "bundle", "sign", "--key", filepath.Join(dir, "release.key"), out)
		bundles[v] = out
	}
	return dir, bundles
}

func TestBundleCommands(t *testing.T) {
	dir, b := release(t, "1.0.0")
	unstamped := filepath.Join(dir, "unstamped")
	os.WriteFile(unstamped, []byte("no version here"), 0o755)
	if out := mustTech(t, "bundle", "build", "--version", "2.0.0", "--binary", unstamped, "--out", filepath.Join(dir, "u.tpeb")); !strings.Contains(out, "WARNING") {
		t.Errorf("no warning for a binary without its version: %s", out)
	}
	out := mustTech(t, "bundle", "verify", "--pubkey", filepath.Join(dir, "release.pub"), b["1.0.0"])
	if strings.Contains(out, "WARNING") {
		t.Errorf("unexpected warning: %s", out)
	}
	if !strings.Contains(out, "OK: tpe 1.0.0") || !strings.Contains(out, "bin/tpe") {
		t.Fatalf("verify output: %s", out)
	}
	mustTech(t, "bundle", "keygen", "--out", filepath.Join(dir, "other"))
	code, _, errs := techRun(t, "bundle", "verify", "--pubkey", filepath.Join(dir, "other.pub"), b["1.0.0"])
	if code == 0 || !strings.Contains(errs, "REFUSED") || !strings.Contains(errs, "trusted") {
		t.Fatalf("wrong key: exit %d, %s", code, errs)
	}
	data, _ := os.ReadFile(b["1.0.0"])
	trunc := filepath.Join(dir, "trunc.tpeb")
	os.WriteFile(trunc, data[:len(data)-10], 0o644)
	code, _, errs = techRun(t, "bundle", "verify", "--pubkey", filepath.Join(dir, "release.pub"), trunc)
	if code == 0 || !strings.Contains(errs, "truncated") {
		t.Fatalf("truncated: exit %d, %s", code, errs)
	}
	if code, _, errs := techRun(t, "bundle", "verify", b["1.0.0"]); code != 1 || !strings.Contains(errs, "usage") {
		t.Fatalf("missing --pubkey: exit %d %s", code, errs)
	}
}

func provisionArgs(root, trust string) []string {
	return []string{"provision", "--root", root, "--terminal-id", "T0000042", "--merchant-id", "100042",
		"--merchant-name", "Boulangerie Test", "--hardware", "sim", "--lang", "en", "--trust", trust,
		"--gateway-url", "https://gw.example.com", "--client-id", "t42", "--client-secret", "s3cret-value"}
}

func TestProvisionUpdateRollbackFlow(t *testing.T) {
	dir, b := release(t, "1.0.0", "1.1.0")
	root := filepath.Join(t.TempDir(), "root")
	args := provisionArgs(root, filepath.Join(dir, "release.pub"))
	out := mustTech(t, args...)
	if !strings.Contains(out, "provisioned terminal T0000042") || !strings.Contains(out, "BEGIN PUBLIC KEY") {
		t.Fatalf("provision: %s", out)
	}
	export := t.TempDir()
	if out := mustTech(t, append(args, "--export-dir", export)...); !strings.Contains(out, "nothing changed") || !strings.Contains(out, "exported") {
		t.Fatalf("second provision: %s", out)
	}
	if b, err := os.ReadFile(filepath.Join(export, "T0000042.pub")); err != nil || !strings.Contains(string(b), "PUBLIC KEY") {
		t.Fatalf("exported key: %v", err)
	}
	other := append(append([]string{}, args...), "--merchant-city", "Lyon")
	if code, _, errs := techRun(t, other...); code != 1 || !strings.Contains(errs, "--force") {
		t.Fatalf("different config: exit %d %s", code, errs)
	}
	if strings.Contains(out, "s3cret-value") {
		t.Fatal("provision printed the client secret")
	}
	mustTech(t, "config", "check", filepath.Join(root, "etc/tpe/tpe.toml"))

	mustTech(t, "update", "apply", "--root", root, b["1.0.0"])
	out = mustTech(t, "update", "apply", b["1.1.0"], "--root", root)
	if !strings.Contains(out, "on trial") {
		t.Fatalf("apply: %s", out)
	}
	if code, _, errs := techRun(t, "update", "apply", "--root", root, b["1.0.0"]); code != 1 || !strings.Contains(errs, "older") {
		t.Fatalf("downgrade: exit %d %s", code, errs)
	}
	out = mustTech(t, "update", "status", "--root", root)
	if !strings.Contains(out, "running tpe 1.1.0") || !strings.Contains(out, "ON TRIAL") {
		t.Fatalf("status: %s", out)
	}
	// The new version answers 503: the check rolls back.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(503)
		fmt.Fprint(w, `{"status":"degraded"}`)
	}))
	defer srv.Close()
	code, out, errs := techRun(t, "update", "check", "--root", root, "--health-url", srv.URL, "--timeout", "100ms")
	if code != 1 || !strings.Contains(out, "ROLLED BACK") || !strings.Contains(errs, "logs export") {
		t.Fatalf("check: exit %d\n%s%s", code, out, errs)
	}
	out = mustTech(t, "update", "status", "--root", root)
	if !strings.Contains(out, "running tpe 1.0.0") || !strings.Contains(out, "last rollback") {
		t.Fatalf("status after rollback: %s", out)
	}
	// Manual roll forward and confirm.
	mustTech(t, "update", "rollback", "--root", root)
	if code, _, errs := techRun(t, "update", "confirm", "--root", root); code != 1 || !strings.Contains(errs, "no update") {
		t.Fatalf("confirm without trial: %d %s", code, errs)
	}
	if out := mustTech(t, "update", "status", "--root", root, "--json"); !strings.Contains(out, `"version": "1.1.0"`) {
		t.Fatalf("json status: %s", out)
	}
}

func TestLogsExport(t *testing.T) {
	dir, b := release(t, "1.0.0")
	root := filepath.Join(t.TempDir(), "root")
	mustTech(t, provisionArgs(root, filepath.Join(dir, "release.pub"))...)
	mustTech(t, "update", "apply", "--root", root, b["1.0.0"])
	os.MkdirAll(filepath.Join(root, "var/log/tpe"), 0o755)
	os.WriteFile(filepath.Join(root, "var/log/tpe/tpe.log"), []byte("debug pan=5413330089010434 card 5413330089010434\n"), 0o600)
	out := filepath.Join(t.TempDir(), "support.tar.gz")
	stdout := mustTech(t, "logs", "export", "--root", root, "--out", out)
	if !strings.Contains(stdout, "logs/tpe.log") || !strings.Contains(stdout, "update-status.json") {
		t.Fatalf("export: %s", stdout)
	}
	raw, _ := os.ReadFile(out)
	text := gunzipAll(t, raw)
	for _, s := range []string{"5413330089010434", "s3cret-value"} {
		if strings.Contains(text, s) {
			t.Errorf("support bundle holds %q", s)
		}
	}
	if !strings.Contains(text, `"version": "1.0.0"`) {
		t.Errorf("support bundle lacks the slot version")
	}
}

func gunzipAll(t *testing.T, b []byte) string {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	all, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(all)
}

func TestDiagSim(t *testing.T) {
	out := mustTech(t, "diag", "--sim")
	if !strings.Contains(out, "TERMINAL OK") || !strings.Contains(out, "nfc card detection") {
		t.Fatalf("diag --sim:\n%s", out)
	}
	code, out, errs := techRun(t, "diag", "--sim", "--sim-fail", "printer", "--json")
	if code != 1 || !strings.Contains(out, `"status": "fail"`) || !strings.Contains(out, "paper") || !strings.Contains(errs, "apply the fixes") {
		t.Fatalf("diag --sim-fail printer: exit %d\n%s%s", code, out, errs)
	}
	if code, _, errs := techRun(t, "diag", "--sim", "--sim-fail", "toaster"); code != 1 || !strings.Contains(errs, "unknown simulated fault") {
		t.Fatalf("bad fault: %d %s", code, errs)
	}
	// A provisioned sim terminal (directory root) diagnoses from its config.
	dir, _ := release(t)
	root := filepath.Join(t.TempDir(), "root")
	args := []string{"provision", "--root", root, "--terminal-id", "T0000042", "--merchant-id", "100042",
		"--merchant-name", "Boulangerie Test", "--hardware", "sim", "--trust", filepath.Join(dir, "release.pub")}
	mustTech(t, args...)
	out = mustTech(t, "diag", "--config", filepath.Join(root, "etc/tpe/tpe.toml"), "--root", root, "--print")
	if !strings.Contains(out, "test page printed") || !strings.Contains(out, "data store integrity") {
		t.Fatalf("diag --config:\n%s", out)
	}
}
