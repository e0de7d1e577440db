package gateway_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"tpe/payment"
	"tpe/payment/gateway"
	"tpe/payment/gateway/internal/payxpertdoc"
)

// The client against PayXpert's documented exchanges
// (testdata/payxpert/README.md): the request it sends must have the
// fixture's shape (names, JSON types, no extra field) and what it makes of
// the fixture reply is checked. No simulator is involved: a tag renamed in
// wire.go fails here even if gatewaysim is renamed the same way.

const (
	fxOriginator = "102058"
	fxPassword   = "s3cret-originator"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "payxpert", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func fixtureJSON(t testing.TB, name string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(fixture(t, name), &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

// sameShape reports every difference between a JSON value got and the
// documented want: a missing or extra field, another JSON type, another
// value (except at paths listed in vary, whose type alone is checked).
func sameShape(path string, got, want any, vary map[string]bool) []string {
	if reflect.TypeOf(got) != reflect.TypeOf(want) {
		return []string{fmt.Sprintf("%s: got %s, want %s", path, payxpertdoc.Kind(got), payxpertdoc.Kind(want))}
	}
	var diffs []string
	switch w := want.(type) {
	case map[string]any:
		g := got.(map[string]any)
		for _, k := range payxpertdoc.SortedKeys(w) {
			if _, ok := g[k]; !ok {
				diffs = append(diffs, fmt.Sprintf("%s.%s: missing", path, k))
				continue
			}
			diffs = append(diffs, sameShape(path+"."+k, g[k], w[k], vary)...)
		}
		for _, k := range payxpertdoc.SortedKeys(g) {
			if _, ok := w[k]; !ok {
				diffs = append(diffs, fmt.Sprintf("%s.%s: not in the documented request (%s)", path, k, payxpertdoc.Kind(g[k])))
			}
		}
	case []any:
		g := got.([]any)
		if len(g) != len(w) {
			return []string{fmt.Sprintf("%s: %d elements, want %d", path, len(g), len(w))}
		}
		for i := range w {
			diffs = append(diffs, sameShape(fmt.Sprintf("%s[%d]", path, i), g[i], w[i], vary)...)
		}
	default:
		if !vary[path] && got != want {
			diffs = append(diffs, fmt.Sprintf("%s: got %v, want %v", path, got, want))
		}
	}
	return diffs
}

// fxCardKey is the card-encryption key of the fixture tests (made once).
var fxCardKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// exchange is one documented request/reply pair.
type exchange struct {
	name   string
	method string
	path   string // expected URL path
	body   string // request body fixture ("" = no body)
	query  string // query fixture ("" = no query)
	vary   []string
	reply  string // reply fixture replayed
	// wire is the client's type of the reply body (a nil pointer of it).
	wire any
	// call runs the client and returns what it made of the reply.
	call func(context.Context, *gateway.Client) (any, error)
	want any
}

func fxSale() payment.SaleRequest {
	return payment.SaleRequest{OrderID: "T0001-20261203-0042", Amount: eur(1250), Card: testCard(),
		CapturedAt: time.Unix(1796301000, 0)}
}

// fxPINSale is the sale of gw-sale-emv-pin.request.json: 80,00 with the
// online PIN 1234 of the card enciphered under the X9.24-3 test BDK's
// DUKPT key of KSN 1234567890123456 00000001 (random fill 1F2E3D4C5B6A7988).
func fxPINSale() payment.SaleRequest {
	r := fxSale()
	r.OrderID, r.Amount, r.Card.CVM = "T0001-20261203-0043", eur(8000), "online_pin"
	block, _ := hex.DecodeString("2D48775BB8E67E0059D590E0CB2FB86F")
	ksn, _ := hex.DecodeString("123456789012345600000001")
	r.PIN = &payment.PINBlock{Block: payment.NewSecret(block), KSN: [12]byte(ksn)}
	return r
}

func TestClientAgainstPayXpertFixtures(t *testing.T) {
	sale := func(ctx context.Context, c *gateway.Client) (any, error) { return c.Sale(ctx, fxSale()) }
	pinSale := func(ctx context.Context, c *gateway.Client) (any, error) { return c.Sale(ctx, fxPINSale()) }
	refund := func(ctx context.Context, c *gateway.Client) (any, error) {
		return c.Refund(ctx, "45956209", eur(500))
	}
	c2pRefund := func(ctx context.Context, c *gateway.Client) (any, error) {
		r, err := c.C2PRefund(ctx, "1v0masio6c-1nrr", eur(400))
		return gateway.RefundResult(r, eur(400)), err
	}
	alipay := func(mode string) func(context.Context, *gateway.Client) (any, error) {
		return func(ctx context.Context, c *gateway.Client) (any, error) {
			req := gateway.AlipayDirectRequest{Mode: mode, NotificationLang: "fr"}
			if mode == "app" {
				req = gateway.AlipayDirectRequest{Mode: mode, BuyerIdentityCode: "281011020000000000001234", IdentityCodeType: "barcode"}
			}
			return c.AlipayDirect(ctx, "a1B2c3D4e5F6g7H8i9J0kQ", req)
		}
	}
	attempt := gateway.TransactionAttempt{PaymentID: "x8la6mw44e", PaymentMethod: "Alipay", PaymentNetwork: "GCash",
		Operation: "sale", Date: 1796302063000, Amount: 880, Currency: "EUR", ResultCode: "000",
		ResultMessage: "Transaction successfully completed", Status: "Authorized", TransactionID: "x8la6mw44e-2kqz",
		OrderID: "T0001-A7", IsTest: true}

	for _, x := range []exchange{
		{name: "sale approved", method: "POST", path: "/transaction/sale/emv", body: "gw-sale-emv.request.json",
			vary: []string{".cardData"}, reply: "gw-sale-approved.reply.json", wire: (*gateway.SaleResponse)(nil), call: sale,
			want: payment.GatewayResult{Approved: true, Code: "000", Message: "Transaction successfully completed",
				GatewayID: "45956209", AuthCode: "A1B2C3", Amount: eur(1250)}},
		{name: "sale declined", method: "POST", path: "/transaction/sale/emv", body: "gw-sale-emv.request.json",
			vary: []string{".cardData"}, reply: "gw-sale-declined.reply.json", wire: (*gateway.SaleResponse)(nil), call: sale,
			want: payment.GatewayResult{Code: "051", Message: "Insufficient funds", Decline: payment.DeclineInsufficientFunds,
				GatewayID: "45956210", Amount: eur(1250)}},
		{name: "status", method: "GET", path: "/transaction/45956209", reply: "gw-status.reply.json", wire: (*gateway.StatusResponse)(nil),
			call: func(ctx context.Context, c *gateway.Client) (any, error) { return c.Record(ctx, "45956209") },
			want: payment.GatewayResult{Approved: true, Status: payment.TxnRefunded, Refunded: 500, Code: "000",
				Message: "partially refunded", GatewayID: "45956209", AuthCode: "A1B2C3", Amount: eur(1250)}},
		{name: "export", method: "GET", path: "/transactions", query: "gw-export.query.json", reply: "gw-export.reply.json", wire: (*gateway.ExportResponse)(nil),
			call: func(ctx context.Context, c *gateway.Client) (any, error) { return c.Lookup(ctx, "T0001-20261203-0042") },
			want: payment.GatewayResult{Approved: true, Status: payment.TxnRefunded, Refunded: 500, Code: "000",
				Message: "partially refunded", GatewayID: "45956209", AuthCode: "A1B2C3", Amount: eur(1250)}},
		{name: "refund", method: "POST", path: "/transaction/45956209/refund", body: "gw-refund.request.json",
			reply: "gw-refund.reply.json", wire: (*gateway.ReferralResponse)(nil), call: refund,
			want: payment.GatewayResult{Approved: true, Code: "000", Message: "Transaction successfully completed",
				GatewayID: "45956231", Amount: eur(500)}},
		{name: "refund beyond the sale", method: "POST", path: "/transaction/45956209/refund", body: "gw-refund.request.json",
			reply: "gw-refund-exceeds.reply.json", wire: (*gateway.ReferralResponse)(nil), call: refund,
			want: payment.GatewayResult{Code: "064", Message: "Referencing amount > original amount",
				Decline: payment.DeclineGeneric, Amount: eur(500)}},
		{name: "cancel", method: "POST", path: "/transaction/45956209/cancel", body: "gw-cancel.request.json",
			reply: "gw-cancel.reply.json", wire: (*gateway.ReferralResponse)(nil),
			call: func(ctx context.Context, c *gateway.Client) (any, error) { return c.Void(ctx, "45956209", eur(1250)) },
			want: payment.GatewayResult{Approved: true, Code: "000", Message: "Transaction successfully completed",
				GatewayID: "45956240", Amount: eur(1250)}},
		{name: "prepare", method: "POST", path: "/payment/prepare", body: "c2p-prepare.request.json",
			reply: "c2p-prepare.reply.json", wire: (*gateway.PrepareResponse)(nil),
			call: func(ctx context.Context, c *gateway.Client) (any, error) {
				return c.Prepare(ctx, gateway.PrepareRequest{Currency: "EUR", Amount: 4200, Operation: "sale", TimeOut: "P7D",
					Shopper: &gateway.C2PShopper{Email: "client@example.com"},
					Order:   gateway.C2POrder{ID: "T0001-L42", Description: "Boulangerie Elise"}})
			},
			want: gateway.PrepareResponse{Code: "200", Message: "Request processed successfully",
				MerchantToken: "q7Zb3kR9wXyT2mN5pL8cVg", CustomerToken: "a1B2c3D4e5F6g7H8i9J0kQ"}},
		{name: "prepare refused", method: "POST", path: "/payment/prepare", body: "c2p-prepare.request.json",
			reply: "c2p-prepare-missing.reply.json", wire: (*gateway.PrepareResponse)(nil),
			call: func(ctx context.Context, c *gateway.Client) (any, error) {
				_, err := c.Prepare(ctx, gateway.PrepareRequest{Currency: "EUR", Amount: 4200, Operation: "sale", TimeOut: "P7D",
					Shopper: &gateway.C2PShopper{Email: "client@example.com"},
					Order:   gateway.C2POrder{ID: "T0001-L42", Description: "Boulangerie Elise"}})
				var re *gateway.RejectedError
				if !errors.As(err, &re) {
					return nil, err
				}
				return re.Code, nil
			},
			want: "401"},
		{name: "payment status", method: "GET", path: "/payment/q7Zb3kR9wXyT2mN5pL8cVg/status", query: "c2p-status.query.json",
			reply: "c2p-status.reply.json", wire: (*gateway.PaymentStatus)(nil),
			call: func(ctx context.Context, c *gateway.Client) (any, error) {
				return c.PaymentStatus(ctx, "q7Zb3kR9wXyT2mN5pL8cVg")
			},
			want: gateway.PaymentStatus{APIVersion: "002.73", Status: gateway.PaymentAuthorized, MerchantToken: "q7Zb3kR9wXyT2mN5pL8cVg",
				Operation: "sale", ErrorCode: "000", ErrorMessage: "Transaction successfully completed", Currency: "EUR",
				Amount: 4200, CtrlCustomData: "till-1", ExpireAt: 1796906400000,
				Order: &gateway.C2POrder{ID: "T0001-L42", Description: "Boulangerie Elise"},
				Transactions: []gateway.TransactionAttempt{
					{PaymentID: "1v0masio6c", PaymentMethod: "CreditCard", Operation: "sale", Date: 1796302063000, Amount: 4200,
						RefundedAmount: 400, Currency: "EUR", ResultCode: "000", ResultMessage: "Transaction successfully completed",
						Status: "Authorized", TransactionID: "1v0masio6c-1nrr", OrderID: "T0001-L42", IsTest: true},
					{PaymentID: "1v0masio6c", PaymentMethod: "CreditCard", Operation: "refund", Date: 1796305663000, Amount: 400,
						Currency: "EUR", ResultCode: "000", ResultMessage: "Transaction successfully completed",
						Status: "Authorized", TransactionID: "1v0masio6c-xdfv", RefTransactionID: "1v0masio6c-1nrr",
						OrderID: "T0001-L42", IsTest: true},
				}}},
		{name: "transaction info", method: "GET", path: "/transaction/x8la6mw44e-1ouu/info", query: "c2p-status.query.json",
			reply: "c2p-transaction-info.reply.json", wire: (*gateway.TransactionAttempt)(nil),
			call: func(ctx context.Context, c *gateway.Client) (any, error) {
				return c.TransactionInfo(ctx, "x8la6mw44e-1ouu")
			},
			want: gateway.TransactionAttempt{PaymentID: "x8la6mw44e", PaymentMethod: "Alipay", PaymentNetwork: "Alipay",
				Operation: "sale", Date: 1796302063000, Amount: 880, Currency: "EUR", ResultCode: "000",
				ResultMessage: "Transaction successfully completed", Status: "Authorized", TransactionID: "x8la6mw44e-1ouu",
				OrderID: "T0001-A7", IsTest: true}},
		{name: "alipay pos", method: "POST", path: "/payment/a1B2c3D4e5F6g7H8i9J0kQ/process/alipay/direct",
			body: "c2p-alipay-pos.request.json", reply: "c2p-alipay-pos.reply.json", wire: (*gateway.DirectProcessResponse)(nil), call: alipay("pos"),
			want: gateway.DirectProcessResponse{APIVersion: "002.73", Code: "200", Message: "Request processed successfully",
				TransactionID: "x8la6mw44e-1ouu",
				QRCode:        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==",
				QRCodeURL:     "https://qr.alipay.com/bax08431example0000", ExchangeRate: 7.8945,
				WebSocketURL: "wss://connect2.payxpert.com/wsock/payment/a1B2c3D4e5F6g7H8i9J0kQ/wait/restricted/x8la6mw44e-1ouu"}},
		{name: "PIN sale approved", method: "POST", path: "/transaction/sale/emv", body: "gw-sale-emv-pin.request.json",
			vary: []string{".cardData"}, reply: "gw-sale-approved.reply.json", wire: (*gateway.SaleResponse)(nil), call: pinSale,
			want: payment.GatewayResult{Approved: true, Code: "000", Message: "Transaction successfully completed",
				GatewayID: "45956209", AuthCode: "A1B2C3", Amount: eur(8000)}},
		{name: "PIN sale, incorrect PIN", method: "POST", path: "/transaction/sale/emv", body: "gw-sale-emv-pin.request.json",
			vary: []string{".cardData"}, reply: "gw-sale-incorrect-pin.reply.json", wire: (*gateway.SaleResponse)(nil), call: pinSale,
			want: payment.GatewayResult{Code: "055", Message: "Incorrect PIN", Decline: payment.DeclineIncorrectPIN,
				GatewayID: "45956211", Amount: eur(8000)}},
		{name: "PIN sale, tries exceeded", method: "POST", path: "/transaction/sale/emv", body: "gw-sale-emv-pin.request.json",
			vary: []string{".cardData"}, reply: "gw-sale-pin-tries-exceeded.reply.json", wire: (*gateway.SaleResponse)(nil), call: pinSale,
			want: payment.GatewayResult{Code: "075", Message: "PIN entered incorrectly too often", Decline: payment.DeclinePINTriesExceeded,
				GatewayID: "45956213", Amount: eur(8000)}},
		{name: "sale soft-declined: PIN required", method: "POST", path: "/transaction/sale/emv", body: "gw-sale-emv.request.json",
			vary: []string{".cardData"}, reply: "gw-sale-soft-decline.reply.json", wire: (*gateway.SaleResponse)(nil), call: sale,
			want: payment.GatewayResult{Code: "065", Message: "Soft decline: SCA required", Decline: payment.DeclinePINRequired,
				GatewayID: "45956212", Amount: eur(1250)}},
		{name: "alipay app", method: "POST", path: "/payment/a1B2c3D4e5F6g7H8i9J0kQ/process/alipay/direct",
			body: "c2p-alipay-app.request.json", reply: "c2p-alipay-app.reply.json", wire: (*gateway.DirectProcessResponse)(nil), call: alipay("app"),
			want: gateway.DirectProcessResponse{APIVersion: "002.73", Code: "200", Message: "Request processed successfully",
				TransactionID: "x8la6mw44e-2kqz", ExchangeRate: 7.8945, TransactionInfo: &attempt}},
		{name: "c2p refund", method: "POST", path: "/transaction/1v0masio6c-1nrr/refund", body: "c2p-refund.request.json",
			reply: "c2p-refund.reply.json", wire: (*gateway.C2PReferralResponse)(nil), call: c2pRefund,
			want: payment.GatewayResult{Approved: true, Code: "000", Message: "Transaction successfully completed",
				GatewayID: "1v0masio6c-xdfv", Amount: eur(400)}},
		{name: "c2p refund refused", method: "POST", path: "/transaction/1v0masio6c-1nrr/refund", body: "c2p-refund.request.json",
			reply: "c2p-refund-invalid.reply.json", wire: (*gateway.C2PReferralResponse)(nil), call: c2pRefund,
			want: payment.GatewayResult{Code: "012", Message: "Invalid Transaction", Decline: payment.DeclineGeneric,
				GatewayID: "1kva092fgq-01-r05", Amount: eur(400)}},
		{name: "c2p cancel", method: "POST", path: "/transaction/x8la6mw44e-1ouu/cancel", body: "c2p-cancel.request.json",
			reply: "c2p-cancel.reply.json", wire: (*gateway.C2PReferralResponse)(nil),
			call: func(ctx context.Context, c *gateway.Client) (any, error) {
				return c.C2PCancel(ctx, "x8la6mw44e-1ouu", eur(880))
			},
			want: gateway.C2PReferralResponse{Code: "000", Message: "Transaction successfully completed",
				TransactionID: "x8la6mw44e-c9td", Operation: "cancel"}},
	} {
		t.Run(x.name, func(t *testing.T) {
			var (
				mu       sync.Mutex
				requests int
				problems []string
			)
			reply := fixture(t, x.reply)
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				defer mu.Unlock()
				requests++
				problems = append(problems, checkRequest(t, x, r)...)
				w.Header().Set("Content-Type", "application/json;charset=UTF-8")
				w.Write(reply)
			}))
			defer ts.Close()
			key := fxCardKey()
			c, err := gateway.New(ts.URL, &gateway.Opts{Originator: fxOriginator, Password: fxPassword, TerminalID: "T0001", Attempts: 1,
				Timeout: 5 * time.Second, CardKey: &jose.JSONWebKey{Key: &key.PublicKey, KeyID: "card-1", Use: "enc",
					Algorithm: string(jose.RSA_OAEP_256)}})
			if err != nil {
				t.Fatal(err)
			}
			got, err := x.call(context.Background(), c)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if requests != 1 {
				t.Errorf("got %d requests, want 1", requests)
			}
			for _, p := range problems {
				t.Errorf("request: %s", p)
			}
			if !reflect.DeepEqual(got, x.want) {
				t.Errorf("decoded reply:\ngot  %+v\nwant %+v", got, x.want)
			}
			// encoding/json matches names case-insensitively when decoding,
			// so a tag differing from the documented name only in case
			// would decode anyway: re-encode the wire type and require the
			// documented spelling of every field.
			v := reflect.New(reflect.TypeOf(x.wire).Elem()).Interface()
			if err := gateway.DecodeReply(bytes.NewReader(reply), 1<<20, v); err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(v)
			var back any
			json.Unmarshal(b, &back)
			for _, p := range payxpertdoc.Undocumented("", back, fixtureJSON(t, x.reply)) {
				t.Errorf("%T: %s", v, p)
			}
		})
	}
}

