package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"tpe/config"
	"tpe/payment/gateway/gatewaysim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && (args[0] == "version" || args[0] == "--version") {
		fmt.Fprintf(stdout, "gatewaysim %s\n", config.Version)
		return 0
	}
	fs := flag.NewFlagSet("gatewaysim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8480", "address to listen on")
	data := fs.String("data", "gatewaysim-data", "directory of the keys and the ledger")
	issuer := fs.String("issuer", "", "fixed issuer URL (default: derived from each request's host)")
	verbose := fs.Bool("v", false, "log every operation")
	pinBDK := fs.String("pin-bdk", gatewaysim.TestBDK, "AES DUKPT base derivation key of online PINs, hex (16 or 32 bytes; a test key, default the X9.24-3 test BDK)")
	sca := fs.Bool("sca", true, "PSD2 strong customer authentication: soft-decline (065) a 6th consecutive contactless payment without PIN, or one bringing the total since the last PIN above 150,00")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: gatewaysim [--listen ADDR] [--data DIR] [--issuer URL] [--pin-bdk HEX] [--sca=false] [-v]\n       gatewaysim version\n\nflags:\n")
		fs.PrintDefaults()
		fmt.Fprint(stderr, "\nexample:\n  gatewaysim --listen 127.0.0.1:8480 --data /tmp/gatewaysim -v\n  gatewaysim --sca=false    # no PSD2 soft declines (load tests)\n")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "gatewaysim: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	bdk, err := hex.DecodeString(*pinBDK)
	if err != nil || (len(bdk) != 16 && len(bdk) != 32) {
		fmt.Fprintf(stderr, "gatewaysim: --pin-bdk: want 32 or 64 hex digits (an AES-128 or AES-256 key)\n")
		return 2
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	o := &gatewaysim.Opts{Issuer: *issuer, Logger: log, PINBDK: bdk, DisableSCA: !*sca}
	if err := serve(ctx, *listen, *data, o, stdout); err != nil {
		fmt.Fprintf(stderr, "gatewaysim: %v\n", err)
		return 1
	}
	return 0
}

func serve(ctx context.Context, addr, dir string, o *gatewaysim.Opts, stdout io.Writer) error {
	sim, err := gatewaysim.New(dir, o)
	if err != nil {
		return err
	}
	defer sim.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	return nil
}
