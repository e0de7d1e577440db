package api

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"
)

// TestOriginAndHost drives the guard over real HTTP on loopback: a web page
// on another origin and a DNS-rebound name are refused, a cash register
// (no Origin) and the API's own origin pass.
func TestOriginAndHost(t *testing.T) {
	f := newFixtureWith(t, func(o *Opts) { o.AllowedHosts = []string{"tpe-0042.local", "front.example:9443"} })
	u, _ := url.Parse(f.srv.URL)
	port := u.Port()
	tests := []struct {
		name, method, host, origin string
		preflight                  bool
		status                     int
		code                       string
	}{
		{"cash register: no Origin", "GET", "", "", false, 200, ""},
		{"same origin", "GET", "", "http://127.0.0.1:" + port, false, 200, ""},
		{"same origin POST", "POST", "", "http://127.0.0.1:" + port, false, 422, "invalid_amount"},
		{"loopback alias origin", "GET", "", "http://localhost:" + port, false, 200, ""},
		{"foreign origin", "GET", "", "http://evil.example", false, 403, "forbidden_origin"},
		{"foreign origin POST", "POST", "", "https://evil.example", false, 403, "forbidden_origin"},
		{"origin on another local port", "GET", "", "http://localhost:3000", false, 403, "forbidden_origin"},
		{"origin with the wrong scheme", "GET", "", "https://127.0.0.1:" + port, false, 403, "forbidden_origin"},
		{"null origin", "GET", "", "null", false, 403, "forbidden_origin"},
		{"preflight from a web page", "OPTIONS", "", "http://evil.example", true, 403, "forbidden_origin"},
		{"preflight even same origin", "OPTIONS", "", "http://127.0.0.1:" + port, true, 403, "forbidden_origin"},
		{"rebound host name", "GET", "evil.example:" + port, "", false, 421, "forbidden_host"},
		{"rebound host name without port", "GET", "evil.example", "", false, 421, "forbidden_host"},
		{"rebound host, matching origin", "GET", "evil.example:" + port, "http://evil.example:" + port, false, 421, "forbidden_host"},
		{"localhost", "GET", "localhost:" + port, "", false, 200, ""},
		{"LOCALHOST.", "GET", "LOCALHOST.:" + port, "", false, 200, ""},
		{"::1", "GET", "[::1]:" + port, "", false, 200, ""},
		{"right host, wrong port", "GET", "127.0.0.1:1", "", false, 421, "forbidden_host"},
		{"allowed name", "GET", "tpe-0042.local:" + port, "", false, 200, ""},
		{"allowed name, wrong port", "GET", "tpe-0042.local:1", "", false, 421, "forbidden_host"},
		{"allowed name:port", "GET", "front.example:9443", "", false, 200, ""},
		{"allowed name:port, other port", "GET", "front.example:" + port, "", false, 421, "forbidden_host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := "/v1/health"
			body := ""
			if tt.method == "POST" {
				path, body = "/v1/payments", "{}"
			}
			req, _ := http.NewRequest(tt.method, f.srv.URL+path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			if tt.host != "" {
				req.Host = tt.host
			}
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			if tt.preflight {
				req.Header.Set("Access-Control-Request-Method", "POST")
				req.Header.Set("Access-Control-Request-Headers", "authorization")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			var m map[string]any
			json.Unmarshal(b, &m)
			if resp.StatusCode != tt.status || errCode(m) != tt.code {
				t.Errorf("got %d %q, want %d %q (%s)", resp.StatusCode, errCode(m), tt.status, tt.code, b)
			}
			for k := range resp.Header {
				if strings.HasPrefix(k, "Access-Control-Allow") {
					t.Errorf("CORS header %s: %v", k, resp.Header[k])
				}
			}
		})
	}
}

// TestHostOnAnotherInterface checks the rules for a connection that arrived
// on a LAN address (the terminal listening on 0.0.0.0).
func TestHostOnAnotherInterface(t *testing.T) {
	f := newFixture(t)
	s, err := New(Opts{Service: f.svc, Token: token, AllowedHosts: []string{"tpe-0042.local"}})
	if err != nil {
		t.Fatal(err)
	}
	open, err := New(Opts{Service: f.svc, AllowNoToken: true})
	if err != nil {
		t.Fatal(err)
	}
	lan := &net.TCPAddr{IP: net.IPv4(192, 168, 1, 20), Port: 8080}
	lo := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}
	tests := []struct {
		name   string
		srv    *Server
		local  net.Addr
		host   string
		status int
		code   string
	}{
		{"the LAN address", s, lan, "192.168.1.20:8080", 200, ""},
		{"the terminal's name", s, lan, "tpe-0042.local:8080", 200, ""},
		{"another IP", s, lan, "192.168.1.21:8080", 421, "forbidden_host"},
		{"localhost is not the LAN address", s, lan, "localhost:8080", 421, "forbidden_host"},
		{"0.0.0.0 is not the LAN address", s, lan, "0.0.0.0:8080", 421, "forbidden_host"},
		{"0.0.0.0 reaches loopback", s, lo, "0.0.0.0:8080", 200, ""},
		{"no local address: allowed names only", s, nil, "127.0.0.1:8080", 421, "forbidden_host"},
		{"open mode on loopback", open, lo, "127.0.0.1:8080", 200, ""},
		{"open mode never beyond loopback", open, lan, "192.168.1.20:8080", 403, "forbidden_host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/v1/health", nil)
			req.Host = tt.host
			if tt.local != nil {
				req = req.WithContext(context.WithValue(req.Context(), http.LocalAddrContextKey, tt.local))
			}
			req.Header.Set("Authorization", "Bearer "+token)
			w := httptest.NewRecorder()
			tt.srv.ServeHTTP(w, req)
			var m map[string]any
			json.Unmarshal(w.Body.Bytes(), &m)
			if w.Code != tt.status || errCode(m) != tt.code {
				t.Errorf("got %d %q, want %d %q", w.Code, errCode(m), tt.status, tt.code)
			}
		})
	}
}

