package gateway_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"tpe/payment"
	"tpe/payment/gateway"
	"tpe/payment/gateway/gatewaysim"
)

func TestSaleRefundVoidEndToEnd(t *testing.T) {
	e := newEnv(t, nil, nil)
	c := e.client(t, nil)
	ctx := context.Background()
	if err := c.Ping(ctx); err != nil {
		t.Fatalf("ping: %v", err)
	}
	order := orderID(t)
	res, err := c.Sale(ctx, sale(order, 2590))
	if err != nil {
		t.Fatalf("sale: %v", err)
	}
	if !res.Approved || res.Code != "000" || res.GatewayID == "" || len(res.AuthCode) != 6 || res.Amount != eur(2590) {
		t.Fatalf("sale result %+v, want approved with ID and auth code", res)
	}
	// Two partial refunds, then one too many.
	for i, minor := range []int64{1000, 1590} {
		r, err := c.Refund(ctx, res.GatewayID, eur(minor))
		if err != nil || !r.Approved || r.GatewayID == "" || r.GatewayID == res.GatewayID {
			t.Fatalf("refund %d: %+v, %v", i, r, err)
		}
	}
	r, err := c.Refund(ctx, res.GatewayID, eur(1))
	if err != nil || r.Approved || r.Code != gateway.CodeRefundExceeds {
		t.Fatalf("refund beyond the original: %+v, %v; want declined 064", r, err)
	}
	st, err := c.Status(ctx, res.GatewayID)
	if err != nil || st.RefundedAmount != 2590 || st.Status != gateway.StatusRefunded || st.OrderID != order {
		t.Fatalf("status %+v, %v", st, err)
	}
	// A refunded sale cannot be voided; a fresh one can, once.
	if v, err := c.Void(ctx, res.GatewayID, eur(2590)); err != nil || v.Approved {
		t.Fatalf("void of a refunded sale: %+v, %v", v, err)
	}
	order2 := orderID(t)
	res2, err := c.Sale(ctx, sale(order2, 1250))
	if err != nil || !res2.Approved {
		t.Fatalf("sale 2: %+v, %v", res2, err)
	}
	if v, err := c.Void(ctx, res2.GatewayID, eur(1250)); err != nil || !v.Approved {
		t.Fatalf("void: %+v, %v", v, err)
	}
	if v, err := c.Void(ctx, res2.GatewayID, eur(1250)); err != nil || v.Approved || v.Code != gateway.CodeInvalidTransaction {
		t.Fatalf("second void: %+v, %v; want declined 012", v, err)
	}
	lk, err := c.Lookup(ctx, order2)
	if err != nil || lk.GatewayID != res2.GatewayID || !lk.Approved || lk.Message != "cancelled" {
		t.Fatalf("lookup of voided order: %+v, %v", lk, err)
	}
	if _, err := c.Lookup(ctx, "no-such-order"); !errors.Is(err, payment.ErrNotFound) {
		t.Fatalf("lookup of unknown order: %v, want ErrNotFound", err)
	}
	if _, err := c.Status(ctx, "999999999"); !errors.Is(err, payment.ErrNotFound) {
		t.Fatalf("status of unknown transaction: %v, want ErrNotFound", err)
	}
	// Ledger: sale + 2 refunds for order 1, sale + cancel for order 2.
	if n := len(entriesFor(e.sim, order)); n != 3 {
		t.Errorf("ledger has %d entries for order 1, want 3", n)
	}
	if n := len(entriesFor(e.sim, order2)); n != 2 {
		t.Errorf("ledger has %d entries for order 2, want 2", n)
	}
	// Card data never reaches the simulator's disk in clear.
	for _, f := range []string{"ledger.jsonl"} {
		b, _ := os.ReadFile(filepath.Join(e.dir, f))
		if bytes.Contains(b, []byte(testPAN)) || !bytes.Contains(b, []byte("497010******0014")) {
			t.Errorf("%s: clear PAN present or masked PAN missing", f)
		}
	}
}

