package gatewaysim_test

import (
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"tpe/payment/gateway/gatewaysim"
	"tpe/payment/gateway/internal/payxpertdoc"
)

// The simulator against PayXpert's documented exchanges
// (../testdata/payxpert/README.md): it is sent the documented requests,
// must act on their fields, and every field of its replies must be one the
// matching reply fixture has, with the same JSON type. The client is held
// to the same files in ../fixtures_test.go; the two never share a struct.

func fxLoad(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "payxpert", name))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

func fxBody(t *testing.T, name string, set map[string]any) string {
	t.Helper()
	m := fxLoad(t, name)
	for k, v := range set {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// exchange sends one request to the simulator and checks the reply's
// shape against the reply fixtures (several when the answer may be any of
// them: an error reply carries fewer fields).
func exchange(t *testing.T, base, method, path, body string, replies ...string) map[string]any {
	t.Helper()
	code, text := do(t, method, base+path, body)
	if code != http.StatusOK {
		t.Fatalf("%s %s: HTTP %d %s", method, path, code, text)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(text), &got); err != nil {
		t.Fatalf("%s %s: reply is not a JSON object: %q", method, path, text)
	}
	doc := map[string]any{}
	for _, r := range replies {
		for k, v := range fxLoad(t, r) {
			if _, ok := doc[k]; !ok {
				doc[k] = v
			}
		}
	}
	for _, p := range payxpertdoc.Undocumented("", got, doc) {
		t.Errorf("%s %s: %s", method, path, p)
	}
	return got
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

func atof(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("%q is not a number", s)
	}
	return f
}

func TestSimulatorAgainstPayXpertFixtures(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 30, 0, 0, time.UTC)
	type verified struct{ pan, panSeq, icc string }
	var seen []verified
	sim, ts := newSim(t, &gatewaysim.Opts{Now: func() time.Time { return now },
		VerifyCryptogram: func(pan, panSeq string, icc []byte) error {
			seen = append(seen, verified{pan, panSeq, hex.EncodeToString(icc)})
			return nil
		}})
	base := ts.URL

	// Card-present sale: the documented request with cardData sealed to
	// the simulator's key.
	ck := sim.CardKey()
	enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.KeyAlgorithm(ck.Algorithm), Key: ck.Key, KeyID: ck.KeyID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// 9F02 (amount authorised) = 12.50, as the card computed it.
	const icc = "9f0206000000001250"
	seal := func(pan string, set ...string) string {
		card := fxLoad(t, "gw-sale-emv.card.json")
		card["pan"], card["icc"] = pan, icc
		for i := 0; i+1 < len(set); i += 2 {
			card[set[i]] = set[i+1]
		}
		b, _ := json.Marshal(card)
		obj, err := enc.Encrypt(b)
		if err != nil {
			t.Fatal(err)
		}
		s, _ := obj.CompactSerialize()
		return s
	}
	const order = "T0001-20261203-0042"
	r := exchange(t, base, "POST", "/transaction/sale/emv",
		fxBody(t, "gw-sale-emv.request.json", map[string]any{"cardData": seal("4970100000000014")}), "gw-sale-approved.reply.json")
	sale := str(r, "transactionID")
	if str(r, "errorCode") != "000" || sale == "" || str(r, "authorizationCode") == "" {
		t.Fatalf("sale: %v", r)
	}
	if pmi, _ := r["paymentMeanInfo"].(map[string]any); str(pmi, "cardNumber") != "497010******0014" || str(pmi, "cardBrand") != "visa" {
		t.Errorf("sale paymentMeanInfo: %v", r["paymentMeanInfo"])
	}
	if len(seen) != 1 || seen[0] != (verified{"4970100000000014", "01", icc}) {
		t.Errorf("card data seen by the cryptogram check: %+v", seen)
	}
	e := sim.Ledger()[0]
	if e.OrderID != order || e.Amount != 1250 || e.Currency != "EUR" || e.TerminalID != "T0001" || e.CardBrand != "visa" ||
		e.Date != now.UnixMilli() {
		t.Errorf("ledger: %+v", e)
	}
	r = exchange(t, base, "POST", "/transaction/sale/emv",
		fxBody(t, "gw-sale-emv.request.json", map[string]any{"orderID": order + "-2", "cardData": seal("4000000000000051")}),
		"gw-sale-declined.reply.json", "gw-sale-approved.reply.json")
	if str(r, "errorCode") != "051" {
		t.Errorf("declined sale: %v", r)
	}
	r = exchange(t, base, "POST", "/transaction/sale/emv",
		fxBody(t, "gw-sale-emv.request.json", map[string]any{"orderID": order + "-4", "cardData": seal("4970100000000014", "expiry", "2511")}),
		"gw-sale-declined.reply.json", "gw-sale-approved.reply.json")
	if str(r, "errorCode") != "054" {
		t.Errorf("sale with an expired card: %v", r)
	}

	// Referrals, status and export of the gateway API.
	r = exchange(t, base, "POST", "/transaction/"+sale+"/refund",
		fxBody(t, "gw-refund.request.json", map[string]any{"transactionID": sale}), "gw-refund.reply.json")
	refund := str(r, "transactionID")
	if str(r, "errorCode") != "000" || refund == "" || refund == sale {
		t.Errorf("refund: %v", r)
	}
	r = exchange(t, base, "POST", "/transaction/"+sale+"/refund",
		fxBody(t, "gw-refund.request.json", map[string]any{"transactionID": sale, "amount": 1000}),
		"gw-refund-exceeds.reply.json", "gw-refund.reply.json")
	if str(r, "errorCode") != "064" {
		t.Errorf("refund beyond the sale: %v", r)
	}
	r = exchange(t, base, "GET", "/transaction/"+sale, "", "gw-status.reply.json")
	if tx, _ := r["transaction"].(map[string]any); str(r, "errorCode") != "000" || str(tx, "orderID") != order ||
		tx["amount"] != 1250.0 || tx["refundedAmount"] != 500.0 || tx["date"] != float64(now.Unix()) {
		t.Errorf("status: %v", r)
	}
	q := url.Values{"startDate": {strconv.FormatInt(now.Add(-time.Hour).Unix(), 10)},
		"endDate": {strconv.FormatInt(now.Add(time.Hour).Unix(), 10)}, "orderID": {order}}
	r = exchange(t, base, "GET", "/transactions?"+q.Encode(), "", "gw-export.reply.json")
	list, _ := r["transactionList"].([]any)
	if len(list) != 2 {
		t.Fatalf("export: %v", r)
	}
	if ref := list[1].(map[string]any); str(ref, "operation") != "refund" || ref["referralID"] != atof(t, sale) {
		t.Errorf("export: refund %v, want referralID %s (an integer)", ref, sale)
	}
	r = exchange(t, base, "POST", "/transaction/sale/emv",
		fxBody(t, "gw-sale-emv.request.json", map[string]any{"orderID": order + "-3", "cardData": seal("4970100000000014")}),
		"gw-sale-approved.reply.json")
	second := str(r, "transactionID")
	r = exchange(t, base, "POST", "/transaction/"+second+"/cancel",
		fxBody(t, "gw-cancel.request.json", map[string]any{"transactionID": second}), "gw-cancel.reply.json")
	if str(r, "errorCode") != "000" || str(r, "transactionID") == "" {
		t.Errorf("cancel: %v", r)
	}

	// Connect2Pay: a payment link paid by card, its status, a refund.
	r = exchange(t, base, "POST", "/payment/prepare", fxBody(t, "c2p-prepare.request.json", nil), "c2p-prepare.reply.json")
	mt, ct := str(r, "merchantToken"), str(r, "customerToken")
	if str(r, "code") != "200" || len(mt) != 22 || len(ct) != 22 {
		t.Fatalf("prepare: %v", r)
	}
	r = exchange(t, base, "POST", "/payment/prepare", fxBody(t, "c2p-prepare.request.json", map[string]any{"currency": nil}),
		"c2p-prepare-missing.reply.json")
	if str(r, "code") != "401" {
		t.Errorf("prepare without currency: %v", r)
	}
	if err := sim.PayLink(ct, "000"); err != nil {
		t.Fatal(err)
	}
	r = exchange(t, base, "GET", "/payment/"+mt+"/status?apiVersion=002.73", "", "c2p-status.reply.json")
	txs, _ := r["transactions"].([]any)
	if str(r, "status") != "Authorized" || r["amount"] != 4200.0 || len(txs) != 1 ||
		r["expirationDate"] != float64(now.Add(7*24*time.Hour).UnixMilli()) {
		t.Fatalf("payment status: %v", r)
	}
	if o, _ := r["order"].(map[string]any); str(o, "id") != "T0001-L42" || str(o, "description") != "Boulangerie Elise" {
		t.Errorf("payment status order: %v", r["order"])
	}
	if p, err := sim.PaymentByMerchantToken(mt); err != nil || p.Email != "client@example.com" || p.OrderID != "T0001-L42" {
		t.Errorf("prepared payment: %+v, %v", p, err)
	}
	paid := str(txs[0].(map[string]any), "transactionID")
	r = exchange(t, base, "POST", "/transaction/"+paid+"/refund", fxBody(t, "c2p-refund.request.json", nil), "c2p-refund.reply.json")
	if str(r, "code") != "000" || str(r, "operation") != "refund" {
		t.Errorf("c2p refund: %v", r)
	}
	r = exchange(t, base, "GET", "/payment/"+mt+"/status?apiVersion=002.73", "", "c2p-status.reply.json")
	if txs, _ := r["transactions"].([]any); len(txs) != 2 || str(txs[1].(map[string]any), "refTransactionID") != paid {
		t.Errorf("payment status after the refund: %v", r)
	}

	// Alipay direct: pos mode shows a code, which is cancelled; app mode
	// pays at once.
	alipay := map[string]any{"paymentMethod": "Alipay", "amount": 880, "order": map[string]any{"id": "T0001-A7"}}
	r = exchange(t, base, "POST", "/payment/prepare", fxBody(t, "c2p-prepare.request.json", alipay), "c2p-prepare.reply.json")
	r = exchange(t, base, "POST", "/payment/"+str(r, "customerToken")+"/process/alipay/direct",
		fxBody(t, "c2p-alipay-pos.request.json", nil), "c2p-alipay-pos.reply.json")
	pending := str(r, "transactionID")
	if str(r, "code") != "200" || str(r, "qrCodeUrl") == "" || str(r, "qrCode") == "" || pending == "" {
		t.Fatalf("alipay pos: %v", r)
	}
	r = exchange(t, base, "GET", "/transaction/"+pending+"/info?apiVersion=002.73", "", "c2p-transaction-info.reply.json")
	if str(r, "transactionID") != pending || str(r, "paymentMethod") != "Alipay" {
		t.Errorf("transaction info: %v", r)
	}
	r = exchange(t, base, "POST", "/transaction/"+pending+"/cancel", fxBody(t, "c2p-cancel.request.json", nil), "c2p-cancel.reply.json")
	if str(r, "code") != "000" || str(r, "operation") != "cancel" {
		t.Errorf("c2p cancel: %v", r)
	}
	r = exchange(t, base, "POST", "/transaction/"+pending+"/refund", fxBody(t, "c2p-refund.request.json", nil),
		"c2p-refund-invalid.reply.json")
	if str(r, "code") != "012" {
		t.Errorf("refund of a cancelled attempt: %v", r)
	}
	r = exchange(t, base, "POST", "/payment/prepare", fxBody(t, "c2p-prepare.request.json", alipay), "c2p-prepare.reply.json")
	r = exchange(t, base, "POST", "/payment/"+str(r, "customerToken")+"/process/alipay/direct",
		fxBody(t, "c2p-alipay-app.request.json", nil), "c2p-alipay-app.reply.json")
	if info, _ := r["transactionInfo"].(map[string]any); str(r, "code") != "200" || str(info, "resultCode") != "000" ||
		str(info, "paymentNetwork") != "GCash" {
		t.Errorf("alipay app: %v", r)
	}
}
