package gatewaysim_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"tpe/payment/gateway/gatewaysim"
)

// TestStatsFromTheLedger: GET /sim/stats counts the sales of one group of
// terminals from a given instant, per second of the simulator's clock, and
// the requests refused as duplicates; GET /metrics counts the same.
func TestStatsFromTheLedger(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)}
	t0 := clk.Now()
	sim, ts := newSim(t, &gatewaysim.Opts{Now: clk.Now, VerifyCryptogram: func(string, string, []byte) error { return nil }})
	ck := sim.CardKey()
	alg := jose.KeyAlgorithm(ck.Algorithm)
	if alg == "" {
		alg = jose.RSA_OAEP_256
	}
	enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: alg, Key: ck.Key, KeyID: ck.KeyID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sale := func(terminal, order string, offline bool) string {
		t.Helper()
		card := fxLoad(t, "gw-sale-emv.card.json")
		card["pan"], card["icc"] = "4970100000000014", "9f0206000000001250"
		b, _ := json.Marshal(card)
		obj, err := enc.Encrypt(b)
		if err != nil {
			t.Fatal(err)
		}
		sealed, _ := obj.CompactSerialize()
		r := exchange(t, ts.URL, "POST", "/transaction/sale/emv", fxBody(t, "gw-sale-emv.request.json", map[string]any{
			"cardData": sealed, "orderID": order, "terminalID": terminal, "offline": offline,
		}), "gw-sale-approved.reply.json", "gw-sale-declined.reply.json")
		return str(r, "errorCode")
	}
	if c := sale("FLX-1", "o1", true); c != "000" {
		t.Fatalf("first sale: %s", c)
	}
	clk.Advance(1500 * time.Millisecond)
	sale("FLX-2", "o2", true)
	sale("FLX-2", "o3", false)
	clk.Advance(200 * time.Millisecond)
	sale("OTHER-1", "o4", true)
	if c := sale("FLX-1", "o1", true); c != "094" {
		t.Fatalf("the same order again: %s, want 094", c)
	}

	got := sim.Stats("FLX-", t0)
	want := gatewaysim.Stats{TerminalPrefix: "FLX-", SinceMS: t0.UnixMilli(), Sales: 3, Orders: 3, Approved: 3, Offline: 2,
		DuplicateRequests: 1, FirstMS: t0.UnixMilli(), LastMS: t0.Add(1500 * time.Millisecond).UnixMilli(), PerSecond: []int{1, 2}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stats\n got %+v\nwant %+v", got, want)
	}
	// Over HTTP, from one second in: the first sale is left out.
	code, body := do(t, "GET", ts.URL+"/sim/stats?terminal_prefix=FLX-&since="+itoa(t0.Add(time.Second).UnixMilli()), "")
	var late gatewaysim.Stats
	if err := json.Unmarshal([]byte(body), &late); code != 200 || err != nil {
		t.Fatalf("GET /sim/stats: %d %s", code, body)
	}
	if late.Sales != 2 || late.Orders != 2 || !reflect.DeepEqual(late.PerSecond, []int{2}) {
		t.Errorf("stats since t0+1s: %+v", late)
	}
	if all := sim.Stats("", time.Time{}); all.Sales != 4 || len(all.PerSecond) != 2 {
		t.Errorf("stats of every terminal: %+v", all)
	}
	if code, _ := do(t, "GET", ts.URL+"/sim/stats?since=yesterday", ""); code != 400 {
		t.Errorf("bad since: %d, want 400", code)
	}

	_, metrics := do(t, "GET", ts.URL+"/metrics", "")
	for _, line := range []string{
		`gatewaysim_card_sales_total{offline="true",outcome="approved"} 3`,
		`gatewaysim_card_sales_total{offline="false",outcome="approved"} 1`,
		`gatewaysim_duplicate_orders_total 1`,
		`gatewaysim_http_requests_total{code="200",route="POST /transaction/sale/emv"} 5`,
		`gatewaysim_http_request_duration_seconds_count{route="POST /transaction/sale/emv"} 5`,
	} {
		if !strings.Contains(metrics, line+"\n") {
			t.Errorf("GET /metrics lacks %s", line)
		}
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }
