package gatewaysim_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"tpe/payment/gateway/gatewaysim"
)

// walletSim is a simulator with small keys behind a loopback server.
func walletSim(t *testing.T) (*gatewaysim.Server, *httptest.Server) {
	t.Helper()
	s, err := gatewaysim.New(t.TempDir(), &gatewaysim.Opts{KeyBits: 1024, CardKeyBits: 1024})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(func() { ts.Close(); s.Close() })
	return s, ts
}

func postJSON(t *testing.T, ts *httptest.Server, path string, body, out any) int {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, ts.URL+path, bytes.NewReader(b))
	req.SetBasicAuth(gatewaysim.DevOriginator, gatewaysim.DevPassword)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

// prepared is the answer to a prepare (payxpert-api.md §3.3).
type prepared struct {
	Code          string `json:"code"`
	MerchantToken string `json:"merchantToken"`
	CustomerToken string `json:"customerToken"`
}

// referralReply answers a Connect2Pay refund or cancel (§3.1).
type referralReply struct {
	Code          string `json:"code"`
	TransactionID string `json:"transactionID"`
}

func prepareAlipay(t *testing.T, ts *httptest.Server, order string, amount int64) prepared {
	t.Helper()
	var p prepared
	postJSON(t, ts, "/payment/prepare", map[string]any{"apiVersion": "002.73", "currency": "EUR", "amount": amount,
		"paymentMode": "Single", "paymentMethod": "Alipay", "timeOut": "PT2M", "order": map[string]any{"id": order}}, &p)
	if p.Code != "200" {
		t.Fatalf("prepare: %+v", p)
	}
	return p
}

func TestAlipayDirectMPM(t *testing.T) {
	s, ts := walletSim(t)
	p := prepareAlipay(t, ts, "ORD-1", 1000)
	var d gatewaysim.DirectProcessResponse
	postJSON(t, ts, "/payment/"+p.CustomerToken+"/process/alipay/direct", gatewaysim.AlipayDirectRequest{APIVersion: "002.73", Mode: "pos"}, &d)
	if d.Code != "200" || d.TransactionID == "" || d.ExchangeRate != 7.8945 || !strings.HasPrefix(d.QRCodeURL, "HTTPS://"+gatewaysim.QRDomain+"/MPM/3/") {
		t.Fatalf("got %+v", d)
	}
	raw, err := base64.StdEncoding.DecodeString(d.QRCode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(raw)); err != nil {
		t.Errorf("qrCode is not a PNG: %v", err)
	}
	if id, err := gatewaysim.ParseOrderCode(d.QRCodeURL); err != nil || id != d.TransactionID {
		t.Errorf("ParseOrderCode: got %q, %v; want %s", id, err, d.TransactionID)
	}
	// A second process on the same payment is refused while one runs.
	var d2 gatewaysim.DirectProcessResponse
	postJSON(t, ts, "/payment/"+p.CustomerToken+"/process/alipay/direct", gatewaysim.AlipayDirectRequest{APIVersion: "002.73", Mode: "pos"}, &d2)
	if d2.Code == "200" {
		t.Errorf("second process: got %+v", d2)
	}
	// The wallet app pays through the control endpoint.
	for _, c := range []struct {
		req  gatewaysim.WalletRequest
		want int
	}{
		{gatewaysim.WalletRequest{OrderID: "ORD-1", Action: "dance"}, http.StatusBadRequest},
		{gatewaysim.WalletRequest{OrderID: "ORD-1", Action: "decline:000"}, http.StatusBadRequest},
		{gatewaysim.WalletRequest{OrderID: "NOPE", Action: "pay"}, http.StatusNotFound},
		{gatewaysim.WalletRequest{QR: "HTTPS://ELSEWHERE/x", Action: "pay"}, http.StatusBadRequest},
		{gatewaysim.WalletRequest{QR: d.QRCodeURL, Wallet: "Kakao Pay", Action: "pay"}, http.StatusOK},
		{gatewaysim.WalletRequest{OrderID: "ORD-1", Action: "pay"}, http.StatusConflict},
	} {
		if got := postJSON(t, ts, "/sim/wallet", c.req, nil); got != c.want {
			t.Errorf("%+v: got %d, want %d", c.req, got, c.want)
		}
	}
	p2, err := s.PaymentByMerchantToken(p.MerchantToken)
	if err != nil || p2.Status != "Authorized" {
		t.Errorf("payment: got %+v, %v", p2, err)
	}
	var st struct {
		Transactions []gatewaysim.TransactionAttempt `json:"transactions"`
	}
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/payment/"+p.MerchantToken+"/status?apiVersion=002.73", nil)
	req.SetBasicAuth(gatewaysim.DevOriginator, gatewaysim.DevPassword)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if len(st.Transactions) != 1 || st.Transactions[0].PaymentNetwork != "Kakao Pay" || st.Transactions[0].ResultCode != "000" {
		t.Errorf("status: got %+v", st)
	}
}

