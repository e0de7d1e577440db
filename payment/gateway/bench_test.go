package gateway_test

import (
	"context"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"tpe/payment"
)

// BenchmarkAuthorizationRoundTrip is one card-present sale through the
// client and the simulator over TLS on loopback: JSON, JWE sealing and
// opening, the ledger write, the access token (cached) and the order check.
func BenchmarkAuthorizationRoundTrip(b *testing.B) {
	e := newEnv(b, nil, nil)
	c := e.client(b, nil)
	ctx := context.Background()
	warm := sale("bench-warm", 100)
	if _, err := c.Sale(ctx, warm); err != nil {
		b.Fatal(err)
	}
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		res, err := c.Sale(ctx, payment.SaleRequest{OrderID: "rt-" + strconv.Itoa(i), Amount: eur(1234), Card: testCard()})
		if err != nil || !res.Approved {
			b.Fatal(res, err)
		}
	}
}

// BenchmarkSimulatorThroughput is how many authorisations per second the
// simulator completes on 2 cores (GOMAXPROCS 2, client and server in the
// same process, as in CI), with 8 concurrent clients over TLS on loopback.
// Opening the RSA-OAEP JWE (one 2048-bit private operation) dominates; run
// with GW_CARD_BITS=1024 to measure the rest with a 1024-bit card key.
func BenchmarkSimulatorThroughput(b *testing.B) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	e := newEnv(b, nil, nil)
	c := e.client(b, nil)
	ctx := context.Background()
	if _, err := c.Sale(ctx, sale("tp-warm", 100)); err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	b.SetParallelism(4) // 4 × GOMAXPROCS(2) = 8 clients
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := n.Add(1)
			res, err := c.Sale(ctx, payment.SaleRequest{OrderID: "tp-" + strconv.FormatInt(id, 10), Amount: eur(1234), Card: testCard()})
			if err != nil || !res.Approved {
				b.Error(res, err)
				return
			}
		}
	})
	b.ReportMetric(float64(n.Load())/time.Since(start).Seconds(), "auth/s")
}
