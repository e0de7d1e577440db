package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"tpe/device/printer"
	"tpe/payment"
	"tpe/payment/paymenttest"
)

// syncBuffer is a log sink the server's goroutines and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// records are the JSON log lines written so far.
func (s *syncBuffer) records(t *testing.T) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(s.b.Bytes()))
	for sc.Scan() {
		var r map[string]any
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("log line %q: %v", sc.Bytes(), err)
		}
		out = append(out, r)
	}
	return out
}

// brokenJournal fails reading payments with the kind of text a journal's
// error carries: a file path, a payment's ID, a key's number. It is no
// storage fault: the API has no code for it.
type brokenJournal struct {
	*paymenttest.Journal
	err error
}

func (j brokenJournal) Get(context.Context, string) (*payment.Transaction, error) { return nil, j.err }

// failingPrinter fails every print with err.
type failingPrinter struct{ err error }

func (p failingPrinter) Print(context.Context, printer.Receipt) error { return p.err }
func (p failingPrinter) Status(context.Context) (printer.Status, error) {
	return printer.Status{}, p.err
}
func (failingPrinter) String() string { return "failing" }
func (failingPrinter) Halt() error    { return nil }

var errorIDPattern = regexp.MustCompile(`^err-[bcdfghjkmnpqrstvwxz]{10}$`)

// TestServerErrorsHideTheirText: a server-side failure — an internal
// error (a journal that fails), the gateway unreachable, the printer out
// of paper — answers its code, the API's fixed message and an error ID;
// the error's own text (paths, the gateway's address, a device file) is
// not in the answer but in the log, under the same ID.
func TestServerErrorsHideTheirText(t *testing.T) {
	journalErr := errors.New("offline: reading /var/lib/tpe/journal.db: record pay_7 sealed under key 3: cipher: message authentication failed")
	gatewayErr := fmt.Errorf("%w: Post \"https://gw.payxpert.example/v1/refund\": dial tcp 10.0.0.7:443: connection refused", payment.ErrGatewayUnavailable)
	printerErr := fmt.Errorf("escpos: write /dev/usb/lp0: %w", printer.ErrPaperOut)
	tests := []struct {
		name    string
		ports   func(*payment.Opts)
		request func(t *testing.T, f *fixture) (method, path, body string)
		status  int
		code    string
		message string
		secrets []string // in the log, never in the answer
	}{
		{
			name:  "internal",
			ports: func(o *payment.Opts) { o.Journal = brokenJournal{paymenttest.NewJournal(), journalErr} },
			request: func(*testing.T, *fixture) (string, string, string) {
				return "GET", "/v1/payments/pay_7", ""
			},
			status: 500, code: "internal", message: internalMessage,
			secrets: []string{"/var/lib/tpe/journal.db", "sealed under key 3", "cipher"},
		},
		{
			name: "gateway unavailable",
			request: func(t *testing.T, f *fixture) (string, string, string) {
				id := f.sale(t, 1000)["id"].(string)
				f.gw.Err = gatewayErr
				return "POST", "/v1/payments/" + id + "/refunds", `{"amount":400}`
			},
			status: 502, code: "gateway_unavailable", message: serverMessages["gateway_unavailable"],
			secrets: []string{"gw.payxpert.example", "10.0.0.7"},
		},
		{
			name:  "printer",
			ports: func(o *payment.Opts) { o.Receipts.Printer = failingPrinter{printerErr} },
			request: func(t *testing.T, f *fixture) (string, string, string) {
				id := f.sale(t, 1000)["id"].(string)
				return "POST", "/v1/payments/" + id + "/receipt/print?copy=customer", ""
			},
			status: 503, code: "printer_error", message: "the printer is out of paper: load a roll and print again",
			secrets: []string{"/dev/usb/lp0", "escpos"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &syncBuffer{}
			f := newFixturePorts(t, tt.ports, func(o *Opts) { o.Logger = slog.New(slog.NewJSONHandler(logs, nil)) })
			method, path, body := tt.request(t, f)
			status, raw := f.raw(t, method, path, body, token)
			var answer struct {
				Error struct {
					Code, Message string
					ErrorID       string `json:"error_id"`
				}
			}
			if err := json.Unmarshal(raw, &answer); err != nil {
				t.Fatalf("%d %q: %v", status, raw, err)
			}
			e := answer.Error
			if status != tt.status || e.Code != tt.code || e.Message != tt.message {
				t.Errorf("%s %s: %d %s %q, want %d %s %q", method, path, status, e.Code, e.Message, tt.status, tt.code, tt.message)
			}
			if !errorIDPattern.MatchString(e.ErrorID) {
				t.Errorf("error_id %q, want err- and 10 consonants", e.ErrorID)
			}
			for _, s := range tt.secrets {
				if strings.Contains(string(raw), s) {
					t.Errorf("the answer carries %q: %s", s, raw)
				}
			}
			var logged map[string]any
			for _, r := range logs.records(t) {
				if r["error_id"] == e.ErrorID {
					logged = r
				}
			}
			if logged == nil {
				t.Fatalf("no log record with error_id %s:\n%v", e.ErrorID, logs.records(t))
			}
			if logged["level"] != "ERROR" || logged["code"] != tt.code || logged["status"] != float64(tt.status) {
				t.Errorf("log record %v", logged)
			}
			for _, s := range tt.secrets {
				if msg, _ := logged["err"].(string); !strings.Contains(msg, s) {
					t.Errorf("the log's err %q lacks %q: the technician cannot see what failed", msg, s)
				}
			}
		})
	}
}

