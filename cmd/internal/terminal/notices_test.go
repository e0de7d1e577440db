package terminal

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"tpe/config"
	"tpe/offline"
	"tpe/payment"
	"tpe/payment/notify"
	"tpe/payment/notify/smtpsim"
	"tpe/payment/paymenttest"
	"tpe/ui/api"
)

func TestOpenNotices(t *testing.T) {
	svc, err := payment.New(payment.Opts{Journal: paymenttest.NewJournal()})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	mail, err := notify.New(&notify.Opts{Host: "127.0.0.1", Port: 2525, From: "tpe@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.SimDefaults(t.TempDir())
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	m := payment.Merchant{Name: "Test"}

	off := cfg
	off.Notifications = config.Notifications{EmailReceipts: true}
	if n, err := openNotices(off, mail, svc, m, log); n != nil || err != nil {
		t.Errorf("all off: got %v, %v; want nothing opened", n, err)
	}
	if n, err := openNotices(cfg, nil, svc, m, log); n != nil || err != nil {
		t.Errorf("no [smtp]: got %v, %v; want nothing opened", n, err)
	}

	n, err := openNotices(cfg, mail, svc, m, log)
	if err != nil || n == nil {
		t.Fatalf("the simulator's settings: got %v, %v", n, err)
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, offline.OutboxFileName)); err != nil {
		t.Errorf("outbox file: %v", err)
	}
	n.close()

	// An outbox that cannot be opened: the terminal runs without the
	// notifications and says why.
	bad := cfg
	bad.DataDir = t.TempDir()
	if err := os.Mkdir(filepath.Join(bad.DataDir, offline.OutboxFileName), 0o700); err != nil {
		t.Fatal(err)
	}
	if n, err := openNotices(bad, mail, svc, m, log); n != nil || err != nil {
		t.Errorf("broken outbox: got %v, %v; want the notifications off, no error", n, err)
	}
	if !strings.Contains(logs.String(), "merchant notifications off") {
		t.Errorf("nothing logged: %q", logs.String())
	}
}

// TestNoticesHealth: GET /v1/health's outbox counts come from the real
// outbox file after a round against a relay (smtpsim on loopback) that
// refuses the merchant's address for good: the mail is parked, and
// counted so.
func TestNoticesHealth(t *testing.T) {
	ctx := context.Background()
	relay, err := smtpsim.Start("127.0.0.1:0", &smtpsim.Opts{Reject: []string{"typo@shop.example"}})
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	host, port, _ := net.SplitHostPort(relay.Addr())
	p, _ := strconv.Atoi(port)
	mail, err := notify.New(&notify.Opts{Host: host, Port: p, From: "tpe@shop.example", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := payment.New(payment.Opts{Journal: paymenttest.NewJournal()})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	cfg := config.SimDefaults(t.TempDir())
	n, err := openNotices(cfg, mail, svc, payment.Merchant{Name: "Test"}, slog.New(slog.DiscardHandler))
	if err != nil || n == nil {
		t.Fatalf("openNotices: %v, %v", n, err)
	}
	defer n.close()
	var none *merchantNotices
	if none.health(ctx, time.Now()) != nil {
		t.Error("notifications off, yet an outbox is reported")
	}

	queuedAt := time.Now()
	for _, to := range []string{"typo@shop.example", "owner@shop.example"} {
		if err := n.outbox.Enqueue(ctx, notify.Message{To: to, Subject: "Rapport Z", Text: "…"}); err != nil {
			t.Fatal(err)
		}
	}
	if h := n.health(ctx, queuedAt.Add(10*time.Minute)); h == nil || h.Queued != 2 || h.Parked != 0 || h.OldestAgeSec < 599 {
		t.Fatalf("before sending: %+v, want 2 queued for 10 min", h)
	}
	if sent, err := n.outbox.Flush(ctx); sent != 1 || err != nil {
		t.Fatalf("flush: %d sent, %v; want the good address's mail", sent, err)
	}
	if h := n.health(ctx, time.Now()); h == nil || *h != (api.OutboxHealth{Parked: 1}) {
		t.Errorf("after the refusal: %+v, want 1 parked, none queued", h)
	}
}
