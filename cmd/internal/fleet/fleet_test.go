package fleet

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"tpe/offline"
	"tpe/payment/gateway/gatewaysim"
)

// TestRunSmallFleet is the reconnect storm at a size make test affords:
// real journals, services, kernels, forwarders and gateway clients against
// an embedded simulator, judged from the simulator's ledger.
func TestRunSmallFleet(t *testing.T) {
	// No reconnect window: the test is about what the gateway recorded,
	// not about spreading (the bench row measures that).
	res, err := Run(context.Background(), Opts{Terminals: 4, Queued: 3, Dir: t.TempDir(), Timeout: time.Minute,
		Forwarder: &offline.ForwarderOpts{Jitter: -1}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Terminals != 4 || res.Queued != 12 || res.Forwarded != 12 || res.Duplicates != 0 || res.Lost != 0 || res.Declined != 0 {
		t.Fatalf("got %+v, want 12 queued and forwarded, none declined, duplicated or lost", res)
	}
	sum := 0
	for _, n := range res.PerSecond {
		sum += n
	}
	if sum != 12 || res.PeakRPS < 1 || res.PeakRPS > 12 || res.DrainS < 0 || res.MeanRPS <= 0 {
		t.Fatalf("rates %+v: want 12 sales spread over per_second, a peak and a mean", res)
	}
}

func TestRunRefusesBadSizes(t *testing.T) {
	used := t.TempDir()
	os.WriteFile(filepath.Join(used, "t00000"), nil, 0o600)
	for _, o := range []Opts{{Terminals: 0, Queued: 1}, {Terminals: 1, Queued: 0}, {Terminals: -1, Queued: 5}, {Terminals: 1, Queued: 1, Dir: used}} {
		if _, err := Run(context.Background(), o); err == nil {
			t.Errorf("Run(%+v): no error", o)
		}
	}
}

// TestResultFromGatewayStats checks the figures come from the gateway's
// counts: a second sale of an order, a refused duplicate request and an
// order the gateway never saw each show.
func TestResultFromGatewayStats(t *testing.T) {
	t0 := time.UnixMilli(1_000_000)
	st := gatewaysim.Stats{Sales: 9, Orders: 8, Approved: 8, Declined: 1, DuplicateRequests: 2,
		FirstMS: 1_000_100, LastMS: 1_004_000, PerSecond: []int{1, 4, 2, 1, 1}}
	got := result(3, 10, t0, st)
	want := Result{Terminals: 3, Queued: 10, Forwarded: 8, Declined: 1, Duplicates: 3, Lost: 2,
		DrainS: 4, PeakRPS: 4, MeanRPS: 2.2, PerSecond: st.PerSecond}
	if got.Terminals != want.Terminals || got.Queued != want.Queued || got.Forwarded != want.Forwarded ||
		got.Declined != want.Declined || got.Duplicates != want.Duplicates || got.Lost != want.Lost ||
		got.DrainS != want.DrainS || got.PeakRPS != want.PeakRPS || got.MeanRPS != want.MeanRPS {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}
