package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"tpe/config"
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

// TestOfflineOutboxRetryDiscard acts on a stopped terminal's parked mail
// (a real bbolt file): a retry re-addresses it to the config's corrected
// merchant address and keeps its ID and Message-ID; a discard deletes one;
// discard --all asks on a terminal (a real pseudo-terminal), is refused
// without one unless --yes; bad IDs and a running terminal get clear
// errors and change nothing.
func TestOfflineOutboxRetryDiscard(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, offline.OutboxFileName)
	if _, errs, code := tpectl(t, "offline", "outbox", "retry", "1", "--data", dir); code != 1 || !strings.Contains(errs, "no mail outbox") {
		t.Errorf("no outbox: %d %s", code, errs)
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatal("a retry created an outbox")
	}
	spool, err := offline.OpenOutbox(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	park := func(to, subject string) uint64 {
		b, _ := json.Marshal(notify.Message{To: to, Subject: subject, Text: "BODY", ID: "mid-" + subject})
		id, err := spool.Put(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		if err := spool.Failed(ctx, id, "smtp RCPT: 550 5.1.1 no such user", true); err != nil {
			t.Fatal(err)
		}
		return id
	}
	z, refund, link, old := park("gernat@shop.example", "z"), park("gernat@shop.example", "refund"), park("gernat@shop.example", "link"), park("gernat@shop.example", "old")
	b, _ := json.Marshal(notify.Message{To: "owner@shop.example", Subject: "waiting"})
	waiting, _ := spool.Put(ctx, b)

	// Running terminal: refused, pointing at the API.
	if _, errs, code := tpectl(t, "offline", "outbox", "retry", "--all", "--data", dir); code != 1 || !strings.Contains(errs, "POST /v1/outbox/parked/retry") {
		t.Errorf("locked: %d %s", code, errs)
	}
	spool.Close()

	cfgPath := filepath.Join(t.TempDir(), "tpe.toml")
	cfg := config.SimDefaults(dir)
	cfg.Terminal.MerchantEmail = "gerant@shop.example"
	cfg.API.Token = "outbox-test-token-0123456789"
	var cb strings.Builder
	if err := config.Write(&cb, cfg); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfgPath, []byte(cb.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"retry"}, "which mail?"},
		{[]string{"retry", "x7"}, "not a mail ID"},
		{[]string{"retry", "7", "--all"}, "not both"},
		{[]string{"retry", "999"}, "no mail 999"},
		{[]string{"retry", strconv.FormatUint(waiting, 10)}, "queued, not parked"},
		{[]string{"discard", strconv.FormatUint(waiting, 10)}, "queued, not parked"},
		{[]string{"retry", "1", "--to", "nobody"}, "not an e-mail address"},
		{[]string{"discard", "--all"}, "add --yes"},
	} {
		args := append([]string{"offline", "outbox"}, c.args...)
		if _, errs, code := tpectl(t, append(args, "--data", dir)...); code != 1 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, %q; want %q", c.args, code, errs, c.want)
		}
	}

	out, errs, code := tpectl(t, "offline", "outbox", "retry", strconv.FormatUint(z, 10), "--config", cfgPath)
	if code != 0 || !strings.Contains(out, "queued again for gerant@shop.example (was gernat@shop.example)") {
		t.Fatalf("retry: %d %s%s", code, out, errs)
	}
	out, _, _ = tpectl(t, "offline", "outbox", "discard", strconv.FormatUint(refund, 10), "--data", dir)
	if !strings.Contains(out, "discarded") || !strings.Contains(out, "550 5.1.1") {
		t.Errorf("discard: %s", out)
	}
	out, errs, code = tpectl(t, "offline", "outbox", "retry", strconv.FormatUint(link, 10), "--data", dir, "--json")
	var ch outboxRetried
	if err := json.Unmarshal([]byte(out), &ch); code != 0 || err != nil || len(ch.Retried) != 1 || ch.Retried[0].To != "gernat@shop.example" {
		t.Errorf("retry without a config keeps the address: %d %v %s%s", code, err, out, errs)
	}

	// discard --all on a terminal: a "n" keeps them, a "y" deletes.
	ptm, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ptm.Close()
	defer tty.Close()
	saved := stdin
	stdin = tty
	defer func() { stdin = saved }()
	ptm.Write([]byte("n\n"))
	out, errs, code = tpectl(t, "offline", "outbox", "discard", "--all", "--data", dir)
	if code != 1 || !strings.Contains(out, "[y/N]") || !strings.Contains(out, "old") || !strings.Contains(errs, "nothing discarded") {
		t.Errorf("declined: %d %s%s", code, out, errs)
	}
	ptm.Write([]byte("y\n"))
	if out, errs, code = tpectl(t, "offline", "outbox", "discard", "--all", "--data", dir); code != 0 || !strings.Contains(out, "mail "+strconv.FormatUint(old, 10)+" discarded") {
		t.Errorf("confirmed: %d %s%s", code, out, errs)
	}

	// What is left: three queued (the retried two and the waiting one),
	// with their Message-IDs, none parked.
	ro, err := offline.OpenOutboxReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	q, _ := ro.Pending(ctx)
	p, _ := ro.Parked(ctx)
	if len(q) != 3 || len(p) != 0 || q[0].ID != z || q[1].ID != link {
		t.Fatalf("queued %+v parked %+v", q, p)
	}
	var m notify.Message
	json.Unmarshal(q[0].Data, &m)
	if m.To != "gerant@shop.example" || m.ID != "mid-z" || m.Text != "BODY" {
		t.Errorf("retried mail %+v", m)
	}
}
