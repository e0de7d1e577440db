package diag

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"tpe/config"
)

// failingChecks maps each simulated fault to the checks it must fail; every
// other check must pass (or be skipped because it depends on the failed one).
var failingChecks = map[string][]string{
	"nfc":     {"nfc firmware"},
	"printer": {"printer status"},
	"display": {"display test pattern"},
	"scanner": {"scanner read"},
	"gateway": {"gateway reachability"},
	"token":   {"gateway token"},
	"clock":   {"clock"},
	"disk":    {"disk space"},
	"journal": {"data store integrity"},
	"queue":   {"offline queue age"},
}

// fixMentions is a word the fix of each fault must contain: the right fix,
// not just any.
var fixMentions = map[string]string{
	"nfc": "wiring", "printer": "paper", "display": "rotation", "scanner": "cable", "gateway": "network",
	"token": "client_secret", "clock": "NTP", "disk": "/var/log", "journal": "support", "queue": "network",
}

// dependents may be skipped (or warn) when their prerequisite fails.
var dependents = map[string][]string{
	"nfc":     {"nfc field", "nfc card detection"},
	"printer": {"printer test page"},
	"gateway": {"gateway TLS", "gateway token", "gateway health", "clock"},
	"journal": {"offline queue age"},
}

func runSim(t *testing.T, faults ...string) Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, done, err := Sim(ctx, SimOpts{Fail: faults, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	return Run(ctx, s)
}

func TestSimAllPass(t *testing.T) {
	rep := runSim(t)
	var table bytes.Buffer
	rep.WriteTable(&table)
	if !rep.OK {
		t.Fatalf("healthy simulator fails:\n%s", table.String())
	}
	want := []string{"nfc firmware", "nfc field", "nfc card detection", "printer status", "printer test page", "display test pattern",
		"scanner read", "disk space", "data store integrity", "offline queue age", "gateway reachability", "gateway TLS",
		"gateway token", "gateway health", "clock"}
	got := map[string]Status{}
	for _, r := range rep.Results {
		got[r.Check] = r.Status
	}
	for _, w := range want {
		if got[w] != Pass {
			t.Errorf("%s: %s, want pass\n%s", w, got[w], table.String())
		}
	}
	if !strings.Contains(table.String(), "TERMINAL OK") {
		t.Errorf("table lacks the verdict:\n%s", table.String())
	}
}

func TestSimEachFaultInTurn(t *testing.T) {
	for _, fault := range Faults {
		t.Run(fault, func(t *testing.T) {
			rep := runSim(t, fault)
			var table bytes.Buffer
			rep.WriteTable(&table)
			if rep.OK {
				t.Fatalf("fault %s: report OK\n%s", fault, table.String())
			}
			must := map[string]bool{}
			for _, c := range failingChecks[fault] {
				must[c] = true
			}
			may := map[string]bool{}
			for _, c := range dependents[fault] {
				may[c] = true
			}
			for _, r := range rep.Results {
				switch {
				case must[r.Check]:
					if r.Status != Fail {
						t.Errorf("%s: %s, want fail\n%s", r.Check, r.Status, table.String())
					}
					if r.Fix == "" {
						t.Errorf("%s fails without a fix", r.Check)
					}
					if want := fixMentions[fault]; !strings.Contains(r.Fix, want) {
						t.Errorf("%s: fix %q does not mention %q", r.Check, r.Fix, want)
					}
					delete(must, r.Check)
				case may[r.Check]:
				case r.Status == Fail:
					t.Errorf("fault %s also failed %s: %s\n%s", fault, r.Check, r.Detail, table.String())
				}
			}
			for c := range must {
				t.Errorf("check %s missing from the report", c)
			}
			if !strings.Contains(table.String(), "→ fix:") || !strings.Contains(table.String(), "NOT READY") {
				t.Errorf("table lacks the fix or verdict:\n%s", table.String())
			}
		})
	}
}

func TestJSONAndUnknownFault(t *testing.T) {
	rep := Report{Results: []Result{{Check: "clock", Status: Fail, Detail: "off", Fix: "ntp"}}}
	var b bytes.Buffer
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b.Bytes(), &back); err != nil || back.Results[0].Fix != "ntp" {
		t.Fatalf("json: %v %s", err, b.String())
	}
	if _, _, err := Sim(context.Background(), SimOpts{Fail: []string{"toaster"}}); err == nil || !strings.Contains(err.Error(), "nfc") {
		t.Fatalf("unknown fault: %v", err)
	}
}

func TestHardwareFromSimConfig(t *testing.T) {
	root := t.TempDir()
	c := config.SimDefaults("/var/lib/tpe")
	c.Hardware.Scanner.Driver = "sim"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, done := Hardware(ctx, c, HardwareOpts{Root: root, Print: true})
	defer done()
	rep := Run(ctx, s)
	var table bytes.Buffer
	rep.WriteTable(&table)
	if !rep.OK {
		t.Fatalf("sim config fails:\n%s", table.String())
	}
	if !strings.Contains(table.String(), "gateway.url is empty") {
		t.Errorf("gateway not reported as skipped:\n%s", table.String())
	}
}

func TestHardwareMissingDevicesFailWithFixes(t *testing.T) {
	dir := t.TempDir()
	c := config.Defaults()
	c.DataDir = "/var/lib/tpe"
	c.Hardware.NFC.Port = dir + "/ttyNOPE"
	c.Hardware.Printer.Port = dir + "/lpNOPE"
	c.Hardware.Display.SPIPort = "/dev/spidevNOPE"
	c.Hardware.Scanner = config.Scanner{Driver: "serial", Port: dir + "/ttyACMNOPE", Baud: 9600, Terminator: "\r"}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, done := Hardware(ctx, c, HardwareOpts{Root: dir})
	defer done()
	rep := Run(ctx, s)
	var table bytes.Buffer
	rep.WriteTable(&table)
	for _, check := range []string{"nfc firmware", "printer status", "display test pattern", "scanner read"} {
		found := false
		for _, r := range rep.Results {
			if r.Check == check {
				found = true
				if r.Status != Fail || r.Fix == "" {
					t.Errorf("%s: %s (fix %q), want fail with a fix\n%s", check, r.Status, r.Fix, table.String())
				}
			}
		}
		if !found {
			t.Errorf("%s missing\n%s", check, table.String())
		}
	}
}
