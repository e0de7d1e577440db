package paylink

import (
	"html/template"
	"strings"
	"time"

	"tpe/payment"
	"tpe/payment/i18n"
	"tpe/payment/notify"
)

// linkMail is what the e-mail says.
type linkMail struct {
	Lang     string
	Merchant string
	Amount   string
	OrderID  string
	URL      string
	Expires  string
	Reminder bool
}

var htmlT = template.Must(template.New("link").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body style="font-family:sans-serif;max-width:36em">
<p>{{.Hello}}</p>
<p>{{.Ask}}</p>
<p><a href="{{.URL}}" style="display:inline-block;padding:.7em 1.4em;background:#1565c0;color:#fff;text-decoration:none;border-radius:4px">{{.Pay}}</a></p>
<p style="font-size:.9em">{{.PayLine}} <a href="{{.URL}}">{{.URL}}</a></p>
<p>{{.Valid}}</p>
<p style="color:#555;font-size:.85em">{{.Safe}}</p>
<p style="color:#888;font-size:.8em">{{.Auto}}</p>
</body></html>`))

// compose writes the link e-mail in the merchant's language (fr or en):
// plain text and the same in HTML.
func compose(to string, m linkMail) (notify.Message, error) {
	l := i18n.Norm(m.Lang)
	subject := i18n.T(l, "mail.link.subject", m.Amount, m.Merchant)
	if m.Reminder {
		subject = i18n.T(l, "mail.link.reminder", subject)
	}
	hello, payline, safe := i18n.T(l, "mail.link.hello"), i18n.T(l, "mail.link.payline"), i18n.T(l, "mail.link.safe")
	ask := i18n.T(l, "mail.link.ask", m.Merchant, m.Amount, m.OrderID)
	valid := i18n.T(l, "mail.link.valid", m.Expires)
	auto := i18n.T(l, "mail.link.auto", m.Merchant)
	text := strings.Join([]string{hello, "", ask, "", payline, m.URL, "", valid, "", safe, "", "-- ", auto, ""}, "\n")
	var b strings.Builder
	err := htmlT.Execute(&b, map[string]string{"Lang": l, "Subject": subject, "Hello": hello, "Ask": ask,
		"URL": m.URL, "Pay": i18n.T(l, "mail.link.pay", m.Amount), "PayLine": payline, "Valid": valid, "Safe": safe, "Auto": auto})
	if err != nil {
		return notify.Message{}, err
	}
	return notify.Message{To: to, Subject: subject, Text: text, HTML: b.String()}, nil
}

func formatDate(t time.Time, lang string, loc *time.Location) string {
	return t.In(loc).Format(i18n.T(lang, "mail.link.date_layout"))
}

func formatAmount(a payment.Amount, lang string) string {
	if lang != "en" {
		lang = "fr"
	}
	return a.Format(lang)
}
