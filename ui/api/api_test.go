package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"tpe/payment"
	"tpe/payment/paymenttest"
)

const token = "0123456789abcdef0123"

type fixture struct {
	srv   *httptest.Server
	svc   *payment.Service
	gw    *paymenttest.Gateway
	cards *paymenttest.Cards
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	return newFixtureWith(t, nil)
}

// newFixtureWith lets a test change the Opts (supervisor token, hosts).
func newFixtureWith(t testing.TB, edit func(*Opts)) *fixture {
	t.Helper()
	return newFixturePorts(t, nil, edit)
}

// newFixturePorts also lets a test change the service's Opts (wallets,
// links, a scanner, a journal that fails) before it starts.
func newFixturePorts(t testing.TB, ports func(*payment.Opts), edit func(*Opts)) *fixture {
	t.Helper()
	f := &fixture{gw: &paymenttest.Gateway{}, cards: paymenttest.NewCards()}
	po := payment.Opts{
		Merchant: payment.Merchant{Name: "Test", TerminalID: "T0000001"},
		Journal:  paymenttest.NewJournal(), Card: payment.CardPorts{Reader: f.cards, Gateway: f.gw},
		Offline:     payment.OfflineLimits{DefaultFloor: 5000, MaxCount: 5, MaxTotal: 20000, MaxAge: time.Hour},
		CardTimeout: 5 * time.Second,
	}
	if ports != nil {
		ports(&po)
	}
	svc, err := payment.New(po)
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	o := Opts{Service: svc, Token: token, Version: "test",
		Health: func(context.Context) Health {
			return Health{Online: true, QueueLength: 2, Devices: map[string]string{"nfc": "ok", "printer": "paper out"}}
		}}
	if edit != nil {
		edit(&o)
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(s)
	t.Cleanup(func() { f.srv.Close(); svc.Close() })
	return f
}

func (f *fixture) do(t *testing.T, method, path, body string) (int, map[string]any) {
	t.Helper()
	status, b := f.raw(t, method, path, body, token)
	var m map[string]any
	if len(b) > 0 && b[0] == '{' {
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s %s: bad JSON %q", method, path, b)
		}
	}
	return status, m
}

