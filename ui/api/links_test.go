package api

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"tpe/offline"
	"tpe/payment"
	"tpe/payment/gateway"
	"tpe/payment/gateway/gatewaysim"
	"tpe/payment/gateway/gatewaysim/simtest"
	"tpe/payment/notify"
	"tpe/payment/notify/smtpsim"
	"tpe/payment/paylink"
)

// linkFixture is the API over the real link stack: gateway simulator over
// HTTP, SMTP sink on loopback, paylink, the bbolt journal.
type linkFixture struct {
	*fixture
	sim  *httptest.Server
	smtp *smtpsim.Server
	now  *testClock
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newLinkFixture(t *testing.T) *linkFixture {
	t.Helper()
	clk := &testClock{t: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)}
	dir := simtest.Dir(t)
	sim, err := gatewaysim.New(dir, &gatewaysim.Opts{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	client, err := gateway.New(ts.URL, &gateway.Opts{Originator: gatewaysim.DevOriginator, Password: gatewaysim.DevPassword, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	sink, err := smtpsim.Start("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	host, port, _ := net.SplitHostPort(sink.Addr())
	p, _ := strconv.Atoi(port)
	merchant := payment.Merchant{Name: "Boulangerie Élise", TerminalID: "T0001"}
	mailer, err := notify.New(&notify.Opts{Host: host, Port: p, From: "tpe@boulangerie.example", Merchant: merchant, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	links, err := paylink.New(client, mailer, &paylink.Opts{Validity: time.Hour, Merchant: merchant, Location: time.UTC, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	store, err := offline.Open(filepath.Join(t.TempDir(), "journal.db"), &offline.Opts{KeyFile: filepath.Join(t.TempDir(), "device.key"), CreateKey: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	svc, err := payment.New(payment.Opts{Merchant: merchant, Journal: store, Card: payment.CardPorts{Gateway: client}, Links: links,
		Receipts: payment.ReceiptPorts{Notifier: mailer}, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Opts{Service: svc, Token: token, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(func() { srv.Close(); svc.Close() })
	return &linkFixture{fixture: &fixture{srv: srv, svc: svc}, sim: ts, smtp: sink, now: clk}
}

// link sends a payment link through the API and returns its ID.
func (f *linkFixture) link(t *testing.T, amount int, email, ref string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"amount": amount, "method": "paylink", "email": email, "reference": ref})
	status, p := f.do(t, "POST", "/v1/payments", string(body))
	if status != http.StatusCreated {
		t.Fatalf("link: %d %v", status, p)
	}
	f.svc.Wait()
	return p["id"].(string)
}

func (f *linkFixture) ids(t *testing.T, query string) []string {
	t.Helper()
	status, m := f.do(t, "GET", "/v1/payments?"+query, "")
	if status != http.StatusOK {
		t.Fatalf("GET ?%s: %d %v", query, status, m)
	}
	var ids []string
	for _, p := range m["payments"].([]any) {
		ids = append(ids, p.(map[string]any)["id"].(string))
	}
	return ids
}

// payLink pays a link's hosted page as the customer's browser would.
func payLink(t *testing.T, link string, amount int) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(link+"/pay", url.Values{"amount": {strconv.Itoa(amount)}, "currency": {"EUR"},
		"cardNumber": {"4111111111111111"}, "expiry": {"12/39"}, "cvv": {"123"}, "holder": {"A Shopper"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("paying the link: %d", resp.StatusCode)
	}
}

// TestLinkFiltersAndResend: links on two days, paid, expired, cancelled and
// pending, filtered by every parameter through the API; a pending link
// re-sent (same link, new address, counted), a paid one refused.
func TestLinkFiltersAndResend(t *testing.T) {
	f := newLinkFixture(t)
	ctx := context.Background()
	yesterday := f.link(t, 1500, "Jean.Dupont@example.com", "CMD-1")
	f.now.Advance(24 * time.Hour) // a new day: yesterday's link stays listed
	paid := f.link(t, 6400, "marie@example.com", "CMD-2")
	cancelled := f.link(t, 700, "paul@example.org", "=HYPERLINK(\"http://x\")")
	pending := f.link(t, 2500, "lea@example.com", "CMD-4")
	if status, _ := f.do(t, "POST", "/v1/payments/"+cancelled+"/cancel", ""); status != http.StatusOK {
		t.Fatalf("cancel: %d", status)
	}
	// The customer pays from the mail; GET of the link reads paid at once,
	// without waiting for the periodic refresh.
	tx, _ := f.svc.Get(ctx, paid)
	payLink(t, tx.LinkURL, 6400)
	if _, p := f.do(t, "GET", "/v1/payments/"+paid, ""); p["status"] != "approved" || p["link_status"] != "paid" {
		t.Fatalf("paid link: got status %v link_status %v", p["status"], p["link_status"])
	}
	// Yesterday's link ran past its validity on the gateway's clock.
	if err := f.svc.RefreshLinks(ctx); err != nil {
		t.Fatal(err)
	}
	day2 := f.now.Now().Add(-time.Minute).Format(time.RFC3339)

	for _, c := range []struct {
		query string
		want  []string
	}{
		{"method=paylink", []string{pending, cancelled, paid, yesterday}},
		{"method=paylink&status=pending", []string{pending}},
		{"method=paylink&status=paid", []string{paid}},
		{"method=paylink&status=expired", []string{yesterday}},
		{"method=paylink&status=cancelled", []string{cancelled}},
		{"method=paylink&status=approved", []string{paid}},
		{"method=paylink&email=dupont", []string{yesterday}},
		{"method=paylink&email=EXAMPLE.COM", []string{pending, paid, yesterday}},
		{"method=paylink&reference=CMD-4", []string{pending}},
		{"method=paylink&min_amount=2000", []string{pending, paid}},
		{"method=paylink&max_amount=2500", []string{pending, cancelled, yesterday}},
		{"method=paylink&min_amount=1500&max_amount=2500", []string{pending, yesterday}},
		{"method=paylink&since=" + url.QueryEscape(day2), []string{pending, cancelled, paid}},
		{"method=paylink&until=" + url.QueryEscape(day2), []string{yesterday}},
		{"method=paylink&status=pending&since=" + url.QueryEscape(day2) + "&until=" + url.QueryEscape(f.now.Now().Add(time.Hour).Format(time.RFC3339)), []string{pending}},
		{"method=paylink&limit=2", []string{pending, cancelled}},
	} {
		if got := f.ids(t, c.query); !slices.Equal(got, c.want) {
			t.Errorf("?%s: got %v, want %v", c.query, got, c.want)
		}
	}

	// Resend: same link, new address, counted and shown.
	before := len(f.smtp.Messages())
	status, p := f.do(t, "POST", "/v1/payments/"+pending+"/resend", `{"email":"lea.martin@example.net"}`)
	if status != http.StatusOK || p["resends"] != 1.0 || p["email"] != "lea.martin@example.net" || p["resent_at"] == nil {
		t.Fatalf("resend: %d %v", status, p)
	}
	status, p = f.do(t, "POST", "/v1/payments/"+pending+"/resend", "")
	if status != http.StatusOK || p["resends"] != 2.0 {
		t.Fatalf("second resend: %d %v", status, p)
	}
	msgs := f.smtp.Messages()[before:]
	if len(msgs) != 2 || msgs[0].To[0] != "lea.martin@example.net" || msgs[1].To[0] != "lea.martin@example.net" {
		t.Fatalf("resent mails: got %+v", msgs)
	}
	tx, _ = f.svc.Get(ctx, pending)
	for _, m := range msgs {
		if !strings.Contains(m.Text, tx.LinkURL) || !strings.Contains(m.Subject, "Rappel") {
			t.Errorf("resent mail: subject %q, want a reminder with the same link %s", m.Subject, tx.LinkURL)
		}
	}
	if got := f.ids(t, "method=paylink&email=lea.martin"); !slices.Equal(got, []string{pending}) {
		t.Errorf("filter by the new address: got %v", got)
	}

	for _, c := range []struct {
		name, path, body string
		status           int
		code             string
	}{
		{"paid link", "/v1/payments/" + paid + "/resend", ``, 409, "link_not_pending"},
		{"expired link", "/v1/payments/" + yesterday + "/resend", ``, 409, "link_not_pending"},
		{"cancelled link", "/v1/payments/" + cancelled + "/resend", ``, 409, "link_not_pending"},
		{"bad address", "/v1/payments/" + pending + "/resend", `{"email":"not an address"}`, 422, "invalid_email"},
		{"unknown field", "/v1/payments/" + pending + "/resend", `{"mail":"a@b.fr"}`, 400, "invalid_json"},
		{"unknown payment", "/v1/payments/pay_nope/resend", ``, 404, "not_found"},
	} {
		status, m := f.do(t, "POST", c.path, c.body)
		if status != c.status || errCode(m) != c.code {
			t.Errorf("%s: got %d %s, want %d %s", c.name, status, errCode(m), c.status, c.code)
		}
	}
	if got := len(f.smtp.Messages()); got != before+2 {
		t.Errorf("refused resends sent %d mails", got-before-2)
	}

	// A link paid after the last refresh: the resend finds out, records it
	// and refuses.
	late := f.link(t, 900, "late@example.com", "CMD-5")
	tx, _ = f.svc.Get(ctx, late)
	payLink(t, tx.LinkURL, 900)
	if status, m := f.do(t, "POST", "/v1/payments/"+late+"/resend", ""); status != 409 || errCode(m) != "link_not_pending" {
		t.Errorf("resend of a link paid meanwhile: got %d %v", status, m)
	}
	if got, _ := f.svc.Get(ctx, late); got.State != payment.StateApproved {
		t.Errorf("link paid meanwhile: journal says %s, want approved", got.State)
	}
}

func TestResendNotALink(t *testing.T) {
	f := newFixture(t)
	p := f.sale(t, 1250)
	if status, m := f.do(t, "POST", "/v1/payments/"+p["id"].(string)+"/resend", ""); status != 409 || errCode(m) != "not_a_link" {
		t.Errorf("resend of a card payment: got %d %v", status, m)
	}
}

// TestListFilterErrors: every parameter is checked; each error is a 422
// with its own code and names the parameter.
func TestListFilterErrors(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct{ query, code, mention string }{
		{"status=lost", "invalid_status_filter", "lost"},
		{"status=paid", "invalid_status_filter", "method=paylink"},
		{"method=cheque", "invalid_method_filter", "cheque"},
		{"email=a%0Ab", "invalid_email_filter", "control"},
		{"email=" + strings.Repeat("a", 255), "invalid_email_filter", "254"},
		{"reference=%FF", "invalid_reference_filter", "UTF-8"},
		{"min_amount=12.50", "invalid_amount_filter", "min_amount"},
		{"max_amount=-1", "invalid_amount_filter", "max_amount"},
		{"max_amount=0", "invalid_amount_filter", "max_amount"},
		{"min_amount=5000&max_amount=100", "invalid_amount_range", "above"},
		{"since=yesterday", "invalid_date_filter", "since"},
		{"until=2026-11-26", "invalid_date_filter", "until"},
		{"since=2026-11-26T10:00:00Z&until=2026-11-26T10:00:00Z", "invalid_date_range", "until"},
		{"limit=10001", "invalid_limit", "use 1 to"},
		{"limit=x", "invalid_limit", "limit"},
		{"min_amout=5", "unknown_filter", "min_amout"},
		{"status=pending&status=paid", "unknown_filter", "2 times"},
	} {
		for _, path := range []string{"/v1/payments?", "/v1/payments.csv?"} {
			status, m := f.do(t, "GET", path+c.query, "")
			e, _ := m["error"].(map[string]any)
			if status != http.StatusUnprocessableEntity || errCode(m) != c.code || !strings.Contains(e["message"].(string), c.mention) {
				t.Errorf("%s%s: got %d %v, want 422 %s mentioning %q", path, c.query, status, m, c.code, c.mention)
			}
		}
	}
}

// TestCSVExport compares the export with a golden file: every column, a
// formula-like reference and address defused, CRLF, a header.
func TestCSVExport(t *testing.T) {
	at := time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)
	mk := func(id string, m payment.Method, st payment.State, minor int64, ref, email string) *payment.Transaction {
		return &payment.Transaction{ID: id, OrderID: "ord-" + id, Method: m, State: st, Amount: payment.Amount{Minor: minor, Currency: "EUR"},
			Reference: ref, Email: email, CreatedAt: at, UpdatedAt: at.Add(time.Minute)}
	}
	card := mk("pay_card", payment.MethodCard, payment.StateApproved, 1250, "R-1", "")
	card.Sequence = 42
	card.Card = &payment.CardData{Brand: "visa", PAN: payment.NewPAN("4111111111111111")}
	card.AuthCode = "A1B2C3"
	link := mk("pay_link", payment.MethodPayLink, payment.StateAwaitingCustomer, 6400, `=HYPERLINK("http://evil","x")`, "+33@example.com")
	link.ExpireAt, link.Resends, link.Sequence = at.Add(7*24*time.Hour), 2, 1043
	refunded := mk("pay_ref", payment.MethodPayLink, payment.StatePartiallyRefunded, 100005, "-2+3", "@me@example.com")
	refunded.Refunds = []payment.Refund{{ID: "r1", Amount: payment.Amount{Minor: 5, Currency: "EUR"}}}
	expired := mk("pay_exp", payment.MethodPayLink, payment.StateExpired, 999, "\tref", "a@example.com")
	expired.Code = payment.ReasonNotPaidInTime
	yen := mk("pay_jpy", payment.MethodAlipayPlus, payment.StateDeclined, 500, "", "")
	yen.Amount.Currency = "JPY"
	var b strings.Builder
	if err := writeCSV(&b, []*payment.Transaction{card, link, refunded, expired, yen}); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "payments.csv")
	if os.Getenv("UPDATE_GOLDEN") != "" {
		os.MkdirAll("testdata", 0o755)
		os.WriteFile(golden, []byte(b.String()), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("CSV export:\n%s\nwant (testdata/payments.csv):\n%s", b.String(), want)
	}
	if strings.Contains(b.String(), "4111111111111111") {
		t.Error("the export carries a full PAN")
	}
	for _, defused := range []string{`"'=HYPERLINK(""http://evil"",""x"")"`, "'+33@example.com", "'-2+3", "'@me@example.com", "'\tref"} {
		if !strings.Contains(b.String(), defused) {
			t.Errorf("export: %q not defused", defused)
		}
	}
}

// TestCSVThroughTheAPI: the endpoint's headers and its filters.
func TestCSVThroughTheAPI(t *testing.T) {
	f := newFixture(t)
	f.sale(t, 1250)
	f.sale(t, 9900)
	req, _ := http.NewRequest("GET", f.srv.URL+"/v1/payments.csv?min_amount=5000", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\r\n"), "\r\n")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "payments-T0000001-") {
		t.Fatalf("got %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "id,sequence,created_at,") || !strings.Contains(lines[1], ",99.00,EUR,9900,") {
		t.Fatalf("got %q, want the header and the 99,00 € sale only", lines)
	}
	// The second sale of the day is TRANS. 000002 on its receipt.
	if cells := strings.Split(lines[1], ","); cells[1] != "2" {
		t.Errorf("sequence cell %q, want 2 (the second sale)", cells[1])
	}
	if status, _ := f.raw(t, "GET", "/v1/payments.csv", "", ""); status != http.StatusUnauthorized {
		t.Errorf("export without a token: %d", status)
	}
}

func FuzzListQuery(f *testing.F) {
	for _, s := range []string{"method=paylink&status=paid&email=a@b.fr&min_amount=1&max_amount=2&since=2026-11-26T00:00:00Z&until=2026-11-27T00:00:00Z&limit=5",
		"status=%FF", "min_amount=99999999999999999999", "until=2026-11-26T00:00:00%2B01:00", "reference=%00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := parseListQuery(v, defaultListLimit, maxListLimit)
		if err != nil {
			if _, code := classify(err); code == "internal" {
				t.Fatalf("%q: unclassified error %v", raw, err)
			}
			return
		}
		if q.Limit < 1 || q.Limit > maxListLimit || (q.MinAmount > 0 && q.MaxAmount > 0 && q.MinAmount > q.MaxAmount) {
			t.Fatalf("%q: accepted %+v", raw, q)
		}
	})
}
