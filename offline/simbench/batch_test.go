package simbench

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tpe/offline"
	"tpe/payment"
	"tpe/payment/gateway"
	"tpe/payment/gateway/gatewaysim"
	"tpe/payment/paymenttest"
)

// rig is a terminal's journal and forwarder against the gateway simulator
// on loopback HTTP, with the real gateway client. wrap sits in front of the
// simulator; count tallies requests by "METHOD /path".
type rig struct {
	sim   *gatewaysim.Server
	st    *offline.Store
	gw    *gateway.Client
	f     *offline.Forwarder
	mu    sync.Mutex
	count map[string]int
}

func newRig(t *testing.T, so *gatewaysim.Opts, fo *offline.ForwarderOpts, wrap func(http.Handler) http.Handler) *rig {
	t.Helper()
	dir := t.TempDir()
	if so == nil {
		so = &gatewaysim.Opts{}
	}
	so.VerifyCryptogram = func(string, string, []byte) error { return nil }
	sim, err := gatewaysim.New(filepath.Join(dir, "sim"), so)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{sim: sim, count: map[string]int{}}
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.count[req.Method+" "+req.URL.Path]++
		r.mu.Unlock()
		sim.ServeHTTP(w, req)
	})
	if wrap != nil {
		h = wrap(h)
	}
	ts := httptest.NewServer(h)
	r.gw, err = gateway.New(ts.URL, &gateway.Opts{Originator: gatewaysim.DevOriginator, Password: gatewaysim.DevPassword,
		TerminalID: "T1", Attempts: 1, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	r.st, err = offline.Open(filepath.Join(dir, offline.FileName), &offline.Opts{KeyFile: filepath.Join(dir, offline.KeyName), CreateKey: true})
	if err != nil {
		t.Fatal(err)
	}
	r.f = offline.NewForwarder(r.st, r.gw, fo)
	t.Cleanup(func() { r.st.Close(); ts.Close(); sim.Close() })
	return r
}

func (r *rig) requests(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.count[key]
}

// queueCards records one offline approval per PAN, in order.
func queueCards(t *testing.T, st *offline.Store, pans ...string) []*payment.Transaction {
	t.Helper()
	at := time.Now().Add(-time.Hour)
	var out []*payment.Transaction
	for i, pan := range pans {
		card := paymenttest.VisaOnline().Card
		card.PAN = payment.NewPAN(pan)
		amount := int64(1000 + i)
		amt, _ := hex.DecodeString(fmt.Sprintf("%012d", amount))
		card.ICC = payment.NewSecret(append([]byte{0x9F, 0x02, 0x06}, amt...))
		tx := &payment.Transaction{
			ID: fmt.Sprintf("pay_%s_%03d", strings.ReplaceAll(t.Name(), "/", "_"), i), OrderID: fmt.Sprintf("T1-%s-%03d", t.Name(), i),
			Method: payment.MethodCard, State: payment.StateCreated, Amount: payment.Amount{Minor: amount, Currency: "EUR"},
			Batch: 1, Card: &card, CreatedAt: at, UpdatedAt: at,
		}
		for _, s := range []payment.State{payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateOfflineApproved} {
			if err := tx.Transition(s, at, ""); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.Save(context.Background(), tx); err != nil {
			t.Fatal(err)
		}
		out = append(out, tx)
	}
	return out
}

// ledgerCount is how many sales the gateway recorded per order.
func ledgerCount(sim *gatewaysim.Server) map[string]int {
	n := map[string]int{}
	for _, e := range sim.Ledger() {
		if e.Operation == "sale" {
			n[e.OrderID]++
		}
	}
	return n
}

const (
	okPAN      = paymenttest.TestPAN
	noFundsPAN = "4000000000000051" // the simulator declines it 051
)

const batchPath = "POST /transaction/sale/emv/batch"

// A batch with approvals, issuer declines and an order the gateway already
// holds (an earlier try got through): every advice gets its own verdict,
// the known order is settled from the gateway's record, no order is
// charged twice, and the whole queue goes in one request.
func TestBatchPartialFailures(t *testing.T) {
	r := newRig(t, nil, nil, nil)
	txs := queueCards(t, r.st, okPAN, noFundsPAN, okPAN, okPAN, noFundsPAN, okPAN)
	// Order 3 reached the gateway before (say, a Sale whose reply was lost
	// before the terminal recorded the attempt).
	pre, err := r.gw.Sale(context.Background(), payment.SaleRequest{OrderID: txs[3].OrderID, Amount: txs[3].Amount,
		Card: *txs[3].Card, Offline: true})
	if err != nil || !pre.Approved {
		t.Fatalf("first sale of order 3: %+v, %v", pre, err)
	}
	var events []payment.EventType
	r.f = offline.NewForwarder(r.st, r.gw, &offline.ForwarderOpts{OnChange: func(ev payment.EventType, _ *payment.Transaction) {
		events = append(events, ev)
	}})
	n, err := r.f.ForwardNow(context.Background())
	if err != nil || n != 6 {
		t.Fatalf("ForwardNow: %d settled, %v", n, err)
	}
	if got := r.requests(batchPath); got != 1 {
		t.Errorf("%d batch requests, want 1", got)
	}
	if got := r.requests("POST /transaction/sale/emv"); got != 1 {
		t.Errorf("%d single sales, want only the test's own", got)
	}
	for order, c := range ledgerCount(r.sim) {
		if c != 1 {
			t.Errorf("order %s recorded %d times at the gateway", order, c)
		}
	}
	want := []payment.State{payment.StateForwarded, payment.StateForwardDeclined, payment.StateForwarded,
		payment.StateForwarded, payment.StateForwardDeclined, payment.StateForwarded}
	for i, tx := range txs {
		got, err := r.st.Get(context.Background(), tx.ID)
		if err != nil || got.State != want[i] {
			t.Fatalf("payment %d: %v, %v; want %s", i, got.State, err, want[i])
		}
		if i == 3 && got.GatewayID != pre.GatewayID {
			t.Errorf("order 3 settled with gateway ID %s, want the earlier sale's %s", got.GatewayID, pre.GatewayID)
		}
		if want[i] == payment.StateForwardDeclined && (got.Result != "051" || got.Code != payment.DeclineCode(payment.DeclineInsufficientFunds)) {
			t.Errorf("payment %d declined with %q %q, want 051 insufficient funds", i, got.Result, got.Code)
		}
	}
	declined := 0
	for _, ev := range events {
		if ev == payment.EventDeclined {
			declined++
		}
	}
	if len(events) != 6 || declined != 2 {
		t.Errorf("events %v, want 6 with 2 declines", events)
	}
	if e, _ := r.st.Exposure(context.Background()); e.Count != 0 {
		t.Errorf("queue left: %+v", e)
	}
}

// dropBatchReplies processes the first n batches, then closes the
// connection without the reply: the ambiguous case.
func dropBatchReplies(n int) func(http.Handler) http.Handler {
	var mu sync.Mutex
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			drop := r.Method+" "+r.URL.Path == batchPath && n > 0
			if drop {
				n--
			}
			mu.Unlock()
			if !drop {
				h.ServeHTTP(w, r)
				return
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			c, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				c.Close()
			}
		})
	}
}

