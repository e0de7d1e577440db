package terminal

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"tpe/offline"
	"tpe/payment"
	"tpe/payment/paymenttest"
	"tpe/ui/api"
)

var t0 = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

// storageRig is the API over a real journal, wired as Open wires it.
type storageRig struct {
	store *offline.Store
	svc   *payment.Service
	srv   *httptest.Server
	dir   string
	now   time.Time
}

func newStorageRig(t *testing.T, journal func(*offline.Store) payment.Journal) *storageRig {
	t.Helper()
	r := &storageRig{dir: t.TempDir(), now: t0}
	st, err := offline.Open(filepath.Join(r.dir, offline.FileName), &offline.Opts{
		KeyFile: filepath.Join(r.dir, offline.KeyName), CreateKey: true,
		MaxSize: 256 << 10, Retention: time.Hour, Now: func() time.Time { return r.now },
	})
	if err != nil {
		t.Fatal(err)
	}
	r.store = st
	var j payment.Journal = st
	if journal != nil {
		j = journal(st)
	}
	r.svc, err = payment.New(payment.Opts{
		Merchant: payment.Merchant{Name: "Test", TerminalID: "T0000001"},
		Journal:  j, Card: payment.CardPorts{Reader: paymenttest.NewCards()}, Now: func() time.Time { return r.now },
	})
	if err != nil {
		t.Fatal(err)
	}
	term := &Terminal{Store: st, Service: r.svc}
	a, err := api.New(api.Opts{Service: r.svc, AllowNoToken: true, Health: term.health, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	r.srv = httptest.NewServer(a)
	t.Cleanup(func() { r.srv.Close(); r.svc.Close(); st.Close() })
	return r
}

func (r *storageRig) do(t *testing.T, method, path, body string) (int, string, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, r.srv.URL+path, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(b, &m)
	return resp.StatusCode, string(b), m
}

// noPath fails when body names the journal's directory or a file in it.
func (r *storageRig) noPath(t *testing.T, what, body string) {
	t.Helper()
	for _, s := range []string{r.dir, offline.FileName, offline.KeyName} {
		if strings.Contains(body, s) {
			t.Errorf("%s names %q: %s", what, s, body)
		}
	}
}

// fill saves cancelled sales until the journal refuses a new payment.
func (r *storageRig) fill(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	for i := range 10000 {
		for _, ref := range []int{3000, 0} {
			tx := &payment.Transaction{
				ID: fmt.Sprintf("pay_fill%05d_%d", i, ref), OrderID: fmt.Sprintf("T1-%05d-%d", i, ref), Method: payment.MethodCard,
				State: payment.StateCreated, Amount: payment.Amount{Minor: 100, Currency: "EUR"}, Batch: 1,
				Reference: strings.Repeat("x", ref), CreatedAt: t0, UpdatedAt: t0,
				History: []payment.Step{{State: payment.StateCreated, At: t0}},
			}
			if err := r.store.Save(ctx, tx); err != nil {
				if ref == 0 {
					return
				}
				continue
			}
			tx.Transition(payment.StateCancelled, t0, "filler")
			r.store.Save(ctx, tx)
		}
	}
	t.Fatal("the journal never filled")
}

// TestAPIStorageFull: through the API, a payment on a full journal is
// refused with 507 storage_full and no path, health turns degraded and
// names the fault with its fix; once the day is closed and old sales
// purged, the write that succeeds clears the fault and health is ok again.
func TestAPIStorageFull(t *testing.T) {
	r := newStorageRig(t, nil)
	if code, body, h := r.do(t, "GET", "/v1/health", ""); code != 200 || h["status"] != "ok" || h["storage"] != nil {
		t.Fatalf("fresh terminal health: %d %s", code, body)
	}
	r.fill(t)

	code, body, m := r.do(t, "POST", "/v1/payments", `{"amount":1250}`)
	e, _ := m["error"].(map[string]any)
	if code != http.StatusInsufficientStorage || e["code"] != "storage_full" || e["message"] != offline.FaultFull.Message() {
		t.Errorf("payment on a full journal: got %d %s, want 507 storage_full", code, body)
	}
	r.noPath(t, "the refusal", body)
	if list, err := r.svc.List(context.Background(), payment.Query{States: []payment.State{payment.StateCreated, payment.StateAwaitingCustomer}}); err != nil || len(list) > 0 {
		t.Errorf("a refused payment is pending: %v %v", len(list), err)
	}

	code, body, h := r.do(t, "GET", "/v1/health", "")
	s, _ := h["storage"].(map[string]any)
	if code != 200 || h["status"] != "degraded" || s["code"] != "storage_full" || s["fix"] != offline.FaultFull.Fix() || s["message"] == "" {
		t.Errorf("health on a full journal: %d %s", code, body)
	}
	r.noPath(t, "health", body)

	// The technician frees space: close the day, old sales are purged.
	r.now = t0.Add(2 * time.Hour)
	if code, body, _ := r.do(t, "POST", "/v1/batches/close", ""); code != 200 {
		t.Fatalf("closing the day on a full journal: %d %s", code, body)
	}
	if l := r.store.Fault(); l.Fault != offline.FaultNone {
		t.Errorf("fault after a successful write: %+v", l)
	}
	if code, body, h := r.do(t, "GET", "/v1/health", ""); h["status"] != "ok" || h["storage"] != nil {
		t.Errorf("health once space is free: %d %s", code, body)
	}
	code, body, m = r.do(t, "POST", "/v1/payments", `{"amount":1250}`)
	if code != http.StatusCreated {
		t.Fatalf("payment once space is free: %d %s", code, body)
	}
	r.do(t, "POST", "/v1/payments/"+m["id"].(string)+"/cancel", "")
}

// faultyJournal fails every Save with err, as the journal does on a fault.
type faultyJournal struct {
	*offline.Store
	err error
}

func (j faultyJournal) Save(context.Context, *payment.Transaction) error { return j.err }

// TestAPIStorageFaultMessages: every storage fault the journal can return
// reaches the API with its documented status and code and a message free
// of paths, though the journal's own error text (for technicians) names
// the file.
func TestAPIStorageFaultMessages(t *testing.T) {
	path := "/var/lib/tpe/" + offline.FileName
	tests := []struct {
		name   string
		err    error
		status int
		code   string
		fault  offline.Fault
	}{
		{"full", fmt.Errorf("offline: saving pay_1 (created): %w: %w: write %s: no space left on device", offline.ErrWrite, offline.ErrFull, path), 507, "storage_full", offline.FaultFull},
		{"read-only", fmt.Errorf("%w: opening journal: open %s: read-only file system", offline.ErrReadOnly, path), 503, "storage_unavailable", offline.FaultReadOnly},
		{"permission", fmt.Errorf("%w: opening journal: open %s: permission denied", offline.ErrPermission, path), 503, "storage_unavailable", offline.FaultPermission},
		{"locked", fmt.Errorf("%w: %s", offline.ErrLocked, path), 503, "storage_unavailable", offline.FaultLocked},
		{"corrupt", &offline.CorruptError{Path: path, Reason: "damaged page"}, 503, "storage_unavailable", offline.FaultCorrupt},
		{"wrong key", fmt.Errorf("%w: /var/lib/tpe/%s", offline.ErrWrongKey, offline.KeyName), 503, "storage_unavailable", offline.FaultWrongKey},
		{"no key", fmt.Errorf("%w: /var/lib/tpe/%s", offline.ErrNoKey, offline.KeyName), 503, "storage_unavailable", offline.FaultNoKey},
		{"i/o", fmt.Errorf("%w: %w: write %s: input/output error", offline.ErrWrite, offline.ErrIO, path), 503, "storage_unavailable", offline.FaultIO},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(tt.err.Error(), "/var/lib/tpe") {
				t.Fatalf("the case's error should name a path: %v", tt.err)
			}
			r := newStorageRig(t, func(st *offline.Store) payment.Journal { return faultyJournal{st, tt.err} })
			code, body, m := r.do(t, "POST", "/v1/payments", `{"amount":1250}`)
			e, _ := m["error"].(map[string]any)
			if code != tt.status || e["code"] != tt.code || e["message"] != tt.fault.Message() {
				t.Errorf("got %d %s, want %d %s with %q", code, body, tt.status, tt.code, tt.fault.Message())
			}
			if strings.Contains(body, "/") {
				t.Errorf("the message names a path: %s", body)
			}
		})
	}
}

// TestStorageFaultsDocumented: the API contract and the technicians' table
// list exactly the journal's fault codes.
func TestStorageFaultsDocumented(t *testing.T) {
	b, err := os.ReadFile("../../../docs/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Enum []string `json:"enum"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, f := range offline.Faults {
		codes = append(codes, f.Code())
	}
	if got := doc.Components.Schemas["StorageFault"].Properties["code"].Enum; !slices.Equal(got, codes) {
		t.Errorf("openapi.json StorageFault codes %v, want %v", got, codes)
	}
	for _, name := range []string{"../../../docs/provisioning.md", "../../../docs/api.md"} {
		md, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range codes {
			if !strings.Contains(string(md), "`"+c+"`") {
				t.Errorf("%s does not document %s", filepath.Base(name), c)
			}
		}
	}
}
