package main

import (
	"testing"
	"time"
)

// A network cut, as a cashier lives it: the terminal says it is offline
// (within a second: TestProbeSeesACutWithinASecond proves the bound in fake
// time; here, against a real process on a machine that may be loaded, the
// wait allows healthWait), a require_online sale fails with gateway_unreachable
// (never "declined": nobody declined it), and once the network is back the
// next prefer_online sale goes online at once.
func TestNetworkCutIsNotADecline(t *testing.T) {
	p := startSim(t, t.TempDir())
	if _, h := p.call(t, "GET", "/v1/health", ""); h["online"] != true {
		t.Fatalf("health before the cut: %v", h)
	}
	p.call(t, "POST", "/v1/sim/network", `{"online":false}`)
	cut := time.Now()
	waitHealth(t, p, false, cut)

	_, pay := p.call(t, "POST", "/v1/payments", `{"amount":1200,"offline":"require_online"}`)
	p.call(t, "POST", "/v1/sim/card", `{"card":"visa-credit"}`)
	got := p.waitStatus(t, pay["id"].(string), "approved", "declined", "failed")
	if got["status"] != "failed" || got["error_code"] != "gateway_unreachable" {
		t.Fatalf("require_online sale during the cut: %v %v (%v), want failed gateway_unreachable", got["status"], got["error_code"], got["error"])
	}

	p.call(t, "POST", "/v1/sim/network", `{"online":true}`)
	back := time.Now()
	waitHealth(t, p, true, back)
	// Started as soon as the first one's outcome is read: the reader is
	// free by then (payment.Service frees it with the outcome's write).
	status, pay := p.call(t, "POST", "/v1/payments", `{"amount":1300}`)
	if status != 201 {
		t.Fatalf("the next payment: %d %v, want 201", status, pay)
	}
	p.call(t, "POST", "/v1/sim/card", `{"card":"visa-credit"}`)
	got = p.waitStatus(t, pay["id"].(string), "approved", "declined", "failed")
	if got["status"] != "approved" || got["offline"] != false {
		t.Fatalf("prefer_online sale after the network returned: %v offline=%v, want approved online", got["status"], got["offline"])
	}
}

// healthWait bounds waitHealth: the one-second claim plus room for a busy
// CI machine's scheduling (the time taken is logged).
const healthWait = 5 * time.Second

// waitHealth polls /v1/health until online is want, and fails past
// healthWait after since.
func waitHealth(t *testing.T, p *simProc, want bool, since time.Time) {
	t.Helper()
	for {
		_, h := p.call(t, "GET", "/v1/health", "")
		if h["online"] == want {
			t.Logf("health online=%v after %v", want, time.Since(since).Round(time.Millisecond))
			return
		}
		if time.Since(since) > healthWait {
			t.Fatalf("health still says online=%v %v after the switch", h["online"], time.Since(since).Round(time.Millisecond))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