func TestAuthorizeCapture(t *testing.T) {
	e := newEnv(t, nil, nil)
	c := e.client(t, nil)
	ctx := context.Background()
	res, err := c.Authorize(ctx, sale(orderID(t), 5000))
	if err != nil || !res.Approved {
		t.Fatalf("authorize: %+v, %v", res, err)
	}
	cp, err := c.Capture(ctx, res.GatewayID, eur(4000))
	if err != nil || !cp.Approved {
		t.Fatalf("capture: %+v, %v", cp, err)
	}
	if cp2, err := c.Capture(ctx, res.GatewayID, eur(1000)); err != nil || cp2.Approved {
		t.Fatalf("second capture: %+v, %v; want refused", cp2, err)
	}
	if r, err := c.Refund(ctx, cp.GatewayID, eur(4000)); err != nil || !r.Approved {
		t.Fatalf("refund of the capture: %+v, %v", r, err)
	}
}

func TestResultCodes(t *testing.T) {
	e := newEnv(t, nil, nil)
	c := e.client(t, nil)
	ctx := context.Background()
	tests := []struct {
		name    string
		amount  int64
		pan     string
		expiry  string
		code    string
		decline string
	}{
		{"insufficient funds by amount", 99051, "", "", "051", payment.DeclineInsufficientFunds},
		{"do not honour by amount", 99005, "", "", "005", payment.DeclineDoNotHonour},
		{"expired 054 by amount", 99054, "", "", "054", payment.DeclineExpiredCard},
		{"expired 033 by amount", 99033, "", "", "033", payment.DeclineExpiredCard},
		{"issuer unavailable", 99091, "", "", "091", payment.DeclineIssuerUnavailable},
		{"acquirer error", 99096, "", "", "096", payment.DeclineIssuerUnavailable},
		{"lost card", 99041, "", "", "041", payment.DeclineFraud},
		{"invalid card", 99014, "", "", "014", payment.DeclineInvalidCard},
		{"generic issuer decline", 99001, "", "", "001", payment.DeclineGeneric},
		{"limits exceeded", 99034, "", "", "034", payment.DeclineInsufficientFunds},
		{"insufficient funds by PAN", 1000, "4000000000000051", "", "051", payment.DeclineInsufficientFunds},
		{"do not honour by PAN", 1000, "4000000000000005", "", "005", payment.DeclineDoNotHonour},
		{"expired by PAN", 1000, "4000000000000054", "", "054", payment.DeclineExpiredCard},
		{"issuer unavailable by PAN", 1000, "4000000000000091", "", "091", payment.DeclineIssuerUnavailable},
		{"card past its expiry date", 1000, "", "2001", "054", payment.DeclineExpiredCard},
		{"approved trigger", 99000, "", "", "000", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := sale(orderID(t), tt.amount)
			if tt.pan != "" {
				req.Card.PAN = payment.NewPAN(tt.pan)
			}
			if tt.expiry != "" {
				req.Card.Expiry = tt.expiry
			}
			res, err := c.Sale(ctx, req)
			if err != nil {
				t.Fatalf("sale: %v (a decline is not an error)", err)
			}
			if res.Code != tt.code || res.Decline != tt.decline || res.Approved != (tt.code == "000") {
				t.Fatalf("got code %q decline %q approved %v, want %q %q", res.Code, res.Decline, res.Approved, tt.code, tt.decline)
			}
		})
	}
}

// TestEveryMappedCode drives every code of the table through the simulator
// (amount 990.NN answers 0NN) and checks the client's classification.
func TestEveryMappedCode(t *testing.T) {
	e := newEnv(t, nil, nil)
	c := e.client(t, nil)
	ctx := context.Background()
	n := 0
	for code, decline := range gateway.Codes() {
		nn, err := strconv.Atoi(code)
		if err != nil || nn >= 97 { // 097 is the slow trigger: see TestVirtualCardCryptogram
			continue
		}
		res, err := c.Sale(ctx, sale(orderID(t), int64(gatewaysim.TriggerBase+nn)))
		if err != nil || res.Approved || res.Code != code || res.Decline != decline || res.Message == "" {
			t.Errorf("code %s: %+v, %v; want decline %s", code, res, err, decline)
		}
		n++
	}
	if n < 40 {
		t.Fatalf("only %d codes exercised", n)
	}
}

func TestClassifyUnknownCodeIsDecline(t *testing.T) {
	for _, code := range []string{"999", "", "00", "0000", "abc", "-1"} {
		ok, decline, _ := gateway.Classify(code)
		if ok || decline != payment.DeclineGeneric {
			t.Errorf("Classify(%q) = %v %q, want a generic decline", code, ok, decline)
		}
	}
	if ok, d, _ := gateway.Classify("000"); !ok || d != "" {
		t.Errorf("Classify(000) = %v %q", ok, d)
	}
}

