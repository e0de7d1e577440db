package gateway_test

import (
	"context"
	"errors"
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
