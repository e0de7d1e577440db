package offline

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"tpe/payment"
	"tpe/payment/paymenttest"
)

// queueN records n offline approvals, oldest first.
func queueN(t testing.TB, st *Store, n int) []*payment.Transaction {
	t.Helper()
	var out []*payment.Transaction
	for i := range n {
		tx := cardTxn(i, t0.Add(time.Duration(i)*time.Second))
		saveNew(t, st, tx)
		walk(t, st, tx, toOffline...)
		out = append(out, tx)
	}
	return out
}

func TestForwardInOrderWithFullCardData(t *testing.T) {
	st, _ := newStore(t)
	txs := queueN(t, st, 20)
	gw := &paymenttest.Gateway{}
	var events []payment.EventType
	f := NewForwarder(st, gw, &ForwarderOpts{Concurrency: 1, OnChange: func(ev payment.EventType, _ *payment.Transaction) {
		events = append(events, ev)
	}})
	n, err := f.ForwardNow(context.Background())
	if err != nil || n != 20 {
		t.Fatalf("ForwardNow: %d, %v", n, err)
	}
	if len(gw.Sales) != 20 {
		t.Fatalf("%d sales, want 20", len(gw.Sales))
	}
	want := paymenttest.VisaOnline().Card
	for i, s := range gw.Sales {
		if s.OrderID != txs[i].OrderID {
			t.Errorf("sale %d: order %s, want %s (queue order)", i, s.OrderID, txs[i].OrderID)
		}
		if !s.CapturedAt.Equal(txs[i].History[2].At) {
			t.Errorf("sale %d: captured at %v, want the card read at %v", i, s.CapturedAt, txs[i].History[2].At)
		}
		if !s.Offline || s.Card.PAN.Digits() != paymenttest.TestPAN ||
			!bytes.Equal(s.Card.Track2.Reveal(), want.Track2.Reveal()) || !bytes.Equal(s.Card.ICC.Reveal(), want.ICC.Reveal()) {
			t.Errorf("sale %d: offline=%v, card data not complete", i, s.Offline)
		}
	}
	for _, tx := range txs {
		got, _ := st.Get(context.Background(), tx.ID)
		if got.State != payment.StateForwarded || !got.Forwarded || got.GatewayID == "" {
			t.Errorf("%s: state %s forwarded=%v gateway id %q", tx.ID, got.State, got.Forwarded, got.GatewayID)
		}
	}
	if e, _ := st.Exposure(context.Background()); e.Count != 0 || e.Total != 0 {
		t.Errorf("exposure after forwarding: %+v", e)
	}
	if len(events) != 20 || events[0] != payment.EventForwarded {
		t.Errorf("events: %v", events)
	}
	if s := f.Status(); !s.Online || s.Queued != 0 || s.Forwarded != 20 || s.Failures != 0 {
		t.Errorf("status: %+v", s)
	}
}

// slowGateway counts Sales in flight.
type slowGateway struct {
	paymenttest.Gateway
	in, peak atomic.Int32
}

func (g *slowGateway) Sale(ctx context.Context, r payment.SaleRequest) (payment.GatewayResult, error) {
	n := g.in.Add(1)
	defer g.in.Add(-1)
	for {
		p := g.peak.Load()
		if n <= p || g.peak.CompareAndSwap(p, n) {
			break
		}
	}
	time.Sleep(3 * time.Millisecond)
	return g.Gateway.Sale(ctx, r)
}

func TestForwardConcurrencyBound(t *testing.T) {
	st, _ := newStore(t)
	queueN(t, st, 40)
	gw := &slowGateway{}
	f := NewForwarder(st, gw, &ForwarderOpts{Concurrency: 3})
	if n, err := f.ForwardNow(context.Background()); err != nil || n != 40 {
		t.Fatalf("ForwardNow: %d, %v", n, err)
	}
	if p := gw.peak.Load(); p != 3 {
		t.Errorf("peak concurrency %d, want 3", p)
	}
}

// ledgerGateway is a gateway that can record a sale and then time out — the
// worst case for duplicates — and that counts every Sale per order.
type ledgerGateway struct {
	mu           sync.Mutex
	sales        map[string]int // order → Sales received
	results      map[string]payment.GatewayResult
	timeoutAfter map[string]bool // record, then answer a timeout
	lookups      int
	down         bool
}

func newLedgerGateway() *ledgerGateway {
	return &ledgerGateway{sales: map[string]int{}, results: map[string]payment.GatewayResult{}, timeoutAfter: map[string]bool{}}
}

