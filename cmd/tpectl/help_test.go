package main

import (
	"slices"
	"strings"
	"testing"
)

type helpCase struct {
	args  string   // the command, without --help
	usage string   // what the usage line starts with, after "usage: tpectl "
	flags []string // every flag it takes
}

// TestEveryCommandAnswersHelp: --help and -h print, on stdout and with exit
// 0, the usage line of every command and subcommand, each of its flags and
// an example.
func TestEveryCommandAnswersHelp(t *testing.T) {
	tests := []helpCase{
		{"version", "version", nil},
		{"config", "config check FILE", nil},
		{"config check", "config check FILE", nil},
		{"emv", "emv run", []string{"card", "amount", "currency", "country", "floor-limit", "online-pin", "signature", "refund", "json"}},
		{"emv run", "emv run", []string{"card", "amount", "currency", "country", "floor-limit", "online-pin", "signature", "refund", "json"}},
		{"nfc", "nfc info|poll", nil},
		{"nfc info", "nfc info", []string{"port", "baud"}},
		{"nfc poll", "nfc poll", []string{"port", "baud", "timeout"}},
		{"printer", "printer test", []string{"port", "width", "baud", "codepage"}},
		{"printer test", "printer test", []string{"port", "width", "baud", "codepage"}},
		{"display", "display test", []string{"screen", "amount", "currency", "lang", "payload", "merchant", "reason", "wallets", "remaining", "email", "size", "rotation", "out"}},
		{"display test", "display test", []string{"screen", "amount", "currency", "lang", "payload", "merchant", "reason", "wallets", "remaining", "email", "size", "rotation", "out"}},
		{"sim", "sim pn532|printer", nil},
		{"sim pn532", "sim pn532", []string{"link", "card", "baud", "pace"}},
		{"sim printer", "sim printer render|serve", nil},
		{"sim printer render", "sim printer render", []string{"width"}},
		{"sim printer serve", "sim printer serve", []string{"link", "width", "out"}},
		{"auth", "auth verify-id-token", []string{"issuer", "audience", "ca", "skew"}},
		{"auth verify-id-token", "auth verify-id-token", []string{"issuer", "audience", "ca", "skew"}},
		{"offline", "offline status|list|export|forward|outbox", nil},
		{"offline status", "offline status", []string{"data", "key", "config", "json"}},
		{"offline list", "offline list", []string{"data", "key", "config", "json", "declined"}},
		{"offline export", "offline export", []string{"data", "key", "config", "format", "json", "declined"}},
		{"offline outbox", "offline outbox", []string{"data", "key", "config", "json"}},
		{"offline outbox retry", "offline outbox retry ID|--all", []string{"data", "key", "config", "all", "to", "json"}},
		{"offline outbox discard", "offline outbox discard ID|--all", []string{"data", "key", "config", "all", "yes", "json"}},
		{"offline forward", "offline forward", []string{"data", "key", "config", "json", "gateway", "originator", "password", "token-url", "client-id", "client-secret", "terminal-id"}},
		{"provision", "provision --root DIR", []string{"root", "terminal-id", "merchant-id", "merchant-name", "merchant-address", "merchant-city",
			"merchant-email", "contract", "mcc", "currency", "country", "lang", "hardware", "nfc-bus", "nfc-port", "printer-port", "scanner-port",
			"data-dir", "gateway-url", "token-url", "client-id", "client-secret", "client-secret-file", "api-token", "api-listen", "api-tls", "hostname", "trust", "force", "pin-key-file", "export-dir"}},
		{"tls", "tls fingerprint", []string{"root"}},
		{"tls fingerprint", "tls fingerprint", []string{"root"}},
		{"diag", "diag", []string{"config", "root", "sim", "sim-fail", "json", "tap", "print", "scan", "timeout"}},
		{"bundle", "bundle build|sign|verify|keygen", nil},
		{"bundle build", "bundle build", []string{"version", "min-version", "binary", "unit", "migrations", "out"}},
		{"bundle sign", "bundle sign", []string{"key"}},
		{"bundle verify", "bundle verify", []string{"pubkey", "root"}},
		{"bundle keygen", "bundle keygen", []string{"out"}},
		{"update", "update apply|status|confirm|rollback|check", nil},
		{"update apply", "update apply", []string{"root", "restart", "force", "allow-queued"}},
		{"update status", "update status", []string{"root", "json"}},
		{"update confirm", "update confirm", []string{"root"}},
		{"update rollback", "update rollback", []string{"root", "restart", "reason"}},
		{"update check", "update check", []string{"root", "restart", "health-url", "timeout"}},
		{"flash", "flash --target", []string{"target", "identity", "known-hosts", "accept-new-host-key", "force", "allow-queued", "remote-tpectl", "remote-root", "sudo"}},
		{"logs", "logs export", []string{"root", "out", "config"}},
		{"logs export", "logs export", []string{"root", "out", "config"}},
		{"fleet", "fleet sim", nil},
		{"fleet sim", "fleet sim", []string{"terminals", "queued", "gateway", "originator", "password", "latency", "concurrency", "jitter", "timeout", "dir", "json"}},
		{"crypto", "crypto dukpt|pinblock", nil},
		{"crypto dukpt", "crypto dukpt", []string{"bdk", "ksn", "key-type", "json"}},
		{"crypto pinblock", "crypto pinblock", []string{"format", "pin", "pan", "key", "random", "decipher"}},
	}
	// Every command of main.go is in the table.
	for _, c := range commands {
		if !slices.ContainsFunc(tests, func(tt helpCase) bool { return tt.args == c.name }) {
			t.Errorf("command %q is missing from this test", c.name)
		}
	}
	for _, tt := range tests {
		for _, h := range []string{"--help", "-h"} {
			args := append(strings.Fields(tt.args), h)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				code, out, errs := techRun(t, args...)
				if code != 0 || errs != "" {
					t.Fatalf("exit %d, stderr %q; want exit 0 and help on stdout", code, errs)
				}
				if !strings.HasPrefix(out, "usage: tpectl "+tt.usage) {
					t.Errorf("got usage line %q, want it to start with %q", firstLine(out), "usage: tpectl "+tt.usage)
				}
				for _, f := range tt.flags {
					if !strings.Contains(out, "  -"+f+" ") && !strings.Contains(out, "  -"+f+"\n") {
						t.Errorf("flag -%s not listed:\n%s", f, out)
					}
				}
				if !strings.Contains(out, "\nexample:\n  tpectl "+strings.Fields(tt.args)[0]) {
					t.Errorf("no example:\n%s", out)
				}
			})
		}
	}
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}, {"help", "nfc", "poll"}} {
		if code, out, _ := techRun(t, args...); code != 0 || !strings.Contains(out, "usage: tpectl") {
			t.Errorf("tpectl %v: exit %d\n%s", args, code, out)
		}
	}
	for _, args := range [][]string{{"update", "apply", "--help"}, {"update", "rollback", "--help"}, {"bundle", "build", "--help"}} {
		if _, out, _ := techRun(t, args...); !strings.Contains(out, "minimum version") {
			t.Errorf("%v does not explain the minimum version:\n%s", args, out)
		}
	}
	if _, out, _ := techRun(t, "bundle", "build", "--help"); !strings.Contains(out, "scripts/systemd/tpe.service") || strings.Contains(out, "scripts/tpe.service") {
		t.Errorf("bundle build --help does not name scripts/systemd/tpe.service:\n%s", out)
	}
}

