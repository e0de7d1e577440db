package gatewaysim_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/go-jose/go-jose/v4"

	"tpe/payment/gateway/gatewaysim"
)

// sealFor seals a card (JSON) to the simulator's published card key, as a
// terminal does.
func sealFor(t testing.TB, sim *gatewaysim.Server, pan string, amount int64) string {
	t.Helper()
	ck := sim.CardKey()
	enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.KeyAlgorithm(ck.Algorithm), Key: ck.Key, KeyID: ck.KeyID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	card := fmt.Sprintf(`{"pan":%q,"expiry":"3012","panSeq":"01","track2":"","icc":"9f0206%012d"}`, pan, amount)
	obj, err := enc.Encrypt([]byte(card))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := obj.CompactSerialize()
	return s
}

func advice(order string, amount int64, cardData string, offline bool) map[string]any {
	return map[string]any{"customerIP": "127.0.0.1", "amount": amount, "currency": "EUR", "orderID": order,
		"terminalID": "T1", "cardData": cardData, "cardMasked": "497010******0014", "cardBrand": "visa",
		"entryMode": "contactless", "cryptogramType": "TC", "offline": offline}
}

type batchReply struct {
	ErrorCode string `json:"errorCode"`
	Results   []struct {
		OrderID       string `json:"orderID"`
		ErrorCode     string `json:"errorCode"`
		TransactionID string `json:"transactionID"`
	} `json:"results"`
}

func postBatch(t *testing.T, url string, body any) (int, batchReply) {
	t.Helper()
	b, _ := json.Marshal(body)
	code, reply := do(t, http.MethodPost, url+"/transaction/sale/emv/batch", string(b))
	var r batchReply
	if code == http.StatusOK {
		if err := json.Unmarshal([]byte(reply), &r); err != nil {
			t.Fatalf("reply %q: %v", reply, err)
		}
	}
	return code, r
}

func TestAdviceBatchEndpoint(t *testing.T) {
	sim, ts := newSim(t, &gatewaysim.Opts{VerifyCryptogram: func(string, string, []byte) error { return nil }})
	code, caps := do(t, http.MethodGet, ts.URL+"/capabilities", "")
	if code != 200 || !strings.Contains(caps, `"adviceBatch":{"path":"transaction/sale/emv/batch","maxAdvices":100}`) {
		t.Fatalf("capabilities %d %s", code, caps)
	}
	advices := []any{
		advice("b-1", 1000, sealFor(t, sim, "4970100000000014", 1000), true),
		advice("b-2", 1001, sealFor(t, sim, "4000000000000051", 1001), true),  // issuer declines
		advice("b-3", 1002, sealFor(t, sim, "4970100000000014", 1002), false), // an online sale: not in a batch
		advice("b-4", 1003, "not.a.jwe.at.all", true),
		advice("b-5", 1004, sealFor(t, sim, "4970100000000014", 1004), true),
	}
	code, r := postBatch(t, ts.URL, map[string]any{"advices": advices})
	if code != 200 || r.ErrorCode != "000" || len(r.Results) != 5 {
		t.Fatalf("batch: %d %+v", code, r)
	}
	for i, want := range []string{"000", "051", "030", "030", "000"} {
		if got := r.Results[i]; got.ErrorCode != want || got.OrderID != fmt.Sprintf("b-%d", i+1) {
			t.Errorf("result %d: %+v, want order b-%d code %s", i, got, i+1, want)
		}
	}
	if n := len(sim.Ledger()); n != 3 {
		t.Errorf("%d ledger entries, want 3 (approved, declined, approved)", n)
	}
	// The same batch again: what was recorded is a duplicate order now.
	_, r = postBatch(t, ts.URL, map[string]any{"advices": advices})
	for i, want := range []string{"094", "094", "030", "030", "094"} {
		if r.Results[i].ErrorCode != want {
			t.Errorf("resent result %d: %s, want %s", i, r.Results[i].ErrorCode, want)
		}
	}
	if n := len(sim.Ledger()); n != 3 {
		t.Errorf("%d ledger entries after the resend, want still 3", n)
	}

	// Refused whole, nothing processed: empty, too many, not a batch.
	many := make([]any, gatewaysim.MaxAdviceBatch+1)
	for i := range many {
		many[i] = advice(fmt.Sprintf("m-%d", i), 100, "x", true)
	}
	for name, body := range map[string]any{"empty": map[string]any{"advices": []any{}}, "too many": map[string]any{"advices": many},
		"misspelt": map[string]any{"Advices": advices}, "not an object": []any{1, 2}} {
		code, r := postBatch(t, ts.URL, body)
		if code != 200 || r.ErrorCode != "030" || len(r.Results) != 0 {
			t.Errorf("%s: %d %+v, want refused whole with 030", name, code, r)
		}
	}
	if n := len(sim.Ledger()); n != 3 {
		t.Errorf("%d ledger entries after refused batches, want 3", n)
	}
}

