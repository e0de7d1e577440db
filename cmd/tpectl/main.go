package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"tpe/config"
)

// command is one tpectl subcommand. run gets the arguments after its name
// and answers --help and -h itself, with its usage line, its flags and an
// example.
type command struct {
	name    string
	usage   string // the synopsis, after "tpectl "
	summary string // what it does, for `tpectl help`
	run     func(ctx context.Context, args []string, stdout io.Writer) error
}

// commands is the whole CLI, in the order `tpectl help` lists it. Each
// subcommand lives in its own file, named after it.
var commands = []command{
	{"version", "version", "print the version", runVersion},
	{"config", "config check FILE", "check a tpe.toml and print every problem with its fix", runConfig},
	{"emv", "emv run --card PROFILE|FILE --amount MINOR [flags]", "run the EMV kernel against a virtual or scripted card", runEMV},
	{"nfc", "nfc info|poll --port PATH [--baud N]", "talk to a PN532 reader on a serial line", runNFC},
	{"printer", "printer test --port PATH [--width 58|80]", "print a test page on a receipt printer", runPrinter},
	{"display", "display test --screen NAME --out FILE.png [flags]", "render a customer-display screen to PNG", runDisplay},
	{"sim", "sim pn532|printer [COMMAND] [flags]", "run an emulated chip (PN532 reader, ESC/POS printer)", runSim},
	{"auth", "auth verify-id-token --issuer URL --audience AUD TOKEN", "verify an OpenID Connect ID token", runAuth},
	{"offline", "offline status|list|export|forward|outbox [flags]", "inspect and forward the offline queue; list, retry and discard the mail outbox", runOffline},
	{"provision", "provision --root DIR --terminal-id ID --merchant-id ID --merchant-name NAME [--api-tls] [flags]", "write terminal identity, config and keys", runProvision},
	{"tls", "tls fingerprint [CERT.pem | --root DIR]", "print the SHA-256 fingerprint of the API's certificate for cash registers to pin", runTLS},
	{"diag", "diag [--config FILE | --sim] [--json]", "self-test every peripheral and service", runDiag},
	{"bundle", "bundle build|sign|verify|keygen [flags]", "build, sign and verify update bundles", runBundle},
	{"update", "update apply|status|confirm|rollback|check --root DIR [flags]", "A/B updates of a terminal", runUpdate},
	{"flash", "flash --target DIR|user@host BUNDLE", "install a bundle on a device", runFlash},
	{"logs", "logs export --root DIR --out FILE", "write the redacted support bundle", runLogs},
	{"fleet", "fleet sim --terminals N --queued M [--gateway URL] [--latency D] [--json]", "run N terminal cores reconnecting at once against a gateway simulator", runFleet},
	{"crypto", "crypto dukpt|pinblock [flags]", "check AES DUKPT keys and format 4 PIN blocks against test vectors", runCrypto},
}

// usageError is a mistake in how the command was called; main prints the
// subcommand's usage with it.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// errHelp means the command printed its help on request: exit 0.
var errHelp = errors.New("help shown")

// askedHelp reports whether args ask for help.
func askedHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "-h", "-help", "--help", "help":
			return true
		case "--":
			return false
		}
	}
	return false
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 1 && args[0] == "help" {
		// `tpectl help nfc info` is `tpectl nfc info --help`.
		args = append(args[1:], "--help")
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	if args[0] == "--version" || args[0] == "-version" {
		args[0] = "version"
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout)
		if err == nil || errors.Is(err, errHelp) {
			return 0
		}
		var ue usageError
		if errors.As(err, &ue) && askedHelp(args[1:]) {
			// A safety net: every command answers --help itself
			// (TestEveryCommandAnswersHelp), but help must never fail.
			fmt.Fprintf(stdout, "usage: tpectl %s\n", c.usage)
			return 0
		}
		fmt.Fprintf(stderr, "tpectl %s: %v\n", c.name, err)
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "usage: tpectl %s\nRun `tpectl %s --help` for its flags and an example.\n", c.usage, c.name)
		}
		return 1
	}
	fmt.Fprintf(stderr, "tpectl: unknown command %q\n\n", args[0])
	usage(stderr)
	return 1
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "tpectl %s — TPE technician and developer tool\n\nusage: tpectl COMMAND [ARGS]\n\n", config.Version)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun `tpectl COMMAND --help` for a command's flags and an example.")
	printExamples(w, []string{"tpectl diag --sim", "tpectl display test --help"})
}

func runVersion(_ context.Context, args []string, stdout io.Writer) error {
	fs := newTechFlags("version", stdout)
	fs.about("version", "Prints the version of this tpectl.", "tpectl version")
	if pos, err := fs.parse(args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("version takes no arguments, got %q", pos)
	}
	fmt.Fprintf(stdout, "tpectl %s\n", config.Version)
	return nil
}
