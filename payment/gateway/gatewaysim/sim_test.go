package gatewaysim_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tpe/payment/gateway/gatewaysim"
)

var (
	keysOnce sync.Once
	keysJSON []byte
)

func newSim(t *testing.T, o *gatewaysim.Opts) (*gatewaysim.Server, *httptest.Server) {
	return newSimO(t, o)
}

func newSimF(f *testing.F) (*gatewaysim.Server, *httptest.Server) { return newSimO(f, nil) }

func newSimO(t testing.TB, o *gatewaysim.Opts) (*gatewaysim.Server, *httptest.Server) {
	t.Helper()
	keysOnce.Do(func() {
		d, _ := os.MkdirTemp("", "gwsimkeys")
		defer os.RemoveAll(d)
		s, err := gatewaysim.New(d, nil)
		if err != nil {
			panic(err)
		}
		s.Close()
		keysJSON, _ = os.ReadFile(filepath.Join(d, "keys.json"))
	})
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "keys.json"), keysJSON, 0o600)
	s, err := gatewaysim.New(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(func() { ts.Close(); s.Close() })
	return s, ts
}

func do(t *testing.T, method, u, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	req.SetBasicAuth(gatewaysim.DevOriginator, gatewaysim.DevPassword)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestFaultControlEndpoint(t *testing.T) {
	s, ts := newSim(t, nil)
	if code, _ := do(t, "POST", ts.URL+"/sim/faults", `{"fail_5xx":2,"latency_ms":1}`); code != 200 {
		t.Fatalf("POST /sim/faults: %d", code)
	}
	if f := s.Faults(); f.Fail5xx != 2 || f.LatencyMS != 1 {
		t.Fatalf("faults %+v", f)
	}
	for i := range 2 {
		if code, _ := do(t, "GET", ts.URL+"/health", ""); code != 503 {
			t.Fatalf("request %d: %d, want 503", i, code)
		}
	}
	if code, _ := do(t, "GET", ts.URL+"/health", ""); code != 200 {
		t.Fatalf("after the injected failures: %d", code)
	}
	do(t, "POST", ts.URL+"/sim/faults", `{"drop":1}`)
	// A fresh connection: net/http retries an idempotent request once on
	// a reused connection closed without an answer.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if resp, err := fresh.Get(ts.URL + "/health"); err == nil {
		resp.Body.Close()
		t.Fatalf("dropped connection answered %d", resp.StatusCode)
	}
	do(t, "POST", ts.URL+"/sim/faults", `{"down":true}`)
	// The IdP and the control endpoints stay up when the gateway is down.
	if code, _ := do(t, "GET", ts.URL+"/.well-known/openid-configuration", ""); code != 200 {
		t.Fatalf("discovery while down: %d", code)
	}
	if code, _ := do(t, "GET", ts.URL+"/transactions", ""); code != 503 {
		t.Fatalf("export while down: %d", code)
	}
	if code, _ := do(t, "DELETE", ts.URL+"/sim/faults", ""); code != 200 || s.Faults() != (gatewaysim.Faults{}) {
		t.Fatalf("DELETE /sim/faults: %d %+v", code, s.Faults())
	}
	if code, _ := do(t, "POST", ts.URL+"/sim/faults", `{"drop":"x"}`); code != 400 {
		t.Fatalf("bad faults JSON: %d", code)
	}
}

func TestAuthRequired(t *testing.T) {
	_, ts := newSim(t, nil)
	for _, c := range []struct{ user, pass, bearer string }{{}, {"tpe-dev", "nope", ""}, {"", "", "abc.def.ghi"}} {
		req, _ := http.NewRequest("GET", ts.URL+"/transactions", nil)
		if c.user != "" {
			req.SetBasicAuth(c.user, c.pass)
		}
		if c.bearer != "" {
			req.Header.Set("Authorization", "Bearer "+c.bearer)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("%+v: %d, want 401", c, resp.StatusCode)
		}
	}
}

