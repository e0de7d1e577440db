package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"tpe/payment/gateway"
)

// FuzzDecodeReply feeds the reply decoder arbitrary bodies. Seeds are
// replies of the PayXpert shapes (payxpert-api.md §2.4, §2.5, §3.3, §3.4)
// and the golden fixtures of PayXpert's documented replies.
func FuzzDecodeReply(f *testing.F) {
	for _, s := range []string{
		`{"errorCode":"000","errorMessage":"Transaction successfully completed","transactionID":"1000042","authorizationCode":"123456","amount":2590,"currency":"EUR","paymentMeanInfo":{"cardNumber":"497010******0014","cardBrand":"visa"}}`,
		`{"errorCode":"051","errorMessage":"insufficient funds"}`,
		`{"errorCode":"000","errorMessage":"ok","transaction":{"transactionID":"1000042","orderID":"o-1","status":"Captured","errorCode":"000","operation":"sale","paymentType":"creditcard","date":1795656603,"amount":2590,"currency":"EUR","refundedAmount":1000}}`,
		`{"errorCode":"000","errorMessage":"ok","transactionList":[{"transactionID":"1000001","orderID":"o","operation":"sale","errorCode":"000","amount":1,"currency":"EUR","date":1}]}`,
		`{"code":"200","message":"Request processed successfully","merchantToken":"W2n1yR8UXNJBrJxbsqOy3g","customerToken":"JPhorvt8Zj8zH1eIrWNqmw"}`,
		`{"apiVersion":"002.73","status":"Authorized","merchantToken":"W2n1yR8UXNJBrJxbsqOy3g","errorCode":"000","errorMessage":"","currency":"EUR","amount":100,"transactions":[{"operation":"sale","date":1493992285000,"amount":100,"currency":"EUR","resultCode":"000","resultMessage":"ok","transactionID":"1v0masio6c-1nrr"}]}`,
		`{"errorCode":0}`, `[]`, ``, `{"errorCode":"000"} x`, "\x00", `{"a":` + `[` + `]}`,
	} {
		f.Add([]byte(s))
	}
	// PayXpert's documented replies (testdata/payxpert).
	replies, _ := filepath.Glob(filepath.Join("testdata", "payxpert", "*.reply.json"))
	for _, name := range replies {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, v := range []any{&gateway.SaleResponse{}, &gateway.StatusResponse{}, &gateway.ExportResponse{}, &gateway.PaymentStatus{}, &gateway.PrepareResponse{}} {
			err := gateway.DecodeReply(bytes.NewReader(b), 4096, v)
			if err == nil {
				if _, err := json.Marshal(v); err != nil {
					t.Fatalf("decoded value does not re-encode: %v", err)
				}
				continue
			}
			if !errors.Is(err, gateway.ErrMalformedReply) && !errors.Is(err, gateway.ErrReplyTooLarge) {
				t.Fatalf("untyped error %v", err)
			}
			if len(b) >= 8 && bytes.Contains([]byte(err.Error()), b) {
				t.Fatalf("error echoes the body: %v", err)
			}
		}
		// Classify must never approve anything but "000".
		var r gateway.SaleResponse
		if gateway.DecodeReply(bytes.NewReader(b), 4096, &r) == nil {
			if ok, _, _ := gateway.Classify(r.ErrorCode); ok != (r.ErrorCode == "000") {
				t.Fatalf("Classify(%q) approved", r.ErrorCode)
			}
		}
	})
}

// FuzzVerifyIDToken feeds the ID-token verifier arbitrary strings: it must
// answer a *TokenError, never panic, and never accept a token that was not
// signed by the test IdP's keys.
func FuzzVerifyIDToken(f *testing.F) {
	p := newTestIdPF(f)
	v, _ := gateway.NewIDVerifier(p.ts.URL, testClient, &gateway.IDOpts{MinRefetch: time.Hour})
	good := sign(f, jose.RS256, rsaA, "kid-a", "JWT", p.good())
	f.Add(good)
	f.Add(good[:len(good)-3])
	f.Add(b64(map[string]string{"alg": "none"}) + "." + b64(p.good()) + ".")
	f.Add(sign(f, jose.RS256, rsaA, "kid-a", "at+jwt", p.good()))
	f.Add("eyJhbGciOiJIUzI1NiJ9.e30.sig")
	f.Add("a.b.c.d.e")
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := v.Verify(context.Background(), raw)
		if err == nil {
			if raw != good && !strings.HasPrefix(raw, good[:strings.LastIndexByte(good, '.')]) {
				t.Fatalf("accepted a token the IdP did not sign: %q", raw)
			}
			if c.Subject != "user-carol" {
				t.Fatalf("claims %+v", c)
			}
			return
		}
		var te *gateway.TokenError
		if !errors.As(err, &te) {
			t.Fatalf("untyped error %v", err)
		}
	})
}
