package smtpsim

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"testing"
)

// expect sends a command and checks the reply code.
func expect(t *testing.T, c *textproto.Conn, cmd string, code int) string {
	t.Helper()
	if cmd != "" {
		if err := c.PrintfLine("%s", cmd); err != nil {
			t.Fatal(err)
		}
	}
	_, msg, err := c.ReadResponse(code)
	if err != nil {
		t.Fatalf("%q: got %v, want %d", cmd, err, code)
	}
	return msg
}

func TestProtocol(t *testing.T) {
	s, err := Start("127.0.0.1:0", &Opts{Users: map[string]string{"u": "p"}, Reject: []string{"No@Example.com"}, MaxSize: 200})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := textproto.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	expect(t, c, "", 220)
	expect(t, c, "MAIL FROM:<a@b.fr>", 503) // before EHLO
	ext := expect(t, c, "EHLO test", 250)
	if !strings.Contains(ext, "AUTH PLAIN") || strings.Contains(ext, "STARTTLS") {
		t.Errorf("got extensions %q, want AUTH PLAIN and no STARTTLS", ext)
	}
	expect(t, c, "MAIL FROM:<a@b.fr>", 530) // not authenticated
	expect(t, c, "AUTH PLAIN "+base64.StdEncoding.EncodeToString([]byte("\x00u\x00x")), 535)
	expect(t, c, "AUTH PLAIN "+base64.StdEncoding.EncodeToString([]byte("\x00u\x00p")), 235)
	expect(t, c, "RCPT TO:<x@y.fr>", 503)
	expect(t, c, "MAIL FROM:a@b.fr", 501)
	expect(t, c, "MAIL FROM:<a@b.fr>", 250)
	expect(t, c, "RCPT TO:<no@example.com>", 550)
	expect(t, c, "DATA", 503)
	expect(t, c, "RCPT TO:<x@y.fr>", 250)
	expect(t, c, "RSET", 250)
	expect(t, c, "DATA", 503)
	expect(t, c, "MAIL FROM:<a@b.fr>", 250)
	expect(t, c, "RCPT TO:<x@y.fr>", 250)
	expect(t, c, "DATA", 354)
	w := c.DotWriter()
	w.Write([]byte(strings.Repeat("too big\r\n", 40)))
	w.Close()
	expect(t, c, "", 552)
	expect(t, c, "MAIL FROM:<a@b.fr>", 250)
	expect(t, c, "RCPT TO:<x@y.fr>", 250)
	expect(t, c, "DATA", 354)
	w = c.DotWriter()
	w.Write([]byte("Subject: =?utf-8?q?caf=C3=A9?=\r\n\r\n.dot line\r\nbody\r\n"))
	w.Close()
	expect(t, c, "", 250)
	expect(t, c, "NOOP", 250)
	expect(t, c, "BOGUS", 500)
	expect(t, c, "QUIT", 221)

	msgs := s.Messages()
	if len(msgs) != 1 || msgs[0].Subject != "café" || msgs[0].Text != ".dot line\nbody\n" || msgs[0].User != "u" {
		t.Fatalf("got %+v", msgs)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/sim/outbox", nil))
	var out struct{ Messages []Message }
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || len(out.Messages) != 1 || out.Messages[0].Subject != "café" {
		t.Errorf("outbox: got %s (%v)", rec.Body, err)
	}
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodDelete, "/v1/sim/outbox", nil))
	if rec.Code != http.StatusNoContent || len(s.Messages()) != 0 {
		t.Errorf("delete: got %d and %d messages", rec.Code, len(s.Messages()))
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("Subject: =?utf-8?q?caf=C3=A9?=\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\naGk=\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n--b--\r\n"))
	f.Add([]byte("From: x\r\n\r\nplain"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		parse(raw) // must not panic or hang
	})
}