func TestTokenRules(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name        string
		o           Opts
		errContains string
	}{
		{"no token", Opts{}, "token is required"},
		{"short token", Opts{Token: "0123456789abcde"}, "15 characters, want at least 16"},
		{"16 characters", Opts{Token: "0123456789abcdef"}, ""},
		{"no token on loopback sim", Opts{AllowNoToken: true}, ""},
		{"short token on loopback sim", Opts{Token: "abc", AllowNoToken: true}, "want at least 16"},
		{"short supervisor token", Opts{Token: token, SupervisorToken: "short"}, "supervisor token is 5 characters"},
		{"same supervisor token", Opts{Token: token, SupervisorToken: token}, "must differ"},
		{"supervisor token", Opts{Token: token, SupervisorToken: "supervisor-0123456789"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.Service = f.svc
			_, err := New(tt.o)
			if tt.errContains == "" && err != nil {
				t.Fatalf("got %v, want no error", err)
			}
			if tt.errContains != "" && (err == nil || !strings.Contains(err.Error(), tt.errContains)) {
				t.Fatalf("got %v, want an error with %q", err, tt.errContains)
			}
			if err != nil && tt.o.Token != "" && strings.Contains(err.Error(), tt.o.Token) {
				t.Errorf("the error shows the token: %v", err)
			}
		})
	}
}

const superToken = "supervisor-0123456789"