func (g *ledgerGateway) Sale(_ context.Context, r payment.SaleRequest) (payment.GatewayResult, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.down {
		return payment.GatewayResult{}, payment.ErrGatewayUnavailable
	}
	g.sales[r.OrderID]++
	res := payment.GatewayResult{Approved: true, Code: "000", GatewayID: "g-" + r.OrderID, AuthCode: "A1", Amount: r.Amount}
	g.results[r.OrderID] = res
	if g.timeoutAfter[r.OrderID] {
		delete(g.timeoutAfter, r.OrderID)
		return payment.GatewayResult{}, context.DeadlineExceeded
	}
	return res, nil
}

func (g *ledgerGateway) Lookup(_ context.Context, order string) (payment.GatewayResult, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.lookups++
	if g.down {
		return payment.GatewayResult{}, payment.ErrGatewayUnavailable
	}
	r, ok := g.results[order]
	if !ok {
		return r, payment.ErrNotFound
	}
	return r, nil
}

func (g *ledgerGateway) Void(context.Context, string, payment.Amount) (payment.GatewayResult, error) {
	return payment.GatewayResult{Approved: true, Code: "000"}, nil
}

func (g *ledgerGateway) Refund(context.Context, string, payment.Amount) (payment.GatewayResult, error) {
	return payment.GatewayResult{Approved: true, Code: "000"}, nil
}

func (g *ledgerGateway) Record(context.Context, string) (payment.GatewayResult, error) {
	return payment.GatewayResult{}, payment.ErrNotSupported
}

func (g *ledgerGateway) Ping(context.Context) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.down {
		return payment.ErrGatewayUnavailable
	}
	return nil
}

func TestForwardDedupAfterTimeout(t *testing.T) {
	st, _ := newStore(t)
	txs := queueN(t, st, 6)
	gw := newLedgerGateway()
	for _, tx := range txs[:3] {
		gw.timeoutAfter[tx.OrderID] = true
	}
	f := NewForwarder(st, gw, &ForwarderOpts{Concurrency: 2})
	if n, err := f.ForwardNow(context.Background()); err != nil || n != 6 {
		t.Fatalf("ForwardNow: %d, %v", n, err)
	}
	for _, tx := range txs {
		if c := gw.sales[tx.OrderID]; c != 1 {
			t.Errorf("%s charged %d times", tx.OrderID, c)
		}
		got, _ := st.Get(context.Background(), tx.ID)
		if got.State != payment.StateForwarded {
			t.Errorf("%s: %s", tx.ID, got.State)
		}
	}
	if gw.lookups != 3 {
		t.Errorf("%d lookups, want 3 (one per timed-out sale)", gw.lookups)
	}
}

// TestForwardAfterCrashLooksUpFirst: a crash after the attempt was recorded
// (the Sale may or may not have left) is resolved by lookup, not resent blind.
func TestForwardAfterCrashLooksUpFirst(t *testing.T) {
	st, _ := newStore(t)
	txs := queueN(t, st, 2)
	gw := newLedgerGateway()
	q, _ := st.Queue(context.Background(), 0)
	if err := st.markAttempts(q, t0); err != nil {
		t.Fatal(err)
	}
	// The first one reached the gateway before the crash, the second did not.
	gw.Sale(context.Background(), payment.SaleRequest{OrderID: txs[0].OrderID, Amount: txs[0].Amount, Offline: true})
	f := NewForwarder(st, gw, nil)
	if n, err := f.ForwardNow(context.Background()); err != nil || n != 2 {
		t.Fatalf("ForwardNow: %d, %v", n, err)
	}
	if gw.sales[txs[0].OrderID] != 1 || gw.sales[txs[1].OrderID] != 1 {
		t.Errorf("sales per order: %v, want exactly one each", gw.sales)
	}
	if gw.lookups != 2 {
		t.Errorf("%d lookups, want 2", gw.lookups)
	}
}

func TestForwardDeclinedIsKeptAndFlagged(t *testing.T) {
	st, _ := newStore(t)
	txs := queueN(t, st, 3)
	gw := &paymenttest.Gateway{Next: []payment.GatewayResult{
		{Approved: true, Code: "000"},
		{Approved: false, Code: "051", Decline: payment.DeclineInsufficientFunds, Message: "insufficient funds"},
		{Approved: true, Code: "000"},
	}}
	var declined []*payment.Transaction
	f := NewForwarder(st, gw, &ForwarderOpts{Concurrency: 1, OnChange: func(ev payment.EventType, t *payment.Transaction) {
		if ev == payment.EventDeclined {
			declined = append(declined, t)
		}
	}})
	if n, err := f.ForwardNow(context.Background()); err != nil || n != 3 {
		t.Fatalf("ForwardNow: %d, %v", n, err)
	}
	got, _ := st.Get(context.Background(), txs[1].ID)
	if got.State != payment.StateForwardDeclined || got.Result != "051" {
		t.Errorf("declined one: %s %q", got.State, got.Result)
	}
	fd, _ := st.ForwardDeclined(context.Background())
	if len(fd) != 1 || fd[0].ID != txs[1].ID {
		t.Errorf("flagged: %v", ids(fd))
	}
	if len(declined) != 1 || declined[0].ID != txs[1].ID {
		t.Errorf("OnChange declined: %v", ids(declined))
	}
	if s := f.Status(); s.ForwardDeclined != 1 || s.Queued != 0 {
		t.Errorf("status: %+v", s)
	}
	list, _ := st.List(context.Background(), payment.Query{Status: payment.StatusDeclined})
	if len(list) != 1 {
		t.Errorf("merchant list of declined: %v", ids(list))
	}
}

