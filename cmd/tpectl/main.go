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

// command is one tpectl subcommand. run gets the arguments after its name.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout io.Writer) error
}

// commands is the whole CLI, in the order `tpectl help` lists it. Each
// subcommand lives in its own file, named after it.
var commands = []command{
	{"version", "print the version", runVersion},
	{"config", "check a tpe.toml: config check FILE", runConfig},
	{"emv", "run the EMV kernel against a virtual or scripted card: emv run --card PROFILE|FILE --amount MINOR", runEMV},
	{"nfc", "talk to a PN532 reader: nfc info|poll --port PATH [--baud N]", runNFC},
	{"printer", "print a test page: printer test --port PATH [--width 58|80]", runPrinter},
	{"display", "render a customer-display screen: display test --screen NAME --out FILE.png", runDisplay},
	{"sim", "run an emulated chip: sim pn532 --link PATH | sim printer render|serve …", runSim},
	{"auth", "check tokens: auth verify-id-token --issuer URL --audience AUD TOKEN", runAuth},
	{"offline", "offline queue: offline status|list|export|forward [--data DIR]", runOffline},
	{"provision", "write terminal identity, config and keys: provision --root DIR --terminal-id ID [--api-tls] …", runProvision},
	{"tls", "print the SHA-256 fingerprint of the API's certificate to pin: tls fingerprint [CERT.pem | --root DIR]", runTLS},
	{"diag", "self-test every peripheral and service: diag [--config FILE | --sim] [--json]", runDiag},
	{"bundle", "update bundles: bundle build|sign|verify|keygen", runBundle},
	{"update", "A/B updates: update apply|status|confirm|rollback|check --root DIR", runUpdate},
	{"flash", "install a bundle on a device: flash --target DIR|user@host BUNDLE", runFlash},
	{"logs", "support bundle, redacted: logs export --root DIR --out FILE", runLogs},
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
			// `tpectl CMD --help` where CMD (or its subcommand) has no
			// help of its own: its usage line is the answer.
			fmt.Fprintf(stdout, "usage: tpectl %s\n", c.summary)
			return 0
		}
		fmt.Fprintf(stderr, "tpectl %s: %v\n", c.name, err)
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "usage: tpectl %s\n", c.summary)
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
	fmt.Fprintln(w, "\nRun `tpectl COMMAND --help` for a command's flags.")
}

func runVersion(_ context.Context, _ []string, stdout io.Writer) error {
	fmt.Fprintf(stdout, "tpectl %s\n", config.Version)
	return nil
}