func (f *fixture) raw(t *testing.T, method, path, body, tok string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func errCode(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

// sale runs a card payment to its end through the API.
func (f *fixture) sale(t *testing.T, amount int) map[string]any {
	t.Helper()
	status, p := f.do(t, "POST", "/v1/payments", fmt.Sprintf(`{"amount":%d,"currency":"EUR","method":"card","reference":"R-1"}`, amount))
	if status != http.StatusCreated {
		t.Fatalf("create: %d %v", status, p)
	}
	f.cards.Present(paymenttest.VisaOnline())
	f.svc.Wait()
	_, p = f.do(t, "GET", "/v1/payments/"+p["id"].(string), "")
	return p
}

func TestCardSaleThroughTheAPI(t *testing.T) {
	f := newFixture(t)
	p := f.sale(t, 1250)
	if p["status"] != "approved" || p["amount"] != 1250.0 || p["currency"] != "EUR" || p["brand"] != "visa" ||
		p["pan_masked"] != "476173******0010" || p["auth_code"] == "" || p["reference"] != "R-1" || p["offline"] != false {
		t.Errorf("payment %v", p)
	}
	for _, k := range []string{"id", "reference", "order_id", "method", "status", "amount", "currency", "brand", "wallet",
		"pan_masked", "aid", "auth_code", "offline", "forwarded", "link_url", "error", "created_at", "updated_at"} {
		if _, ok := p[k]; !ok {
			t.Errorf("payment object lacks %q", k)
		}
	}
	status, list := f.do(t, "GET", "/v1/payments?status=approved&method=card&reference=R-1&limit=10", "")
	if status != 200 || len(list["payments"].([]any)) != 1 {
		t.Errorf("list: %d %v", status, list)
	}
	_, none := f.do(t, "GET", "/v1/payments?status=declined", "")
	if len(none["payments"].([]any)) != 0 {
		t.Errorf("status filter ignored: %v", none)
	}
	status, b := f.raw(t, "GET", "/v1/payments/"+p["id"].(string)+"/receipt?copy=merchant", "", token)
	if status != 200 || !strings.Contains(string(b), "476173******0010") || !strings.Contains(string(b), "12,50") {
		t.Errorf("merchant receipt %d:\n%s", status, b)
	}
	_, b = f.raw(t, "GET", "/v1/payments/"+p["id"].(string)+"/receipt", "", token)
	if strings.Contains(string(b), "476173") {
		t.Errorf("customer receipt shows more than the last 4 digits:\n%s", b)
	}
	status, r := f.do(t, "POST", "/v1/payments/"+p["id"].(string)+"/refunds", `{"amount":250}`)
	if status != 201 || r["status"] != "partially_refunded" || r["refunded_amount"] != 250.0 {
		t.Errorf("refund: %d %v", status, r)
	}
	status, x := f.do(t, "GET", "/v1/reports/x", "")
	if status != 200 || x["net"] != 1000.0 {
		t.Errorf("X report: %d %v", status, x)
	}
	status, z := f.do(t, "POST", "/v1/batches/close", "")
	if status != 200 || z["kind"] != "Z" || z["batch"] != 1.0 {
		t.Errorf("Z report: %d %v", status, z)
	}
}

func TestBadInput(t *testing.T) {
	f := newFixture(t)
	approved := f.sale(t, 1000)["id"].(string)
	tests := []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"malformed json", "POST", "/v1/payments", `{"amount":`, 400, "invalid_json"},
		{"empty body", "POST", "/v1/payments", ``, 400, "invalid_json"},
		{"unknown field", "POST", "/v1/payments", `{"amount":100,"colour":"red"}`, 400, "invalid_json"},
		{"two objects", "POST", "/v1/payments", `{"amount":100}{"amount":100}`, 400, "invalid_json"},
		{"amount as string", "POST", "/v1/payments", `{"amount":"12.50"}`, 400, "invalid_json"},
		{"float amount", "POST", "/v1/payments", `{"amount":12.5}`, 400, "invalid_json"},
		{"missing amount", "POST", "/v1/payments", `{"currency":"EUR"}`, 422, "invalid_amount"},
		{"zero amount", "POST", "/v1/payments", `{"amount":0}`, 422, "invalid_amount"},
		{"negative amount", "POST", "/v1/payments", `{"amount":-100}`, 422, "invalid_amount"},
		{"huge amount", "POST", "/v1/payments", `{"amount":99999999999999}`, 422, "invalid_amount"},
		{"above terminal max", "POST", "/v1/payments", `{"amount":100000001}`, 422, "invalid_amount"},
		{"overflow amount", "POST", "/v1/payments", `{"amount":99999999999999999999}`, 400, "invalid_json"},
		{"unknown currency", "POST", "/v1/payments", `{"amount":100,"currency":"ABC"}`, 422, "unknown_currency"},
		{"other currency", "POST", "/v1/payments", `{"amount":100,"currency":"USD"}`, 422, "currency_not_accepted"},
		{"unknown method", "POST", "/v1/payments", `{"amount":100,"method":"cheque"}`, 422, "unknown_method"},
		{"unknown policy", "POST", "/v1/payments", `{"amount":100,"offline":"sometimes"}`, 422, "unknown_offline_policy"},
		{"bad email", "POST", "/v1/payments", `{"amount":100,"method":"paylink","email":"not-an-address"}`, 422, "invalid_email"},
		{"no link machinery", "POST", "/v1/payments", `{"amount":100,"method":"paylink","email":"a@b.fr"}`, 501, "not_supported"},
		{"oversize body", "POST", "/v1/payments", `{"amount":100,"reference":"` + strings.Repeat("x", 70<<10) + `"}`, 413, "body_too_large"},
		{"unknown id", "GET", "/v1/payments/pay_nope", ``, 404, "not_found"},
		{"cancel unknown", "POST", "/v1/payments/pay_nope/cancel", ``, 404, "not_found"},
		{"refund above remaining", "POST", "/v1/payments/" + approved + "/refunds", `{"amount":1001}`, 422, "refund_exceeds_remaining"},
		{"refund zero", "POST", "/v1/payments/" + approved + "/refunds", `{"amount":0}`, 422, "invalid_amount"},
		{"cancel after approval", "POST", "/v1/payments/" + approved + "/cancel", ``, 409, "payment_approved"},
		{"newline in reference", "POST", "/v1/payments", `{"amount":100,"reference":"R-1\nTOTAL 0,00"}`, 422, "invalid_request"},
		{"control in reference", "POST", "/v1/payments", `{"amount":100,"reference":"R\u0007"}`, 422, "invalid_request"},
		{"invalid UTF-8 in reference", "POST", "/v1/payments", "{\"amount\":100,\"reference\":\"R\xff\"}", 422, "invalid_request"},
		{"control in email", "POST", "/v1/payments", `{"amount":100,"email":"a\u0000b@shop.fr"}`, 422, "invalid_email"},
		{"bad status filter", "GET", "/v1/payments?status=paid", ``, 422, "invalid_status_filter"},
		{"bad since", "GET", "/v1/payments?since=yesterday", ``, 422, "invalid_date_filter"},
		{"bad limit", "GET", "/v1/payments?limit=0", ``, 422, "invalid_limit"},
		{"bad copy", "GET", "/v1/payments/" + approved + "/receipt?copy=bank", ``, 400, "invalid_query"},
		{"sim on a terminal", "POST", "/v1/sim/card", `{"card":"visa-credit"}`, 404, "not_found"},
		{"unknown path", "GET", "/v1/nope", ``, 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, m := f.do(t, tt.method, tt.path, tt.body)
			if status != tt.status || errCode(m) != tt.code {
				t.Errorf("got %d %v, want %d %s", status, m, tt.status, tt.code)
			}
			if msg, _ := m["error"].(map[string]any)["message"].(string); msg == "" {
				t.Errorf("no error message: %v", m)
			}
		})
	}
	// Nothing changed: one payment, still approved, nothing refunded.
	_, list := f.do(t, "GET", "/v1/payments", "")
	if n := len(list["payments"].([]any)); n != 1 {
		t.Errorf("%d payments after bad requests, want 1", n)
	}
	_, p := f.do(t, "GET", "/v1/payments/"+approved, "")
	if p["status"] != "approved" || p["refunded_amount"] != 0.0 {
		t.Errorf("approved payment changed: %v", p)
	}
	if len(f.gw.Refunds) != 0 {
		t.Error("a refused refund reached the gateway")
	}
}

