package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"

	"tpe/cmd/internal/provision"
	"tpe/config"
)

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// techFlags is a flag set for the technician commands; Parse accepts flags
// after positional arguments too (`update apply BUNDLE --root /mnt`).
// --help goes to stdout; a mistake is reported once by main, on stderr,
// with the usage line, not followed by the whole help.
type techFlags struct {
	*flag.FlagSet
	help io.Writer
}

func newTechFlags(name string, stdout io.Writer) techFlags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return techFlags{fs, stdout}
}

// about sets what --help prints: the synopsis, a paragraph on the rules a
// technician must know (if any), the flags with their allowed values, and
// examples to copy.
func (f techFlags) about(synopsis, text string, examples ...string) {
	f.Usage = func() {
		w := f.Output()
		fmt.Fprintf(w, "usage: tpectl %s\n\n", synopsis)
		if text != "" {
			fmt.Fprintf(w, "%s\n\n", strings.TrimSpace(text))
		}
		n := 0
		f.VisitAll(func(*flag.Flag) { n++ })
		if n == 0 {
			fmt.Fprintln(w, "flags: none")
		} else {
			fmt.Fprintln(w, "flags:")
			f.PrintDefaults()
		}
		printExamples(w, examples)
	}
}

func (f techFlags) parse(args []string) ([]string, error) {
	var pos []string
	for {
		if err := f.FlagSet.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				f.SetOutput(f.help)
				f.Usage()
				return nil, errHelp
			}
			return nil, usagef("%v", err)
		}
		args = f.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// runProvision writes the terminal identity, config and keys under --root.
