package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tpe/offline"
	"tpe/payment/notify"
)

// TestOfflineOutbox lists a stopped terminal's mail outbox (a real bbolt
// file): a mail the relay refused for good (parked) and one still waiting,
// with recipient, subject, age and the relay's answer, never the body; a
// running terminal's outbox is refused with where to look instead.
func TestOfflineOutbox(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if out, errs, code := tpectl(t, "offline", "outbox", "--data", dir); code != 0 || !strings.Contains(out, "never been on") {
		t.Fatalf("no outbox: code %d, %s%s", code, out, errs)
	}

	queuedAt := time.Now().Add(-90 * time.Minute)
	spool, err := offline.OpenOutbox(filepath.Join(dir, offline.OutboxFileName), func() time.Time { return queuedAt })
	if err != nil {
		t.Fatal(err)
	}
	put := func(to, subject string) uint64 {
		b, _ := json.Marshal(notify.Message{To: to, Subject: subject, Text: "BODY-SECRET receipt text", HTML: "<p>BODY-SECRET</p>"})
		id, err := spool.Put(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	refused := put("compta@shop.example", "Lien payé : CMD-4")
	waiting := put("patron@shop.example", "Rapport Z du 26/11")
	if err := spool.Failed(ctx, refused, "smtp RCPT: 550-5.1.1 no such user\r\n550 5.1.1 see the postmaster", true); err != nil {
		t.Fatal(err)
	}
	if err := spool.Failed(ctx, waiting, "dial tcp 127.0.0.1:25: connection refused", false); err != nil {
		t.Fatal(err)
	}

	// The terminal runs: its outbox is locked.
	if _, errs, code := tpectl(t, "offline", "outbox", "--data", dir); code == 0 || !strings.Contains(errs, "GET /v1/health") {
		t.Errorf("locked outbox: code %d, %s", code, errs)
	}
	spool.Close()

	out, errs, code := tpectl(t, "offline", "outbox", "--data", dir)
	if code != 0 {
		t.Fatalf("outbox: %s", errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || lines[0] != "queued 1, parked 1" {
		t.Fatalf("want a summary, a header and two mails, got:\n%s", out)
	}
	for _, want := range []struct {
		line  int
		parts []string
	}{
		{2, []string{"parked", "compta@shop.example", "Lien payé : CMD-4", "1h30m", "550-5.1.1 no such user 550 5.1.1 see the postmaster"}},
		{3, []string{"queued", "patron@shop.example", "Rapport Z du 26/11", "connection refused"}},
	} {
		for _, p := range want.parts {
			if !strings.Contains(lines[want.line], p) {
				t.Errorf("line %q lacks %q", lines[want.line], p)
			}
		}
	}
	if strings.Contains(out, "BODY-SECRET") {
		t.Errorf("the listing shows a mail's body:\n%s", out)
	}

	out, errs, code = tpectl(t, "offline", "outbox", "--data", dir, "--json")
	var v outboxView
	if err := json.Unmarshal([]byte(out), &v); code != 0 || err != nil {
		t.Fatalf("json: %d %v %s", code, err, errs)
	}
	if v.Queued != 1 || v.Parked != 1 || len(v.Mails) != 2 || v.Mails[0].State != "parked" || v.Mails[0].Attempts != 1 ||
		v.Mails[0].AgeSec < 5390 || v.Mails[1].To != "patron@shop.example" {
		t.Errorf("json %+v", v)
	}
	if strings.Contains(out, "BODY-SECRET") {
		t.Errorf("the JSON shows a mail's body: %s", out)
	}
}