// checkRequest compares one request of the client with the documented one.
func checkRequest(t *testing.T, x exchange, r *http.Request) []string {
	var out []string
	if r.Method != x.method || r.URL.Path != x.path {
		out = append(out, fmt.Sprintf("got %s %s, want %s %s", r.Method, r.URL.Path, x.method, x.path))
	}
	// §1: HTTP Basic with the originator credentials, JSON bodies.
	if u, p, ok := r.BasicAuth(); !ok || u != fxOriginator || p != fxPassword {
		out = append(out, fmt.Sprintf("Authorization %q: want Basic originator:password", r.Header.Get("Authorization")))
	}
	body, _ := io.ReadAll(r.Body)
	if x.body == "" {
		if len(body) != 0 {
			out = append(out, fmt.Sprintf("unexpected body %q", body))
		}
	} else {
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			out = append(out, fmt.Sprintf("Content-Type %q, want application/json", ct))
		}
		var got any
		if err := json.Unmarshal(body, &got); err != nil {
			return append(out, fmt.Sprintf("body is not JSON: %v", err))
		}
		vary := map[string]bool{}
		for _, v := range x.vary {
			vary[v] = true
		}
		out = append(out, sameShape("", got, fixtureJSON(t, x.body), vary)...)
		if vary[".cardData"] {
			out = append(out, checkSealedCard(t, got)...)
		}
	}
	// Query: names as documented; a string value must match, a number in
	// the fixture stands for an integer that varies (a time).
	want := map[string]any{}
	if x.query != "" {
		want = fixtureJSON(t, x.query).(map[string]any)
	}
	q := r.URL.Query()
	for k, v := range want {
		got := q.Get(k)
		switch v := v.(type) {
		case string:
			if got != v {
				out = append(out, fmt.Sprintf("query %s=%q, want %q", k, got, v))
			}
		case float64:
			if _, err := strconv.ParseInt(got, 10, 64); err != nil {
				out = append(out, fmt.Sprintf("query %s=%q, want an integer", k, got))
			}
		}
	}
	for k := range q {
		if _, ok := want[k]; !ok {
			out = append(out, fmt.Sprintf("query %s: not in the documented request", k))
		}
	}
	return out
}

