package gatewaysim_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tpe/payment/gateway/gatewaysim"
)

// FuzzSimRequests posts arbitrary bodies to the simulator's JSON endpoints:
// every answer must be JSON with a result code, never a panic or a 5xx.
func FuzzSimRequests(f *testing.F) {
	s, _ := newSimF(f)
	for _, seed := range []string{
		`{"customerIP":"127.0.0.1","amount":1000,"currency":"EUR","orderID":"o-1","cardData":"eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIn0.a.b.c.d","cardMasked":"497010******0014","entryMode":"contactless","cryptogramType":"ARQC"}`,
		`{"transactionID":"1000001","amount":100}`,
		`{"apiVersion":"002.73","currency":"EUR","amount":100,"paymentMode":"Single","order":{"id":"o"},"timeOut":"P1D"}`,
		`{"customerIP":"127.0.0.1","amount":8000,"currency":"EUR","orderID":"o-2","cardData":"x.y.z.w.v","entryMode":"contactless","cryptogramType":"ARQC","cvm":"online_pin","pinBlock":"2D48775BB8E67E0059D590E0CB2FB86F","ksn":"123456789012345600000001"}`,
		`{}`, `[]`, `null`, `{"amount":-1}`,
	} {
		f.Add("/transaction/sale/emv", seed)
		f.Add("/transaction/1000001/refund", seed)
		f.Add("/payment/prepare", seed)
	}
	// Advice batches: a real one (card sealed to the simulator's key), a
	// misspelt key, a case-changed key inside an advice, junk.
	sealed := sealFor(f, s, "4970100000000014", 1000)
	for _, seed := range []string{
		`{"advices":[{"amount":1000,"currency":"EUR","orderID":"f-1","offline":true,"cardData":"` + sealed + `"}]}`,
		`{"advices":[{"Amount":1000,"currency":"EUR","orderID":"f-2","offline":true,"cardData":"` + sealed + `"}]}`,
		`{"Advices":[]}`, `{"advices":[null]}`, `{"advices":[1]}`, `{"advices":{}}`,
	} {
		f.Add("/transaction/sale/emv/batch", seed)
	}
	// PayXpert's documented requests (../testdata/payxpert).
	for path, name := range map[string]string{"/transaction/sale/emv": "gw-sale-emv.request.json",
		"/transaction/1000001/refund": "gw-refund.request.json", "/payment/prepare": "c2p-prepare.request.json"} {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "payxpert", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(path, string(b))
	}
	f.Fuzz(func(t *testing.T, path, body string) {
		switch {
		case path == "/transaction/sale/emv", path == "/transaction/authorize/emv", path == "/payment/prepare",
			path == "/transaction/sale/emv/batch",
			strings.HasPrefix(path, "/transaction/") && strings.Count(path, "/") == 3 && !strings.ContainsAny(path, "?#% "):
		default:
			return
		}
		if _, err := url.ParseRequestURI(path); err != nil {
			return // not a request the server could receive
		}
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		req.SetBasicAuth(gatewaysim.DevOriginator, gatewaysim.DevPassword)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s: status %d", path, rec.Code)
		}
		if rec.Code != 200 {
			return
		}
		var r map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
			t.Fatalf("%s: reply is not JSON: %q", path, rec.Body.String())
		}
		if r["errorCode"] == nil && r["code"] == nil {
			t.Fatalf("%s: reply without a result code: %q", path, rec.Body.String())
		}
	})
}
