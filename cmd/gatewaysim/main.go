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
	"strings"
	"syscall"
	"time"

	"tpe/config"
	"tpe/payment/alipayplus/cii"
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
	walletTable := fs.String("wallet-table", "", "the acquirer's wallet table (TOML, as tpe's alipayplus.wallet_table) naming the wallet of a customer's\n"+
		"payment code (default: the published prefixes and the simulator's CIIs 281011-281015)")
	verbose := fs.Bool("v", false, "log every operation")
	latency := fs.Duration("latency", 0, "added to every reply (a shop's WAN link, e.g. 50ms)")
	cardKey := fs.String("card-key", "ec", "card-encryption key published at /keys/card: ec (P-256, ECDH-ES+A256KW) or rsa (RSA-OAEP-256)")
	noBatch := fs.Bool("no-batch", false, "withhold the batched advices extension (one sale per offline advice)")
	pinBDK := fs.String("pin-bdk", gatewaysim.TestBDK, "AES DUKPT base derivation key of online PINs, hex (16 or 32 bytes; a test key, default the X9.24-3 test BDK)")
	sca := fs.Bool("sca", true, "PSD2 strong customer authentication: soft-decline (065) a 6th consecutive contactless payment without PIN, or one bringing the total since the last PIN above 150,00")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: gatewaysim [--listen ADDR] [--data DIR] [--issuer URL] [--latency D] [--card-key ec|rsa] [--no-batch] [--pin-bdk HEX] [--sca=false] [--wallet-table FILE] [-v]\n       gatewaysim version\n\nflags:\n")
		fs.PrintDefaults()
		fmt.Fprint(stderr, "\nexample:\n  gatewaysim --listen 127.0.0.1:8480 --data /tmp/gatewaysim -v\n  gatewaysim --sca=false    # no PSD2 soft declines (load tests)\n  gatewaysim --latency 50ms --card-key rsa\n"+
			"  gatewaysim --wallet-table /etc/tpe/wallets.toml\n")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	keyType := map[string]string{"ec": gatewaysim.CardKeyEC, "rsa": gatewaysim.CardKeyRSA}[strings.ToLower(*cardKey)]
	if keyType == "" || *latency < 0 {
		fmt.Fprintf(stderr, "gatewaysim: --card-key is ec or rsa and --latency not negative (got %q, %s)\n", *cardKey, *latency)
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
	var wallets *cii.Table
	if *walletTable != "" {
		var err error
		if wallets, err = cii.Load(*walletTable); err != nil {
			fmt.Fprintf(stderr, "gatewaysim: --wallet-table: %v\n", err)
			return 2
		}
	}
	o := &gatewaysim.Opts{Issuer: *issuer, Logger: log, PINBDK: bdk, DisableSCA: !*sca, Wallets: wallets,
		Latency: *latency, CardKeyType: keyType, NoAdviceBatch: *noBatch}
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