func TestDuplicateOrder(t *testing.T) {
	e := newEnv(t, nil, nil)
	c := e.client(t, nil)
	ctx := context.Background()
	order := orderID(t)
	first, err := c.Sale(ctx, sale(order, 700))
	if err != nil || !first.Approved {
		t.Fatalf("first sale: %+v, %v", first, err)
	}
	// The same order again (a terminal re-sending after a crash): the
	// gateway answers 094 and the client returns the original outcome.
	again, err := c.Sale(ctx, sale(order, 700))
	if err != nil || again.GatewayID != first.GatewayID || !again.Approved {
		t.Fatalf("repeated order: %+v, %v; want the original %s", again, err, first.GatewayID)
	}
	if n := len(entriesFor(e.sim, order)); n != 1 {
		t.Fatalf("ledger has %d sales for the order, want 1", n)
	}
	// The raw 094 is visible on the wire for a duplicate the lookup
	// cannot resolve (an amount trigger forces 094 without recording).
	res, err := c.Sale(ctx, sale(orderID(t), 99094))
	if err != nil || res.Approved || res.Code != "094" || res.Decline != payment.DeclineDuplicate {
		t.Fatalf("forced 094: %+v, %v", res, err)
	}
}

// TestNoDoubleCharge runs every ambiguous failure and checks the ledger
// holds exactly one sale per order and the client reports it.
func TestNoDoubleCharge(t *testing.T) {
	e := newEnv(t, &gatewaysim.Opts{HangDelay: 3 * time.Second}, nil)
	tests := []struct {
		name   string
		faults gatewaysim.Faults
		amount int64
		opts   func(*gateway.Opts)
	}{
		{"reply lost: connection dropped after processing", gatewaysim.Faults{DropAfter: 1}, 1100, nil},
		{"500 after processing", gatewaysim.Faults{Fail5xxAfter: 1}, 1200, nil},
		{"connection dropped before processing", gatewaysim.Faults{Drop: 1}, 1300, nil},
		{"503 before processing", gatewaysim.Faults{Fail5xx: 2}, 1400, nil},
		{"client timeout while the gateway holds the reply", gatewaysim.Faults{}, gatewaysim.TriggerHang,
			func(o *gateway.Opts) { o.Timeout = 300 * time.Millisecond }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.client(t, tt.opts)
			ctx := context.Background()
			if err := c.Ping(ctx); err != nil { // token and card key before the faults
				t.Fatal(err)
			}
			warmUp(t, c)
			e.sim.SetFaults(tt.faults)
			defer e.sim.SetFaults(gatewaysim.Faults{})
			order := orderID(t)
			res, err := c.Sale(ctx, sale(order, tt.amount))
			if err != nil || !res.Approved {
				t.Fatalf("sale: %+v, %v; want approved once the ambiguity is resolved", res, err)
			}
			got := entriesFor(e.sim, order)
			if len(got) != 1 || got[0].TransactionID != res.GatewayID {
				t.Fatalf("ledger holds %d entries for the order (%+v), want exactly the one reported", len(got), got)
			}
		})
	}
}

func TestUnreachableGatewayIsUnavailable(t *testing.T) {
	e := newEnv(t, nil, nil)
	c := e.client(t, func(o *gateway.Opts) { o.Attempts = 2 })
	ctx := context.Background()
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	warmUp(t, c)
	e.sim.SetFaults(gatewaysim.Faults{Down: true})
	_, err := c.Sale(ctx, sale(orderID(t), 500))
	if !errors.Is(err, payment.ErrGatewayUnavailable) || errors.Is(err, gateway.ErrOutcomeUnknown) {
		t.Fatalf("sale with the gateway down: %v, want ErrGatewayUnavailable only", err)
	}
	if err := c.Ping(ctx); !errors.Is(err, payment.ErrGatewayUnavailable) {
		t.Fatalf("ping with the gateway down: %v", err)
	}
	e.sim.SetFaults(gatewaysim.Faults{})
	e.ts.Close()
	_, err = c.Sale(ctx, sale(orderID(t), 500))
	if !errors.Is(err, payment.ErrGatewayUnavailable) {
		t.Fatalf("sale with the server gone: %v, want ErrGatewayUnavailable", err)
	}
	if n := len(e.sim.Ledger()); n != 1 {
		t.Fatalf("ledger holds %d entries, want only the warm-up sale", n)
	}
}