// A batch processed by the gateway whose reply never arrives is resolved
// by looking each order up: nothing is sent again, nothing charged twice.
func TestBatchReplyLostResolvedByLookup(t *testing.T) {
	r := newRig(t, nil, nil, dropBatchReplies(1))
	txs := queueCards(t, r.st, okPAN, noFundsPAN, okPAN, okPAN)
	n, err := r.f.ForwardNow(context.Background())
	if err != nil || n != 4 {
		t.Fatalf("ForwardNow: %d settled, %v", n, err)
	}
	if got := r.requests(batchPath); got != 1 {
		t.Errorf("%d batch requests, want 1 (never resent)", got)
	}
	if got := r.requests("GET /transactions"); got != 4 {
		t.Errorf("%d lookups, want one per advice of the lost batch", got)
	}
	for order, c := range ledgerCount(r.sim) {
		if c != 1 {
			t.Errorf("order %s recorded %d times", order, c)
		}
	}
	for i, want := range []payment.State{payment.StateForwarded, payment.StateForwardDeclined, payment.StateForwarded, payment.StateForwarded} {
		if got, _ := r.st.Get(context.Background(), txs[i].ID); got.State != want {
			t.Errorf("payment %d: %s, want %s", i, got.State, want)
		}
	}
}

// The reply is lost and the gateway goes away before the lookups: the
// advices stay queued, marked as possibly sent; the next round looks them
// up first and finds them, again without resending.
func TestBatchReplyLostThenGatewayDown(t *testing.T) {
	var mu sync.Mutex
	down := false
	r := newRig(t, nil, nil, func(h http.Handler) http.Handler {
		drop := dropBatchReplies(1)(h)
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			mu.Lock()
			d := down
			mu.Unlock()
			if d && req.URL.Path == "/transactions" {
				http.Error(w, "down", http.StatusServiceUnavailable)
				return
			}
			if req.Method+" "+req.URL.Path == batchPath {
				// Down for lookups from now on: the batch itself is
				// processed, its reply dropped.
				mu.Lock()
				down = true
				mu.Unlock()
			}
			drop.ServeHTTP(w, req)
		})
	})
	txs := queueCards(t, r.st, okPAN, okPAN, okPAN)
	if n, err := r.f.ForwardNow(context.Background()); err == nil || n != 0 {
		t.Fatalf("first round: %d settled, %v; want nothing settled and an error", n, err)
	}
	q, _ := r.st.Queue(context.Background(), 0)
	if len(q) != 3 || q[0].Attempts != 1 {
		t.Fatalf("queue after the lost batch: %+v; want 3 entries with one attempt each", q)
	}
	mu.Lock()
	down = false
	mu.Unlock()
	n, err := r.f.ForwardNow(context.Background())
	if err != nil || n != 3 {
		t.Fatalf("second round: %d settled, %v", n, err)
	}
	if got := r.requests(batchPath); got != 1 {
		t.Errorf("%d batch requests, want 1: the lookups found every order", got)
	}
	for _, tx := range txs {
		if got, _ := r.st.Get(context.Background(), tx.ID); got.State != payment.StateForwarded {
			t.Errorf("%s: %s", tx.ID, got.State)
		}
	}
	for order, c := range ledgerCount(r.sim) {
		if c != 1 {
			t.Errorf("order %s recorded %d times", order, c)
		}
	}
}