func TestSupervisorToken(t *testing.T) {
	f := newFixtureWith(t, func(o *Opts) { o.SupervisorToken = superToken })
	refundable := f.sale(t, 1000)["id"].(string)
	voidable := f.sale(t, 700)["id"].(string)
	call := func(method, path, body, tok string) (int, string) {
		status, b := f.raw(t, method, path, body, tok)
		var m map[string]any
		json.Unmarshal(b, &m)
		return status, errCode(m)
	}
	guarded := []struct{ name, method, path, body string }{
		{"refund", "POST", "/v1/payments/" + refundable + "/refunds", `{"amount":250}`},
		{"void", "POST", "/v1/payments/" + voidable + "/void", ""},
		{"batch close", "POST", "/v1/batches/close", ""},
	}
	for _, g := range guarded {
		t.Run(g.name+" with the API token", func(t *testing.T) {
			if status, code := call(g.method, g.path, g.body, token); status != 403 || code != "supervisor_required" {
				t.Errorf("got %d %q, want 403 supervisor_required", status, code)
			}
		})
	}
	if len(f.gw.Refunds) != 0 {
		t.Fatal("a refused refund reached the gateway")
	}
	for _, g := range guarded {
		t.Run(g.name+" with the supervisor token", func(t *testing.T) {
			if status, code := call(g.method, g.path, g.body, superToken); status >= 300 {
				t.Errorf("got %d %q, want success", status, code)
			}
		})
	}
	t.Run("the supervisor token does what the API token does", func(t *testing.T) {
		for _, p := range []string{"/v1/health", "/v1/payments", "/v1/reports/x"} {
			if status, code := call("GET", p, "", superToken); status != 200 {
				t.Errorf("GET %s: got %d %q, want 200", p, status, code)
			}
		}
	})
	t.Run("a wrong token is still 401", func(t *testing.T) {
		if status, code := call("POST", "/v1/batches/close", "", superToken+"x"); status != 401 || code != "unauthorized" {
			t.Errorf("got %d %q, want 401 unauthorized", status, code)
		}
	})
}

// TestDocsNameTheGuard keeps docs/openapi.json's supervisor operations equal
// to the route table's, and docs/api.md naming every guard code.
func TestDocsNameTheGuard(t *testing.T) {
	b, err := os.ReadFile("../../docs/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Role      string         `json:"x-tpe-role"`
			Responses map[string]any `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var documented, routed []string
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if op.Role == "supervisor" {
				documented = append(documented, strings.ToUpper(method)+" "+path)
			}
			for _, status := range []string{"401", "403", "421"} {
				if op.Responses[status] == nil {
					t.Errorf("%s %s does not document %s", method, path, status)
				}
			}
		}
	}
	for _, r := range (&Server{}).routes() {
		if r.need == supervisor {
			routed = append(routed, r.method+" "+r.path)
		}
	}
	sort.Strings(documented)
	sort.Strings(routed)
	if strings.Join(documented, ",") != strings.Join(routed, ",") || len(routed) != 5 {
		t.Errorf("supervisor operations: openapi.json %v, routes %v", documented, routed)
	}
	md, err := os.ReadFile("../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"forbidden_origin", "forbidden_host", "supervisor_required", "api.supervisor_token", "16", "api.allowed_hosts", "fingerprint"} {
		if !strings.Contains(string(md), code) {
			t.Errorf("docs/api.md does not mention %s", code)
		}
	}
}

// TestMetricsBehindTheToken: GET /metrics follows the API's rules (token,
// host, origin) like every other operation, and answers 404 when the
// program exposes no metrics.
func TestMetricsBehindTheToken(t *testing.T) {
	exposition := "# HELP tpe_up x\n# TYPE tpe_up gauge\ntpe_up 1\n"
	metrics := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		io.WriteString(w, exposition)
	})
	with := newFixtureWith(t, func(o *Opts) { o.Metrics = metrics })
	without := newFixture(t)
	tests := []struct {
		name          string
		f             *fixture
		auth, origin  string
		status        int
		code, content string
	}{
		{"token", with, "Bearer " + token, "", 200, "", exposition},
		{"no token", with, "", "", 401, "unauthorized", ""},
		{"wrong token", with, "Bearer " + strings.Repeat("x", 20), "", 401, "unauthorized", ""},
		{"web page", with, "Bearer " + token, "http://evil.example", 403, "forbidden_origin", ""},
		{"no metrics", without, "Bearer " + token, "", 404, "not_found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", tt.f.srv.URL+"/metrics", nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			var m map[string]any
			json.Unmarshal(b, &m)
			if resp.StatusCode != tt.status || errCode(m) != tt.code {
				t.Fatalf("got %d %q, want %d %q (%s)", resp.StatusCode, errCode(m), tt.status, tt.code, b)
			}
			if tt.content != "" && string(b) != tt.content {
				t.Errorf("body %q, want the metrics handler's %q", b, tt.content)
			}
		})
	}
}
