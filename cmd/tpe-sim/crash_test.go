package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"tpe/config"
	"tpe/offline"
	"tpe/payment"
	"tpe/payment/gateway"
	"tpe/payment/gateway/gatewaysim"
)

// TestCrashLedgerMatchesJournal is the store-and-forward guarantee, end to
// end: tpe-sim runs as a separate process against a gateway simulator,
// takes payments online and offline, and is killed with SIGKILL at random
// points — including right after the gateway recorded a sale and before
// the terminal could journal the answer. Each restart recovers from the
// journal. At the end, with the network back, the gateway's ledger and the
// terminal's journal must agree: every approved payment charged exactly
// once, nothing charged that the terminal does not hold as approved.
func TestCrashLedgerMatchesJournal(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test runs processes for ~20 s")
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 42))

	gw, err := gatewaysim.New(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	var victim atomic.Pointer[simProc]
	var killAfterSale atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gw.ServeHTTP(w, r)
		if strings.HasPrefix(r.URL.Path, "/transaction/sale") && killAfterSale.CompareAndSwap(true, false) {
			// The sale is in the ledger and its answer on the wire: the
			// terminal dies before it can journal it.
			w.(http.Flusher).Flush()
			if p := victim.Load(); p != nil {
				p.cmd.Process.Kill()
			}
		}
	}))
	defer srv.Close()

	data := t.TempDir()
	cards := []string{"visa-credit", "mastercard", "visa-debit", "cb-visa"}
	payments := 0
	for round := range 16 {
		p := startSim(t, data, "--gateway", srv.URL)
		victim.Store(p)
		online := rng.IntN(3) > 0
		p.soft("POST", "/v1/sim/network", fmt.Sprintf(`{"online":%v}`, online))
		for range 1 + rng.IntN(3) {
			_, m, err := p.soft("POST", "/v1/payments", fmt.Sprintf(`{"amount":%d}`, 100+rng.IntN(4900)))
			if err != nil || m["id"] == nil {
				break
			}
			payments++
			killAfterSale.Store(online && rng.IntN(3) == 0)
			p.soft("POST", "/v1/sim/card", fmt.Sprintf(`{"card":%q}`, cards[rng.IntN(len(cards))]))
			if rng.IntN(3) == 0 { // die somewhere in the middle of the payment
				time.Sleep(time.Duration(rng.IntN(400)) * time.Millisecond)
				p.cmd.Process.Kill()
				break
			}
			if !p.settle(m["id"].(string)) {
				break // killed after a sale
			}
		}
		killAfterSale.Store(false)
		if rng.IntN(2) == 0 {
			p.cmd.Process.Kill()
			p.reap()
		} else {
			p.cmd.Process.Signal(syscall.SIGTERM) // a clean shutdown now and then, if still alive
			p.reap()
		}
		t.Logf("round %d: online=%v, %d payments so far", round, online, payments)
	}

	// Network back: the last start recovers, forwards the queue and pays
	// every reversal owed.
	p := startSim(t, data, "--gateway", srv.URL)
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, h, err := p.soft("GET", "/v1/health", "")
		if err == nil && h["queue_length"] == 0.0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue never drained: %v\n%s", h, p.logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.stop(t)
	p.reap()

	st, err := offline.Open(filepath.Join(data, "journal.db"), &offline.Opts{KeyFile: config.SimKeyFile(data), ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// The queue drained: no record may still hold card data, whatever
	// the crashes interrupted.
	if s, err := st.Stats(context.Background()); err != nil || s.SealedCardRecords != 0 {
		t.Errorf("sealed card records after the queue drained: %d (%v)", s.SealedCardRecords, err)
	}
	txns, err := st.List(context.Background(), payment.Query{})
	if err != nil {
		t.Fatal(err)
	}
	checkLedger(t, txns, gw.Ledger())
	if len(txns) < 5 {
		t.Errorf("only %d payments reached the journal: the test exercised too little", len(txns))
	}
}

func checkLedger(t *testing.T, txns []*payment.Transaction, ledger []gatewaysim.Entry) {
	t.Helper()
	charged := map[string]int{}   // order → approved sales
	saleOf := map[string]string{} // gateway transaction → order
	voided := map[string]bool{}   // order → a successful cancel
	for _, e := range ledger {
		if (e.Operation == "sale" || e.Operation == "authorize") && e.ErrorCode == "000" {
			charged[e.OrderID]++
			saleOf[e.TransactionID] = e.OrderID
		}
	}
	for _, e := range ledger {
		if e.Operation == "cancel" && e.ErrorCode == "000" {
			voided[saleOf[e.ReferralID]] = true
		}
		if e.Status == gateway.StatusCancelled && saleOf[e.TransactionID] != "" {
			voided[saleOf[e.TransactionID]] = true
		}
	}
	approved := map[string]bool{}
	for _, tx := range txns {
		if tx.ReversalPending {
			t.Errorf("%s (%s) still owes a reversal", tx.ID, tx.State)
		}
		switch tx.State {
		case payment.StateOfflineApproved:
			t.Errorf("%s never forwarded", tx.ID)
		case payment.StateApproved, payment.StateForwarded, payment.StatePartiallyRefunded, payment.StateRefunded:
			approved[tx.OrderID] = true
			if charged[tx.OrderID] != 1 || voided[tx.OrderID] {
				t.Errorf("%s approved on the terminal, charged %d time(s) at the gateway (voided %v)", tx.ID, charged[tx.OrderID], voided[tx.OrderID])
			}
		}
	}
	for order, n := range charged {
		switch {
		case n > 1:
			t.Errorf("order %s charged %d times", order, n)
		case !approved[order] && !voided[order]:
			t.Errorf("order %s charged at the gateway but not approved on the terminal, and never reversed", order)
		}
	}
	t.Logf("%d payments in the journal, %d orders charged, %d voided", len(txns), len(charged), len(voided))
}

// soft is call without failing the test: the process may be dead.
func (p *simProc) soft(method, path, body string) (int, map[string]any, error) {
	req, _ := http.NewRequest(method, p.url+path, strings.NewReader(body))
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(b, &m)
	return resp.StatusCode, m, nil
}

// settle waits for a payment to end; false if the process died meanwhile.
func (p *simProc) settle(id string) bool {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		_, m, err := p.soft("GET", "/v1/payments/"+id, "")
		if err != nil {
			return false
		}
		switch m["status"] {
		case "pending", "processing":
		default:
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// reap waits for a killed or stopped process.
func (p *simProc) reap() {
	if p.cmd.ProcessState == nil {
		p.cmd.Wait()
	}
}
