package notify_test

import (
	"context"
	"crypto/tls"
	"errors"
	"strings"
	"testing"
	"time"

	"tpe/payment"
	"tpe/payment/notify"
	"tpe/payment/notify/smtpsim"
)

var merchant = payment.Merchant{Name: "Boulangerie Élise", TerminalID: "T0001"}

func startSink(t *testing.T, o *smtpsim.Opts) *smtpsim.Server {
	t.Helper()
	s, err := smtpsim.Start("127.0.0.1:0", o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func mailerFor(t *testing.T, s *smtpsim.Server, mod func(*notify.Opts)) *notify.Mailer {
	t.Helper()
	host, port, _ := strings.Cut(s.Addr(), ":")
	var p int
	for _, c := range port {
		p = p*10 + int(c-'0')
	}
	o := &notify.Opts{Host: host, Port: p, From: "tpe@boulangerie.example", Merchant: merchant, Lang: "fr",
		Timeout: 5 * time.Second}
	if mod != nil {
		mod(o)
	}
	m, err := notify.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSendStartTLSAuth(t *testing.T) {
	s := startSink(t, &smtpsim.Opts{StartTLS: true, RequireTLS: true, Users: map[string]string{"tpe": "s3cret"}})
	m := mailerFor(t, s, func(o *notify.Opts) {
		o.StartTLS, o.Username, o.Password = true, "tpe", "s3cret"
		o.TLSConfig = &tls.Config{RootCAs: s.CertPool()}
	})
	msg := notify.Message{To: "client@example.com", Subject: "Votre reçu — 12,50 € ✓",
		Text: "Ligne 1\nLigne 2 accentuée é à\n" + strings.Repeat("x", 120), HTML: "<p>Reçu <b>12,50 €</b></p>"}
	if err := m.Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	got := s.Messages()
	if len(got) != 1 {
		t.Fatalf("got %d messages, want 1", len(got))
	}
	g := got[0]
	if !g.TLS || g.User != "tpe" {
		t.Errorf("got tls %v user %q, want a TLS session authenticated as tpe", g.TLS, g.User)
	}
	if g.Subject != msg.Subject {
		t.Errorf("got subject %q, want %q", g.Subject, msg.Subject)
	}
	if g.From != "tpe@boulangerie.example" || len(g.To) != 1 || g.To[0] != "client@example.com" {
		t.Errorf("got envelope %q → %v", g.From, g.To)
	}
	if !strings.Contains(g.HeaderFrom, "Boulangerie Élise") {
		t.Errorf("got From header %q, want the merchant's name decoded", g.HeaderFrom)
	}
	if strings.TrimRight(strings.ReplaceAll(g.Text, "\r\n", "\n"), "\n") != msg.Text {
		t.Errorf("got text %q, want %q", g.Text, msg.Text)
	}
	if strings.TrimSpace(g.HTML) != msg.HTML {
		t.Errorf("got html %q, want %q", g.HTML, msg.HTML)
	}
	if g.ParseError != "" || g.MessageID == "" || g.Date == "" {
		t.Errorf("got parse error %q, message-id %q, date %q", g.ParseError, g.MessageID, g.Date)
	}
	if !strings.Contains(g.Raw, "multipart/alternative") || strings.Contains(g.Raw, "s3cret") {
		t.Errorf("raw message is not multipart/alternative or carries the password")
	}
}

func TestSendErrors(t *testing.T) {
	s := startSink(t, &smtpsim.Opts{Reject: []string{"refuse@example.com"}})
	m := mailerFor(t, s, nil)
	ctx := context.Background()

	err := m.Send(ctx, notify.Message{To: "refuse@example.com", Subject: "x", Text: "x"})
	var se *notify.SMTPError
	if !errors.As(err, &se) || se.Code != 550 || se.Stage != "RCPT TO" || !errors.Is(err, notify.ErrRejected) {
		t.Errorf("rejected recipient: got %v, want a 550 RCPT TO SMTPError", err)
	}
	for _, bad := range []string{"", "no-at-sign", "a@b", "two@@x.fr, c@d.fr", "x@y.fr\r\nBcc: z@z.fr"} {
		err := m.Send(ctx, notify.Message{To: bad, Subject: "x", Text: "x"})
		if !errors.Is(err, notify.ErrInvalidAddress) || !errors.Is(err, payment.ErrInvalidEmail) {
			t.Errorf("address %q: got %v, want ErrInvalidAddress", bad, err)
		}
	}
	if err := m.Send(ctx, notify.Message{To: "ok@example.com", Subject: "a\r\nBcc: x@y.fr", Text: "x"}); !errors.Is(err, notify.ErrBadHeader) {
		t.Errorf("header injection: got %v, want ErrBadHeader", err)
	}
	if n := len(s.Messages()); n != 0 {
		t.Errorf("got %d messages accepted, want none", n)
	}
	// STARTTLS required but not offered: nothing sent in clear.
	m2 := mailerFor(t, s, func(o *notify.Opts) { o.StartTLS = true })
	if err := m2.Send(ctx, notify.Message{To: "ok@example.com", Subject: "x", Text: "x"}); !errors.Is(err, notify.ErrNoStartTLS) {
		t.Errorf("no STARTTLS: got %v, want ErrNoStartTLS", err)
	}
	// Wrong password.
	s3 := startSink(t, &smtpsim.Opts{Users: map[string]string{"tpe": "good"}})
	m3 := mailerFor(t, s3, func(o *notify.Opts) { o.Username, o.Password = "tpe", "bad" })
	err = m3.Send(ctx, notify.Message{To: "ok@example.com", Subject: "x", Text: "x"})
	if !errors.As(err, &se) || se.Stage != "AUTH" || se.Code != 535 || strings.Contains(err.Error(), "bad") {
		t.Errorf("bad credentials: got %v, want a 535 AUTH SMTPError without the password", err)
	}
	// Nobody listening.
	addr := s3.Addr()
	s3.Close()
	m4 := mailerFor(t, s3, nil)
	if err := m4.Send(ctx, notify.Message{To: "ok@example.com", Subject: "x", Text: "x"}); err == nil || !strings.Contains(err.Error(), addr) {
		t.Errorf("closed relay: got %v, want a connection error naming %s", err, addr)
	}
	if _, err := notify.New(&notify.Opts{From: "x@y.fr"}); !errors.Is(err, notify.ErrNotConfigured) {
		t.Errorf("no host: got %v, want ErrNotConfigured", err)
	}
	if _, err := notify.New(&notify.Opts{Host: "h", From: "nope"}); !errors.Is(err, notify.ErrInvalidAddress) {
		t.Errorf("bad sender: got %v, want ErrInvalidAddress", err)
	}
}

func TestReceiptAndReport(t *testing.T) {
	s := startSink(t, nil)
	m := mailerFor(t, s, func(o *notify.Opts) { o.ReportTo = "gerant@example.com" })
	ctx := context.Background()
	tx := &payment.Transaction{ID: "pay_1", Amount: payment.Amount{Minor: 1250, Currency: "EUR"}}
	if err := m.SendReceipt(ctx, "client@example.com", tx, "TICKET CLIENT\nMONTANT 12,50 EUR"); err != nil {
		t.Fatal(err)
	}
	if err := m.SendReport(ctx, payment.Report{Kind: "X", Batch: 3}, "X"); err != nil {
		t.Fatal(err)
	}
	if err := m.SendReport(ctx, payment.Report{Kind: "Z", Batch: 3, TerminalID: "T0001", At: time.Date(2026, 11, 26, 20, 0, 0, 0, time.UTC)}, "CLOTURE (Z)\nNET 12,50"); err != nil {
		t.Fatal(err)
	}
	got := s.Messages()
	if len(got) != 2 {
		t.Fatalf("got %d messages, want receipt and Z report (no X report)", len(got))
	}
	r, z := got[0], got[1]
	if r.To[0] != "client@example.com" || !strings.Contains(r.Subject, "Votre ticket") || !strings.Contains(r.Subject, "Boulangerie Élise") ||
		!strings.Contains(r.Text, "MONTANT 12,50 EUR") || !strings.Contains(r.HTML, "<pre") {
		t.Errorf("receipt: got %+v", r)
	}
	if z.To[0] != "gerant@example.com" || !strings.Contains(z.Subject, "lot 3") || !strings.Contains(z.Text, "NET 12,50") || !strings.Contains(z.Text, "26/11/2026") {
		t.Errorf("report: got subject %q text %q", z.Subject, z.Text)
	}
	if err := m.SendReceipt(ctx, "bad address", tx, "x"); !errors.Is(err, notify.ErrInvalidAddress) {
		t.Errorf("got %v, want ErrInvalidAddress", err)
	}
	// Reports off: nothing sent.
	off := mailerFor(t, s, nil)
	if err := off.SendReport(ctx, payment.Report{Kind: "Z", Batch: 4}, "Z"); err != nil || len(s.Messages()) != 2 {
		t.Errorf("reports off: got err %v and %d messages, want nothing sent", err, len(s.Messages()))
	}
}

func TestCancelledContext(t *testing.T) {
	s := startSink(t, nil)
	m := mailerFor(t, s, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.Send(ctx, notify.Message{To: "ok@example.com", Subject: "x", Text: "x"}); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}
