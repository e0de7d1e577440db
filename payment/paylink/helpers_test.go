package paylink_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"tpe/payment"
	"tpe/payment/gateway"
	"tpe/payment/gateway/gatewaysim"
	"tpe/payment/gateway/gatewaysim/simtest"
	"tpe/payment/notify"
	"tpe/payment/notify/smtpsim"
	"tpe/payment/paylink"
)

type env struct {
	clock  *clock
	sim    *gatewaysim.Server
	ts     *httptest.Server
	client *gateway.Client
	gw     *countingGateway
	smtp   *smtpsim.Server
	mailer *notify.Mailer
	links  *paylink.Links
}

var merchant = payment.Merchant{Name: "Boulangerie Élise", TerminalID: "T0001"}

// countingGateway is the real client, counting prepares and keeping the
// tokens so tests can look at payments whose link failed.
type countingGateway struct {
	*gateway.Client
	mu    sync.Mutex
	preps []gateway.PrepareResponse
}

func (g *countingGateway) Prepare(ctx context.Context, r gateway.PrepareRequest) (gateway.PrepareResponse, error) {
	resp, err := g.Client.Prepare(ctx, r)
	g.mu.Lock()
	g.preps = append(g.preps, resp)
	g.mu.Unlock()
	return resp, err
}

func (g *countingGateway) prepared() []gateway.PrepareResponse {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]gateway.PrepareResponse(nil), g.preps...)
}

// clock is the tests' time: the simulator reads it for link expiry and
// paylink for the deadlines it prints, so a test moves it instead of
// sleeping until a link expires.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newEnv(t *testing.T, validity time.Duration, lang string) *env {
	t.Helper()
	clk := &clock{now: time.Now()}
	dir := simtest.Dir(t)
	sim, err := gatewaysim.New(dir, &gatewaysim.Opts{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	c, err := gateway.New(ts.URL, &gateway.Opts{Originator: gatewaysim.DevOriginator, Password: gatewaysim.DevPassword, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	sink, err := smtpsim.Start("127.0.0.1:0", &smtpsim.Opts{Users: map[string]string{"tpe": "pw"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	host, port, _ := net.SplitHostPort(sink.Addr())
	p, _ := strconv.Atoi(port)
	m, err := notify.New(&notify.Opts{Host: host, Port: p, Username: "tpe", Password: "pw", From: "tpe@boulangerie.example",
		Merchant: merchant, Lang: lang, ReportTo: "gerant@boulangerie.example", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	gw := &countingGateway{Client: c}
	l, err := paylink.New(gw, m, &paylink.Opts{Validity: validity, Merchant: merchant, Lang: lang, Location: time.UTC, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return &env{clock: clk, sim: sim, ts: ts, client: c, gw: gw, smtp: sink, mailer: m, links: l}
}

// page fetches a link's hosted page.
func page(t *testing.T, link string) (int, string) {
	t.Helper()
	resp, err := http.Get(link)
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
	return resp.StatusCode, b.String()
}

// payPage posts the hosted page's form as a shopper's browser would.
func payPage(t *testing.T, link string, amount int64, currency, pan string) int {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(link+"/pay", url.Values{"amount": {strconv.FormatInt(amount, 10)}, "currency": {currency},
		"cardNumber": {pan}, "expiry": {"12/39"}, "cvv": {"123"}, "holder": {"A Shopper"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// urlIn finds the payment link in a mail's text.
func urlIn(t *testing.T, text, prefix string) string {
	t.Helper()
	for _, f := range strings.Fields(text) {
		if strings.HasPrefix(f, prefix) {
			return f
		}
	}
	t.Fatalf("no %s… link in %q", prefix, text)
	return ""
}
