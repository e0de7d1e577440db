package notify

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"strings"
	"time"

	"tpe/payment"
	"tpe/payment/i18n"
)

// NoticeKind names a notification to the merchant.
type NoticeKind string

const (
	NoticeLinkPaid        NoticeKind = "link_paid"        // a payment link was paid
	NoticeLinkExpired     NoticeKind = "link_expired"     // a payment link expired unpaid
	NoticeForwardDeclined NoticeKind = "forward_declined" // an offline approval the issuer declined when forwarded
	NoticeRefund          NoticeKind = "refund"           // a refund was made
	NoticeZReport         NoticeKind = "z_report"         // a batch was closed: its Z report
)

// NoticesOpts says where the merchant's notifications go and which are on
// (config [notifications], terminal.merchant_email).
type NoticesOpts struct {
	// To is the merchant's main address (terminal.merchant_email).
	To string
	// Lang is fr (default) or en.
	Lang     string
	Merchant payment.Merchant
	// Location renders dates; default time.Local.
	Location *time.Location
	// On lists the notifications sent; any other is not.
	On     map[NoticeKind]bool
	Logger *slog.Logger
}

// Notices turns the payment service's events into e-mails to the merchant,
// queued in the durable Outbox: it listens rather than being called from
// each flow, so a new flow that publishes its events is covered. Only the
// masked PAN and the card brand ever appear, never card data.
type Notices struct {
	out *Outbox
	o   NoticesOpts
	log *slog.Logger
}

// NewNotices checks o; a missing or malformed address is ErrInvalidAddress
// when any notification is on.
func NewNotices(out *Outbox, o *NoticesOpts) (*Notices, error) {
	if out == nil {
		return nil, errors.New("notify: notices need an outbox")
	}
	var opts NoticesOpts
	if o != nil {
		opts = *o
	}
	on := map[NoticeKind]bool{}
	for k, v := range opts.On {
		if v {
			on[k] = true
		}
	}
	opts.On = on
	if len(on) > 0 {
		if err := checkAddress(opts.To); err != nil {
			return nil, fmt.Errorf("notify: merchant address: %w", err)
		}
	}
	if opts.Lang != "en" {
		opts.Lang = "fr"
	}
	if opts.Location == nil {
		opts.Location = time.Local
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Notices{out: out, o: opts, log: opts.Logger}, nil
}

// Run queues a notification for each event that calls for one until ctx
// ends or events is closed. A notification that cannot be queued is
// logged; the payment it tells of is journaled already.
func (n *Notices) Run(ctx context.Context, events <-chan payment.Event) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev, ok := <-events:
			if !ok {
				return nil
			}
			if err := n.Handle(ctx, ev); err != nil {
				n.log.Error("merchant notification not queued", "event", ev.Type, "err", err)
			}
		}
	}
}

// Handle queues the notification ev calls for, if it is switched on.
func (n *Notices) Handle(ctx context.Context, ev payment.Event) error {
	kind, ok := KindOf(ev)
	if !ok || !n.o.On[kind] {
		return nil
	}
	m, err := n.Compose(kind, ev)
	if err != nil {
		return err
	}
	if err := n.out.Enqueue(ctx, m); err != nil {
		return err
	}
	n.log.Info("merchant notification queued", "kind", kind)
	return nil
}

// KindOf is the notification an event calls for, if any.
func KindOf(ev payment.Event) (NoticeKind, bool) {
	p := ev.Payment
	switch {
	case ev.Type == payment.EventBatchClosed && ev.Report != nil:
		return NoticeZReport, true
	case p == nil:
		return "", false
	case ev.Type == payment.EventApproved && p.Method == payment.MethodPayLink:
		return NoticeLinkPaid, true
	case ev.Type == payment.EventExpired && p.Method == payment.MethodPayLink:
		return NoticeLinkExpired, true
	case ev.Type == payment.EventDeclined && p.State == payment.StateForwardDeclined:
		return NoticeForwardDeclined, true
	case ev.Type == payment.EventRefunded && len(p.Refunds) > 0:
		return NoticeRefund, true
	}
	return "", false
}

// field is one line of a notification: label and value.
type field struct{ Label, Value string }

// Compose writes the notification of kind for ev in the merchant's
// language, plain text and HTML.
func (n *Notices) Compose(kind NoticeKind, ev payment.Event) (Message, error) {
	name := n.o.Merchant.Name
	var subject, intro, todo, pre string
	var fields []field
	if kind == NoticeZReport {
		r := ev.Report
		subject = n.w("z.subject", r.Batch, name)
		intro = n.w("z.intro", r.Batch, n.o.Merchant.TerminalID, n.date(r.At))
		pre = payment.ReportText(*r, n.o.Merchant, n.o.Lang)
	} else {
		p := ev.Payment
		amount := p.Amount.Format(n.o.Lang)
		subject = n.w(string(kind)+".subject", amount, ref(p), name)
		intro = n.w(string(kind)+".intro", amount)
		if k := string(kind) + ".todo"; n.has(k) {
			todo = n.w(k)
		}
		if kind == NoticeRefund {
			last := p.Refunds[len(p.Refunds)-1]
			subject = n.w("refund.subject", last.Amount.Format(n.o.Lang), ref(p), name)
			intro = n.w("refund.intro", last.Amount.Format(n.o.Lang), amount)
			fields = append(fields, field{n.w("f.refunded"), payment.Amount{Minor: p.Refunded(), Currency: p.Amount.Currency}.Format(n.o.Lang)},
				field{n.w("f.remaining"), payment.Amount{Minor: p.Amount.Minor - p.Refunded(), Currency: p.Amount.Currency}.Format(n.o.Lang)})
		}
		fields = append(fields, n.paymentFields(p)...)
	}
	return n.render(subject, intro, todo, fields, pre)
}

