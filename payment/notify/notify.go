package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"tpe/payment"
	"tpe/payment/i18n"
)

// Opts configures a Mailer: the relay (config [smtp]) and what it sends
// (config [notifications], [terminal] merchant_email and language).
type Opts struct {
	Host     string
	Port     int  // default 587
	StartTLS bool // upgrade with STARTTLS; required when set
	// Username and Password authenticate with AUTH PLAIN when Username is
	// set. net/smtp refuses to send them over an unencrypted connection to
	// anything but localhost.
	Username, Password string
	// From is the sender address; FromName its display name (default the
	// merchant's name).
	From, FromName string
	// TLSConfig is used for STARTTLS (ServerName defaults to Host); nil
	// trusts the system roots.
	TLSConfig *tls.Config
	// Timeout bounds one whole send (connect to QUIT); default 30 s.
	Timeout time.Duration
	// LocalName is the EHLO name; default "localhost".
	LocalName string

	// Merchant heads receipts and reports; Lang (fr or en, default fr)
	// is the language of the mails.
	Merchant payment.Merchant
	Lang     string
	// ReportTo receives the Z report; empty means reports are not e-mailed
	// (config notifications.email_z_report off).
	ReportTo string

	Now    func() time.Time
	Logger *slog.Logger
}

// Mailer sends e-mail through one SMTP relay. It implements
// payment.Notifier and is the mail sender of payment/paylink.
type Mailer struct {
	o    Opts
	from mail.Address
	log  *slog.Logger
}

var _ payment.Notifier = (*Mailer)(nil)

// New checks o and returns a Mailer. A missing host or sender is
// ErrNotConfigured; a malformed sender or report address ErrInvalidAddress.
func New(o *Opts) (*Mailer, error) {
	var opts Opts
	if o != nil {
		opts = *o
	}
	if opts.Host == "" || opts.From == "" {
		return nil, ErrNotConfigured
	}
	if opts.Port == 0 {
		opts.Port = 587
	}
	if opts.Port < 1 || opts.Port > 65535 {
		return nil, fmt.Errorf("notify: smtp port %d out of range", opts.Port)
	}
	if err := checkAddress(opts.From); err != nil {
		return nil, fmt.Errorf("notify: sender: %w", err)
	}
	if opts.ReportTo != "" {
		if err := checkAddress(opts.ReportTo); err != nil {
			return nil, fmt.Errorf("notify: report address: %w", err)
		}
	}
	if opts.FromName == "" {
		opts.FromName = opts.Merchant.Name
	}
	if strings.ContainsAny(opts.FromName, "\r\n") {
		return nil, ErrBadHeader
	}
	if opts.Lang != "en" {
		opts.Lang = "fr"
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.LocalName == "" {
		opts.LocalName = "localhost"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Mailer{o: opts, from: mail.Address{Name: opts.FromName, Address: opts.From}, log: opts.Logger}, nil
}

// Lang is the language the Mailer writes in (fr or en).
func (m *Mailer) Lang() string { return m.o.Lang }

// Merchant is who the Mailer writes for.
func (m *Mailer) Merchant() payment.Merchant { return m.o.Merchant }

// Send delivers msg to its recipient through the relay. It returns only
// once the relay accepted the message (250 after DATA): a nil error means
// the relay has it. A refused recipient is a *SMTPError (ErrRejected).
func (m *Mailer) Send(ctx context.Context, msg Message) error {
	raw, err := Compose(msg, m.from, m.o.Now())
	if err != nil {
		return err
	}
	start := time.Now()
	err = m.deliver(ctx, msg.To, raw)
	m.log.Info("mail sent", "to_domain", domainOf(msg.To), "bytes", len(raw),
		"latency_ms", time.Since(start).Milliseconds(), "ok", err == nil)
	return err
}

func (m *Mailer) deliver(ctx context.Context, to string, raw []byte) error {
	ctx, cancel := context.WithTimeout(ctx, m.o.Timeout)
	defer cancel()
	addr := net.JoinHostPort(m.o.Host, strconv.Itoa(m.o.Port))
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("notify: connecting to %s: %w", addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	// A cancelled ctx closes the connection so a stuck relay never blocks.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	c, err := smtp.NewClient(conn, m.o.Host)
	if err != nil {
		conn.Close()
		return m.wrap(ctx, "greeting", err)
	}
	defer c.Close()
	if err := c.Hello(m.o.LocalName); err != nil {
		return m.wrap(ctx, "EHLO", err)
	}
	if m.o.StartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return ErrNoStartTLS
		}
		cfg := &tls.Config{ServerName: m.o.Host, MinVersion: tls.VersionTLS12}
		if m.o.TLSConfig != nil {
			cfg = m.o.TLSConfig.Clone()
			if cfg.ServerName == "" {
				cfg.ServerName = m.o.Host
			}
		}
		if err := c.StartTLS(cfg); err != nil {
			return m.wrap(ctx, "STARTTLS", err)
		}
	}
	if m.o.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", m.o.Username, m.o.Password, m.o.Host)); err != nil {
			return m.wrap(ctx, "AUTH", err)
		}
	}
	if err := c.Mail(m.o.From); err != nil {
		return m.wrap(ctx, "MAIL FROM", err)
	}
	if err := c.Rcpt(to); err != nil {
		return m.wrap(ctx, "RCPT TO", err)
	}
	w, err := c.Data()
	if err != nil {
		return m.wrap(ctx, "DATA", err)
	}
	if _, err := w.Write(raw); err != nil {
		return m.wrap(ctx, "DATA", err)
	}
	if err := w.Close(); err != nil {
		return m.wrap(ctx, "DATA", err)
	}
	c.Quit() // the relay already accepted the message
	return nil
}

