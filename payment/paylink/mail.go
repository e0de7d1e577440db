package paylink

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"tpe/payment"
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

var wording = map[string]map[string]string{
	"fr": {
		"subject":  "Demande de paiement : %s — %s",
		"reminder": "Rappel — ",
		"hello":    "Bonjour,",
		"ask":      "%s vous demande le paiement de %s (commande %s).",
		"pay":      "Payer %s",
		"payline":  "Payer en ligne :",
		"valid":    "Ce lien est valable jusqu'au %s.",
		"safe":     "Le montant est fixé par le commerçant. Ne communiquez jamais vos données de carte par e-mail ou par téléphone.",
		"auto":     "Message envoyé automatiquement par le terminal de paiement de %s.",
		"date":     "02/01/2006 à 15:04",
	},
	"en": {
		"subject":  "Payment request: %s — %s",
		"reminder": "Reminder — ",
		"hello":    "Hello,",
		"ask":      "%s asks you to pay %s (order %s).",
		"pay":      "Pay %s",
		"payline":  "Pay online:",
		"valid":    "This link is valid until %s.",
		"safe":     "The amount is set by the merchant. Never give your card details by e-mail or over the phone.",
		"auto":     "Sent automatically by the payment terminal of %s.",
		"date":     "2 January 2006 15:04",
	},
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
	w, ok := wording[m.Lang]
	if !ok {
		w = wording["fr"]
	}
	subject := fmt.Sprintf(w["subject"], m.Amount, m.Merchant)
	if m.Reminder {
		subject = w["reminder"] + subject
	}
	ask := fmt.Sprintf(w["ask"], m.Merchant, m.Amount, m.OrderID)
	valid := fmt.Sprintf(w["valid"], m.Expires)
	auto := fmt.Sprintf(w["auto"], m.Merchant)
	text := strings.Join([]string{w["hello"], "", ask, "", w["payline"], m.URL, "", valid, "", w["safe"], "", "-- ", auto, ""}, "\n")
	var b strings.Builder
	err := htmlT.Execute(&b, map[string]string{"Lang": m.Lang, "Subject": subject, "Hello": w["hello"], "Ask": ask,
		"URL": m.URL, "Pay": fmt.Sprintf(w["pay"], m.Amount), "PayLine": w["payline"], "Valid": valid, "Safe": w["safe"], "Auto": auto})
	if err != nil {
		return notify.Message{}, err
	}
	return notify.Message{To: to, Subject: subject, Text: text, HTML: b.String()}, nil
}

func formatDate(t time.Time, lang string, loc *time.Location) string {
	w, ok := wording[lang]
	if !ok {
		w = wording["fr"]
	}
	return t.In(loc).Format(w["date"])
}

func formatAmount(a payment.Amount, lang string) string {
	if lang != "en" {
		lang = "fr"
	}
	return a.Format(lang)
}
