package offline

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"tpe/payment"
)

// timedGateway records when each Sale came; busy answers the first Sales
// "not taken in, come back after" (a 429/503 with Retry-After).
type timedGateway struct {
	*ledgerGateway
	mu    sync.Mutex
	at    []time.Time
	pings []time.Time
	busy  int
	wait  time.Duration
}

// busyError is how the gateway client reports a 429/503 with Retry-After.
type busyError struct{ wait time.Duration }

func (e busyError) Error() string             { return "gateway: sale: http status 429" }
func (e busyError) RetryAfter() time.Duration { return e.wait }
func (e busyError) Unwrap() error             { return payment.ErrGatewayUnavailable }
func (g *timedGateway) Ping(context.Context) error {
	g.mu.Lock()
	g.pings = append(g.pings, time.Now())
	g.mu.Unlock()
	return nil
}

func (g *timedGateway) Sale(ctx context.Context, r payment.SaleRequest) (payment.GatewayResult, error) {
	g.mu.Lock()
	g.at = append(g.at, time.Now())
	busy := g.busy > 0
	if busy {
		g.busy--
	}
	g.mu.Unlock()
	if busy {
		return payment.GatewayResult{}, busyError{g.wait}
	}
	return g.ledgerGateway.Sale(ctx, r)
}

func (g *timedGateway) sales() []time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]time.Time(nil), g.at...)
}

// inBubble opens a journal inside a synctest bubble and runs fn.
func inBubble(t *testing.T, fn func(t *testing.T, st *Store)) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		st, err := Open(filepath.Join(dir, FileName), &Opts{KeyFile: filepath.Join(dir, KeyName), CreateKey: true})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		fn(t, st)
	})
}

// After start (or an outage) a waiting queue goes a random part of the
// jitter window later — exactly Rand × window — and never outside it.
func TestJitterWindowHonoured(t *testing.T) {
	for _, r := range []float64{0, 0.25, 0.999} {
		inBubble(t, func(t *testing.T, st *Store) {
			queueN(t, st, 3)
			gw := &timedGateway{ledgerGateway: newLedgerGateway()}
			f := NewForwarder(st, gw, &ForwarderOpts{Jitter: 20 * time.Second, Every: time.Hour, Rand: func() float64 { return r }})
			ctx, cancel := context.WithCancel(t.Context())
			start := time.Now()
			done := make(chan error)
			go func() { done <- f.Run(ctx) }()
			time.Sleep(time.Minute)
			synctest.Wait()
			cancel()
			<-done
			sales := gw.sales()
			if len(sales) != 3 {
				t.Fatalf("rand %v: %d sales, want 3", r, len(sales))
			}
			want := time.Duration(r * float64(20*time.Second))
			if got := sales[0].Sub(start); got != want || got >= 20*time.Second {
				t.Errorf("rand %v: first forward %v after start, want %v (inside the 20 s window)", r, got, want)
			}
			if gw.pings[0] != start {
				t.Errorf("the gateway was not checked at once (%v)", gw.pings[0].Sub(start))
			}
		})
	}
}

// A 429/503 with Retry-After is waited out before the next round, the
// usual jittered backoff on top; nothing is resent before.
func TestRetryAfterHonoured(t *testing.T) {
	inBubble(t, func(t *testing.T, st *Store) {
		queueN(t, st, 2)
		gw := &timedGateway{ledgerGateway: newLedgerGateway(), busy: 1, wait: 40 * time.Second}
		f := NewForwarder(st, gw, &ForwarderOpts{Jitter: -1, Concurrency: 1, BackoffMin: time.Second, Every: time.Hour,
			Rand: func() float64 { return 0.5 }})
		ctx, cancel := context.WithCancel(t.Context())
		start := time.Now()
		done := make(chan error)
		go func() { done <- f.Run(ctx) }()
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		cancel()
		<-done
		sales := gw.sales()
		if len(sales) != 3 {
			t.Fatalf("%d sales, want 3 (one refused, then both)", len(sales))
		}
		// Refused at 0; back after Retry-After 40 s + backoff 0.5 × 1 s.
		if got := sales[1].Sub(start); got != 40*time.Second+500*time.Millisecond {
			t.Errorf("resent %v after the refusal, want 40.5 s", got)
		}
		if e, _ := st.Exposure(context.Background()); e.Count != 0 {
			t.Errorf("queue left: %+v", e)
		}
	})
}

// The rate cap spaces the requests a forwarder starts: a burst of one
// second's worth, then one every 1/Rate, whatever the concurrency.
func TestRateCap(t *testing.T) {
	inBubble(t, func(t *testing.T, st *Store) {
		queueN(t, st, 10)
		gw := &timedGateway{ledgerGateway: newLedgerGateway()}
		f := NewForwarder(st, gw, &ForwarderOpts{Rate: 2, Concurrency: 4})
		start := time.Now()
		if n, err := f.ForwardNow(context.Background()); n != 10 || err != nil {
			t.Fatalf("ForwardNow: %d, %v", n, err)
		}
		sales := gw.sales()
		for i, at := range sales {
			// Two at once (the burst), then one every 500 ms.
			want := time.Duration(max(0, i-1)) * 500 * time.Millisecond
			if got := at.Sub(start); got != want {
				t.Errorf("sale %d at %v, want %v", i, got, want)
			}
		}
	})
}
