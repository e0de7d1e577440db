package apisim

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"tpe/payment"
	"tpe/payment/paymenttest"
	"tpe/ui/api"
	"tpe/ui/simctl"
)

const token = "0123456789abcdef0123"

type fakeWorld struct {
	presented []string
	online    bool
	receipts  []image.Image
}

func (w *fakeWorld) PresentCard(_ context.Context, profile string, script []byte) error {
	if profile == "unknown" {
		return fmt.Errorf("%w: no card profile %q", simctl.ErrNotFound, profile)
	}
	w.presented = append(w.presented, profile)
	return nil
}
func (w *fakeWorld) Cards() []simctl.Card {
	return []simctl.Card{{Name: "visa-credit", Description: "Visa credit"}}
}
func (w *fakeWorld) Scan(context.Context, string) error { return simctl.ErrNotAvailable }
func (w *fakeWorld) Wallet(_ context.Context, id, _, _ string) error {
	return fmt.Errorf("%w: payment %s", simctl.ErrNotFound, id)
}
func (w *fakeWorld) SetNetwork(online bool) error   { w.online = online; return nil }
func (w *fakeWorld) Network() bool                  { return w.online }
func (w *fakeWorld) Receipts() []image.Image        { return w.receipts }
func (w *fakeWorld) Display() image.Image           { return nil }
func (w *fakeWorld) Outbox() ([]simctl.Mail, error) { return nil, nil }

func newServer(t *testing.T, world simctl.World) *api.Server {
	t.Helper()
	svc, err := payment.New(payment.Opts{
		Merchant: payment.Merchant{Name: "Test", TerminalID: "T0000001"},
		Journal:  paymenttest.NewJournal(), Card: payment.CardPorts{Reader: paymenttest.NewCards(), Gateway: &paymenttest.Gateway{}},
		Offline:     payment.OfflineLimits{DefaultFloor: 5000, MaxCount: 5, MaxTotal: 20000, MaxAge: time.Hour},
		CardTimeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	s, err := api.New(api.Opts{Service: svc, Token: token, Extra: Routes(world)})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestOpenAPIMatchesRoutes is the contract test of the simulator's server:
// with /v1/sim/ mounted, docs/openapi.json lists exactly the operations it
// routes, and docs/api.md names each.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	b, err := os.ReadFile("../../../docs/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	routed := newServer(t, &fakeWorld{}).Routes()
	sort.Strings(documented)
	sort.Strings(routed)
	if strings.Join(documented, "\n") != strings.Join(routed, "\n") {
		t.Errorf("openapi.json and routes differ:\ndocumented:\n%s\nrouted:\n%s", strings.Join(documented, "\n"), strings.Join(routed, "\n"))
	}
	md, err := os.ReadFile("../../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range Routes(&fakeWorld{}) {
		if !strings.Contains(string(md), r.Method+" "+r.Path) {
			t.Errorf("docs/api.md does not document %s %s", r.Method, r.Path)
		}
	}
}

func TestEndpoints(t *testing.T) {
	world := &fakeWorld{online: true}
	srv := httptest.NewServer(newServer(t, world))
	defer srv.Close()
	do := func(method, path, body string) (int, []byte, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var m map[string]any
		json.Unmarshal(b, &m)
		return resp.StatusCode, b, m
	}
	code := func(m map[string]any) string {
		e, _ := m["error"].(map[string]any)
		c, _ := e["code"].(string)
		return c
	}
	if status, _, _ := do("POST", "/v1/sim/card", `{"card":"visa-credit"}`); status != 204 || len(world.presented) != 1 || world.presented[0] != "visa-credit" {
		t.Errorf("present: %d %v", status, world.presented)
	}
	if status, _, m := do("POST", "/v1/sim/card", `{"card":"unknown"}`); status != 404 || code(m) != "not_found" {
		t.Errorf("unknown card: %d %v", status, m)
	}
	if status, _, m := do("POST", "/v1/sim/card", `{}`); status != 422 || code(m) != "invalid_request" {
		t.Errorf("no card: %d %v", status, m)
	}
	if status, _, m := do("GET", "/v1/sim/cards", ``); status != 200 || len(m["cards"].([]any)) != 1 {
		t.Errorf("cards: %d %v", status, m)
	}
	if status, _, m := do("POST", "/v1/sim/scan", `{"code":"281234567890123456"}`); status != 501 || code(m) != "not_available" {
		t.Errorf("scan: %d %v", status, m)
	}
	if status, _, m := do("POST", "/v1/sim/network", `{"online":false}`); status != 200 || m["online"] != false || world.online {
		t.Errorf("network: %d %v", status, m)
	}
	if status, _, m := do("POST", "/v1/sim/wallet", `{"payment_id":"pay_x","action":"pay"}`); status != 404 || code(m) != "not_found" {
		t.Errorf("wallet for unknown payment: %d %v", status, m)
	}
	if status, _, m := do("POST", "/v1/sim/wallet", `{"payment_id":"pay_x","action":"dance"}`); status != 422 {
		t.Errorf("wallet action: %d %v", status, m)
	}
	if status, _, m := do("GET", "/v1/sim/printer/last.png", ``); status != 404 || code(m) != "not_found" {
		t.Errorf("printer before any receipt: %d %v", status, m)
	}
	world.receipts = []image.Image{image.NewGray(image.Rect(0, 0, 8, 4))}
	if status, b, _ := do("GET", "/v1/sim/printer/last.png", ``); status != 200 || !strings.HasPrefix(string(b), "\x89PNG") {
		t.Errorf("printer png: %d", status)
	}
	if status, _, m := do("GET", "/v1/sim/display.png", ``); status != 501 || code(m) != "not_available" {
		t.Errorf("display without one: %d %v", status, m)
	}
	if status, _, m := do("GET", "/v1/sim/outbox", ``); status != 200 || m["messages"] == nil {
		t.Errorf("outbox: %d %v", status, m)
	}
	// The guard applies: no token, no simulator.
	req, _ := http.NewRequest("GET", srv.URL+"/v1/sim/cards", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 {
		t.Errorf("without token: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
}