func TestAuth(t *testing.T) {
	f := newFixture(t)
	for _, tok := range []string{"", "wrong", token + "x"} {
		status, b := f.raw(t, "GET", "/v1/health", "", tok)
		if status != 401 || !strings.Contains(string(b), `"unauthorized"`) {
			t.Errorf("token %q: %d %s", tok, status, b)
		}
	}
	if _, err := New(Opts{Service: f.svc}); err == nil {
		t.Error("New without token and without AllowNoToken succeeded")
	}
}

func TestHealth(t *testing.T) {
	f := newFixture(t)
	status, h := f.do(t, "GET", "/v1/health", "")
	if status != 200 || h["status"] != "degraded" || h["online"] != true || h["queue_length"] != 2.0 || h["version"] != "test" {
		t.Errorf("health %d %v", status, h)
	}
}

func TestCancelWaitingPayment(t *testing.T) {
	f := newFixture(t)
	_, p := f.do(t, "POST", "/v1/payments", `{"amount":500}`)
	id := p["id"].(string)
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, g := f.do(t, "GET", "/v1/payments/"+id, "")
		if g["state"] == "awaiting_customer" || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	status, c := f.do(t, "POST", "/v1/payments/"+id+"/cancel", "")
	if status != 200 || c["status"] != "cancelled" {
		t.Fatalf("cancel: %d %v", status, c)
	}
	status, again := f.do(t, "POST", "/v1/payments/"+id+"/cancel", "")
	if status != 409 || errCode(again) != "not_cancellable" {
		t.Errorf("second cancel: %d %v", status, again)
	}
}

