package offline

import (
	"context"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"tpe/payment"
	"tpe/payment/paymenttest"
)

// TestSellThroughNetworkCut: the service sells offline while the gateway is
// unreachable; when it comes back the running forwarder drains the queue and
// the service announces each forwarded payment.
func TestSellThroughNetworkCut(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		st, err := Open(filepath.Join(dir, FileName), &Opts{KeyFile: filepath.Join(dir, KeyName), CreateKey: true})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		gw := newLedgerGateway()
		gw.down = true
		cards := paymenttest.NewCards()
		svc, err := payment.New(payment.Opts{Journal: st, Card: payment.CardPorts{Reader: cards, Gateway: gw}, Merchant: payment.Merchant{TerminalID: "T1"},
			Offline: payment.OfflineLimits{DefaultFloor: 5000, MaxCount: 10, MaxTotal: 100_000, MaxAge: time.Hour}})
		if err != nil {
			t.Fatal(err)
		}
		defer svc.Close()
		events, stop := svc.Subscribe(64)
		defer stop()
		f := NewForwarder(st, gw, &ForwarderOpts{BackoffMin: time.Second, BackoffMax: 30 * time.Second,
			OnChange: func(ev payment.EventType, tx *payment.Transaction) { svc.Announce(ev, tx, "") }})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go f.Run(ctx)

		for i := range 3 {
			cards.Present(paymenttest.VisaOnline())
			p, err := svc.Pay(ctx, payment.Request{Amount: payment.Amount{Minor: int64(1000 + i), Currency: "EUR"}, Method: payment.MethodCard})
			if err != nil {
				t.Fatal(err)
			}
			svc.Wait()
			if got, _ := svc.Get(ctx, p.ID); got.State != payment.StateOfflineApproved {
				t.Fatalf("payment %d during the cut: %s (%s)", i, got.State, got.Reason)
			}
		}
		synctest.Wait()
		if s := f.Status(); s.Online || s.Queued != 3 || s.QueuedTotal != 3003 {
			t.Fatalf("status during the cut: %+v", s)
		}
		gw.mu.Lock()
		gw.down = false
		gw.mu.Unlock()
		time.Sleep(time.Minute) // past the longest backoff
		synctest.Wait()
		if s := f.Status(); !s.Online || s.Queued != 0 || s.Forwarded != 3 {
			t.Errorf("status after the network came back: %+v", s)
		}
		forwarded := 0
		for len(events) > 0 {
			if e := <-events; e.Type == payment.EventForwarded {
				forwarded++
				if e.Payment.State != payment.StateForwarded {
					t.Errorf("event payment state %s", e.Payment.State)
				}
			}
		}
		if forwarded != 3 {
			t.Errorf("%d forwarded events, want 3", forwarded)
		}
		for order, n := range gw.sales {
			if n != 1 {
				t.Errorf("order %s sent %d times", order, n)
			}
		}
	})
}