// wrap names the step that failed; a relay reply code becomes *SMTPError.
// Credentials never appear: net/smtp errors carry the server's text only.
func (m *Mailer) wrap(ctx context.Context, stage string, err error) error {
	var te *textproto.Error
	if errors.As(err, &te) {
		return &SMTPError{Stage: stage, Code: te.Code, Msg: te.Msg}
	}
	if ctx.Err() != nil {
		return fmt.Errorf("notify: smtp %s: %w", stage, ctx.Err())
	}
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("notify: smtp %s: connection closed by the server", stage)
	}
	return fmt.Errorf("notify: smtp %s: %w", stage, err)
}

var receiptHTML = template.Must(template.New("r").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body style="font-family:sans-serif">
<h1 style="font-size:1.2em">{{.Title}}</h1>
<p>{{.Intro}}</p>
<pre style="font-family:monospace;border:1px solid #ccc;padding:1em;display:inline-block">{{.Text}}</pre>
<p style="color:#666;font-size:.8em">{{.Footer}}</p>
</body></html>`))

func (m *Mailer) render(title, intro, text string) (plain, html string) {
	footer := i18n.T(m.o.Lang, "mail.footer")
	plain = intro + "\n\n" + text + "\n\n-- \n" + footer + "\n"
	var b strings.Builder
	receiptHTML.Execute(&b, map[string]string{"Lang": m.o.Lang, "Title": title,
		"Intro": strings.ReplaceAll(intro, "\n\n", " "), "Text": text, "Footer": footer})
	return plain, b.String()
}

// SendReceipt e-mails the customer's receipt of t (text is the receipt as
// printed). A failure leaves the payment as it is: the caller logs it.
func (m *Mailer) SendReceipt(ctx context.Context, to string, t *payment.Transaction, text string) error {
	if err := checkAddress(to); err != nil {
		return err
	}
	l, name := m.o.Lang, m.o.Merchant.Name
	subject := i18n.T(l, "mail.receipt.subject", t.Amount.Format(l), name)
	plain, html := m.render(i18n.T(l, "mail.receipt.title"), i18n.T(l, "mail.receipt.intro", name), text)
	if err := m.Send(ctx, Message{To: to, Subject: subject, Text: plain, HTML: html}); err != nil {
		return fmt.Errorf("notify: receipt of %s: %w", t.ID, err)
	}
	return nil
}

// SendReport e-mails the Z report to Opts.ReportTo; without one it does
// nothing (reports by e-mail are off). X reports are never e-mailed.
func (m *Mailer) SendReport(ctx context.Context, r payment.Report, text string) error {
	if m.o.ReportTo == "" || r.Kind != "Z" {
		return nil
	}
	l := m.o.Lang
	subject := i18n.T(l, "mail.report.subject", r.Batch, m.o.Merchant.Name)
	intro := i18n.T(l, "mail.report.intro", r.Batch, r.TerminalID, r.At.Format(i18n.T(l, "mail.date_layout")))
	plain, html := m.render(i18n.T(l, "mail.report.title", r.Batch), intro, text)
	if err := m.Send(ctx, Message{To: m.o.ReportTo, Subject: subject, Text: plain, HTML: html}); err != nil {
		return fmt.Errorf("notify: z report of batch %d: %w", r.Batch, err)
	}
	return nil
}