// w is the notification wording key (mail.notice.key in payment/i18n) in
// the merchant's language.
func (n *Notices) w(key string, args ...any) string {
	return i18n.T(n.o.Lang, "mail.notice."+key, args...)
}

func (n *Notices) has(key string) bool { return i18n.Has("mail.notice." + key) }

func ref(p *payment.Transaction) string {
	if p.Reference != "" {
		return p.Reference
	}
	return p.ID
}

// paymentFields describe a payment: what the merchant looks it up by. The
// card is its brand and masked PAN (first 6 / last 4), nothing more.
func (n *Notices) paymentFields(p *payment.Transaction) []field {
	fs := []field{{n.w("f.amount"), p.Amount.Format(n.o.Lang)}}
	if p.Reference != "" {
		fs = append(fs, field{n.w("f.reference"), p.Reference})
	}
	fs = append(fs, field{n.w("f.payment"), p.ID}, field{n.w("f.order"), p.OrderID}, field{n.w("f.created"), n.date(p.CreatedAt)})
	if p.Email != "" {
		fs = append(fs, field{n.w("f.customer"), p.Email})
	}
	if p.Method == payment.MethodPayLink && !p.ExpireAt.IsZero() {
		fs = append(fs, field{n.w("f.expires"), n.date(p.ExpireAt)})
	}
	if c := p.Card; c != nil {
		fs = append(fs, field{n.w("f.card"), strings.TrimSpace(strings.ToUpper(c.Brand) + " " + c.PAN.Masked())})
	}
	if p.Wallet != "" {
		fs = append(fs, field{n.w("f.wallet"), p.Wallet})
	}
	if p.AuthCode != "" && p.State != payment.StateForwardDeclined {
		fs = append(fs, field{n.w("f.auth"), p.AuthCode})
	}
	if p.State == payment.StateForwardDeclined && p.Code != "" {
		// The reason in words (the catalogue's, as the till says it),
		// never the bank's free text; the code itself if it is new.
		why := i18n.Reason(n.o.Lang, string(p.Code), string(p.Method))
		if why == "" {
			why = string(p.Code)
		}
		fs = append(fs, field{n.w("f.reason"), why})
	}
	fs = append(fs, field{n.w("f.terminal"), n.o.Merchant.TerminalID})
	return fs
}

func (n *Notices) date(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(n.o.Location).Format(n.w("date_layout"))
}

var noticeHTML = template.Must(template.New("n").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body style="font-family:sans-serif;max-width:40em">
<h1 style="font-size:1.2em">{{.Subject}}</h1>
<p>{{.Intro}}</p>
{{if .Todo}}<p style="border-left:4px solid #c62828;padding-left:.8em"><b>{{.TodoLabel}}</b> {{.Todo}}</p>{{end}}
{{if .Fields}}<table style="border-collapse:collapse">
{{range .Fields}}<tr><th style="text-align:left;padding:.2em 1em .2em 0;color:#555">{{.Label}}</th><td style="padding:.2em 0">{{.Value}}</td></tr>
{{end}}</table>{{end}}
{{if .Pre}}<pre style="font-family:monospace;border:1px solid #ccc;padding:1em;display:inline-block">{{.Pre}}</pre>{{end}}
<p style="color:#666;font-size:.8em">{{.Footer}}</p>
</body></html>`))

func (n *Notices) render(subject, intro, todo string, fields []field, pre string) (Message, error) {
	var t strings.Builder
	t.WriteString(intro + "\n\n")
	if todo != "" {
		t.WriteString(n.w("todo") + " " + todo + "\n\n")
	}
	for _, f := range fields {
		fmt.Fprintf(&t, "%s%s %s\n", f.Label, n.w("colon"), f.Value)
	}
	if pre != "" {
		t.WriteString("\n" + pre + "\n")
	}
	t.WriteString("\n-- \n" + n.w("footer") + "\n")
	var h strings.Builder
	err := noticeHTML.Execute(&h, map[string]any{"Lang": n.o.Lang, "Subject": subject, "Intro": intro, "Todo": todo,
		"TodoLabel": n.w("todo"), "Fields": fields, "Pre": pre, "Footer": n.w("footer")})
	if err != nil {
		return Message{}, err
	}
	return Message{To: n.o.To, Subject: subject, Text: t.String(), HTML: h.String()}, nil
}