func TestAlipayDirectCPMAndCancel(t *testing.T) {
	s, ts := walletSim(t)
	cases := []struct {
		code, wantStatus, wantCode, wallet string
		amount                             int64
	}{
		{"281011021234567890123456", "Captured", "000", "GCash", 500},
		{"281011021234567890123456", "Not authorized", "051", "GCash", 99051},
		{"991011021234567890123456", "Not authorized", "004", "", 500},
		{"281011021234567890129999", "Pending", "", "GCash", 500},
	}
	var pending gatewaysim.DirectProcessResponse
	for i, c := range cases {
		p := prepareAlipay(t, ts, "CPM-"+string(rune('A'+i)), c.amount)
		var d gatewaysim.DirectProcessResponse
		postJSON(t, ts, "/payment/"+p.CustomerToken+"/process/alipay/direct",
			gatewaysim.AlipayDirectRequest{APIVersion: "002.73", Mode: "app", BuyerIdentityCode: c.code, IdentityCodeType: "barcode"}, &d)
		a := d.TransactionInfo
		if d.Code != "200" || a == nil || a.Status != c.wantStatus || a.ResultCode != c.wantCode || a.PaymentNetwork != c.wallet {
			t.Errorf("%s %d: got %+v %+v", c.code, c.amount, d, a)
		}
		pending = d
	}
	var bad gatewaysim.DirectProcessResponse
	p := prepareAlipay(t, ts, "CPM-X", 500)
	postJSON(t, ts, "/payment/"+p.CustomerToken+"/process/alipay/direct", gatewaysim.AlipayDirectRequest{APIVersion: "002.73", Mode: "app", BuyerIdentityCode: "12ab"}, &bad)
	if bad.Code != "401" {
		t.Errorf("bad buyer code: got %+v", bad)
	}
	// Cancelling the attempt in process: confirmed, and the wallet can no
	// longer pay it.
	var cr referralReply
	postJSON(t, ts, "/transaction/"+pending.TransactionID+"/refund", map[string]any{"apiVersion": "002.73", "amount": 500}, &cr)
	if cr.Code == "000" {
		t.Errorf("refund of a pending attempt: got %+v", cr)
	}
	postJSON(t, ts, "/transaction/"+pending.TransactionID+"/cancel", map[string]any{"apiVersion": "002.73", "amount": 500}, &cr)
	if cr.Code != "000" || cr.TransactionID == "" {
		t.Errorf("cancel: got %+v", cr)
	}
	if err := s.WalletAction("CPM-D", "", gatewaysim.ActionPay); !errors.Is(err, gatewaysim.ErrPaymentClosed) {
		t.Errorf("paying a cancelled attempt: got %v", err)
	}
}

func TestHostedPageFrench(t *testing.T) {
	_, ts := walletSim(t)
	p := prepareAlipay(t, ts, "PAGE-1", 1999)
	resp, err := http.Get(ts.URL + "/payment/" + p.CustomerToken + "?lang=fr")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	resp.Body.Close()
	if !strings.Contains(b.String(), "Paiement sécurisé") || !strings.Contains(b.String(), "Numéro de carte") {
		t.Errorf("french page: %s", b.String())
	}
	for form, want := range map[string]int{
		"amount=1999&currency=EUR&cardNumber=4111111111111112&expiry=12/39&cvv=123": http.StatusUnprocessableEntity, // Luhn
		"amount=1999&currency=EUR&cardNumber=4111111111111111&expiry=01/20&cvv=123": http.StatusUnprocessableEntity, // expired
		"amount=1999&currency=EUR&cardNumber=4111111111111111&expiry=12/39&cvv=1":   http.StatusUnprocessableEntity, // cvv
		"amount=1998&currency=EUR&cardNumber=4111111111111111&expiry=12/39&cvv=123": http.StatusUnprocessableEntity, // amount
	} {
		v, _ := url.ParseQuery(form)
		resp, err := http.PostForm(ts.URL+"/payment/"+p.CustomerToken+"/pay", v)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: got %d, want %d", form, resp.StatusCode, want)
		}
	}
	if resp, _ := http.Get(ts.URL + "/payment/unknown-token"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown token: got %d", resp.StatusCode)
	}
}

func FuzzParseOrderCode(f *testing.F) {
	f.Add(gatewaysim.OrderCode("abcdefghij-k2m4", "T0001-20261126-000042"))
	f.Add("HTTPS://" + gatewaysim.QRDomain + "/MPM/3/R1BMRDAwNw==")
	f.Add("HTTPS://QR.SAMPLEDOMAIN.COM/MPM/3/R1BMRDA5NVBMVlMwMDIwMUNEU0QwMzMwMTE0")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := gatewaysim.ParseOrderCode(s)
		if err == nil && gatewaysim.OrderCode(id, "x") == "" {
			t.Fatal("unreachable")
		}
	})
}
