package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"tpe/cmd/internal/hardware"
	"tpe/cmd/internal/locale"
	"tpe/cmd/internal/sdnotify"
	"tpe/cmd/internal/terminal"
	"tpe/config"
)

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "version" || os.Args[1] == "--version") {
		fmt.Printf("tpe %s\n", config.Version)
		return
	}
	fs := flag.NewFlagSet("tpe", flag.ContinueOnError)
	cfgPath := fs.String("config", "/etc/tpe/tpe.toml", "configuration file")
	headless := fs.Bool("headless", false, "no cashier UI: the terminal is driven through the local API")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "tpe %s — payment terminal\n\nusage: tpe [flags] | tpe version\n\nflags:\n", config.Version)
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), "\nexample:\n  tpe --config /etc/tpe/tpe.toml\n  tpe --config /etc/tpe/tpe.toml --headless\n")
	}
	if err := fs.Parse(os.Args[1:]); err != nil {
		if err == flag.ErrHelp {
			return
		}
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, *cfgPath, *headless)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "tpe:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfgPath string, headless bool) error {
	if !headless && !hasUI {
		// Before the config, the journal and the devices: a wrong build is
		// the first thing to fix, and nothing is opened for nothing.
		return errNoUI
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return err
	}
	locale.Use(cfg.Terminal.Language)
	log, closeLog, err := logger(cfg.Log)
	if err != nil {
		return err
	}
	defer closeLog.Close()
	// Real drivers only: a peripheral configured as "sim" (or anything
	// else this build cannot open) is an error naming its key.
	dev, buses, err := hardware.Open(ctx, cfg.Hardware, &hardware.Opts{Logger: log})
	if err != nil {
		return err
	}
	defer buses.Close()
	t, err := terminal.Open(ctx, cfg, terminal.Devices(dev), terminal.Opts{Logger: log})
	if err != nil {
		return err
	}
	defer t.Close()
	ln, err := net.Listen("tcp", cfg.API.Listen)
	if err != nil {
		return fmt.Errorf("api.listen: %w", err)
	}
	log.Info("terminal ready", "terminal_id", cfg.Terminal.ID, "api", t.APIURL(ln), "version", config.Version)
	// systemd (scripts/systemd/tpe.service, Type=notify): ready once the
	// journal is open and recovered; the watchdog is fed while it answers
	// and, with the cashier UI, while the UI's event loop runs (a frozen
	// touchscreen is restarted like a hung terminal).
	if err := sdnotify.Ready(); err != nil {
		log.Warn("systemd notify", "err", err)
	}
	ui := newHeartbeat(time.Now)
	go sdnotify.Watchdog(ctx, func() bool {
		_, err := t.Store.Stats(ctx)
		return err == nil && (headless || ui.Fresh(uiStale))
	})
	if headless {
		return t.Run(ctx, ln)
	}
	return runKiosk(ctx, t, ln, log, ui)
}

// uiStale is how long the UI's event loop may go without running a
// heartbeat before the watchdog stops being fed (WatchdogSec=30s; beats
// every uiBeat).
const (
	uiStale = 20 * time.Second
	uiBeat  = 5 * time.Second
)

// heartbeat records when the UI's event loop last ran a beat.
type heartbeat struct {
	now  func() time.Time
	last atomic.Int64 // unix nanoseconds
}

// newHeartbeat starts fresh: the window may take a while to open.
func newHeartbeat(now func() time.Time) *heartbeat {
	h := &heartbeat{now: now}
	h.Beat()
	return h
}

// Beat is called from the UI's event loop.
func (h *heartbeat) Beat() { h.last.Store(h.now().UnixNano()) }

// Fresh reports whether the last beat is younger than max.
func (h *heartbeat) Fresh(max time.Duration) bool {
	return h.now().Sub(time.Unix(0, h.last.Load())) < max
}

// errNoUI is why a headless build (hasUI false) refuses to start without
// --headless.
var errNoUI = errors.New("this build has no cashier UI (headless: built without cgo or with -tags ci): " +
	"run it with --headless, or install the windowed build (make cross: bin/tpe-linux-arm64)")

// logger builds the slog logger of [log]. Card data never reaches it: the
// types redact themselves.
func logger(c config.Log) (*slog.Logger, io.Closer, error) {
	var w io.WriteCloser = nopCloser{os.Stderr}
	if c.File != "" {
		f, err := os.OpenFile(c.File, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640)
		if err != nil {
			return nil, nil, fmt.Errorf("log.file: %w", err)
		}
		w = f
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.Level)); err != nil {
		return nil, nil, fmt.Errorf("log.level: %w", err)
	}
	o := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, o)), w, nil
	}
	return slog.New(slog.NewTextHandler(w, o)), w, nil
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
