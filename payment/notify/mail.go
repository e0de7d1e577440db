package notify

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"

	"tpe/payment"
)

// Message is one e-mail to send: a plain-text body and, optionally, an
// HTML alternative of the same content.
type Message struct {
	To      string
	Subject string
	Text    string
	HTML    string
	// ID, when set, makes the Message-ID header <ID@sender's domain>
	// instead of a random one: the outbox gives each queued mail its own,
	// so a mail sent twice (the relay took it, the terminal died before
	// recording it) carries the same Message-ID and mail clients show one.
	ID string `json:",omitempty"`
}

// Compose renders m as an RFC 5322 message from the sender: UTF-8
// subject and display name encoded per RFC 2047, multipart/alternative
// (RFC 2046 §5.1.4: plain text first, HTML last, the preferred one) with
// quoted-printable parts, Date and a unique Message-ID.
func Compose(m Message, from mail.Address, now time.Time) ([]byte, error) {
	if err := checkAddress(from.Address); err != nil {
		return nil, err
	}
	if err := checkAddress(m.To); err != nil {
		return nil, err
	}
	for _, v := range []string{m.Subject, from.Name} {
		if strings.ContainsAny(v, "\r\n") {
			return nil, ErrBadHeader
		}
	}
	id := m.ID
	if id == "" {
		id = randomHex(12)
	} else if strings.ContainsAny(id, "\r\n<>@ \t") {
		return nil, ErrBadHeader
	}
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	h("From", from.String())
	h("To", (&mail.Address{Address: m.To}).String())
	h("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	h("Date", now.Format(time.RFC1123Z))
	h("Message-ID", "<"+id+"@"+domainOf(from.Address)+">")
	h("MIME-Version", "1.0")
	h("Auto-Submitted", "auto-generated") // RFC 3834: no auto-replies to a terminal
	if m.HTML == "" {
		h("Content-Type", "text/plain; charset=utf-8")
		h("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		writeQP(&b, m.Text)
		return b.Bytes(), nil
	}
	boundary := "tpe-" + randomHex(16)
	h("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": boundary}))
	b.WriteString("\r\n")
	for _, p := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		fmt.Fprintf(&b, "--%s\r\n", boundary)
		ph := textproto.MIMEHeader{}
		ph.Set("Content-Type", p.typ+"; charset=utf-8")
		ph.Set("Content-Transfer-Encoding", "quoted-printable")
		fmt.Fprintf(&b, "Content-Type: %s\r\nContent-Transfer-Encoding: %s\r\n\r\n", ph.Get("Content-Type"), ph.Get("Content-Transfer-Encoding"))
		writeQP(&b, p.body)
		b.WriteString("\r\n")
	}
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.Bytes(), nil
}

func writeQP(b *bytes.Buffer, s string) {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
	w := quotedprintable.NewWriter(b)
	w.Write([]byte(s))
	w.Close()
}

// checkAddress accepts one plain address, as payment.ValidateEmail does.
// CheckAddress is nil for one plain e-mail address the outbox can send
// to, ErrInvalidAddress otherwise.
func CheckAddress(a string) error { return checkAddress(a) }

func checkAddress(a string) error {
	if err := payment.ValidateEmail(a); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidAddress, err)
	}
	if _, err := mail.ParseAddress(a); err != nil {
		return fmt.Errorf("%w: %q: %w", ErrInvalidAddress, a, payment.ErrInvalidEmail)
	}
	return nil
}

func domainOf(a string) string {
	if i := strings.LastIndexByte(a, '@'); i >= 0 {
		return a[i+1:]
	}
	return "localhost"
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
