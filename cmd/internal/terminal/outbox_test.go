package terminal

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"

	"tpe/cmd/internal/metrics/promcheck"
	"tpe/config"
	"tpe/payment/notify"
	"tpe/payment/notify/smtpsim"
	"tpe/ui/api"
)

// TestOutboxParkedThroughTheAPI: notifications to a mistyped merchant
// address are refused for good by the relay (smtpsim on loopback) and
// parked: GET /v1/health is degraded and tpe_mail_outbox_parked counts
// them. With the address corrected in the config, the local API (the
// terminal's real listener) lists them, retries one — delivered once to
// the current address with the Message-ID it was queued with — discards
// one (supervisor token only), retries the rest, and the health is ok
// again, the metrics back to zero.
func TestOutboxParkedThroughTheAPI(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	relay, err := smtpsim.Start("127.0.0.1:0", &smtpsim.Opts{Reject: []string{"gernat@shop.example"}})
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	host, port, _ := net.SplitHostPort(relay.Addr())

	cfg := config.SimDefaults(t.TempDir())
	cfg.Gateway.URL = ""
	cfg.API.Token = "outbox-test-token-0123456789"
	cfg.API.SupervisorToken = "outbox-supervisor-0123456789"
	cfg.SMTP = config.SMTP{Host: host, StartTLS: false, From: "tpe@shop.example"}
	cfg.SMTP.Port, _ = strconv.Atoi(port)
	// The address as corrected after the mails below were parked.
	cfg.Terminal.MerchantEmail = "gerant@shop.example"

	term, call := runningTerminal(t, cfg)
	if term.notices == nil {
		t.Fatal("merchant notifications are off")
	}
	cashier, supervisor := cfg.API.Token, cfg.API.SupervisorToken
	errorCode := func(body []byte) string {
		var e struct{ Error struct{ Code string } }
		json.Unmarshal(body, &e)
		return e.Error.Code
	}
	check := func(when, status string, parked float64) {
		t.Helper()
		code, body := call("GET", "/v1/health", cashier)
		var h struct {
			Status string
			Outbox struct{ Queued, Parked float64 }
		}
		if err := json.Unmarshal(body, &h); code != 200 || err != nil {
			t.Fatalf("%s: health %d %v", when, code, err)
		}
		if h.Status != status || h.Outbox.Parked != parked || h.Outbox.Queued != 0 {
			t.Errorf("%s: health %s, outbox %+v; want %s with %v parked, none queued", when, h.Status, h.Outbox, status, parked)
		}
		_, body = call("GET", "/metrics", cashier)
		f := promcheck.Check(t, body)
		if v, _ := f.Value("tpe_mail_outbox_parked"); v != parked {
			t.Errorf("%s: tpe_mail_outbox_parked = %v, want %v", when, v, parked)
		}
		if v, _ := f.Value("tpe_mail_outbox_queued"); v != 0 {
			t.Errorf("%s: tpe_mail_outbox_queued = %v, want 0", when, v)
		}
	}

	// Three notifications to the mistyped address, refused for good.
	for _, id := range []string{"z-report", "refund", "link-paid"} {
		if err := term.notices.outbox.Enqueue(ctx, notify.Message{To: "gernat@shop.example", Subject: id, Text: "…", ID: id}); err != nil {
			t.Fatal(err)
		}
	}
	term.notices.outbox.Flush(ctx)
	check("parked", "degraded", 3)

	code, body := call("GET", "/v1/outbox", cashier)
	var list api.OutboxList
	if err := json.Unmarshal(body, &list); code != 200 || err != nil || list.Parked != 3 || len(list.Mails) != 3 {
		t.Fatalf("GET /v1/outbox: %d %v %s", code, err, body)
	}
	ids := map[string]uint64{}
	for _, m := range list.Mails {
		if m.State != "parked" || m.To != "gernat@shop.example" || !strings.Contains(m.Answer, "550") || m.Attempts != 1 {
			t.Errorf("listed %+v", m)
		}
		ids[m.Subject] = m.ID
	}
	if strings.Contains(string(body), "…") {
		t.Errorf("the listing shows a mail's body: %s", body)
	}

	// One retried: re-addressed, sent at once (the outbox's own loop or
	// this flush, whichever comes first: one send either way).
	code, body = call("POST", fmt.Sprintf("/v1/outbox/%d/retry", ids["z-report"]), cashier)
	var m api.OutboxMail
	if err := json.Unmarshal(body, &m); code != 200 || err != nil || m.State != "queued" || m.To != "gerant@shop.example" || m.ID != ids["z-report"] {
		t.Fatalf("retry: %d %s", code, body)
	}
	term.notices.outbox.Flush(ctx)
	check("one retried", "degraded", 2)
	if code, body := call("POST", fmt.Sprintf("/v1/outbox/%d/retry", ids["z-report"]), cashier); code != 404 || errorCode(body) != "not_found" {
		t.Errorf("retry of a sent mail: %d %s", code, body)
	}
	if code, body := call("POST", "/v1/outbox/x1/retry", cashier); code != 404 || errorCode(body) != "not_found" {
		t.Errorf("retry of a bad ID: %d %s", code, body)
	}

	// One discarded: the supervisor's call.
	path := fmt.Sprintf("/v1/outbox/%d", ids["refund"])
	if code, body := call("DELETE", path, cashier); code != 403 || errorCode(body) != "supervisor_required" {
		t.Errorf("discard with the cashier's token: %d %s", code, body)
	}
	code, body = call("DELETE", path, supervisor)
	if err := json.Unmarshal(body, &m); code != 200 || err != nil || m.State != "discarded" || m.Subject != "refund" {
		t.Fatalf("discard: %d %s", code, body)
	}
	if code, body := call("DELETE", path, supervisor); code != 404 {
		t.Errorf("second discard: %d %s", code, body)
	}

	// The rest retried at once.
	code, body = call("POST", "/v1/outbox/parked/retry", cashier)
	var all struct{ Retried, Kept []api.OutboxMail }
	if err := json.Unmarshal(body, &all); code != 200 || err != nil || len(all.Retried) != 1 || all.Retried[0].Subject != "link-paid" || len(all.Kept) != 0 {
		t.Fatalf("retry all: %d %s", code, body)
	}
	term.notices.outbox.Flush(ctx)
	check("all seen to", "ok", 0)
	if code, body := call("DELETE", "/v1/outbox/parked", supervisor); code != 200 || !strings.Contains(string(body), `"discarded": []`) {
		t.Errorf("discard all with none parked: %d %s", code, body)
	}

	got := relay.Messages()
	if len(got) != 2 {
		t.Fatalf("the relay received %d mails, want the two retried once each: %+v", len(got), got)
	}
	for i, want := range []string{"z-report", "link-paid"} {
		if got[i].Subject != want || got[i].HeaderTo != "<gerant@shop.example>" || got[i].MessageID != "<"+want+"@shop.example>" {
			t.Errorf("mail %d: %q to %q, Message-ID %q; want %s to the corrected address, its own Message-ID", i, got[i].Subject, got[i].HeaderTo, got[i].MessageID, want)
		}
	}
}
