package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is written by the emulator goroutine and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestNFCAgainstSimPN532 runs `tpectl sim pn532` and `tpectl nfc info|poll`
// against each other through the PTY symlink, as a technician would.
func TestNFCAgainstSimPN532(t *testing.T) {
	link := filepath.Join(t.TempDir(), "ttyPN532")
	ctx, cancel := context.WithCancel(context.Background())
	var simOut, simErr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"sim", "pn532", "--link", link, "--card", "visa-credit"}, &simOut, &simErr)
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("sim pn532 exited %d: %s", code, simErr.String())
		}
		if _, err := os.Lstat(link); !os.IsNotExist(err) {
			t.Errorf("link left behind: %v", err)
		}
	}()
	for !strings.Contains(simOut.String(), "PN532 emulator on") {
		if simErr.String() != "" {
			t.Fatalf("sim pn532: %s", simErr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}

	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"nfc", "info", "--port", link}, &out, &errb); code != 0 {
		t.Fatalf("nfc info exited %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "PN532 v1.6") {
		t.Fatalf("nfc info output:\n%s", out.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"nfc", "poll", "--port", link, "--baud", "115200"}, &out, &errb); code != 0 {
		t.Fatalf("nfc poll exited %d: %s", code, errb.String())
	}
	for _, want := range []string{"ATQA: 00 04", "SAK:  20", "ATS:  05 78 80 70 02", "UID:  08 "} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("nfc poll output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestNFCUsage(t *testing.T) {
	for _, args := range [][]string{
		{"nfc"}, {"nfc", "scan"}, {"nfc", "info"}, {"sim", "pn532"},
		{"sim", "pn532", "--link", filepath.Join(t.TempDir(), "x"), "--card", "no-such-profile-or-file"},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, &out, &errb); code == 0 {
			t.Errorf("%v: exit 0, want an error", args)
		}
	}
}
