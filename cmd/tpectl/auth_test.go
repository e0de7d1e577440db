package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"tpe/payment/gateway/gatewaysim"
)

// TestAuthVerifyIDToken signs a cashier in on the simulator (device grant,
// approved through the Go API) and checks the ID token with the command.
func TestAuthVerifyIDToken(t *testing.T) {
	sim, err := gatewaysim.New(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	ts := httptest.NewServer(sim)
	defer ts.Close()
	post := func(path string, v url.Values, out any) {
		resp, err := http.PostForm(ts.URL+path, v)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		json.NewDecoder(resp.Body).Decode(out)
	}
	var da struct{ DeviceCode, UserCode string }
	var raw map[string]string
	post("/oauth/device_authorization", url.Values{"client_id": {gatewaysim.DevCashierClient}}, &raw)
	da.DeviceCode, da.UserCode = raw["device_code"], raw["user_code"]
	if err := sim.ApproveDevice(da.UserCode, "bob"); err != nil {
		t.Fatal(err)
	}
	var tok map[string]any
	post("/oauth/token", url.Values{"client_id": {gatewaysim.DevCashierClient}, "device_code": {da.DeviceCode},
		"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}}, &tok)
	idt, _ := tok["id_token"].(string)
	at, _ := tok["access_token"].(string)
	if idt == "" || at == "" {
		t.Fatalf("token response %v", tok)
	}
	var out bytes.Buffer
	if err := runAuth(context.Background(), []string{"verify-id-token", "--issuer", ts.URL, "--audience", gatewaysim.DevCashierClient, idt}, &out); err != nil {
		t.Fatalf("valid token refused: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(out.Bytes(), &claims); err != nil || claims["role"] != "supervisor" || claims["name"] != "Bob Durand" {
		t.Fatalf("claims %s (%v)", out.String(), err)
	}
	for name, args := range map[string][]string{
		"wrong audience": {"verify-id-token", "--issuer", ts.URL, "--audience", "other", idt},
		"wrong issuer":   {"verify-id-token", "--issuer", ts.URL + "/x", "--audience", gatewaysim.DevCashierClient, idt},
		"access token":   {"verify-id-token", "--issuer", ts.URL, "--audience", gatewaysim.DevCashierClient, at},
		"not a token":    {"verify-id-token", "--issuer", ts.URL, "--audience", gatewaysim.DevCashierClient, "abc"},
		"missing flags":  {"verify-id-token", idt},
		"wrong command":  {"verify"},
	} {
		out.Reset()
		err := runAuth(context.Background(), args, &out)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if strings.Contains(err.Error(), idt) || out.Len() != 0 {
			t.Errorf("%s: error leaks the token or claims were printed: %v", name, err)
		}
	}
}