func TestFormatErrors(t *testing.T) {
	_, ts := newSim(t, nil)
	for name, body := range map[string]string{
		"not JSON":     `{`,
		"no order":     `{"amount":100,"currency":"EUR","cardData":"x"}`,
		"bad currency": `{"amount":100,"currency":"ZZZ","orderID":"o","cardData":"x"}`,
		"bad JWE":      `{"amount":100,"currency":"EUR","orderID":"o","cardData":"x.y.z.a.b"}`,
		"too large":    `{"orderID":"` + strings.Repeat("a", 70<<10) + `"}`,
	} {
		code, b := do(t, "POST", ts.URL+"/transaction/sale/emv", body)
		var r struct{ ErrorCode string }
		json.Unmarshal([]byte(b), &r)
		if code != 200 || (r.ErrorCode != "030" && r.ErrorCode != "013") {
			t.Errorf("%s: %d %s", name, code, b)
		}
	}
	if _, b := do(t, "POST", ts.URL+"/transaction/123/refund", `{"amount":1}`); !strings.Contains(b, `"312"`) {
		t.Errorf("refund of an unknown transaction: %s", b)
	}
	if _, b := do(t, "GET", ts.URL+"/transactions?startDate=x", ""); !strings.Contains(b, `"030"`) {
		t.Errorf("export with a bad date: %s", b)
	}
}

func TestDevicePage(t *testing.T) {
	s, ts := newSim(t, nil)
	resp, err := http.PostForm(ts.URL+"/oauth/device_authorization", url.Values{"client_id": {gatewaysim.DevCashierClient}})
	if err != nil {
		t.Fatal(err)
	}
	var da map[string]any
	json.NewDecoder(resp.Body).Decode(&da)
	resp.Body.Close()
	code := da["user_code"].(string)
	page, _ := http.Get(da["verification_uri_complete"].(string))
	b, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if !bytes.Contains(b, []byte(`value="`+code+`"`)) {
		t.Fatalf("device page does not prefill the code: %s", b)
	}
	r, _ := http.PostForm(ts.URL+"/device", url.Values{"user_code": {code}, "username": {"alice"}, "password": {"wrong"}, "action": {"approve"}})
	r.Body.Close()
	if r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", r.StatusCode)
	}
	r, _ = http.PostForm(ts.URL+"/device", url.Values{"user_code": {code}, "username": {"alice"}, "password": {"alice"}, "action": {"approve"}})
	r.Body.Close()
	if r.StatusCode != http.StatusOK {
		t.Fatalf("approval: %d", r.StatusCode)
	}
	if err := s.ApproveDevice(code, "bob"); err == nil {
		t.Fatal("a code was approved twice")
	}
}

func TestParseISODuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"P1D": 24 * time.Hour, "PT30M": 30 * time.Minute, "P1DT12H": 36 * time.Hour, "PT45S": 45 * time.Second, "P30D": 720 * time.Hour} {
		if got, err := gatewaysim.ParseISODuration(in); err != nil || got != want {
			t.Errorf("%s: %v %v, want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "P", "PT", "P1M", "1D", "P-1D", "PT1.5H", "P99999999D"} {
		if _, err := gatewaysim.ParseISODuration(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestLedgerEndpointAndCorruption(t *testing.T) {
	_, ts := newSim(t, nil)
	code, b := do(t, "GET", ts.URL+"/sim/ledger", "")
	if code != 200 || !strings.Contains(b, `"transactions":[]`) {
		t.Fatalf("empty ledger: %d %s", code, b)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "keys.json"), keysJSON, 0o600)
	os.WriteFile(filepath.Join(dir, "ledger.jsonl"), []byte("garbage\n{\"txn\":{\"transactionID\":\"1\"}}\n"), 0o600)
	if _, err := gatewaysim.New(dir, nil); err == nil {
		t.Fatal("a corrupt ledger (bad line in the middle) was accepted")
	}
	os.WriteFile(filepath.Join(dir, "keys.json"), []byte("{}"), 0o600)
	if _, err := gatewaysim.New(dir, nil); err == nil {
		t.Fatal("an empty key file was accepted")
	}
}
