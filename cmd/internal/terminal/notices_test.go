package terminal

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tpe/config"
	"tpe/offline"
	"tpe/payment"
	"tpe/payment/notify"
	"tpe/payment/paymenttest"
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
