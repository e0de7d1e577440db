package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary be tpe itself, run as a separate process.
func TestMain(m *testing.M) {
	if os.Getenv("TPE_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestVersionAndHelp: both answer with exit 0, and in a C locale
// (containers, minimal installs) without fyne's "Error parsing user
// locale C".
func TestVersionAndHelp(t *testing.T) {
	for _, loc := range []string{"LANG=C.UTF-8", "LC_ALL=C.UTF-8", "LANG=C", "LANG=fr_FR.UTF-8"} {
		for _, tt := range []struct {
			args []string
			want string
		}{
			{[]string{"version"}, "tpe "},
			{[]string{"--help"}, "example:"},
			{[]string{"-h"}, "-config"},
		} {
			t.Run(loc+" "+tt.args[0], func(t *testing.T) {
				cmd := exec.Command(os.Args[0], tt.args...)
				for _, kv := range os.Environ() {
					switch name, _, _ := strings.Cut(kv, "="); name {
					case "LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES":
					default:
						cmd.Env = append(cmd.Env, kv)
					}
				}
				cmd.Env = append(cmd.Env, "TPE_MAIN=1", loc)
				out, err := cmd.CombinedOutput()
				if err != nil || !strings.Contains(string(out), tt.want) {
					t.Fatalf("exit %v, want 0 and %q:\n%s", err, tt.want, out)
				}
				if strings.Contains(string(out), "Fyne error") {
					t.Errorf("locale noise:\n%s", out)
				}
			})
		}
	}
}

// A headless build (CGO_ENABLED=0 or -tags ci, as the tests run) started
// without --headless must refuse with a clear error before it opens anything,
// not panic in fyne's test driver (issue 16).
func TestHeadlessBuildRefusesWindow(t *testing.T) {
	if hasUI {
		t.Skip("this build has the real fyne driver")
	}
	missing := filepath.Join(t.TempDir(), "absent.toml")
	err := run(context.Background(), missing, false)
	if !errors.Is(err, errNoUI) {
		t.Fatalf("run without --headless: got %v, want %v", err, errNoUI)
	}
	// With --headless the same build goes on to the config (and fails there).
	err = run(context.Background(), missing, true)
	if err == nil || errors.Is(err, errNoUI) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("run --headless with a missing config: got %v, want a missing-file error", err)
	}
}

// The watchdog's UI heartbeat: fresh at start (the window may be slow to
// open), stale once the event loop stops beating, fresh again on a beat.
func TestHeartbeat(t *testing.T) {
	now := time.Unix(1000, 0)
	h := newHeartbeat(func() time.Time { return now })
	for _, tc := range []struct {
		advance time.Duration
		beat    bool
		want    bool
	}{
		{0, false, true},
		{uiStale - time.Second, false, true},
		{2 * time.Second, false, false},
		{0, true, true},
		{uiStale, false, false},
	} {
		now = now.Add(tc.advance)
		if tc.beat {
			h.Beat()
		}
		if got := h.Fresh(uiStale); got != tc.want {
			t.Fatalf("after %v (beat %v): got fresh %v, want %v", tc.advance, tc.beat, got, tc.want)
		}
	}
}