func TestOutcomeUnknownWhenNothingAnswers(t *testing.T) {
	// Every call is processed-then-dropped: the sale goes through but the
	// client can never learn it; it must say "unknown", not "unavailable".
	e := newEnv(t, nil, nil)
	c := e.client(t, func(o *gateway.Opts) { o.Attempts = 2 })
	ctx := context.Background()
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	warmUp(t, c)
	e.sim.SetFaults(gatewaysim.Faults{DropAfter: 100})
	order := orderID(t)
	_, err := c.Sale(ctx, sale(order, 800))
	if !errors.Is(err, gateway.ErrOutcomeUnknown) || errors.Is(err, payment.ErrGatewayUnavailable) {
		t.Fatalf("got %v, want ErrOutcomeUnknown", err)
	}
	if n := len(entriesFor(e.sim, order)); n != 1 {
		t.Fatalf("ledger has %d sales, want 1 (never resent while unknown)", n)
	}
}

func TestRefundNotResentWhenUnknown(t *testing.T) {
	e := newEnv(t, nil, nil)
	c := e.client(t, nil)
	ctx := context.Background()
	res, err := c.Sale(ctx, sale(orderID(t), 3000))
	if err != nil || !res.Approved {
		t.Fatal(res, err)
	}
	e.sim.SetFaults(gatewaysim.Faults{DropAfter: 1})
	_, err = c.Refund(ctx, res.GatewayID, eur(1000))
	if !errors.Is(err, gateway.ErrOutcomeUnknown) {
		t.Fatalf("refund with a lost reply: %v, want ErrOutcomeUnknown", err)
	}
	st, err := c.Status(ctx, res.GatewayID)
	if err != nil || st.RefundedAmount != 1000 {
		t.Fatalf("status after the lost refund reply: %+v, %v; want exactly one refund of 1000", st, err)
	}
	// A void whose reply is lost is resolved by reading the status.
	res2, _ := c.Sale(ctx, sale(orderID(t), 3000))
	e.sim.SetFaults(gatewaysim.Faults{DropAfter: 1})
	v, err := c.Void(ctx, res2.GatewayID, eur(3000))
	if err != nil || !v.Approved {
		t.Fatalf("void with a lost reply: %+v, %v", v, err)
	}
}

