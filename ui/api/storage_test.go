package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"tpe/payment"
	"tpe/payment/paymenttest"
)

// faultErr stands for the journal's errors: Error() names the file (for
// technicians), StorageFault does not.
type faultErr struct {
	target error
	fault  payment.StorageFault
}

func (e *faultErr) Error() string {
	return "offline: " + e.fault.Code + ": write /var/lib/tpe/journal.db: boom"
}
func (e *faultErr) Is(t error) bool                    { return t == e.target }
func (e *faultErr) StorageFault() payment.StorageFault { return e.fault }

type failingJournal struct {
	*paymenttest.Journal
	err error
}

func (j failingJournal) Save(context.Context, *payment.Transaction) error { return j.err }

// TestStorageErrors: a payment the journal cannot record answers 507 or 503
// with the fault's message, never the error text with its path.
func TestStorageErrors(t *testing.T) {
	full := payment.StorageFault{Code: "storage_full", Message: "the journal's storage is full", Fix: "free space"}
	ro := payment.StorageFault{Code: "storage_read_only", Message: "read-only file system", Fix: "remount"}
	tests := []struct {
		name   string
		err    error
		status int
		code   string
		msg    string
	}{
		{"full", &faultErr{payment.ErrStorageFull, full}, 507, "storage_full", full.Message},
		{"read-only", &faultErr{payment.ErrStorageUnavailable, ro}, 503, "storage_unavailable", ro.Message},
		{"wrapped", fmt.Errorf("payment: recording the new payment: %w", &faultErr{payment.ErrStorageFull, full}), 507, "storage_full", full.Message},
		{"without a fault", fmt.Errorf("offline: /var/lib/tpe/journal.db: %w", payment.ErrStorageUnavailable), 503, "storage_unavailable", "the journal cannot record the payment; see GET /v1/health"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, err := payment.New(payment.Opts{Journal: failingJournal{paymenttest.NewJournal(), tt.err}, Card: payment.CardPorts{Reader: paymenttest.NewCards()}})
			if err != nil {
				t.Fatal(err)
			}
			defer svc.Close()
			s, err := New(Opts{Service: svc, AllowNoToken: true})
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, loopbackRequest("POST", "/v1/payments", strings.NewReader(`{"amount":100}`)))
			var body struct {
				Error struct{ Code, Message string }
			}
			json.Unmarshal(rec.Body.Bytes(), &body)
			if rec.Code != tt.status || body.Error.Code != tt.code || body.Error.Message != tt.msg {
				t.Errorf("got %d %s, want %d %s %q", rec.Code, rec.Body, tt.status, tt.code, tt.msg)
			}
			if strings.Contains(rec.Body.String(), "/var/lib") {
				t.Errorf("the answer names a path: %s", rec.Body)
			}
		})
	}
	if st, _ := classify(errors.New("other")); st != http.StatusInternalServerError {
		t.Errorf("a non-storage error: %d", st)
	}
}

// TestHealthStorage: a storage fault turns health degraded and is named
// with its fix.
func TestHealthStorage(t *testing.T) {
	f := newFixture(t)
	sf := payment.StorageFault{Code: "storage_full", Message: "full", Fix: "free space"}
	s, err := New(Opts{Service: f.svc, AllowNoToken: true, Health: func(context.Context) Health {
		return Health{Devices: map[string]string{"nfc": "ok"}, Storage: &sf}
	}})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, loopbackRequest("GET", "/v1/health", nil))
	var h struct {
		Status  string
		Storage *payment.StorageFault
	}
	json.Unmarshal(rec.Body.Bytes(), &h)
	if h.Status != "degraded" || h.Storage == nil || *h.Storage != sf {
		t.Errorf("got %s", rec.Body)
	}
}

// TestHealthOutbox: the mail outbox is reported; mail the relay refused
// for good (parked) turns health degraded, mail merely waiting does not,
// and a terminal with no notifications has no outbox field.
func TestHealthOutbox(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		name   string
		outbox *OutboxHealth
		status string
	}{
		{"off", nil, "ok"},
		{"waiting", &OutboxHealth{Queued: 3, OldestAgeSec: 120}, "ok"},
		{"parked", &OutboxHealth{Queued: 0, Parked: 2}, "degraded"},
	} {
		s, err := New(Opts{Service: f.svc, AllowNoToken: true, Health: func(context.Context) Health {
			return Health{Devices: map[string]string{"nfc": "ok"}, Outbox: c.outbox}
		}})
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, loopbackRequest("GET", "/v1/health", nil))
		var h map[string]any
		json.Unmarshal(rec.Body.Bytes(), &h)
		if h["status"] != c.status {
			t.Errorf("%s: status %v, want %s: %s", c.name, h["status"], c.status, rec.Body)
		}
		ob, present := h["outbox"].(map[string]any)
		if present != (c.outbox != nil) {
			t.Errorf("%s: outbox present %v: %s", c.name, present, rec.Body)
			continue
		}
		if c.outbox != nil && (ob["queued"] != float64(c.outbox.Queued) || ob["parked"] != float64(c.outbox.Parked) ||
			ob["oldest_age_s"] != float64(c.outbox.OldestAgeSec)) {
			t.Errorf("%s: outbox %v, want %+v", c.name, ob, c.outbox)
		}
	}
}