// checkSealedCard opens cardData with the fixture key and compares the
// card inside with gw-sale-emv.card.json.
func checkSealedCard(t *testing.T, body any) []string {
	compact, _ := body.(map[string]any)["cardData"].(string)
	obj, err := jose.ParseEncryptedCompact(compact, []jose.KeyAlgorithm{jose.RSA_OAEP_256}, []jose.ContentEncryption{jose.A256GCM})
	if err != nil {
		return []string{fmt.Sprintf("cardData is not a JWE: %v", err)}
	}
	plain, err := obj.Decrypt(fxCardKey())
	if err != nil {
		return []string{fmt.Sprintf("cardData does not open: %v", err)}
	}
	var got any
	if err := json.Unmarshal(plain, &got); err != nil {
		return []string{"sealed card is not JSON"}
	}
	return sameShape(".cardData", got, fixtureJSON(t, "gw-sale-emv.card.json"), nil)
}

// TestFixturesAreJSON keeps the golden files honest: each one parses, and
// replies are single JSON objects as DecodeReply wants.
func TestFixturesAreJSON(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "payxpert", "*.json"))
	if len(files) < 20 {
		t.Fatalf("only %d fixtures", len(files))
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		if strings.HasSuffix(f, ".reply.json") {
			var v map[string]any
			if err := gateway.DecodeReply(bytes.NewReader(b), 1<<20, &v); err != nil {
				t.Errorf("%s: %v", f, err)
			}
		}
	}
	// qrCode is a base64 image (§3.5).
	if _, err := base64.StdEncoding.DecodeString(fixtureJSON(t, "c2p-alipay-pos.reply.json").(map[string]any)["qrCode"].(string)); err != nil {
		t.Errorf("qrCode is not base64: %v", err)
	}
}