func TestBasicAuth(t *testing.T) {
	e := newEnv(t, nil, nil)
	ctx := context.Background()
	c := e.client(t, func(o *gateway.Opts) {
		o.OAuth, o.Originator, o.Password = nil, gatewaysim.DevOriginator, gatewaysim.DevPassword
	})
	if res, err := c.Sale(ctx, sale(orderID(t), 100)); err != nil || !res.Approved {
		t.Fatalf("sale with Basic: %+v, %v", res, err)
	}
	bad := e.client(t, func(o *gateway.Opts) { o.OAuth, o.Originator, o.Password = nil, "tpe-dev", "wrong" })
	_, err := bad.Sale(ctx, sale(orderID(t), 100))
	if !errors.Is(err, gateway.ErrUnauthorized) || !errors.Is(err, payment.ErrGatewayUnavailable) {
		t.Fatalf("sale with a wrong password: %v", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Fatalf("error leaks the password: %v", err)
	}
	badSecret := e.client(t, func(o *gateway.Opts) { o.OAuth.ClientSecret = "nope" })
	if _, err := badSecret.Lookup(ctx, "x"); !errors.Is(err, gateway.ErrUnauthorized) {
		t.Fatalf("lookup with a wrong client secret: %v", err)
	}
}

func TestRefreshOnceOn401(t *testing.T) {
	// The first request bearing each new access token is refused 401, as a
	// gateway does after revoking it: the client must fetch a new token and
	// retry once, then give up rather than loop.
	var seen = map[string]bool{}
	reject := 1
	e := newEnv(t, nil, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if a := r.Header.Get("Authorization"); strings.HasPrefix(a, "Bearer ") && !seen[a] && reject > 0 {
				seen[a] = true
				reject--
				http.Error(w, "revoked", http.StatusUnauthorized)
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	c := e.client(t, nil)
	ctx := context.Background()
	if _, err := c.Lookup(ctx, "x"); !errors.Is(err, payment.ErrNotFound) {
		t.Fatalf("lookup after one 401: %v", err)
	}
	if n := e.tokens.get("POST /oauth/token"); n != 2 {
		t.Fatalf("%d token requests, want 2 (refreshed once)", n)
	}
	reject = 100
	if _, err := c.Lookup(ctx, "x"); !errors.Is(err, gateway.ErrUnauthorized) {
		t.Fatalf("lookup when every token is refused: %v", err)
	}
	if n := e.tokens.get("POST /oauth/token"); n > 4 {
		t.Fatalf("%d token requests: the client loops on 401", n)
	}
}

func TestMalformedAndOversizedReplies(t *testing.T) {
	secret := "4970100000000014-ECHO"
	tests := []struct {
		name string
		body string
		want error
	}{
		{"not JSON", "<html>" + secret + "</html>", gateway.ErrMalformedReply},
		{"truncated JSON", `{"errorCode":"000","transactionID":"1`, gateway.ErrMalformedReply},
		{"wrong type", `{"errorCode":0}`, gateway.ErrMalformedReply},
		{"trailing data", `{"errorCode":"000"} {"x":1}`, gateway.ErrMalformedReply},
		{"array", `[{"errorCode":"000"}]`, gateway.ErrMalformedReply},
		{"oversized", `{"errorMessage":"` + strings.Repeat("A", 2<<20) + `"}`, gateway.ErrReplyTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil, func(h http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if strings.HasPrefix(r.URL.Path, "/transaction") {
						w.Write([]byte(tt.body))
						return
					}
					h.ServeHTTP(w, r)
				})
			})
			c := e.client(t, func(o *gateway.Opts) { o.Attempts = 2 })
			ctx := context.Background()
			_, err := c.Sale(ctx, sale(orderID(t), 100))
			if !errors.Is(err, gateway.ErrOutcomeUnknown) || !errors.Is(err, tt.want) {
				t.Fatalf("sale: %v, want ErrOutcomeUnknown and %v", err, tt.want)
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), testPAN) {
				t.Fatalf("error echoes the reply: %v", err)
			}
			if _, err := c.Status(ctx, "1000001"); !errors.Is(err, tt.want) {
				t.Fatalf("status: %v, want %v", err, tt.want)
			}
		})
	}
}

func TestTLSTrust(t *testing.T) {
	e := newEnv(t, nil, nil)
	ctx := context.Background()
	pin := gateway.SPKIPin(e.ts.Certificate())
	pinned := e.client(t, func(o *gateway.Opts) { o.TLS = gateway.TLSOpts{PinSHA256: []string{pin}} })
	if err := pinned.Ping(ctx); err != nil {
		t.Fatalf("ping with the right pin: %v", err)
	}
	both := e.client(t, func(o *gateway.Opts) { o.TLS.PinSHA256 = []string{pin} })
	if err := both.Ping(ctx); err != nil {
		t.Fatalf("ping with CA and pin: %v", err)
	}
	wrong := e.client(t, func(o *gateway.Opts) {
		o.TLS = gateway.TLSOpts{PinSHA256: []string{strings.Repeat("ab", 32)}}
		o.Attempts = 1
	})
	if err := wrong.Ping(ctx); !errors.Is(err, gateway.ErrPinMismatch) || !errors.Is(err, payment.ErrGatewayUnavailable) {
		t.Fatalf("ping with a wrong pin: %v", err)
	}
	system := e.client(t, func(o *gateway.Opts) { o.TLS = gateway.TLSOpts{}; o.Attempts = 1 })
	if err := system.Ping(ctx); err == nil {
		t.Fatal("ping trusting only system roots succeeded against a test certificate")
	}
	if _, err := (gateway.TLSOpts{PinSHA256: []string{"short"}}).Config(); err == nil {
		t.Fatal("a malformed pin was accepted")
	}
}

func TestCardDataSealed(t *testing.T) {
	var body []byte
	e := newEnv(t, nil, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/transaction/sale/emv" {
				b := new(bytes.Buffer)
				b.ReadFrom(r.Body)
				body = b.Bytes()
				r.Body = readCloser{bytes.NewReader(body)}
			}
			h.ServeHTTP(w, r)
		})
	})
	c := e.client(t, nil)
	if res, err := c.Sale(context.Background(), sale(orderID(t), 100)); err != nil || !res.Approved {
		t.Fatal(res, err)
	}
	if len(body) == 0 {
		t.Fatal("no sale body seen")
	}
	for _, clear := range []string{testPAN, "4970100000000014d3012201", "9f2608"} {
		if bytes.Contains(bytes.ToLower(body), []byte(clear)) {
			t.Fatalf("request body carries %q in clear: %s", clear, body)
		}
	}
	if !bytes.Contains(body, []byte(`"cardData":"eyJ`)) {
		t.Fatalf("no JWE in the body: %s", body)
	}
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