func TestEventsStream(t *testing.T) {
	f := newFixture(t)
	req, _ := http.NewRequest("GET", f.srv.URL+"/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Scan()      // the opening comment line arrives once the subscription exists
	f.sale(t, 800) // the stream buffers what happens meanwhile
	var seen []string
	for sc.Scan() {
		line := sc.Text()
		if ev, ok := strings.CutPrefix(line, "event: "); ok {
			seen = append(seen, ev)
		}
		if data, ok := strings.CutPrefix(line, "data: "); ok && strings.Contains(data, paymenttest.TestPAN) {
			t.Fatal("full PAN in an event")
		}
		if len(seen) > 0 && seen[len(seen)-1] == "payment.approved" {
			break
		}
	}
	want := "payment.created payment.waiting_card payment.card_read payment.remove_card payment.authorising payment.approved"
	if strings.Join(seen, " ") != want {
		t.Errorf("events %v, want %s", seen, want)
	}
}

// TestOpenAPIMatchesRoutes is the contract test: docs/openapi.json lists
// exactly the operations the server routes, besides /v1/sim/ which tpe-sim
// mounts (ui/api/apisim's own contract test checks those on a server with
// them mounted).
func TestOpenAPIMatchesRoutes(t *testing.T) {
	b, err := os.ReadFile("../../docs/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]any `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	var documented, routed []string
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if strings.HasPrefix(path, "/v1/sim/") {
				continue
			}
			documented = append(documented, strings.ToUpper(method)+" "+path)
			if len(op.Responses) == 0 {
				t.Errorf("%s %s documents no response", method, path)
			}
		}
	}
	routed = (&Server{}).Routes()
	sort.Strings(documented)
	sort.Strings(routed)
	if strings.Join(documented, "\n") != strings.Join(routed, "\n") {
		t.Errorf("openapi.json and routes differ:\ndocumented:\n%s\nrouted:\n%s", strings.Join(documented, "\n"), strings.Join(routed, "\n"))
	}
	md, err := os.ReadFile("../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range routed {
		if !strings.Contains(string(md), r) {
			t.Errorf("docs/api.md does not document %s", r)
		}
	}
}

func FuzzCreatePayment(f *testing.F) {
	f.Add(`{"amount":1250,"currency":"EUR","method":"card"}`)
	f.Add(`{"amount":-1}`)
	f.Add(`{"amount":100,"method":"paylink","email":"a@b.fr"}`)
	fx := newFixture(f)
	f.Fuzz(func(t *testing.T, body string) {
		req := loopbackRequest("POST", "/v1/payments", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		s, _ := New(Opts{Service: fx.svc, Token: token})
		s.ServeHTTP(w, req)
		if w.Code >= 500 && w.Code != 501 {
			t.Fatalf("%q → %d %s", body, w.Code, w.Body)
		}
		if w.Code == http.StatusCreated { // free the reader for the next input
			var p Payment
			json.Unmarshal(w.Body.Bytes(), &p)
			fx.svc.Cancel(context.Background(), p.ID)
		}
	})
}

// Refund and cancel answers say what happened to the money.
func TestRefundAnswers(t *testing.T) {
	f := newFixture(t)
	first := f.sale(t, 1000)["id"].(string)
	second := f.sale(t, 800)["id"].(string)
	third := f.sale(t, 600)["id"].(string)
	steps := []struct {
		name, method, path, body string
		status                   int
		code, state              string
	}{
		{"no body refunds what remains", "POST", "/v1/payments/" + first + "/refunds", "", 201, "", "refunded"},
		{"then nothing remains", "POST", "/v1/payments/" + first + "/refunds", "", 409, "not_refundable", ""},
		{"cancel of a refunded payment", "POST", "/v1/payments/" + first + "/cancel", "", 409, "not_cancellable", ""},
		{"void of a refunded payment", "POST", "/v1/payments/" + first + "/void", "", 409, "not_cancellable", ""},
		{"empty object refunds what remains", "POST", "/v1/payments/" + second + "/refunds", "{}", 201, "", "refunded"},
		{"part, then the rest", "POST", "/v1/payments/" + third + "/refunds", `{"amount":100}`, 201, "", "partially_refunded"},
		{"the rest", "POST", "/v1/payments/" + third + "/refunds", `{"currency":"EUR"}`, 201, "", "refunded"},
		{"rest in another currency", "POST", "/v1/payments/" + third + "/refunds", `{"currency":"USD"}`, 422, "currency_mismatch", ""},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			status, m := f.do(t, s.method, s.path, s.body)
			if status != s.status {
				t.Fatalf("got %d %v, want %d", status, m, s.status)
			}
			if s.code != "" {
				if e, _ := m["error"].(map[string]any); e == nil || e["code"] != s.code {
					t.Errorf("got %v, want code %s", m, s.code)
				}
			}
			if s.state != "" && m["state"] != s.state {
				t.Errorf("state %v, want %s", m["state"], s.state)
			}
		})
	}
	rest := f.gw.Refunds
	if len(rest) != 4 || rest[0].Minor != 1000 || rest[1].Minor != 800 || rest[3].Minor != 500 {
		t.Errorf("gateway refunds %v", rest)
	}
}

