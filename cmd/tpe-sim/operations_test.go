package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tpe/payment/gateway/gatewaysim"
)

// opsRig is a real tpe-sim process driven through its API against a
// separate gateway simulator whose replies the test can lose, and which can
// SIGKILL the terminal while a refund or void is at the gateway.
type opsRig struct {
	root *testing.T // owns the processes: they outlive a subtest
	gw   *gatewaysim.Server
	srv  *httptest.Server
	data string
	p    *simProc

	victim atomic.Pointer[simProc]
	// killAt, when set to "before" or "after", SIGKILLs the terminal when
	// its next refund or void reaches the gateway: before the gateway
	// processes it, or after it did and before the answer leaves.
	killAt atomic.Value
}

func newOpsRig(t *testing.T) *opsRig {
	t.Helper()
	gw, err := gatewaysim.New(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close() })
	r := &opsRig{root: t, gw: gw, data: t.TempDir()}
	r.killAt.Store("")
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		operation := req.Method == "POST" && (strings.HasSuffix(req.URL.Path, "/refund") || strings.HasSuffix(req.URL.Path, "/cancel"))
		when, _ := r.killAt.Load().(string)
		if !operation || when == "" {
			gw.ServeHTTP(w, req)
			return
		}
		r.killAt.Store("")
		if when == "after" {
			gw.ServeHTTP(httptest.NewRecorder(), req) // processed; the answer never leaves
		}
		if p := r.victim.Load(); p != nil {
			p.cmd.Process.Kill()
		}
		// The connection dies with the terminal.
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
			}
		}
	}))
	t.Cleanup(r.srv.Close)
	r.start(t)
	return r
}

func (r *opsRig) start(t *testing.T) {
	t.Helper()
	p := launchSim(t, r.data, "--gateway", r.srv.URL)
	r.root.Cleanup(func() { p.stop(r.root) })
	r.p = p
	r.victim.Store(p)
}

// sale takes an approved card sale of amount and returns its API object.
func (r *opsRig) sale(t *testing.T, amount int) map[string]any {
	t.Helper()
	_, pay := r.p.call(t, "POST", "/v1/payments", fmt.Sprintf(`{"amount":%d,"offline":"require_online"}`, amount))
	if status, m := r.p.call(t, "POST", "/v1/sim/card", `{"card":"visa-credit"}`); status != 204 {
		t.Fatalf("present card: %d %v", status, m)
	}
	got := r.p.waitStatus(t, pay["id"].(string), "approved", "declined", "failed")
	if got["status"] != "approved" {
		t.Fatalf("sale: %v", got)
	}
	return got
}

// atGateway is what the gateway's ledger says of an order: the sale's
// refunded amount and status, and how many refunds and cancels it holds.
func (r *opsRig) atGateway(orderID string) (refunded int64, status string, refunds, cancels int) {
	var sale string
	for _, e := range r.gw.Ledger() {
		if e.OrderID == orderID && e.Operation == "sale" && e.ErrorCode == "000" {
			sale, refunded, status = e.TransactionID, e.RefundedAmount, e.Status
		}
	}
	for _, e := range r.gw.Ledger() {
		if e.ReferralID == sale && e.ErrorCode == "000" {
			switch e.Operation {
			case "refund":
				refunds++
			case "cancel":
				cancels++
			}
		}
	}
	return
}