func TestForwardGatewayDown(t *testing.T) {
	st, _ := newStore(t)
	queueN(t, st, 3)
	gw := newLedgerGateway()
	gw.down = true
	f := NewForwarder(st, gw, nil)
	if _, err := f.ForwardNow(context.Background()); err == nil {
		t.Fatal("ForwardNow succeeded with the gateway down")
	}
	s := f.Status()
	if s.Online || s.Queued != 3 || s.Failures != 1 || s.LastError == "" || s.QueuedTotal != 303 {
		t.Errorf("status: %+v", s)
	}
	gw.down = false
	if n, err := f.ForwardNow(context.Background()); err != nil || n != 3 {
		t.Fatalf("after the network came back: %d, %v", n, err)
	}
	if NewForwarder(st, nil, nil).Status().Online {
		t.Error("no gateway, online")
	}
	if _, err := NewForwarder(st, nil, nil).ForwardNow(context.Background()); !errors.Is(err, ErrNotAvailable) {
		t.Errorf("nil gateway: %v", err)
	}
}

// flakyPing fails its first n Pings and records when each came.
type flakyPing struct {
	*ledgerGateway
	mu    sync.Mutex
	fails int
	at    []time.Time
}

func (g *flakyPing) Ping(ctx context.Context) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.at = append(g.at, time.Now())
	if g.fails > 0 {
		g.fails--
		return errors.New("dial tcp: connection refused")
	}
	return nil
}

func TestBackoffWithJitter(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		st, err := Open(filepath.Join(dir, FileName), &Opts{KeyFile: filepath.Join(dir, KeyName), CreateKey: true})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		queueN(t, st, 2)
		gw := &flakyPing{ledgerGateway: newLedgerGateway(), fails: 5}
		f := NewForwarder(st, gw, &ForwarderOpts{BackoffMin: time.Second, BackoffMax: 8 * time.Second, Every: time.Hour,
			Rand: func() float64 { return 0.5 }})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		start := time.Now()
		go func() { done <- f.Run(ctx) }()
		time.Sleep(30 * time.Second)
		synctest.Wait()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		// Waits are 0.5·d (full jitter) with d = 1, 2, 4, 8, 8 s; once the
		// gateway answers, the first forward waits 0.5 of the 30 s window.
		want := []time.Duration{0, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second, 15 * time.Second}
		if len(gw.at) < len(want) {
			t.Fatalf("%d pings, want at least %d", len(gw.at), len(want))
		}
		prev := start
		for i, w := range want {
			if got := gw.at[i].Sub(prev); got != w {
				t.Errorf("ping %d came %v after the previous, want %v", i, got, w)
			}
			prev = gw.at[i]
		}
		if e, _ := st.Exposure(context.Background()); e.Count != 0 {
			t.Errorf("queue not drained once the gateway answered: %+v", e)
		}
		if s := f.Status(); !s.Online || s.Failures != 0 {
			t.Errorf("status: %+v", s)
		}
	})
}

// TestRunWakesOnNewApproval: an idle forwarder sends a new offline approval
// at once, not at the next period.
func TestRunWakesOnNewApproval(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		st, err := Open(filepath.Join(dir, FileName), &Opts{KeyFile: filepath.Join(dir, KeyName), CreateKey: true})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		gw := newLedgerGateway()
		f := NewForwarder(st, gw, &ForwarderOpts{Every: time.Hour})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go f.Run(ctx)
		synctest.Wait()
		queueN(t, st, 1)
		synctest.Wait()
		if e, _ := st.Exposure(context.Background()); e.Count != 0 {
			t.Errorf("not forwarded on enqueue: %+v", e)
		}
		if len(gw.sales) != 1 {
			t.Errorf("sales: %v", gw.sales)
		}
	})
}