// Every error code the server can answer is documented: in docs/api.md and
// in openapi.json's Error.code enum. The codes are read from the sources,
// so a new one cannot slip past.
func TestEveryErrorCodeDocumented(t *testing.T) {
	re := regexp.MustCompile(`http\.Status\w+, "([a-z_]+)"|(?:badRequest|filterError)\("([a-z_]+)"|\bcode\w*\s+=\s+"([a-z_]+)"`)
	srcs, _ := filepath.Glob("*.go")
	ext, _ := filepath.Glob("apisim/*.go") // tpe-sim mounts those
	srcs = append(srcs, ext...)
	codes := map[string]bool{"internal": true}
	for _, f := range srcs {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			codes[m[1]+m[2]+m[3]] = true
		}
	}
	if len(codes) < 20 {
		t.Fatalf("found only %d codes in the sources: the pattern is stale", len(codes))
	}
	md, err := os.ReadFile("../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Components struct {
			Schemas struct {
				Error struct {
					Properties struct {
						Error struct {
							Properties struct {
								Code struct {
									Enum []string `json:"enum"`
								} `json:"code"`
							} `json:"properties"`
						} `json:"error"`
					} `json:"properties"`
				} `json:"Error"`
			} `json:"schemas"`
		} `json:"components"`
	}
	loadOpenAPI(t, &spec)
	enum := map[string]bool{}
	for _, c := range spec.Components.Schemas.Error.Properties.Error.Properties.Code.Enum {
		enum[c] = true
	}
	for c := range codes {
		if !strings.Contains(string(md), "`"+c+"`") {
			t.Errorf("error code %s is not in docs/api.md", c)
		}
		if !enum[c] {
			t.Errorf("error code %s is not in openapi.json's Error.code enum", c)
		}
	}
	for c := range enum {
		if !codes[c] {
			t.Errorf("openapi.json documents %s, which the server never answers", c)
		}
	}
}

// loopbackRequest is a request as it arrives on 127.0.0.1:8080 for that
// address, which the Host guard accepts, for tests that call ServeHTTP.
func loopbackRequest(method, path string, body io.Reader) *http.Request {
	req := httptest.NewRequest(method, "http://127.0.0.1:8080"+path, body)
	return req.WithContext(context.WithValue(req.Context(), http.LocalAddrContextKey, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}))
}

