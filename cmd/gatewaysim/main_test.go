package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
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
		done <- run(ctx, []string{"--listen", "127.0.0.1:0", "--data", t.TempDir()}, pw, io.Discard)
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