// waitState polls a payment until its state is want.
func (p *simProc) waitState(t *testing.T, id, want string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, m := p.call(t, "GET", "/v1/payments/"+id, "")
		if m["state"] == want {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("payment %s stuck at %v, want %s\n%s", id, m["state"], want, p.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Refunds against the real process and a separate gateway: whatever the
// cashier or the network does, the terminal's refunded amount is the
// gateway's and nothing is refunded twice.
func TestRefundsAgreeWithTheGateway(t *testing.T) {
	r := newOpsRig(t)

	t.Run("20 concurrent refunds", func(t *testing.T) {
		pay := r.sale(t, 1000)
		id := pay["id"].(string)
		r.gw.SetFaults(gatewaysim.Faults{LatencyMS: 50}) // refunds overlap for certain
		defer r.gw.SetFaults(gatewaysim.Faults{})
		var wg sync.WaitGroup
		codes := make(chan int, 20)
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				status, _ := r.p.call(t, "POST", "/v1/payments/"+id+"/refunds", `{"amount":100}`)
				codes <- status
			}()
		}
		wg.Wait()
		close(codes)
		ok := 0
		for c := range codes {
			switch c {
			case 201:
				ok++
			case 409:
			default:
				t.Errorf("refund answered %d", c)
			}
		}
		_, m := r.p.call(t, "GET", "/v1/payments/"+id, "")
		refunded, _, refunds, _ := r.atGateway(pay["order_id"].(string))
		if m["refunded_amount"] != float64(refunded) || refunded != int64(100*ok) || refunds != ok || ok == 0 {
			t.Fatalf("terminal refunded %v, gateway %d in %d refunds, %d answered 201", m["refunded_amount"], refunded, refunds, ok)
		}
	})

	t.Run("lost answer then retry", func(t *testing.T) {
		pay := r.sale(t, 1500)
		id := pay["id"].(string)
		r.gw.SetFaults(gatewaysim.Faults{DropAfter: 1})
		status, m := r.p.call(t, "POST", "/v1/payments/"+id+"/refunds", "")
		if (status != 201 || m["state"] != "refunded") && (status != 202 || m["state"] != "refund_pending") {
			t.Fatalf("refund with a lost answer: %d %v", status, m)
		}
		// The cashier retries: the terminal knows (or still checks) and
		// refuses; the gateway is never asked twice.
		if status, m := r.p.call(t, "POST", "/v1/payments/"+id+"/refunds", ""); status != 409 {
			t.Fatalf("retry: %d %v", status, m)
		}
		got := r.p.waitState(t, id, "refunded")
		refunded, _, refunds, _ := r.atGateway(pay["order_id"].(string))
		if got["refunded_amount"] != 1500.0 || refunded != 1500 || refunds != 1 {
			t.Fatalf("terminal %v, gateway %d in %d refunds", got["refunded_amount"], refunded, refunds)
		}
	})

	t.Run("SIGKILL while the gateway refunds", func(t *testing.T) {
		pay := r.sale(t, 2000)
		id := pay["id"].(string)
		r.killAt.Store("after")
		r.p.soft("POST", "/v1/payments/"+id+"/refunds", `{"amount":700}`)
		r.p.reap()
		r.start(t) // boot recovery reads the gateway's record
		got := r.p.waitState(t, id, "partially_refunded")
		refunded, _, refunds, _ := r.atGateway(pay["order_id"].(string))
		if got["refunded_amount"] != 700.0 || refunded != 700 || refunds != 1 {
			t.Fatalf("terminal %v, gateway %d in %d refunds", got["refunded_amount"], refunded, refunds)
		}
	})

	t.Run("SIGKILL before the gateway refunds", func(t *testing.T) {
		pay := r.sale(t, 2100)
		id := pay["id"].(string)
		r.killAt.Store("before")
		r.p.soft("POST", "/v1/payments/"+id+"/refunds", `{"amount":700}`)
		r.p.reap()
		r.start(t)
		got := r.p.waitState(t, id, "approved")
		refunded, _, refunds, _ := r.atGateway(pay["order_id"].(string))
		if got["refunded_amount"] != 0.0 || refunded != 0 || refunds != 0 {
			t.Fatalf("terminal %v, gateway %d in %d refunds", got["refunded_amount"], refunded, refunds)
		}
		// Nothing was refunded: the cashier can refund now.
		if status, m := r.p.call(t, "POST", "/v1/payments/"+id+"/refunds", ""); status != 201 || m["state"] != "refunded" {
			t.Fatalf("refund after recovery: %d %v", status, m)
		}
	})
}

// Voids: a lost answer and a SIGKILL after the gateway voided both end
// reversed on the terminal, with one cancel at the gateway.
func TestVoidsAgreeWithTheGateway(t *testing.T) {
	r := newOpsRig(t)

	t.Run("lost answer", func(t *testing.T) {
		pay := r.sale(t, 1200)
		id := pay["id"].(string)
		r.gw.SetFaults(gatewaysim.Faults{DropAfter: 1})
		status, m := r.p.call(t, "POST", "/v1/payments/"+id+"/void", "")
		if (status != 200 || m["state"] != "reversed") && (status != 202 || m["state"] != "void_pending") {
			t.Fatalf("void with a lost answer: %d %v", status, m)
		}
		r.p.waitState(t, id, "reversed")
		if _, st, _, cancels := r.atGateway(pay["order_id"].(string)); st != "Cancelled" || cancels > 1 {
			t.Fatalf("gateway: %s after %d cancels", st, cancels)
		}
	})

	t.Run("SIGKILL while the gateway voids", func(t *testing.T) {
		pay := r.sale(t, 1300)
		id := pay["id"].(string)
		r.killAt.Store("after")
		r.p.soft("POST", "/v1/payments/"+id+"/void", "")
		r.p.reap()
		r.start(t)
		r.p.waitState(t, id, "reversed")
		if _, st, _, _ := r.atGateway(pay["order_id"].(string)); st != "Cancelled" {
			t.Fatalf("gateway status %s, want Cancelled", st)
		}
	})
}
