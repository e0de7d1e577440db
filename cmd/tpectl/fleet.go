package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"tpe/cmd/internal/fleet"
	"tpe/offline"
)

// runFleet holds the fleet-scale tools: today the reconnect storm.
func runFleet(ctx context.Context, args []string, stdout io.Writer) error {
	if helpFirst(args) {
		return subHelp(stdout, "fleet sim --terminals N --queued M [--gateway URL] [--latency D] [--json]", `
Fleet-scale checks of the offline forwarding, run on a technician's or a
developer's machine against a gateway simulator (never a real acquirer).`,
			[][2]string{{"sim", "N terminals reconnect at once with M offline payments each; figures from the gateway's ledger"}},
			"tpectl fleet sim --terminals 1000 --queued 10 --latency 50ms --json")
	}
	if len(args) == 0 {
		return usagef("missing subcommand: sim")
	}
	switch args[0] {
	case "sim":
		return runFleetSim(ctx, args[1:], stdout)
	}
	return usagef("unknown subcommand %q: want sim", args[0])
}

func runFleetSim(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newTechFlags("fleet sim", stdout)
	fs.about("fleet sim --terminals N --queued M [--gateway URL] [--latency D] [--json]", `
Runs N real terminal cores in this process (each its own bbolt journal in a
temporary directory, payment service with the EMV kernel over a virtual
card, offline forwarder and gateway client; no UI, no peripherals). Each
takes M payments offline, as during an outage; then all of them see the
gateway again at the same instant (t=0) and forward.

The figures come from the gateway's ledger (the simulator's GET /sim/stats),
not from the terminals' own counters:
  terminals, queued  the fleet and the offline payments it journaled
  forwarded          distinct orders the gateway recorded
  declined           of those, refused by the gateway
  duplicates         an order sold twice, or sent again and refused (094)
  lost               queued payments the gateway never recorded
  drain_s            t=0 to the last sale the gateway recorded
  peak_rps           sales in the gateway's busiest second
  mean_rps           sales per second over drain_s

Each terminal forwards as a real one does: the first forward after the
outage waits a random part of --jitter (spreading the storm), then batches of
advices when the gateway offers them, a few requests in flight.

--gateway names a running gatewaysim (its /sim/ endpoints are needed); without
it a simulator is started in this process. --latency is added to every
reply of the gateway for the run (its fault injection, put back after).

Each terminal holds one open journal and a few connections: the command
checks the open-file limit (ulimit -n) before starting. Exit status 1 when a
payment is lost or duplicated.`,
		"tpectl fleet sim --terminals 20 --queued 5",
		"tpectl fleet sim --terminals 1000 --queued 10 --gateway http://127.0.0.1:8480 --latency 50ms --json")
	terminals := fs.Int("terminals", 0, "terminal cores to run (required)")
	queued := fs.Int("queued", 0, "offline payments each terminal holds when the gateway comes back (required)")
	gw := fs.String("gateway", "", "base URL of a running gatewaysim (default: one started in this process)")
	originator := fs.String("originator", "", "gateway Basic originator (default: the simulator's development one)")
	password := fs.String("password", "", "gateway Basic password (default: the simulator's development one)")
	latency := fs.Duration("latency", 0, "added to every gateway reply during the run, e.g. 50ms")
	concurrency := fs.Int("concurrency", 0, "requests in flight per terminal (default: the terminal's, 4)")
	jitter := fs.Duration("jitter", 30*time.Second, "window over which each terminal spreads its first forward after the outage (the terminal's default); 0 for none, everyone at t=0")
	timeout := fs.Duration("timeout", 10*time.Minute, "give up waiting for the drain after this long (what is left counts as lost)")
	dir := fs.String("dir", "", "new or empty directory for the journals, kept after (default: a temporary one, removed after)")
	asJSON := fs.Bool("json", false, `print {"terminals","queued","forwarded","duplicates","lost","drain_s","peak_rps","mean_rps",…}`)
	if pos, err := fs.parse(args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("fleet sim takes no arguments, got %q", pos[0])
	}
	if *terminals <= 0 || *queued <= 0 {
		return usagef("--terminals and --queued must be positive")
	}
	if *latency < 0 || *concurrency < 0 || *jitter < 0 {
		return usagef("--latency, --concurrency and --jitter cannot be negative")
	}
	o := fleet.Opts{
		Terminals: *terminals, Queued: *queued, Gateway: *gw, Originator: *originator, Password: *password,
		Latency: *latency, Timeout: *timeout, Dir: *dir, Progress: os.Stderr,
	}
	o.Forwarder = &offline.ForwarderOpts{Concurrency: *concurrency, Jitter: *jitter}
	if *jitter == 0 {
		o.Forwarder.Jitter = -1 // the forwarder's "none"; 0 is its default
	}
	res, err := fleet.Run(ctx, o)
	if err != nil {
		return err
	}
	if *asJSON {
		out := res
		out.PerSecond = nil // the summary only; the gateway keeps the detail
		enc := json.NewEncoder(stdout)
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "terminals  %d\nqueued     %d\nforwarded  %d\ndeclined   %d\nduplicates %d\nlost       %d\ndrain      %.3f s\npeak       %d/s\nmean       %.1f/s\n",
			res.Terminals, res.Queued, res.Forwarded, res.Declined, res.Duplicates, res.Lost, res.DrainS, res.PeakRPS, res.MeanRPS)
	}
	if res.Lost > 0 || res.Duplicates > 0 {
		return fmt.Errorf("fleet sim: %d lost, %d duplicated", res.Lost, res.Duplicates)
	}
	return nil
}
