package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// simEnv is the environment of a tpe-sim child process, with the locale
// variables replaced by extra.
func simEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "TPE_SIM_MAIN":
			continue
		}
		env = append(env, kv)
	}
	return append(append(env, "TPE_SIM_MAIN=1"), extra...)
}

// TestPortTaken: with the API port taken, tpe-sim says so in one line that
// names the fix, and exits 1.
func TestPortTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	cmd := exec.Command(os.Args[0], "--headless", "--listen", addr, "--data", t.TempDir())
	cmd.Env = simEnv("LANG=C.UTF-8")
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("got %v, want exit status 1\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 1 {
		t.Fatalf("got %d lines, want 1:\n%s", len(lines), out)
	}
	for _, want := range []string{"tpe-sim: " + addr + " is already in use", "--listen 127.0.0.1:", "make sim PORT="} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("got %q, want it to contain %q", lines[0], want)
		}
	}
	// The port it suggests is free.
	_, port, _ := strings.Cut(lines[0][strings.Index(lines[0], "--listen 127.0.0.1:")+len("--listen "):], ":")
	port, _, _ = strings.Cut(port, " ")
	if l, err := net.Listen("tcp", "127.0.0.1:"+port); err != nil {
		t.Errorf("suggested port %s is not free: %v", port, err)
	} else {
		l.Close()
	}
}

// TestBadLanguage: a language the terminal does not speak is refused with
// the ones it does.
func TestBadLanguage(t *testing.T) {
	cmd := exec.Command(os.Args[0], "--headless", "--listen", "127.0.0.1:0", "--data", t.TempDir(), "--lang", "de")
	cmd.Env = simEnv()
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(string(out), `--lang "de": want fr or en`) {
		t.Fatalf("got %v, want exit status 1 and the valid languages:\n%s", err, out)
	}
}

// TestNoFyneLocaleError: in a C locale (containers, minimal installs) no
// binary prints fyne's "Error parsing user locale C".
func TestNoFyneLocaleError(t *testing.T) {
	for _, loc := range []string{"LANG=C.UTF-8", "LANG=C", "LANG=POSIX", "LC_ALL=C.UTF-8"} {
		for _, args := range [][]string{{"version"}, {"--help"}} {
			t.Run(loc+" "+strings.Join(args, " "), func(t *testing.T) {
				cmd := exec.Command(os.Args[0], args...)
				cmd.Env = simEnv(loc)
				out, err := cmd.CombinedOutput()
				if err != nil || !strings.Contains(string(out), "tpe-sim") {
					t.Fatalf("exit %v:\n%s", err, out)
				}
				if strings.Contains(string(out), "Fyne error") || strings.Contains(string(out), "locale") {
					t.Errorf("locale noise:\n%s", out)
				}
			})
		}
	}
}

// TestHelpDocumentsTheDataDirectory: --help says where the data is kept
// and how to start afresh.
func TestHelpDocumentsTheDataDirectory(t *testing.T) {
	cmd := exec.Command(os.Args[0], "--help")
	cmd.Env = simEnv("HOME=/home/someone", "XDG_DATA_HOME=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("--help: %v\n%s", err, out)
	}
	for _, want := range []string{"~/.local/share/tpe-sim", "/home/someone/.local/share/tpe-sim", "-fresh", "-listen", "example:"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("--help does not mention %q:\n%s", want, out)
		}
	}
}

// TestFreshMovesTheDataAside: the data directory is printed at start and
// kept between runs; --fresh moves it aside, never deletes it.
func TestFreshMovesTheDataAside(t *testing.T) {
	data := filepath.Join(t.TempDir(), "sim")
	p := startSim(t, data)
	p.stop(t)
	if !strings.Contains(p.logs.String(), "data directory: "+data) {
		t.Errorf("data directory not printed:\n%s", p.logs)
	}
	marker := filepath.Join(data, "marker")
	if err := os.WriteFile(marker, []byte("kept"), 0o600); err != nil {
		t.Fatal(err)
	}
	p = startSim(t, data)
	p.stop(t)
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("the data directory was not kept between runs: %v", err)
	}
	p = startSim(t, data, "--fresh")
	p.stop(t)
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("--fresh kept the old data")
	}
	old, _ := filepath.Glob(data + ".old-*")
	if len(old) != 1 {
		t.Fatalf("got %v, want one directory moved aside", old)
	}
	if b, err := os.ReadFile(filepath.Join(old[0], "marker")); err != nil || string(b) != "kept" {
		t.Errorf("the old data was not moved aside intact: %v", err)
	}
	if !strings.Contains(p.logs.String(), old[0]) {
		t.Errorf("--fresh does not say where the old data went:\n%s", p.logs)
	}
}

// TestCleanShutdownDoesNotWarn: SIGINT with every emulated chip in use,
// the scanner included, logs no warning.
func TestCleanShutdownDoesNotWarn(t *testing.T) {
	p := launchSim(t, t.TempDir())
	// Once a payment code was scanned, the driver reads the scanner's
	// port for the life of the terminal.
	_, pay := p.call(t, "POST", "/v1/payments", `{"amount":1200,"method":"alipayplus","scan":true}`)
	if status, m := p.call(t, "POST", "/v1/sim/scan", `{"code":"281012345678901234"}`); status != 204 {
		t.Fatalf("scan: %d %v\n%s", status, m, p.logs)
	}
	p.waitStatus(t, pay["id"].(string), "approved", "declined", "failed")
	p.cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, p.logs)
		}
	case <-time.After(15 * time.Second):
		p.cmd.Process.Kill()
		t.Fatalf("tpe-sim ignored SIGINT\n%s", p.logs)
	}
	if strings.Contains(p.logs.String(), "level=WARN") || strings.Contains(p.logs.String(), "level=ERROR") {
		t.Errorf("a clean shutdown warned:\n%s", p.logs)
	}
}
