package smtpsim

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

var wordDecoder = &mime.WordDecoder{}

// parse reads an RFC 5322 message with MIME parts (RFC 2045/2046/2047):
// the decoded subject and the first text/plain and text/html parts,
// whatever the nesting of multipart/alternative and multipart/mixed.
func parse(raw []byte) Message {
	m := Message{Raw: string(raw)}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		m.ParseError = err.Error()
		return m
	}
	h := msg.Header
	m.HeaderFrom, _ = wordDecoder.DecodeHeader(h.Get("From"))
	m.HeaderTo, _ = wordDecoder.DecodeHeader(h.Get("To"))
	if m.Subject, err = wordDecoder.DecodeHeader(h.Get("Subject")); err != nil {
		m.Subject = h.Get("Subject")
		m.ParseError = "subject: " + err.Error()
	}
	m.Date, m.MessageID = h.Get("Date"), h.Get("Message-Id")
	if err := walk(&m, h.Get("Content-Type"), h.Get("Content-Transfer-Encoding"), msg.Body, 0); err != nil && m.ParseError == "" {
		m.ParseError = err.Error()
	}
	return m
}

func walk(m *Message, ctype, cte string, body io.Reader, depth int) error {
	if ctype == "" {
		ctype = "text/plain; charset=us-ascii"
	}
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		return err
	}
	if strings.HasPrefix(mt, "multipart/") {
		if depth > 5 {
			return nil
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := walk(m, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, depth+1); err != nil {
				return err
			}
		}
	}
	var r io.Reader = body
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, newlineStripper{body})
	}
	b, err := io.ReadAll(io.LimitReader(r, 10<<20))
	if err != nil {
		return err
	}
	switch {
	case mt == "text/plain" && m.Text == "":
		m.Text = string(b)
	case mt == "text/html" && m.HTML == "":
		m.HTML = string(b)
	}
	return nil
}

// newlineStripper drops CR and LF so base64 lines decode as one stream.
type newlineStripper struct{ r io.Reader }

func (n newlineStripper) Read(p []byte) (int, error) {
	for {
		k, err := n.r.Read(p)
		j := 0
		for _, c := range p[:k] {
			if c != '\r' && c != '\n' {
				p[j] = c
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}
