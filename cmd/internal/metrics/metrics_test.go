package metrics

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"tpe/cmd/internal/metrics/promcheck"
	"tpe/payment"
)

var t0 = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

func txn(method payment.Method, steps ...payment.Step) *payment.Transaction {
	t := &payment.Transaction{ID: "pay_1", OrderID: "T1-20261203-abcdef", Method: method,
		Amount: payment.Amount{Minor: 1250, Currency: "EUR"}, History: steps}
	if len(steps) > 0 {
		t.State = steps[len(steps)-1].State
	}
	return t
}

func step(s payment.State, after time.Duration) payment.Step {
	return payment.Step{State: s, At: t0.Add(after)}
}

func scrape(t *testing.T, m *Metrics) (promcheck.Families, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	body, _ := io.ReadAll(rec.Body)
	return promcheck.Check(t, body), string(body)
}

func TestPaymentEventsCounted(t *testing.T) {
	snap := Snapshot{Gateway: true, Online: true, Queued: 3, OldestAge: 90 * time.Second, MaxAge: 72 * time.Hour, ForwardFailures: 2, ForwardDeclined: 1,
		Devices: map[string]bool{"nfc": true, "printer": false}, JournalBytes: 65536,
		Outbox: &Outbox{Queued: 2, Parked: 1, OldestAge: 9 * time.Minute}}
	m := New(Opts{Version: "1.2.3", Snapshot: func(context.Context) Snapshot { return snap }})
	authorised := func(final payment.State, d time.Duration) *payment.Transaction {
		return txn(payment.MethodCard, step(payment.StateCreated, 0), step(payment.StateCardRead, time.Second),
			step(payment.StateAuthorising, 2*time.Second), step(final, 2*time.Second+d))
	}
	events := []payment.Event{
		{Type: payment.EventCreated, Payment: txn(payment.MethodCard, step(payment.StateCreated, 0))},
		{Type: payment.EventApproved, Payment: authorised(payment.StateApproved, 300*time.Millisecond)},
		{Type: payment.EventApproved, Payment: authorised(payment.StateApproved, 2*time.Second)},
		{Type: payment.EventDeclined, Payment: authorised(payment.StateDeclined, 400*time.Millisecond)},
		{Type: payment.EventOfflineApproved, Payment: txn(payment.MethodCard, step(payment.StateCardRead, 0), step(payment.StateOfflineApproved, time.Second))},
		{Type: payment.EventForwarded, Payment: txn(payment.MethodCard, step(payment.StateOfflineApproved, 0), step(payment.StateForwarded, time.Hour))},
		{Type: payment.EventDeclined, Payment: txn(payment.MethodCard, step(payment.StateOfflineApproved, 0), step(payment.StateForwardDeclined, time.Hour))},
		{Type: payment.EventApproved, Payment: txn(payment.MethodAlipayPlus, step(payment.StateAwaitingCustomer, 0), step(payment.StateApproved, 20*time.Second))},
		{Type: payment.EventFailed, Payment: txn(payment.MethodCard, step(payment.StateFailed, 0))},
		{Type: payment.EventCancelled, Payment: txn(payment.MethodPayLink, step(payment.StateCancelled, 0))},
		{Type: payment.EventExpired, Payment: txn(payment.MethodPayLink, step(payment.StateExpired, 0))},
		{Type: payment.EventBatchClosed},
	}
	ch := make(chan payment.Event, len(events))
	for _, ev := range events {
		ch <- ev
	}
	close(ch)
	if err := m.Run(context.Background(), ch); err != nil {
		t.Fatal(err)
	}
	f, body := scrape(t, m)
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"tpe_payments_total", []string{"method", "card", "outcome", "approved"}, 2},
		{"tpe_payments_total", []string{"method", "card", "outcome", "declined"}, 1},
		{"tpe_payments_total", []string{"method", "card", "outcome", "offline_approved"}, 1},
		{"tpe_payments_total", []string{"method", "card", "outcome", "failed"}, 1},
		{"tpe_payments_total", []string{"method", "alipayplus", "outcome", "approved"}, 1},
		{"tpe_payments_total", []string{"method", "paylink", "outcome", "cancelled"}, 1},
		{"tpe_payments_total", []string{"method", "paylink", "outcome", "expired"}, 1},
		{"tpe_authorization_duration_seconds", []string{"method", "card"}, 3}, // sample count
		{"tpe_forward_results_total", []string{"result", "forwarded"}, 1},
		{"tpe_forward_results_total", []string{"result", "declined"}, 1},
		{"tpe_gateway_up", nil, 1},
		{"tpe_offline_queue_length", nil, 3},
		{"tpe_offline_queue_oldest_age_seconds", nil, 90},
		{"tpe_offline_max_age_seconds", nil, 72 * 3600},
		{"tpe_forward_consecutive_failures", nil, 2},
		{"tpe_offline_forward_declined", nil, 1},
		{"tpe_device_up", []string{"device", "nfc"}, 1},
		{"tpe_device_up", []string{"device", "printer"}, 0},
		{"tpe_journal_size_bytes", nil, 65536},
		{"tpe_journal_writable", nil, 1},
		{"tpe_mail_outbox_queued", nil, 2},
		{"tpe_mail_outbox_parked", nil, 1},
		{"tpe_mail_outbox_oldest_age_seconds", nil, 540},
		{"tpe_build_info", []string{"version", "1.2.3"}, 1},
	} {
		if got, ok := f.Value(c.name, c.labels...); !ok || got != c.want {
			t.Errorf("%s%v = %v (present %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	// A forwarded or forward-declined payment is not a second payment.
	if n := len(f["tpe_payments_total"].GetMetric()); n != 7 {
		t.Errorf("%d payment series, want 7:\n%s", n, body)
	}
	h := f["tpe_authorization_duration_seconds"].GetMetric()[0].GetHistogram()
	if got := h.GetSampleSum(); got < 2.699 || got > 2.701 {
		t.Errorf("authorisation time sum %v s, want 0.3 + 2 + 0.4", got)
	}
	for _, secret := range []string{"T1-20261203-abcdef", "pay_1", "1250"} {
		if strings.Contains(body, secret) {
			t.Errorf("the exposition carries %q (a payment's identity or amount)", secret)
		}
	}
}

// A terminal without a gateway reports no gateway gauges, nor outbox
// gauges without notifications (absent, not a misleading 0 that would
// page someone or hide that nothing is known).
func TestNoGatewayNoGatewayGauges(t *testing.T) {
	m := New(Opts{Version: "dev", Snapshot: func(context.Context) Snapshot { return Snapshot{StorageFault: true} }})
	f, _ := scrape(t, m)
	for _, name := range []string{"tpe_gateway_up", "tpe_forward_consecutive_failures",
		"tpe_mail_outbox_queued", "tpe_mail_outbox_parked", "tpe_mail_outbox_oldest_age_seconds"} {
		if _, ok := f[name]; ok {
			t.Errorf("%s reported without a gateway", name)
		}
	}
	if v, _ := f.Value("tpe_journal_writable"); v != 0 {
		t.Errorf("tpe_journal_writable = %v with a storage fault, want 0", v)
	}
}
