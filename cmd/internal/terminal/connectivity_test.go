package terminal

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"tpe/payment"
)

// The terminal's claim to the cashier: a network cut shows within a second,
// and so does its end. With the default probe period (each ping bounded by
// the period) the worst case is a cut just after a ping answered: the next
// ping goes a period later and hangs (a black-holed link) for a period.
// In fake time (synctest), so a loaded machine cannot blur it; tpe-sim's
// TestNetworkCutIsNotADecline checks the same through the real process.
func TestProbeSeesACutWithinASecond(t *testing.T) {
	const period = DefaultProbeEvery
	synctest.Test(t, func(t *testing.T) {
		var cut atomic.Bool
		ping := func(ctx context.Context) error {
			if !cut.Load() {
				return nil
			}
			<-ctx.Done() // black hole: no answer, no refusal
			return fmt.Errorf("ping: %w", ctx.Err())
		}
		conn := payment.NewConnectivity(nil, nil)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go conn.Probe(ctx, ping, period)
		synctest.Wait()
		if !conn.Online() {
			t.Fatal("offline before the cut")
		}
		// The worst moment: just after a ping answered.
		time.Sleep(time.Millisecond)
		cut.Store(true)
		at := time.Now()
		for conn.Online() {
			time.Sleep(10 * time.Millisecond)
			if time.Since(at) > time.Second {
				t.Fatalf("still online %v after the cut", time.Since(at))
			}
		}
		cut.Store(false)
		at = time.Now()
		for !conn.Online() {
			time.Sleep(10 * time.Millisecond)
			if time.Since(at) > time.Second {
				t.Fatalf("still offline %v after the network returned", time.Since(at))
			}
		}
	})
}
