package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tpe/cmd/internal/metrics/promcheck"
)

func TestVersionAndHelp(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"version"}, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "gatewaysim ") {
		t.Fatalf("version: %d %q", code, out.String())
	}
	for _, h := range []string{"--help", "-h"} {
		out.Reset()
		errb.Reset()
		if code := run(context.Background(), []string{h}, &out, &errb); code != 0 || !strings.Contains(errb.String(), "--listen") || !strings.Contains(errb.String(), "example:") {
			t.Fatalf("%s: %d %q", h, code, errb.String())
		}
	}
	if code := run(context.Background(), []string{"--bogus"}, &out, &errb); code != 2 {
		t.Fatalf("bad flag: exit %d, want 2", code)
	}
	for _, bad := range [][]string{{"--card-key", "dsa"}, {"--latency", "-5ms"}} {
		errb.Reset()
		if code := run(context.Background(), bad, &out, &errb); code != 2 || !strings.Contains(errb.String(), "--card-key is ec or rsa") {
			t.Errorf("%v: exit %d %q, want 2 and the reason", bad, code, errb.String())
		}
	}
	errb.Reset()
	for _, h := range []string{"--pin-bdk", "--sca"} {
		run(context.Background(), []string{"--help"}, &out, &errb)
		if !strings.Contains(errb.String(), h) {
			t.Errorf("--help does not list %s", h)
		}
	}
	for _, bad := range []string{"00112233", "zz", ""} {
		errb.Reset()
		if code := run(context.Background(), []string{"--pin-bdk", bad}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "--pin-bdk") {
			t.Errorf("--pin-bdk %q: exit %d %q, want 2", bad, code, errb.String())
		}
	}
}

func TestServeAndShutdown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--listen", "127.0.0.1:0", "--data", t.TempDir(), "--card-key", "rsa", "--latency", "1ms"}, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok {
		t.Fatalf("first line %q", line)
	}
	go io.Copy(io.Discard, pr)
	resp, err := http.Get(url + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	json.NewDecoder(resp.Body).Decode(&d)
	resp.Body.Close()
	if d["issuer"] != url {
		t.Fatalf("issuer %v, want %s", d["issuer"], url)
	}
	// Its own metrics: a clean exposition (promlint, promtool when
	// installed) that counts the request just made.
	resp, err = http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	f := promcheck.Check(t, body)
	if n, ok := f.Value("gatewaysim_http_requests_total", "route", "GET /.well-known/openid-configuration", "code", "200"); !ok || n != 1 {
		t.Errorf("gatewaysim_http_requests_total of the discovery request = %v (present %v), want 1", n, ok)
	}
	// --card-key rsa: the published card key is the RSA one.
	resp, err = http.Get(url + "/keys/card")
	if err != nil {
		t.Fatal(err)
	}
	var set struct{ Keys []map[string]any }
	json.NewDecoder(resp.Body).Decode(&set)
	resp.Body.Close()
	if len(set.Keys) != 1 || set.Keys[0]["kty"] != "RSA" || set.Keys[0]["alg"] != "RSA-OAEP-256" {
		t.Fatalf("card keys %v, want one RSA-OAEP-256 key", set.Keys)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d after shutdown", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no graceful shutdown")
	}
}

// TestWalletTableFlag: --wallet-table loads the acquirer's table as tpe
// does, and a bad one stops the start with the line at fault.
func TestWalletTableFlag(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "wallets.toml")
	os.WriteFile(bad, []byte("[[wallet]]\ncode = \"maya\"\nname = \"\"\nprefixes = [\"281099\"]\n"), 0o644)
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"--listen", "127.0.0.1:0", "--data", t.TempDir(), "--wallet-table", bad}, &out, &errb)
	if want := bad + `:1: wallet 1: wallet "maya" has no name`; code != 2 || !strings.Contains(errb.String(), want) {
		t.Fatalf("bad table: exit %d %q, want 2 with %q", code, errb.String(), want)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--listen", "127.0.0.1:0", "--data", t.TempDir(), "--wallet-table", "../../config/wallets.sample.toml"}, pw, io.Discard)
		pw.Close()
	}()
	line, _ := bufio.NewReader(pr).ReadString('\n')
	if !strings.HasPrefix(line, "listening on ") {
		t.Fatalf("with the sample table: %q", line)
	}
	go io.Copy(io.Discard, pr)
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d", code)
	}
}
