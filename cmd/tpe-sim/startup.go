package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"syscall"
	"time"

	"tpe/cmd/internal/locale"
	"tpe/config"
)

// printUsage is tpe-sim --help: the flags, where the simulator keeps its
// data and how to start afresh, and examples.
func printUsage(fs *flag.FlagSet) {
	w := fs.Output()
	fmt.Fprintf(w, `tpe-sim %s — the TPE terminal with emulated peripherals

usage: tpe-sim [flags] | tpe-sim version

With a display it opens the simulator window; --headless (or no display)
serves the same terminal through the local API only (docs/api.md).

Data directory: the journal, the keys and the embedded gateway's ledger are
kept in --data, by default $XDG_DATA_HOME/tpe-sim or else
~/.local/share/tpe-sim (now %s), from one run to the next. --fresh starts
with an empty one: the old directory is moved aside as DIR.old-YYYYMMDD-HHMMSS,
never deleted (remove those by hand when you no longer need them).

flags:
`, config.Version, defaultDataDir())
	fs.PrintDefaults()
	fmt.Fprint(w, `
example:
  tpe-sim --headless --listen 127.0.0.1:8181
  tpe-sim --fresh --lang en
  make sim PORT=8181
`)
}

// listenError turns a failed listen on the API address into one line that
// names the fix.
func listenError(addr string, err error) error {
	if !errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("--listen %s: %w", addr, err)
	}
	host, port, _ := net.SplitHostPort(addr)
	alt := freePort(host, port)
	return fmt.Errorf("%s is already in use (another tpe-sim?): choose another port with --listen %s or make sim PORT=%s",
		addr, net.JoinHostPort(host, alt), alt)
}

// freePort suggests a port near busy that is free now: busy+101 (8080 →
// 8181) or the next free one after it.
func freePort(host, busy string) string {
	p, err := strconv.Atoi(busy)
	if err != nil || p <= 0 || p > 65535-200 {
		p = 8080
	}
	for c := p + 101; c < p+200; c++ {
		if ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(c))); err == nil {
			ln.Close()
			return strconv.Itoa(c)
		}
	}
	return strconv.Itoa(p + 101)
}

// prepare readies what the simulator keeps between runs: the data
// directory (moved aside first with --fresh), whose path it prints, and
// the language (checked, and the one fyne sees).
func prepare(cfg config.Config, f flags, log *slog.Logger) error {
	if l := cfg.Terminal.Language; l != "fr" && l != "en" {
		return fmt.Errorf("--lang %q: want fr or en", l)
	}
	locale.Use(cfg.Terminal.Language)
	dir := cfg.DataDir
	if f.fresh {
		old, err := moveAside(dir, time.Now())
		if err != nil {
			return err
		}
		if old != "" {
			log.Info("fresh start: the previous data directory was moved to " + old)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	log.Info("data directory: " + dir + " (kept between runs; --fresh starts afresh)")
	return nil
}

// moveAside renames dir to dir.old-YYYYMMDD-HHMMSS and returns the new
// name, or "" if there was no dir. It never deletes anything.
func moveAside(dir string, now time.Time) (string, error) {
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	old := dir + ".old-" + now.Format("20060102-150405")
	for i := 2; ; i++ {
		if _, err := os.Lstat(old); errors.Is(err, os.ErrNotExist) {
			break
		}
		old = fmt.Sprintf("%s.old-%s-%d", dir, now.Format("20060102-150405"), i)
	}
	if err := os.Rename(dir, old); err != nil {
		return "", fmt.Errorf("--fresh: moving %s aside: %w", dir, err)
	}
	return old, nil
}
