package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tpe/config"
	"tpe/offline"
	"tpe/payment"
	"tpe/payment/gateway/gatewaysim"
	"tpe/payment/paymenttest"
)

// makeJournal records offline approvals, one per PAN, in dir.
func makeJournal(t *testing.T, dir string, pans ...string) {
	t.Helper()
	st, err := offline.Open(filepath.Join(dir, offline.FileName), &offline.Opts{KeyFile: filepath.Join(dir, offline.KeyName), CreateKey: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	at := time.Now().Add(-time.Hour)
	for i, pan := range pans {
		card := paymenttest.VisaOnline().Card
		card.PAN = payment.NewPAN(pan)
		// ICC data with the authorised amount (9F02, n12) the gateway checks.
		amt, _ := hex.DecodeString(fmt.Sprintf("%012d", 1000+i))
		card.ICC = payment.NewSecret(append(append([]byte{0x9F, 0x02, 0x06}, amt...), 0x9F, 0x26, 0x08, 1, 2, 3, 4, 5, 6, 7, 8))
		tx := &payment.Transaction{
			ID: fmt.Sprintf("pay_%d", i), OrderID: payment.NewOrderID("T1", at), Method: payment.MethodCard,
			State: payment.StateCreated, Amount: payment.Amount{Minor: int64(1000 + i), Currency: "EUR"},
			Batch: 1, Card: &card, CreatedAt: at, UpdatedAt: at,
		}
		for _, s := range []payment.State{"", payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateOfflineApproved} {
			if s != "" {
				tx.Transition(s, at, "")
			}
			if err := st.Save(context.Background(), tx); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func tpectl(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

func TestOfflineStatusListExport(t *testing.T) {
	dir := t.TempDir()
	makeJournal(t, dir, paymenttest.TestPAN, paymenttest.TestPAN, paymenttest.TestPAN)

	out, errs, code := tpectl(t, "offline", "status", "--data", dir, "--json")
	if code != 0 {
		t.Fatalf("status: %s", errs)
	}
	var st struct {
		Queued       int   `json:"queued"`
		QueuedTotal  int64 `json:"queued_total"`
		OldestAgeSec int64 `json:"oldest_age_s"`
		Sealed       *int  `json:"sealed_card_records"`
	}
	json.Unmarshal([]byte(out), &st)
	if st.Queued != 3 || st.QueuedTotal != 3003 || st.OldestAgeSec < 3500 {
		t.Errorf("status %+v from %s", st, out)
	}
	// The queued offline approvals keep their card data for the forwarder.
	if st.Sealed == nil || *st.Sealed != 3 {
		t.Errorf("sealed_card_records missing or not 3 in %s", out)
	}
	out, _, code = tpectl(t, "offline", "status", "--data", dir)
	if code != 0 || !strings.Contains(out, "queued") || !strings.Contains(out, "€30.03") {
		t.Errorf("status text:\n%s", out)
	}

	out, _, code = tpectl(t, "offline", "export", "--data", dir)
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(recs) != 4 || recs[0][0] != "id" || recs[1][3] != "1000" {
		t.Errorf("export csv (%v):\n%s", err, out)
	}
	if !strings.Contains(out, "visa ************0010") {
		t.Errorf("export should name the card by brand and last 4:\n%s", out)
	}
	jsonOut, _, _ := tpectl(t, "offline", "export", "--data", dir, "--format", "json")
	var rows []map[string]any
	if err := json.Unmarshal([]byte(jsonOut), &rows); err != nil || len(rows) != 3 {
		t.Errorf("export json (%v):\n%s", err, jsonOut)
	}
	listOut, _, code := tpectl(t, "offline", "list", "--data", dir)
	if code != 0 || strings.Count(listOut, "pay_") != 3 {
		t.Errorf("list:\n%s", listOut)
	}
	for _, o := range []string{out, jsonOut, listOut} {
		if strings.Contains(o, paymenttest.TestPAN) || strings.Contains(o, "476173") {
			t.Errorf("output shows more of the PAN than the last 4:\n%s", o)
		}
	}
}

// TestOfflineStatusFindsSimulatorKey: a tpe-sim data directory keeps its
// key beside it (DIR-keys); status finds it without --key.
func TestOfflineStatusFindsSimulatorKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sim")
	os.MkdirAll(dir, 0o700)
	makeJournal(t, dir, paymenttest.TestPAN)
	key := config.SimKeyFile(dir)
	os.MkdirAll(filepath.Dir(key), 0o700)
	if err := os.Rename(filepath.Join(dir, offline.KeyName), key); err != nil {
		t.Fatal(err)
	}
	out, errs, code := tpectl(t, "offline", "status", "--data", dir, "--json")
	if code != 0 || !strings.Contains(out, `"sealed_card_records": 1`) {
		t.Errorf("status (%s):\n%s", errs, out)
	}
}

func TestOfflineErrors(t *testing.T) {
	dir := t.TempDir()
	if _, errs, code := tpectl(t, "offline", "status", "--data", dir); code == 0 || !strings.Contains(errs, "key") {
		t.Errorf("no key, no journal: code %d, %s", code, errs)
	}
	makeJournal(t, dir, paymenttest.TestPAN)
	st, err := offline.Open(filepath.Join(dir, offline.FileName), &offline.Opts{KeyFile: filepath.Join(dir, offline.KeyName)})
	if err != nil {
		t.Fatal(err)
	}
	_, errs, code := tpectl(t, "offline", "status", "--data", dir)
	st.Close()
	if code == 0 || !strings.Contains(errs, "terminal is running") {
		t.Errorf("locked journal: code %d, %s", code, errs)
	}
	if _, errs, code := tpectl(t, "offline", "forward", "--data", dir); code == 0 || !strings.Contains(errs, "--gateway") {
		t.Errorf("forward without gateway: code %d, %s", code, errs)
	}
	if _, errs, code := tpectl(t, "offline", "nope"); code == 0 || !strings.Contains(errs, "unknown subcommand") {
		t.Errorf("unknown subcommand: code %d, %s", code, errs)
	}
	if _, errs, code := tpectl(t, "offline", "export", "--data", dir, "--format", "xml"); code == 0 || !strings.Contains(errs, "csv or json") {
		t.Errorf("bad format: code %d, %s", code, errs)
	}
}

// TestOfflineForwardToSimulator forwards a queue to the gateway simulator over
// loopback HTTP; a card the issuer declines ends forward-declined and listed.
func TestOfflineForwardToSimulator(t *testing.T) {
	sim, err := gatewaysim.New(t.TempDir(), &gatewaysim.Opts{
		// The test card's ICC data is not a real cryptogram.
		VerifyCryptogram: func(string, string, []byte) error { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	ts := httptest.NewServer(sim)
	defer ts.Close()
	dir := t.TempDir()
	makeJournal(t, dir, paymenttest.TestPAN, "4000000000000051", paymenttest.TestPAN)

	out, errs, code := tpectl(t, "offline", "forward", "--data", dir, "--gateway", ts.URL,
		"--originator", gatewaysim.DevOriginator, "--password", gatewaysim.DevPassword, "--terminal-id", "T1")
	if code != 0 {
		t.Fatalf("forward: %s\n%s", errs, out)
	}
	if !strings.Contains(out, "settled 3") || !strings.Contains(out, "1 forward-declined") {
		t.Errorf("forward output:\n%s", out)
	}
	if n := len(sim.Ledger()); n != 3 {
		t.Errorf("simulator ledger has %d entries, want 3", n)
	}
	out, _, _ = tpectl(t, "offline", "list", "--data", dir, "--declined")
	if !strings.Contains(out, "pay_1") || strings.Contains(out, "pay_0") {
		t.Errorf("declined list:\n%s", out)
	}
	// Forwarding again sends nothing: the queue is empty.
	out, _, code = tpectl(t, "offline", "forward", "--data", dir, "--gateway", ts.URL,
		"--originator", gatewaysim.DevOriginator, "--password", gatewaysim.DevPassword)
	if code != 0 || !strings.Contains(out, "settled 0") || len(sim.Ledger()) != 3 {
		t.Errorf("second forward:\n%s; ledger %d", out, len(sim.Ledger()))
	}
	// Forwarded (or declined by the issuer): no card data is left.
	out, errs, code = tpectl(t, "offline", "status", "--data", dir, "--json")
	var st struct {
		Queued int  `json:"queued"`
		Sealed *int `json:"sealed_card_records"`
	}
	if err := json.Unmarshal([]byte(out), &st); code != 0 || err != nil || st.Queued != 0 || st.Sealed == nil || *st.Sealed != 0 {
		t.Errorf("status after forwarding (%s): %s", errs, out)
	}
}

// TestOfflineStatusNamesFault: `offline status` names the storage fault
// and its fix where it opens the journal.
func TestOfflineStatusNamesFault(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(t *testing.T, dir string) []string // extra flags
		want   offline.Fault
	}{
		{"damaged file", func(t *testing.T, dir string) []string {
			p := filepath.Join(dir, offline.FileName)
			b, _ := os.ReadFile(p)
			clear(b[:8192])
			os.WriteFile(p, b, 0o600)
			return nil
		}, offline.FaultCorrupt},
		{"another key", func(t *testing.T, dir string) []string {
			k := filepath.Join(t.TempDir(), "other.key")
			if err := offline.CreateKey(k); err != nil {
				t.Fatal(err)
			}
			return []string{"--key", k}
		}, offline.FaultWrongKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			makeJournal(t, dir, paymenttest.TestPAN)
			args := append([]string{"offline", "status", "--data", dir}, tt.break_(t, dir)...)
			_, errs, code := tpectl(t, args...)
			if code == 0 || !strings.Contains(errs, tt.want.Code()+": "+tt.want.Message()) || !strings.Contains(errs, "fix: "+tt.want.Fix()) {
				t.Errorf("code %d, %s; want %s and its fix", code, errs, tt.want)
			}
		})
	}
}