// TestWrongValuesListTheValidOnes: a wrong value of an enum-like flag, or
// a wrong subcommand, is refused with every valid one named.
func TestWrongValuesListTheValidOnes(t *testing.T) {
	display := []string{"display", "test", "--out", "x.png", "--screen", "qr"}
	tests := []struct {
		args  []string
		valid []string
	}{
		{[]string{"display", "test", "--out", "x.png", "--screen", "foo"}, append(screenNames(), "all")},
		{append(display, "--lang", "de"), []string{"fr", "en"}},
		{append(display, "--size", "100x100"), panelSizes},
		{append(display, "--rotation", "45"), []string{"0", "90", "180", "270"}},
		{append(display, "--reason", "nope"), reasonNames()},
		{append(display, "--currency", "XXX"), []string{"EUR", "USD", "JPY"}},
		{[]string{"emv", "run", "--card", "visa-credit", "--amount", "100", "--currency", "XXX"}, sortedKeys(currencies)},
		{[]string{"emv", "run", "--card", "visa-credit", "--amount", "100", "--country", "ZZ"}, sortedKeys(countries)},
		{[]string{"emv", "run", "--card", "nope", "--amount", "100"}, strings.Split(profileNames(), ", ")},
		{[]string{"printer", "test", "--port", "/dev/null", "--width", "70"}, []string{"58", "80"}},
		{[]string{"printer", "test", "--port", "/dev/null", "--codepage", "cp437"}, []string{"cp858", "wpc1252"}},
		{[]string{"sim", "printer", "render", "--width", "70", "a", "b"}, []string{"58", "80"}},
		{[]string{"offline", "export", "--format", "xml"}, []string{"csv", "json"}},
		{[]string{"provision", "--terminal-id", "T1", "--merchant-id", "1", "--merchant-name", "M", "--hardware", "x86"}, []string{"pi", "sim"}},
		{[]string{"provision", "--terminal-id", "T1", "--merchant-id", "1", "--merchant-name", "M", "--lang", "de"}, []string{"fr", "en"}},
		{[]string{"provision", "--terminal-id", "T1", "--merchant-id", "1", "--merchant-name", "M", "--nfc-bus", "usb"}, []string{"uart", "i2c", "spi"}},
		{[]string{"provision", "--terminal-id", "T1", "--merchant-id", "1", "--merchant-name", "M", "--currency", "XXX"}, []string{"EUR", "CHF", "GBP"}},
		{[]string{"sim", "pn532", "--link", "/nonexistent/link", "--card", "nope"}, strings.Split(profileNames(), ", ")},
		{[]string{"diag", "--sim", "--sim-fail", "toaster"}, []string{"nfc", "printer", "gateway", "queue"}},
		{[]string{"nfc", "scan"}, []string{"info", "poll"}},
		{[]string{"sim", "lcd"}, []string{"pn532", "printer"}},
		{[]string{"sim", "printer", "print"}, []string{"render", "serve"}},
		{[]string{"offline", "purge"}, []string{"status", "list", "export", "forward", "outbox", "outbox retry", "outbox discard"}},
		{[]string{"bundle", "pack"}, []string{"build", "sign", "verify", "keygen"}},
		{[]string{"update", "install"}, []string{"apply", "status", "confirm", "rollback", "check"}},
		{[]string{"crypto", "hash"}, []string{"dukpt", "pinblock"}},
		{[]string{"crypto", "dukpt", "--bdk", "00", "--ksn", "00", "--key-type", "des"}, []string{"aes128", "aes256"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, errs := techRun(t, tt.args...)
			if code != 1 {
				t.Fatalf("exit %d, want 1: %s", code, errs)
			}
			for _, v := range tt.valid {
				if !strings.Contains(errs, v) {
					t.Errorf("error does not list %q:\n%s", v, errs)
				}
			}
		})
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
