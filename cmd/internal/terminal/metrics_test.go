package terminal

import (
	"context"
	"encoding/json"
	"net"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"tpe/cmd/internal/metrics/promcheck"
	"tpe/config"
	"tpe/offline"
	"tpe/payment/notify"
	"tpe/payment/notify/smtpsim"
)

// TestMetricsMailOutbox scrapes GET /metrics through the terminal's real
// API listener on loopback while its SMTP relay (smtpsim) is down, then
// up: the merchant's mails are counted waiting, with the age of the
// oldest (one queued two hours before the terminal started), then gone
// once the relay took them, except the one it refused for good (parked).
// GET /v1/health says the same.
func TestMetricsMailOutbox(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// The relay's address, with nothing listening on it yet.
	hole, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	relayAddr := hole.Addr().String()
	hole.Close()
	host, port, _ := net.SplitHostPort(relayAddr)

	cfg := config.SimDefaults(t.TempDir())
	cfg.Gateway.URL = ""
	cfg.API.Token = "metrics-test-token-0123456789"
	cfg.SMTP = config.SMTP{Host: host, StartTLS: false, From: "tpe@shop.example"}
	cfg.SMTP.Port, _ = strconv.Atoi(port)
	cfg.Terminal.MerchantEmail = "owner@shop.example"

	// A notification left in the outbox by the last run, two hours ago.
	queuedAt := time.Now().Add(-2 * time.Hour)
	spool, err := offline.OpenOutbox(filepath.Join(cfg.DataDir, offline.OutboxFileName), func() time.Time { return queuedAt })
	if err != nil {
		t.Fatal(err)
	}
	old, _ := json.Marshal(notify.Message{ID: "old-z-report", To: "owner@shop.example", Subject: "Rapport Z", Text: "…"})
	if _, err := spool.Put(ctx, old); err != nil {
		t.Fatal(err)
	}
	spool.Close()

	term, call := runningTerminal(t, cfg)
	if term.notices == nil {
		t.Fatal("merchant notifications are off")
	}
	get := func(path string) []byte {
		t.Helper()
		code, body := call("GET", path, cfg.API.Token)
		if code != 200 {
			t.Fatalf("GET %s: %d %s", path, code, body)
		}
		return body
	}
	type outbox struct {
		queued, parked float64
		oldestMin      float64 // seconds
		oldestMax      float64
	}
	check := func(when string, want outbox) {
		t.Helper()
		f := promcheck.Check(t, get("/metrics"))
		value := func(name string) float64 {
			v, ok := f.Value(name)
			if !ok {
				t.Fatalf("%s: %s not exposed", when, name)
			}
			return v
		}
		if got := value("tpe_mail_outbox_queued"); got != want.queued {
			t.Errorf("%s: tpe_mail_outbox_queued = %v, want %v", when, got, want.queued)
		}
		if got := value("tpe_mail_outbox_parked"); got != want.parked {
			t.Errorf("%s: tpe_mail_outbox_parked = %v, want %v", when, got, want.parked)
		}
		if got := value("tpe_mail_outbox_oldest_age_seconds"); got < want.oldestMin || got > want.oldestMax {
			t.Errorf("%s: tpe_mail_outbox_oldest_age_seconds = %v, want %v…%v", when, got, want.oldestMin, want.oldestMax)
		}
		var h struct {
			Outbox struct{ Queued, Parked float64 }
		}
		if err := json.Unmarshal(get("/v1/health"), &h); err != nil {
			t.Fatal(err)
		}
		if h.Outbox.Queued != want.queued || h.Outbox.Parked != want.parked {
			t.Errorf("%s: /v1/health outbox %+v, metrics want %+v", when, h.Outbox, want)
		}
	}

	// A new notification to an address the relay will refuse for good.
	if err := term.notices.outbox.Enqueue(ctx, notify.Message{To: "typo@shop.example", Subject: "Remboursement", Text: "…"}); err != nil {
		t.Fatal(err)
	}
	// Relay down: a round fails and both mails wait, the oldest for two
	// hours (the outbox's own loop may try too: same result).
	if _, err := term.notices.outbox.Flush(ctx); err == nil {
		t.Fatal("a flush with the relay down succeeded")
	}
	twoHours := (2 * time.Hour).Seconds()
	check("relay down", outbox{queued: 2, parked: 0, oldestMin: twoHours, oldestMax: twoHours + 600})

	// Relay up (same address): the next round sends the old mail and the
	// refused one is parked.
	relay, err := smtpsim.Start(relayAddr, &smtpsim.Opts{Reject: []string{"typo@shop.example"}})
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	if _, err := term.notices.outbox.Flush(ctx); err != nil {
		t.Fatalf("flush with the relay up: %v", err)
	}
	check("relay up", outbox{queued: 0, parked: 1, oldestMin: 0, oldestMax: 0})
	msgs := relay.Messages()
	if len(msgs) != 1 || msgs[0].Subject != "Rapport Z" {
		t.Errorf("the relay received %+v, want the waiting Z report once", msgs)
	}
}