// A gateway that does not sum refunds on the sale (refundedAmount is our
// extension) keeps each refund or cancel as a transaction of its own,
// linked by referralID: Record reads the order's transactions and adds
// them up, so a lost refund or void is settled right against PayXpert too.
func TestRecordAddsUpReferralTransactions(t *testing.T) {
	status := fixtureJSON(t, "gw-status.reply.json").(map[string]any)
	sale := status["transaction"].(map[string]any)
	delete(sale, "refundedAmount")
	sale["status"] = "Captured"
	export := fixtureJSON(t, "gw-export.reply.json").(map[string]any)
	for _, x := range export["transactionList"].([]any) {
		delete(x.(map[string]any), "refundedAmount")
	}
	cancelled := map[string]any{"transactionID": "45956299", "orderID": "T0001-20261203-0042", "referralID": 45956209,
		"status": "Authorized", "errorCode": "000", "operation": "cancel", "paymentType": "creditcard", "date": 1796304700,
		"amount": 750, "currency": "EUR"}
	for _, tc := range []struct {
		name  string
		extra []any
		want  payment.GatewayResult
	}{
		{"refunded", nil, payment.GatewayResult{Approved: true, Status: payment.TxnRefunded, Refunded: 500}},
		{"then voided", []any{cancelled}, payment.GatewayResult{Approved: true, Status: payment.TxnVoided, Refunded: 500}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list := append(append([]any(nil), export["transactionList"].([]any)...), tc.extra...)
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/transaction/45956209":
					json.NewEncoder(w).Encode(status)
				case "/transactions":
					json.NewEncoder(w).Encode(map[string]any{"errorCode": "000", "transactionList": list})
				default:
					http.NotFound(w, r)
				}
			}))
			defer ts.Close()
			c, err := gateway.New(ts.URL, &gateway.Opts{Originator: fxOriginator, Password: fxPassword, Attempts: 1, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Record(context.Background(), "45956209")
			if err != nil {
				t.Fatal(err)
			}
			if got.Approved != tc.want.Approved || got.Status != tc.want.Status || got.Refunded != tc.want.Refunded {
				t.Errorf("got approved=%v status=%s refunded=%d, want %v %s %d", got.Approved, got.Status, got.Refunded,
					tc.want.Approved, tc.want.Status, tc.want.Refunded)
			}
		})
	}
}