func runProvision(_ context.Context, args []string, stdout io.Writer) error {
	fs := newTechFlags("provision", stdout)
	fs.about("provision --root DIR --terminal-id ID --merchant-id ID --merchant-name NAME [flags]", `
Writes the terminal's identity, tpe.toml and keys under DIR (/ on the board,
the mounted SD card otherwise; docs/provisioning.md), prints the public key
to give the acquirer and a QR code of the terminal ID for the asset label.
Running it again with the same values changes nothing; keys are never
replaced.`,
		"tpectl provision --root /mnt/sdcard --terminal-id T0000042 --merchant-id 100042 --merchant-name \"Boulangerie du Port\" --trust release.pub",
		"tpectl provision --root /tmp/term --terminal-id T0000042 --merchant-id 100042 --merchant-name Test --hardware sim")
	root := fs.String("root", "/", "root of the terminal's file system (/ on the board, the mounted SD card otherwise)")
	id := fs.String("terminal-id", "", "terminal ID from the acquirer (required)")
	merchantID := fs.String("merchant-id", "", "merchant ID from the acquirer (required)")
	merchantName := fs.String("merchant-name", "", "shop name printed on receipts (required)")
	address := fs.String("merchant-address", "", "shop street address")
	city := fs.String("merchant-city", "", "postcode and city")
	email := fs.String("merchant-email", "", "merchant e-mail (Z reports)")
	contract := fs.String("contract", "", "merchant contract number")
	mcc := fs.String("mcc", "5999", "merchant category code")
	currency := fs.String("currency", "EUR", "ISO 4217 currency: "+strings.Join(knownCurrencies(), ", "))
	country := fs.String("country", "FR", "ISO 3166 country")
	lang := fs.String("lang", "fr", "language: fr or en")
	hardware := fs.String("hardware", "pi", "hardware map: pi (PN532 on UART, ESC/POS printer, ST7789 display) or sim")
	nfcBus := fs.String("nfc-bus", "", "override the NFC reader bus: uart, i2c or spi (pi)")
	nfcPort := fs.String("nfc-port", "", "override the NFC reader port (pi)")
	printerPort := fs.String("printer-port", "", "override the printer port (pi)")
	scannerPort := fs.String("scanner-port", "", "serial port of a 2D scanner (pi; empty: no scanner)")
	dataDir := fs.String("data-dir", "/var/lib/tpe", "journal and key directory on the terminal")
	gwURL := fs.String("gateway-url", "", "payment gateway URL (empty: offline only)")
	tokenURL := fs.String("token-url", "", "OAuth2 token endpoint (empty: discovered)")
	clientID := fs.String("client-id", "", "OAuth2 client ID of this terminal")
	clientSecret := fs.String("client-secret", "", "OAuth2 client secret (prefer --client-secret-file or $TPE_CLIENT_SECRET: the command line is visible to other users)")
	secretFile := fs.String("client-secret-file", "", "file holding the client secret")
	apiToken := fs.String("api-token", "", "bearer token of the local API, 16+ characters (default: keep the config's, else a random one)")
	apiListen := fs.String("api-listen", "127.0.0.1:8080", "local API address")
	apiTLS := fs.Bool("api-tls", false, "serve the local API over HTTPS: make a self-signed pair under etc/tpe/ and print its fingerprint for the cash register to pin")
	hostname := fs.String("hostname", "", "the terminal's host name for the TLS certificate (default: <root>/etc/hostname, or this machine's with --root /)")
	var trust multiFlag
	fs.Var(&trust, "trust", "release public key (PEM) to trust for update bundles; repeatable")
	force := fs.Bool("force", false, "replace an existing, different config (keys are always kept)")
	pinKeyFile := fs.String("pin-key-file", "", "key injection file with the AES DUKPT initial key and initial key ID for online PIN (docs/provisioning.md); sealed beside the device key, a new one replaces the old")
	export := fs.String("export-dir", "", "also copy the public key and the QR code there (e.g. a USB stick) as ID.pub and ID-qr.png")
	if pos, err := fs.parse(args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("provision takes no arguments, got %q", pos)
	}
	if *id == "" || *merchantID == "" || *merchantName == "" {
		return usagef("--terminal-id, --merchant-id and --merchant-name are required (from the acquirer's onboarding sheet)")
	}
	if err := oneOf("hardware", *hardware, "pi", "sim"); err != nil {
		return err
	}
	if err := oneOf("lang", *lang, "fr", "en"); err != nil {
		return err
	}
	if err := oneOf("currency", *currency, knownCurrencies()...); err != nil {
		return err
	}
	if *nfcBus != "" {
		if err := oneOf("nfc-bus", *nfcBus, "uart", "i2c", "spi"); err != nil {
			return err
		}
	}
	c := config.Defaults()
	switch *hardware {
	case "pi":
		if *nfcBus != "" {
			c.Hardware.NFC.Bus = *nfcBus
		}
		if *nfcPort != "" {
			c.Hardware.NFC.Port = *nfcPort
		}
		if *printerPort != "" {
			c.Hardware.Printer.Port = *printerPort
		}
		if *scannerPort != "" {
			c.Hardware.Scanner.Driver, c.Hardware.Scanner.Port = "serial", *scannerPort
		}
	case "sim":
		c.Hardware = config.SimDefaults(*dataDir).Hardware
	default:
		return usagef("--hardware %q: use pi or sim", *hardware)
	}
	c.DataDir = *dataDir
	c.Terminal.ID, c.Terminal.MerchantID, c.Terminal.MerchantName = *id, *merchantID, *merchantName
	c.Terminal.MerchantAddress, c.Terminal.MerchantCity, c.Terminal.MerchantEmail = *address, *city, *email
	c.Terminal.Contract, c.Terminal.MCC, c.Terminal.Currency, c.Terminal.Country = *contract, *mcc, *currency, *country
	c.Terminal.Language = *lang
	c.API.Listen, c.API.Token = *apiListen, *apiToken
	secret := *clientSecret
	if *secretFile != "" {
		b, err := os.ReadFile(*secretFile)
		if err != nil {
			return fmt.Errorf("reading --client-secret-file: %w", err)
		}
		secret = strings.TrimSpace(string(b))
	} else if secret == "" {
		secret = os.Getenv("TPE_CLIENT_SECRET")
	}
	if *gwURL != "" {
		c.Gateway.URL, c.Gateway.TokenURL, c.Gateway.ClientID, c.Gateway.ClientSecret = *gwURL, *tokenURL, *clientID, secret
	}
	req := provision.Request{Root: *root, Config: c, Trust: trust, Force: *force, APITLS: *apiTLS}
	if *pinKeyFile != "" {
		b, err := os.ReadFile(*pinKeyFile)
		if err != nil {
			return fmt.Errorf("reading --pin-key-file: %w", err)
		}
		k, err := provision.ParseKeyInjection(b)
		clear(b)
		if err != nil {
			return fmt.Errorf("--pin-key-file %s: %w", *pinKeyFile, err)
		}
		defer k.InitialKey.Wipe()
		req.PINKey = &k
	}
	if *apiTLS {
		req.TLSHosts = tlsHosts(*root, *apiListen, *hostname)
	}
	res, err := provision.Run(req)
	if err != nil {
		return err
	}
	if len(res.Changed) == 0 {
		fmt.Fprintf(stdout, "terminal %s is already provisioned with this configuration; nothing changed\n", c.Terminal.ID)
	} else {
		fmt.Fprintf(stdout, "provisioned terminal %s (merchant %s) under %s:\n", c.Terminal.ID, c.Terminal.MerchantID, *root)
		for _, p := range res.Changed {
			fmt.Fprintf(stdout, "  wrote %s\n", filepath.Join(*root, p))
		}
	}
	if res.TokenCreated {
		fmt.Fprintf(stdout, "generated a random API token: give api.token of %s to the cash register (it is not printed here)\n", res.ConfigPath)
	}
	if res.TLSFingerprint != "" {
		fmt.Fprintf(stdout, "local API over HTTPS; pin this certificate in the cash register (SHA-256):\n  %s\n", res.TLSFingerprint)
	}
	fmt.Fprintf(stdout, "terminal public key (id %s), give it to the acquirer for enrolment:\n%s", res.KeyID, res.PublicKey)
	fmt.Fprintf(stdout, "QR code of the terminal ID for the asset label: %s\n", res.QRPath)
	if *export != "" {
		for src, name := range map[string]string{rootPath(*root, provision.TerminalPub): c.Terminal.ID + ".pub", res.QRPath: c.Terminal.ID + "-qr.png"} {
			b, err := os.ReadFile(src)
			if err == nil {
				err = os.WriteFile(filepath.Join(*export, name), b, 0o644)
			}
			if err != nil {
				return fmt.Errorf("exporting to %s: %w; the terminal is provisioned, copy %s by hand", *export, err, src)
			}
		}
		fmt.Fprintf(stdout, "exported %s.pub and %s-qr.png to %s\n", c.Terminal.ID, c.Terminal.ID, *export)
	}
	if req.PINKey != nil {
		fmt.Fprintf(stdout, "online PIN key injected (initial key ID %X); destroy %s now\n", req.PINKey.InitialKeyID, *pinKeyFile)
	}
	if len(trust) == 0 {
		fmt.Fprintf(stdout, "note: no --trust key given; `tpectl update apply` will refuse bundles until a release key is installed\n")
	}
	fmt.Fprintf(stdout, "next: tpectl diag --config %s\n", res.ConfigPath)
	return nil
}

// tlsHosts are the names the API's certificate is valid for: the listen
// host when it names one address, and the terminal's host name.
func tlsHosts(root, listen, hostname string) []string {
	var hosts []string
	if h, _, err := net.SplitHostPort(listen); err == nil && h != "" {
		if ip := net.ParseIP(h); ip == nil || !ip.IsUnspecified() {
			hosts = append(hosts, h)
		}
		if config.LoopbackHost(h) && h != "localhost" {
			hosts = append(hosts, "localhost")
		}
	}
	if hostname == "" {
		if b, err := os.ReadFile(filepath.Join(root, "etc", "hostname")); err == nil {
			hostname = strings.TrimSpace(string(b))
		} else if filepath.Clean(root) == "/" {
			hostname, _ = os.Hostname()
		}
	}
	if hostname != "" {
		hosts = append(hosts, hostname)
		if !strings.Contains(hostname, ".") {
			hosts = append(hosts, hostname+".local")
		}
	}
	return hosts
}
