package main

import (
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"tpe/payment/gateway/gatewaysim"
)

// TestFleetSimAgainstStandaloneGateway runs the command against a
// simulator reached over HTTP only (as a standalone gatewaysim): its
// figures come from GET /sim/stats and its latency from /sim/faults, which
// it puts back afterwards.
func TestFleetSimAgainstStandaloneGateway(t *testing.T) {
	sim, err := gatewaysim.New(filepath.Join(t.TempDir(), "gw"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	ts := httptest.NewServer(sim)
	defer ts.Close()
	sim.SetFaults(gatewaysim.Faults{Rate5xx: 0}) // what was set before the run
	code, out, errs := techRun(t, "fleet", "sim", "--terminals", "3", "--queued", "2", "--gateway", ts.URL,
		"--latency", "5ms", "--jitter", "0", "--dir", t.TempDir(), "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got map[string]float64
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, k := range []string{"terminals", "queued", "forwarded", "duplicates", "lost", "drain_s", "peak_rps", "mean_rps"} {
		if _, ok := got[k]; !ok {
			t.Errorf("no %q in %s", k, out)
		}
	}
	if got["terminals"] != 3 || got["queued"] != 6 || got["forwarded"] != 6 || got["duplicates"] != 0 || got["lost"] != 0 {
		t.Errorf("got %s, want 6 queued and forwarded, none duplicated or lost", out)
	}
	if n := len(sim.Ledger()); n != 6 {
		t.Errorf("the gateway's ledger holds %d transactions, want 6", n)
	}
	if f := sim.Faults(); f.LatencyMS != 0 {
		t.Errorf("latency left at %d ms after the run", f.LatencyMS)
	}
}

func TestFleetSimRefusesBadSizes(t *testing.T) {
	for _, args := range [][]string{
		{"fleet", "sim", "--queued", "1"},
		{"fleet", "sim", "--terminals", "1"},
		{"fleet", "sim", "--terminals", "-2", "--queued", "1"},
		{"fleet", "sim", "--terminals", "1", "--queued", "1", "--latency", "-1s"},
		{"fleet", "sim", "--terminals", "1", "--queued", "1", "--jitter", "-1s"},
		{"fleet", "storm"},
	} {
		if code, _, errs := techRun(t, args...); code != 1 || !strings.Contains(errs, "usage: tpectl fleet sim") {
			t.Errorf("%v: exit %d, stderr %q; want exit 1 and the usage", args, code, errs)
		}
	}
}
