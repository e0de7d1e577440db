package gateway_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"tpe/payment"
	"tpe/payment/gateway"
	"tpe/payment/gateway/gatewaysim"
)

// TestRetryBackoffJitter checks the bounded retries and their jittered
// exponential backoff in fake time: 400 ms base, ±50 %, doubling.
func TestRetryBackoffJitter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim, hc, cnt := memSim(t, nil, nil)
		key := sim.CardKey()
		c, err := gateway.New(simURL, &gateway.Opts{HTTPClient: hc, Originator: gatewaysim.DevOriginator,
			Password: gatewaysim.DevPassword, CardKey: &key})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		sim.SetFaults(gatewaysim.Faults{Fail5xx: 2})
		start := time.Now()
		res, err := c.Sale(ctx, sale("retry-1", 900))
		if err != nil || !res.Approved {
			t.Fatalf("sale after two 503: %+v, %v", res, err)
		}
		// Waits: [200 ms, 600 ms) then [400 ms, 1200 ms).
		if el := time.Since(start); el < 600*time.Millisecond || el >= 1800*time.Millisecond {
			t.Fatalf("three tries took %v, want within [600ms, 1.8s)", el)
		}
		if n := cnt.get("POST /transaction/sale/emv"); n != 3 {
			t.Fatalf("%d tries, want 3", n)
		}
		// Always 503: exactly Attempts tries, then ErrGatewayUnavailable.
		sim.SetFaults(gatewaysim.Faults{Down: true})
		_, err = c.Sale(ctx, sale("retry-2", 900))
		if !errors.Is(err, payment.ErrGatewayUnavailable) {
			t.Fatalf("sale with the gateway down: %v", err)
		}
		if n := cnt.get("POST /transaction/sale/emv"); n != 3+3 {
			t.Fatalf("%d tries in all, want 6 (bounded)", n)
		}
	})
}

// TestTimeoutThenLookup: the gateway records the sale but holds the reply
// longer than the client's timeout; the client must find the sale by order
// lookup instead of resending it, in fake time.
func TestTimeoutThenLookup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim, hc, cnt := memSim(t, &gatewaysim.Opts{HangDelay: time.Minute}, nil)
		key := sim.CardKey()
		c, _ := gateway.New(simURL, &gateway.Opts{HTTPClient: hc, Originator: gatewaysim.DevOriginator,
			Password: gatewaysim.DevPassword, CardKey: &key, Timeout: 15 * time.Second})
		start := time.Now()
		res, err := c.Sale(context.Background(), sale("hang-1", gatewaysim.TriggerHang))
		if err != nil || !res.Approved {
			t.Fatalf("sale: %+v, %v", res, err)
		}
		if el := time.Since(start); el < 15*time.Second || el > 17*time.Second {
			t.Fatalf("resolved after %v, want the 15 s timeout plus one backoff", el)
		}
		if n := cnt.get("POST /transaction/sale/emv"); n != 1 {
			t.Fatalf("%d sale requests, want 1 (never resent)", n)
		}
		if n := len(entriesFor(sim, "hang-1")); n != 1 {
			t.Fatalf("%d ledger entries", n)
		}
	})
}

// A 429 or 503 with Retry-After is "not taken in" (the sale certainly did
// not happen) and carries the wait; the client does not call again before
// it, and gives up rather than overrun its caller's deadline.
func TestRetryAfterOn429And503(t *testing.T) {
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		var sales atomic.Int32
		e := newEnv(t, nil, func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/transaction/sale/emv" {
					sales.Add(1)
					w.Header().Set("Retry-After", "7")
					http.Error(w, "busy", status)
					return
				}
				h.ServeHTTP(w, r)
			})
		})
		c := e.client(t, func(o *gateway.Opts) { o.Attempts = 3 })
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		start := time.Now()
		_, err := c.Sale(ctx, sale(orderID(t), 1250))
		cancel()
		if !errors.Is(err, payment.ErrGatewayUnavailable) || gateway.RetryAfterOf(err) != 7*time.Second {
			t.Fatalf("%d: %v (retry after %s), want unavailable with 7 s", status, err, gateway.RetryAfterOf(err))
		}
		if n := sales.Load(); n != 1 || time.Since(start) > time.Second {
			t.Errorf("%d: %d sales in %v: the client called again inside the Retry-After", status, n, time.Since(start))
		}
		if len(entriesFor(e.sim, "")) != 0 {
			t.Errorf("%d: the simulator recorded something", status)
		}
	}
}