func TestLedgerSurvivesRestart(t *testing.T) {
	dir := simDir(t)
	s, err := gatewaysim.New(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := newServer(t, s)
	c, err := gateway.New(ts.URL, &gateway.Opts{Originator: gatewaysim.DevOriginator, Password: gatewaysim.DevPassword, HTTPClient: ts.Client()})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Sale(context.Background(), sale("restart-1", 4200))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Refund(context.Background(), res.GatewayID, eur(200)); err != nil {
		t.Fatal(err)
	}
	ts.Close()
	s.Close()
	// A torn last line (a crash mid-write) must not stop the restart.
	f, _ := os.OpenFile(filepath.Join(dir, "ledger.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	f.Write([]byte(`{"txn":{"transactionID":"99`))
	f.Close()
	s2, err := gatewaysim.New(dir, nil)
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	defer s2.Close()
	l := s2.Ledger()
	if len(l) != 2 || l[0].OrderID != "restart-1" || l[0].RefundedAmount != 200 || l[1].Operation != "refund" {
		t.Fatalf("ledger after restart: %+v", l)
	}
	// The order is still known: a re-sent sale is a duplicate.
	ts2 := newServer(t, s2)
	c2, _ := gateway.New(ts2.URL, &gateway.Opts{Originator: gatewaysim.DevOriginator, Password: gatewaysim.DevPassword, HTTPClient: ts2.Client()})
	again, err := c2.Sale(context.Background(), sale("restart-1", 4200))
	if err != nil || again.GatewayID != res.GatewayID {
		t.Fatalf("re-sent order after restart: %+v, %v", again, err)
	}
	if len(s2.Ledger()) != 3-1 {
		t.Fatalf("ledger grew on a duplicate: %+v", s2.Ledger())
	}
}

// warmUp gets the access token and the card key before faults are set.
func warmUp(t *testing.T, c *gateway.Client) {
	t.Helper()
	if res, err := c.Sale(context.Background(), sale(orderID(t), 100)); err != nil || !res.Approved {
		t.Fatalf("warm-up sale: %+v, %v", res, err)
	}
}

// TestReferralReplyWithoutResult: a referral the gateway processed but
// answered without its result code (a Connect2Pay-shaped reply, say) is an
// unknown outcome to settle from the record — never read as a refusal.
// A Connect2Pay ID never goes through the card API's referrals.
func TestReferralReplyWithoutResult(t *testing.T) {
	var referrals counter
	referrals.n = map[string]int{}
	e := newEnv(t, nil, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/refund") {
				referrals.add("refund")
				w.Write([]byte(`{"code":"000","message":"Request processed successfully"}`))
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	c := e.client(t, nil)
	ctx := context.Background()
	res, err := c.Sale(ctx, sale(orderID(t), 3000))
	if err != nil || !res.Approved {
		t.Fatal(res, err)
	}
	got, err := c.Refund(ctx, res.GatewayID, eur(1000))
	if !errors.Is(err, gateway.ErrOutcomeUnknown) || !errors.Is(err, gateway.ErrMalformedReply) {
		t.Fatalf("refund answered without errorCode: %+v, %v; want ErrOutcomeUnknown", got, err)
	}
	if n := referrals.get("refund"); n != 1 {
		t.Errorf("the refund was sent %d times, want once", n)
	}
	for _, op := range []func(context.Context, string, payment.Amount) (payment.GatewayResult, error){c.Void, c.Refund} {
		if _, err := op(ctx, "9q3yql13hs-sq9s", eur(1000)); !errors.Is(err, payment.ErrInvalidRequest) {
			t.Errorf("card referral of a Connect2Pay ID: %v, want ErrInvalidRequest", err)
		}
	}
	if n := referrals.get("refund"); n != 1 {
		t.Errorf("a Connect2Pay ID reached the card API: %d refunds sent", n)
	}
}