func TestBackoffBounds(t *testing.T) {
	for _, r := range []float64{0, 0.999999} {
		f := NewForwarder(nil, nil, &ForwarderOpts{BackoffMin: time.Second, BackoffMax: time.Minute, Rand: func() float64 { return r }})
		for n := 1; n < 20; n++ {
			d := f.backoff(n)
			full := min(time.Second<<(n-1), time.Minute)
			if d < 0 || d > full || r == 0 && d != 0 {
				t.Errorf("rand %v, failure %d: wait %v outside [0, %v]", r, n, d, full)
			}
		}
	}
}

// dropAfter goes down after n sales; onSale runs inside each Sale.
type dropAfter struct {
	*ledgerGateway
	n      int
	onSale func(order string)
	voids  []string
}

func (g *dropAfter) Sale(ctx context.Context, r payment.SaleRequest) (payment.GatewayResult, error) {
	g.mu.Lock()
	if len(g.sales) >= g.n {
		g.down = true
	}
	g.mu.Unlock()
	if g.onSale != nil {
		g.onSale(r.OrderID)
	}
	return g.ledgerGateway.Sale(ctx, r)
}

func (g *dropAfter) Void(ctx context.Context, id string, a payment.Amount) (payment.GatewayResult, error) {
	g.voids = append(g.voids, id)
	return g.ledgerGateway.Void(ctx, id, a)
}

func TestForwardGatewayDropsMidway(t *testing.T) {
	st, _ := newStore(t)
	queueN(t, st, 20)
	gw := &dropAfter{ledgerGateway: newLedgerGateway(), n: 5}
	f := NewForwarder(st, gw, &ForwarderOpts{Concurrency: 1, Chunk: 8})
	n, err := f.ForwardNow(context.Background())
	if n != 5 || !errors.Is(err, payment.ErrGatewayUnavailable) {
		t.Fatalf("ForwardNow: %d, %v; want 5 and unavailable", n, err)
	}
	q, _ := st.Queue(context.Background(), 0)
	if len(q) != 15 {
		t.Fatalf("queue %d, want 15", len(q))
	}
	for _, it := range q {
		// Certainly not received: no lookup needed next time.
		if it.Attempts != 0 {
			t.Errorf("%s: %d attempts recorded for a sale that never left", it.ID, it.Attempts)
		}
	}
	if q[0].LastErr == "" {
		t.Error("the failure is not recorded on the entry")
	}
	gw.n, gw.down = 100, false
	if n, err := f.ForwardNow(context.Background()); n != 15 || err != nil {
		t.Fatalf("second round: %d, %v", n, err)
	}
	if gw.lookups != 0 {
		t.Errorf("%d lookups, want 0", gw.lookups)
	}
}

func TestForwardVoidedMeanwhileIsReversed(t *testing.T) {
	st, _ := newStore(t)
	txs := queueN(t, st, 1)
	gw := &dropAfter{ledgerGateway: newLedgerGateway(), n: 100}
	gw.onSale = func(string) {
		// The supervisor voids the offline payment on the terminal while
		// it is on its way to the gateway.
		walk(t, st, txs[0], payment.StateReversed)
	}
	f := NewForwarder(st, gw, nil)
	if n, err := f.ForwardNow(context.Background()); n != 0 || err != nil {
		t.Fatalf("ForwardNow: %d, %v", n, err)
	}
	got, _ := st.Get(context.Background(), txs[0].ID)
	if got.State != payment.StateReversed {
		t.Errorf("state %s, want reversed kept", got.State)
	}
	if len(gw.voids) != 1 || gw.voids[0] != "g-"+txs[0].OrderID {
		t.Errorf("voids %v: the gateway approval of a voided payment must be reversed", gw.voids)
	}
}

// TestForwardLooksUpAfterOnlineAttempt: a payment the service tried online
// (timeout, order unknown at first) then approved offline is looked up
// before it is sent: the online request may have been processed late.
func TestForwardLooksUpAfterOnlineAttempt(t *testing.T) {
	st, _ := newStore(t)
	late := cardTxn(1, t0)
	saveNew(t, st, late)
	walk(t, st, late, payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateAuthorising, payment.StateOfflineApproved)
	never := cardTxn(2, t0)
	saveNew(t, st, never)
	walk(t, st, never, payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateAuthorising, payment.StateOfflineApproved)
	gw := newLedgerGateway()
	// The online request of the first one reached the gateway after all.
	gw.Sale(context.Background(), payment.SaleRequest{OrderID: late.OrderID, Amount: late.Amount})
	f := NewForwarder(st, gw, nil)
	if n, err := f.ForwardNow(context.Background()); n != 2 || err != nil {
		t.Fatalf("ForwardNow: %d, %v", n, err)
	}
	if gw.sales[late.OrderID] != 1 || gw.sales[never.OrderID] != 1 {
		t.Errorf("sales per order %v, want one each", gw.sales)
	}
	if gw.lookups != 2 {
		t.Errorf("%d lookups, want 2", gw.lookups)
	}
}
