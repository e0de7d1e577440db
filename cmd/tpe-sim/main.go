package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"tpe/config"
)

type flags struct {
	headless bool
	listen   string
	token    string
	data     string
	gateway  string
	config   string
	lang     string
	pace     bool
	verbose  bool
	fresh    bool
	// noSCA turns the embedded gateway's PSD2 rule off (--sca=false); the
	// zero value keeps it on, as issuers apply it.
	noSCA bool
}

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "version" || os.Args[1] == "--version") {
		fmt.Printf("tpe-sim %s\n", config.Version)
		return
	}
	var f flags
	fs := flag.NewFlagSet("tpe-sim", flag.ContinueOnError)
	fs.BoolVar(&f.headless, "headless", false, "no window: serve the simulator through the local API only")
	fs.StringVar(&f.listen, "listen", "127.0.0.1:8080", "local API address; beyond loopback (127.0.0.0/8, ::1, localhost) it needs a token")
	fs.StringVar(&f.token, "token", "", "API bearer token, 16+ characters (default $"+tokenEnv+", else the --config's api.token; prefer the variable: the command line is visible to other users)")
	fs.StringVar(&f.data, "data", defaultDataDir(), "directory for the journal and the embedded gateway's ledger.\n"+
		"The device key sealing card data lives beside it, never in it: DIR-keys/device.key\n"+
		"(a key an older tpe-sim left in DIR is moved there at start)")
	fs.StringVar(&f.gateway, "gateway", "", "URL of an external gateway simulator (default: embedded)")
	fs.StringVar(&f.config, "config", "", "optional tpe.toml overriding the built-in simulator settings")
	fs.StringVar(&f.lang, "lang", "", "fr or en (default: the config's, fr)")
	fs.BoolVar(&f.pace, "pace", false, "pace the emulated PN532 at its baud rate (real timing)")
	fs.BoolVar(&f.verbose, "v", false, "debug logging")
	fs.BoolVar(&f.fresh, "fresh", false, "start with an empty data directory: the old one is moved aside as DIR.old-TIMESTAMP, never deleted")
	sca := fs.Bool("sca", true, "the embedded gateway applies PSD2 strong customer authentication: a 6th consecutive contactless\n"+
		"payment without PIN on a card, or one bringing its total since the last PIN above 150,00 €, is\n"+
		"soft-declined and the terminal asks for the PIN (docs/gateway.md); --sca=false turns it off")
	fs.Usage = func() { printUsage(fs) }
	if err := fs.Parse(os.Args[1:]); err != nil {
		if err == flag.ErrHelp {
			return
		}
		os.Exit(2)
	}
	f.noSCA = !*sca
	if f.token == "" {
		f.token = os.Getenv(tokenEnv)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, f, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "tpe-sim:", err)
		os.Exit(1)
	}
}

func defaultDataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "tpe-sim")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "share", "tpe-sim")
	}
	return filepath.Join(os.TempDir(), "tpe-sim")
}

func run(ctx context.Context, f flags, stderr io.Writer) error {
	level := slog.LevelInfo
	if f.verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	data, err := filepath.Abs(f.data)
	if err != nil {
		return err
	}
	cfg := config.SimDefaults(data)
	if f.config != "" {
		c, err := config.LoadSim(f.config)
		if err != nil {
			return err
		}
		cfg = c
	}
	if f.lang != "" {
		cfg.Terminal.Language = f.lang
	}
	cfg.API.Listen = f.listen
	if f.token != "" {
		cfg.API.Token = f.token
	}
	if err := checkListen(cfg.API.Listen, cfg.API.Token); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.API.Listen)
	if err != nil {
		return listenError(cfg.API.Listen, err)
	}
	if err := prepare(cfg, f, log); err != nil {
		ln.Close()
		return err
	}
	if err := config.CheckKeyFile(cfg.DataDir, cfg.Offline.KeyFile); err != nil {
		ln.Close()
		return err
	}
	if err := moveOldKey(cfg.DataDir, cfg.Offline.KeyFile, log); err != nil {
		ln.Close()
		return err
	}
	w, err := openWorld(ctx, cfg, f, log)
	if err != nil {
		ln.Close()
		return err
	}
	defer w.Close()
	if f.headless || !haveDisplay() {
		if !f.headless {
			log.Info("no display found: running headless")
		}
		log.Info("listening on " + w.term.APIURL(ln))
		return w.term.Run(ctx, ln)
	}
	return runWindow(ctx, w, ln, log)
}

// tokenEnv is the environment variable holding the API token.
const tokenEnv = "TPE_API_TOKEN"

// checkListen refuses to serve the API beyond loopback without a token:
// anyone on the shop's network could otherwise refund from the till.
func checkListen(listen, token string) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("--listen %q is not host:port; use e.g. 127.0.0.1:8080", listen)
	}
	if token != "" && len(token) < config.MinTokenLen {
		return fmt.Errorf("the API token is %d characters, want at least %d; generate one with `openssl rand -hex 24`", len(token), config.MinTokenLen)
	}
	if token == "" && !config.LoopbackHost(host) {
		return fmt.Errorf("--listen %s is reachable from other machines, so the API needs a token (16+ characters): "+
			"export %s=$(openssl rand -hex 24), or pass --token, or set api.token in the --config file; "+
			"cash registers then send \"Authorization: Bearer <token>\". Without a token, listen on loopback only (e.g. 127.0.0.1:8080)",
			listen, tokenEnv)
	}
	return nil
}

func haveDisplay() bool { return os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != "" }
