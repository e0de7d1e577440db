package gatewaysim_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"tpe/payment/gateway/gatewaysim"
)

// fakeClock is a settable Opts.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestInjectedClock: access tokens, device codes, payment links and
// order codes expire on Opts.Now, not on the wall clock.
func TestInjectedClock(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)}
	sim, ts := newSim(t, &gatewaysim.Opts{Now: clk.Now})
	form := func(path string, v url.Values) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, ts.URL+path, strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(gatewaysim.DevClientID, gatewaysim.DevClientSecret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return m
	}
	tok, _ := form("/oauth/token", url.Values{"grant_type": {"client_credentials"}})["access_token"].(string)
	if tok == "" {
		t.Fatal("no access token")
	}
	export := func() int {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/transactions", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	dev := form("/oauth/device_authorization", url.Values{"client_id": {gatewaysim.DevCashierClient}})
	userCode, _ := dev["user_code"].(string)
	var p prepared
	postJSON(t, ts, "/payment/prepare", map[string]any{"apiVersion": "002.73", "currency": "EUR", "amount": 700,
		"paymentMode": "Single", "paymentMethod": "Alipay", "timeOut": "PT3M", "order": map[string]any{"id": "CLK-1"}}, &p)
	var d gatewaysim.DirectProcessResponse
	postJSON(t, ts, "/payment/"+p.CustomerToken+"/process/alipay/direct", gatewaysim.AlipayDirectRequest{APIVersion: "002.73", Mode: "pos"}, &d)
	if export() != http.StatusOK || userCode == "" || d.QRCodeURL == "" {
		t.Fatalf("setup: export %d, device %v, direct %+v", export(), dev, d)
	}

	clk.Advance(4 * time.Minute) // past the link's 3 min, inside the 5 min lifetimes
	if code := export(); code != http.StatusOK {
		t.Errorf("access token after 4 min: HTTP %d, want 200", code)
	}
	if err := sim.WalletScan(d.QRCodeURL, "", gatewaysim.ActionPay); !errors.Is(err, gatewaysim.ErrPaymentClosed) {
		t.Errorf("order code after its payment's timeOut: got %v, want ErrPaymentClosed", err)
	}
	if pay, _ := sim.PaymentByMerchantToken(p.MerchantToken); pay.Status != "Expired" {
		t.Errorf("payment after its timeOut: %s, want Expired", pay.Status)
	}

	clk.Advance(2 * time.Minute) // past the 5 min access-token and device-code lifetimes
	if code := export(); code != http.StatusUnauthorized {
		t.Errorf("access token after 6 min: HTTP %d, want 401", code)
	}
	if err := sim.ApproveDevice(userCode, "alice"); !errors.Is(err, gatewaysim.ErrUnknownUserCode) {
		t.Errorf("device code after 6 min: got %v, want ErrUnknownUserCode", err)
	}
}