// A gateway without the extension (no batch in its capabilities) gets one
// Sale per advice; the terminal never tries the batch endpoint.
func TestGatewayWithoutBatches(t *testing.T) {
	r := newRig(t, &gatewaysim.Opts{NoAdviceBatch: true}, nil, nil)
	queueCards(t, r.st, okPAN, okPAN, noFundsPAN, okPAN)
	n, err := r.f.ForwardNow(context.Background())
	if err != nil || n != 4 {
		t.Fatalf("ForwardNow: %d, %v", n, err)
	}
	if got := r.requests(batchPath); got != 0 {
		t.Errorf("%d batch requests to a gateway without batches", got)
	}
	if got := r.requests("POST /transaction/sale/emv"); got != 4 {
		t.Errorf("%d sales, want 4", got)
	}
	if got := r.requests("GET /capabilities"); got != 1 {
		t.Errorf("capabilities read %d times, want once (cached)", got)
	}
}

// A gateway that announced batches but answers the endpoint 404 (rolled
// back) loses nothing: the round stops unsent, the next sends single Sales.
func TestBatchEndpointGone(t *testing.T) {
	r := newRig(t, nil, nil, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if req.Method+" "+req.URL.Path == batchPath {
				http.NotFound(w, req)
				return
			}
			h.ServeHTTP(w, req)
		})
	})
	queueCards(t, r.st, okPAN, okPAN, okPAN)
	if n, err := r.f.ForwardNow(context.Background()); err == nil || n != 0 {
		t.Fatalf("first round: %d, %v; want an error and nothing settled", n, err)
	}
	if q, _ := r.st.Queue(context.Background(), 0); len(q) != 3 || q[0].Attempts != 0 {
		t.Fatalf("queue: %+v; want 3 entries, none marked as sent", q)
	}
	n, err := r.f.ForwardNow(context.Background())
	if err != nil || n != 3 {
		t.Fatalf("second round: %d, %v", n, err)
	}
	if got := r.requests("POST /transaction/sale/emv"); got != 3 {
		t.Errorf("%d single sales, want 3", got)
	}
	for order, c := range ledgerCount(r.sim) {
		if c != 1 {
			t.Errorf("order %s recorded %d times", order, c)
		}
	}
}