// TestClientErrorsKeepTheirText: a 4xx says the API's contract message,
// without an error ID, and logs nothing as an error; a 501 too.
func TestClientErrorsKeepTheirText(t *testing.T) {
	logs := &syncBuffer{}
	f := newFixturePorts(t, nil, func(o *Opts) { o.Logger = slog.New(slog.NewJSONHandler(logs, nil)) })
	for _, c := range []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"POST", "/v1/payments", `{"amount":-1}`, 422, "invalid_amount"},
		{"POST", "/v1/payments", `{"amount":100,"method":"paylink","email":"a@b.fr"}`, 501, "not_supported"},
	} {
		status, raw := f.raw(t, c.method, c.path, c.body, token)
		var answer struct{ Error map[string]string }
		json.Unmarshal(raw, &answer)
		if status != c.status || answer.Error["code"] != c.code || answer.Error["message"] == "" {
			t.Errorf("%s %s: %d %s, want %d %s with a message", c.method, c.path, status, raw, c.status, c.code)
		}
		if _, ok := answer.Error["error_id"]; ok {
			t.Errorf("%s %s: an error ID on a %d: %s", c.method, c.path, status, raw)
		}
	}
	for _, r := range logs.records(t) {
		if r["level"] == "ERROR" {
			t.Errorf("a client error logged as a failure: %v", r)
		}
	}
}

// docs/api.md quotes every fixed 5xx message as the server says it.
func TestServerMessagesDocumented(t *testing.T) {
	md, err := os.ReadFile("../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	msgs := []string{internalMessage, printerError(errors.New("?")).(*causedError).answer.msg}
	for _, m := range serverMessages {
		msgs = append(msgs, m)
	}
	for _, p := range printerMessages {
		msgs = append(msgs, p.msg)
	}
	for _, m := range msgs {
		if !strings.Contains(string(md), "`"+m+"`") {
			t.Errorf("docs/api.md does not quote %q", m)
		}
	}
}

// Error IDs are drawn from the whole alphabet, each its own.
func TestErrorIDs(t *testing.T) {
	seen := map[string]bool{}
	letters := map[rune]bool{}
	for range 2000 {
		id := newErrorID()
		if !errorIDPattern.MatchString(id) || seen[id] {
			t.Fatalf("error ID %q (malformed or repeated)", id)
		}
		seen[id] = true
		for _, r := range id[4:] {
			letters[r] = true
		}
	}
	if len(letters) != len(errorIDLetters) {
		t.Errorf("%d of the %d letters used", len(letters), len(errorIDLetters))
	}
}