// Every reason code is in openapi.json's error_code enum and explained in
// docs/api.md.
func TestReasonCodesDocumented(t *testing.T) {
	var spec struct {
		Components struct {
			Schemas struct {
				Payment struct {
					Properties struct {
						ErrorCode struct {
							Enum []string `json:"enum"`
						} `json:"error_code"`
					} `json:"properties"`
				} `json:"Payment"`
			} `json:"schemas"`
		} `json:"components"`
	}
	loadOpenAPI(t, &spec)
	md, err := os.ReadFile("../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, c := range payment.ReasonCodes() {
		want = append(want, string(c))
		if !strings.Contains(string(md), "`"+string(c)+"`") {
			t.Errorf("reason code %s is not explained in docs/api.md", c)
		}
	}
	if got := spec.Components.Schemas.Payment.Properties.ErrorCode.Enum; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("openapi error_code enum\n%v\nwant\n%v", got, want)
	}
}

// Each way a payment can end comes through the API with its error_code,
// and declined only when an issuer, the card or the wallet declined. Every
// reason code has a case here but interrupted, which only boot recovery
// sets (offline's TestRecover checks it).
func TestReasonCodesThroughTheAPI(t *testing.T) {
	visa := paymenttest.VisaOnline()
	declinedByCard, tapAnother, notAccepted, needsOnline, ended := visa, visa, visa, visa, visa
	declinedByCard.Outcome = payment.CardDeclined
	tapAnother = payment.CardResult{Outcome: payment.CardTryAnotherInterface, Reason: "cvm"}
	notAccepted = payment.CardResult{Outcome: payment.CardNotAccepted, Reason: "no aid"}
	ended = payment.CardResult{Outcome: payment.CardEndApplication, Reason: "card removed"}
	needsOnline.OfflineAllowed = false
	withPIN := paymenttest.VisaOnlinePIN()
	down := fmt.Errorf("dial: %w", payment.ErrGatewayUnavailable)
	decline := func(code, class string) []payment.GatewayResult {
		return []payment.GatewayResult{{Code: code, Decline: class}}
	}
	wallet := func(r payment.WalletResult, err error) func(*payment.Opts) {
		return func(o *payment.Opts) { o.Wallet.Wallets = &scriptedWallets{res: r, err: err} }
	}
	alipay := `{"amount":1000,"method":"alipayplus"}`
	for _, tc := range []struct {
		name   string
		body   string
		card   *payment.CardResult
		gwErr  error
		next   []payment.GatewayResult
		ports  func(*payment.Opts)
		then   string // an operation after the payment ends: void
		status string
		code   payment.ReasonCode
	}{
		{"issuer declined", `{"amount":1000}`, &visa, nil, decline("005", ""), nil, "", "declined", payment.ReasonIssuerDeclined},
		{"do not honour", `{"amount":1000}`, &visa, nil, decline("005", payment.DeclineDoNotHonour), nil, "", "declined", payment.ReasonDoNotHonour},
		{"insufficient funds", `{"amount":1000}`, &visa, nil, decline("051", payment.DeclineInsufficientFunds), nil, "", "declined", payment.ReasonInsufficientFunds},
		{"expired card", `{"amount":1000}`, &visa, nil, decline("054", payment.DeclineExpiredCard), nil, "", "declined", payment.ReasonExpiredCard},
		{"invalid card", `{"amount":1000}`, &visa, nil, decline("014", payment.DeclineInvalidCard), nil, "", "declined", payment.ReasonInvalidCard},
		{"duplicate", `{"amount":1000}`, &visa, nil, decline("094", payment.DeclineDuplicate), nil, "", "declined", payment.ReasonDuplicate},
		{"suspected fraud", `{"amount":1000}`, &visa, nil, decline("059", payment.DeclineFraud), nil, "", "declined", payment.ReasonSuspectedFraud},
		{"issuer unavailable", `{"amount":1000}`, &visa, nil, decline("091", payment.DeclineIssuerUnavailable), nil, "", "declined", payment.ReasonIssuerUnavailable},
		{"incorrect PIN", `{"amount":1000}`, &visa, nil, decline("055", payment.DeclineIncorrectPIN), nil, "", "declined", payment.ReasonIncorrectPIN},
		{"PIN tries exceeded", `{"amount":1000}`, &visa, nil, decline("075", payment.DeclinePINTriesExceeded), nil, "", "declined", payment.ReasonPINTriesExceeded},
		{"card declined", `{"amount":1000}`, &declinedByCard, nil, nil, nil, "", "declined", payment.ReasonCardDeclined},
		{"wallet declined", alipay, nil, nil, nil, wallet(payment.WalletResult{Code: "005"}, nil), "", "declined", payment.ReasonWalletDeclined},
		{"gateway unreachable, require online", `{"amount":1000,"offline":"require_online"}`, &visa, down, nil, nil, "", "failed", payment.ReasonGatewayUnreachable},
		{"gateway unreachable, card needs online", `{"amount":1000}`, &needsOnline, down, nil, nil, "", "failed", payment.ReasonGatewayUnreachable},
		{"no answer", `{"amount":1000,"offline":"require_online"}`, &visa, fmt.Errorf("read: %w", context.DeadlineExceeded), nil, nil, "", "failed", payment.ReasonNoAnswer},
		{"forced offline, card needs online", `{"amount":1000,"offline":"force_offline"}`, &needsOnline, nil, nil, nil, "", "failed", payment.ReasonOnlineRequired},
		{"offline limit", `{"amount":6000}`, &visa, down, nil, nil, "", "failed", payment.ReasonOfflineLimit},
		{"card not supported", `{"amount":1000}`, &notAccepted, nil, nil, nil, "", "failed", payment.ReasonCardNotSupported},
		{"try another method", `{"amount":1000}`, &tapAnother, nil, nil, nil, "", "failed", payment.ReasonTryAnotherMethod},
		{"card read failed", `{"amount":1000}`, &ended, nil, nil, nil, "", "failed", payment.ReasonCardReadFailed},
		{"PIN unavailable", `{"amount":1000}`, &withPIN, nil, nil, nil, "", "failed", payment.ReasonPINUnavailable},
		{"code not read", `{"amount":1000,"method":"alipayplus","scan":true}`, nil, nil, nil, func(o *payment.Opts) {
			o.Wallet = payment.WalletPorts{Wallets: &scriptedWallets{}, Scanner: brokenScanner{}}
		}, "", "failed", payment.ReasonCodeNotRead},
		{"wallet failed", alipay, nil, nil, nil, wallet(payment.WalletResult{}, errors.New("alipayplus: bad reply")), "", "failed", payment.ReasonWalletFailed},
		{"link not sent", `{"amount":1000,"method":"paylink","email":"client@example.com"}`, nil, nil, nil, func(o *payment.Opts) {
			o.Links = failingLinks{errors.New("smtp: 554 rejected")}
		}, "", "failed", payment.ReasonLinkNotSent},
		{"storage", `{"amount":1000}`, &visa, down, nil, func(o *payment.Opts) {
			o.Journal = exposureFails{paymenttest.NewJournal()}
		}, "", "failed", payment.ReasonStorage},
		{"cancelled by the cashier", `{"amount":1000}`, nil, nil, nil, nil, "cancel", "cancelled", payment.ReasonCancelledByCashier},
		{"PIN cancelled", `{"amount":1000}`, &withPIN, nil, nil, func(o *payment.Opts) {
			o.Card.PINs = &paymenttest.PINs{}
		}, "cancel PIN", "cancelled", payment.ReasonPINCancelled},
		{"timeout", `{"amount":1000}`, nil, nil, nil, func(o *payment.Opts) {
			o.CardTimeout = time.Millisecond // the service's own wait, no sleep here
		}, "", "cancelled", payment.ReasonTimeout},
		{"not paid in time", alipay, nil, nil, nil, wallet(payment.WalletResult{Expired: true}, nil), "", "expired", payment.ReasonNotPaidInTime},
		{"voided", `{"amount":1000}`, &visa, nil, nil, nil, "void", "cancelled", payment.ReasonVoided},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixturePorts(t, tc.ports, nil)
			f.gw.Err, f.gw.Next = tc.gwErr, tc.next
			status, p := f.do(t, "POST", "/v1/payments", tc.body)
			if status != http.StatusCreated {
				t.Fatalf("create: %d %v", status, p)
			}
			id := p["id"].(string)
			if tc.card != nil {
				f.cards.Present(*tc.card)
			}
			switch tc.then {
			case "cancel":
				waitState(t, f, id, "awaiting_customer")
				f.do(t, "POST", "/v1/payments/"+id+"/cancel", "")
			case "cancel PIN":
				// The customer cancels on the PIN pad (the till's, or
				// /v1/sim/pin): the service hears it, the API reports it.
				waitState(t, f, id, "awaiting_pin")
				if err := f.svc.CancelPIN(id); err != nil {
					t.Fatal(err)
				}
			}
			f.svc.Wait()
			if tc.then == "void" {
				if st, b := f.do(t, "POST", "/v1/payments/"+id+"/void", ""); st != http.StatusOK {
					t.Fatalf("void: %d %s", st, b)
				}
			}
			_, got := f.do(t, "GET", "/v1/payments/"+id, "")
			if got["status"] != tc.status || got["error_code"] != string(tc.code) || got["error"] == "" {
				t.Errorf("got %v %v (%v), want %s %s", got["status"], got["error_code"], got["error"], tc.status, tc.code)
			}
			produced[tc.code] = true
		})
	}
	for _, c := range payment.ReasonCodes() {
		if !produced[c] && c != payment.ReasonInterrupted {
			t.Errorf("reason code %s has no case through the API", c)
		}
	}
}