// Card data whose ephemeral key is not a P-256 point does not open
// (invalid-curve attack), and the sale is refused unrecorded.
func TestECDHESRejectsBadEphemeralKey(t *testing.T) {
	sim, ts := newSim(t, &gatewaysim.Opts{VerifyCryptogram: func(string, string, []byte) error { return nil }})
	good := sealFor(t, sim, "4970100000000014", 1000)
	parts := strings.Split(good, ".")
	hdr, _ := base64.RawURLEncoding.DecodeString(parts[0])
	var h map[string]any
	json.Unmarshal(hdr, &h)
	epk := h["epk"].(map[string]any)
	epk["y"] = epk["x"] // (x, x) is not on the curve
	hdr, _ = json.Marshal(h)
	parts[0] = base64.RawURLEncoding.EncodeToString(hdr)
	_, r := postBatch(t, ts.URL, map[string]any{"advices": []any{
		advice("e-1", 1000, strings.Join(parts, "."), true), advice("e-2", 1000, good, true)}})
	if len(r.Results) != 2 || r.Results[0].ErrorCode != "030" || r.Results[1].ErrorCode != "000" {
		t.Fatalf("results %+v, want the tampered one refused (030) and the good one approved", r.Results)
	}
	if n := len(sim.Ledger()); n != 1 {
		t.Errorf("%d ledger entries, want 1", n)
	}
}

func TestNoAdviceBatch(t *testing.T) {
	_, ts := newSim(t, &gatewaysim.Opts{NoAdviceBatch: true})
	if code, caps := do(t, http.MethodGet, ts.URL+"/capabilities", ""); code != 200 || strings.Contains(caps, "adviceBatch") {
		t.Fatalf("capabilities %d %s, want none announced", code, caps)
	}
	if code, _ := postBatch(t, ts.URL, map[string]any{"advices": []any{advice("n-1", 100, "x", true)}}); code != http.StatusNotFound {
		t.Fatalf("batch on a gateway without batches: %d, want 404", code)
	}
}

// Opts.Latency holds every reply but the simulator control's, on the
// bubble's clock.
func TestLatency(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "keys.json"), keysJSON, 0o600)
	synctest.Test(t, func(t *testing.T) {
		sim, err := gatewaysim.New(dir, &gatewaysim.Opts{Latency: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer sim.Close()
		for path, want := range map[string]time.Duration{"/health": 50 * time.Millisecond, "/keys/card": 50 * time.Millisecond,
			"/oauth/jwks": 50 * time.Millisecond, "/sim/ledger": 0} {
			start := time.Now()
			rec := httptest.NewRecorder()
			sim.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			if got := time.Since(start); got != want || rec.Code != 200 {
				t.Errorf("%s answered %d after %v, want 200 after %v", path, rec.Code, got, want)
			}
		}
	})
}