// waitState polls payment id until its state is want.
func waitState(t *testing.T, f *fixture, id, want string) {
	t.Helper()
	for {
		if _, got := f.do(t, "GET", "/v1/payments/"+id, ""); got["state"] == want {
			return
		}
	}
}

// produced are the reason codes TestReasonCodesThroughTheAPI saw.
var produced = map[payment.ReasonCode]bool{}

// scriptedWallets answers every wallet payment with res and err.
type scriptedWallets struct {
	res payment.WalletResult
	err error
}

func (w *scriptedWallets) Pay(context.Context, payment.WalletRequest, func(payment.WalletUpdate)) (payment.WalletResult, error) {
	return w.res, w.err
}
func (w *scriptedWallets) Refund(context.Context, string, payment.Amount) (payment.GatewayResult, error) {
	return payment.GatewayResult{}, payment.ErrNotSupported
}

// brokenScanner fails every read, as a scanner unplugged mid-scan does.
type brokenScanner struct{}

func (brokenScanner) Scan(context.Context) (string, error) {
	return "", errors.New("scanner: read: i/o error")
}
func (brokenScanner) String() string { return "broken scanner" }
func (brokenScanner) Halt() error    { return nil }

// failingLinks cannot send a link.
type failingLinks struct{ err error }

func (l failingLinks) Create(context.Context, payment.LinkRequest) (payment.Link, error) {
	return payment.Link{}, l.err
}
func (l failingLinks) Status(context.Context, string) (payment.LinkState, error) {
	return payment.LinkState{}, l.err
}
func (l failingLinks) Cancel(context.Context, string) error         { return l.err }
func (l failingLinks) Resend(context.Context, string, string) error { return l.err }
func (l failingLinks) Refund(context.Context, string, payment.Amount) (payment.GatewayResult, error) {
	return payment.GatewayResult{}, l.err
}

// exposureFails cannot read the offline queue's totals: an offline
// approval cannot be checked against the limits.
type exposureFails struct{ *paymenttest.Journal }

func (exposureFails) Exposure(context.Context) (payment.Exposure, error) {
	return payment.Exposure{}, errors.New("offline: reading the queue: input/output error")
}

// loadOpenAPI decodes docs/openapi.json into spec (a struct naming the
// parts a test reads).
func loadOpenAPI(t *testing.T, spec any) {
	t.Helper()
	b, err := os.ReadFile("../../docs/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, spec); err != nil {
		t.Fatal(err)
	}
}
