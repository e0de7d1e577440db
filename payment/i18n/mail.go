package i18n

// mail is what e-mails say: receipts and Z reports (payment/notify),
// payment links (payment/paylink). key → {French, English}. The
// *.date_layout entries are Go time layouts, not sentences: the date as
// each language writes it.
var mail = map[string][2]string{
	"mail.receipt.subject": {"Votre ticket %s — %s", "Your receipt %s — %s"},
	"mail.receipt.title":   {"Votre ticket", "Your receipt"},
	"mail.receipt.intro":   {"Bonjour,\n\nVoici le ticket de votre paiement chez %s.", "Hello,\n\nHere is the receipt of your payment at %s."},
	"mail.report.subject":  {"Clôture Z — lot %d — %s", "End-of-day Z report — batch %d — %s"},
	"mail.report.title":    {"Clôture du lot %d", "Batch %d closed"},
	"mail.report.intro":    {"Rapport de clôture (Z) du lot %d, terminal %s, le %s.", "End-of-day (Z) report of batch %d, terminal %s, on %s."},
	"mail.footer":          {"Message envoyé automatiquement par votre terminal de paiement ; merci de ne pas y répondre.", "Sent automatically by the payment terminal; please do not reply."},
	"mail.date_layout":     {"02/01/2006 15:04", "2006-01-02 15:04"},

	"mail.link.subject":     {"Demande de paiement : %s — %s", "Payment request: %s — %s"},
	"mail.link.reminder":    {"Rappel — %s", "Reminder — %s"},
	"mail.link.hello":       {"Bonjour,", "Hello,"},
	"mail.link.ask":         {"%s vous demande le paiement de %s (commande %s).", "%s asks you to pay %s (order %s)."},
	"mail.link.pay":         {"Payer %s", "Pay %s"},
	"mail.link.payline":     {"Payer en ligne :", "Pay online:"},
	"mail.link.valid":       {"Ce lien est valable jusqu'au %s.", "This link is valid until %s."},
	"mail.link.safe":        {"Le montant est fixé par le commerçant. Ne communiquez jamais vos données de carte par e-mail ou par téléphone.", "The amount is set by the merchant. Never give your card details by e-mail or over the phone."},
	"mail.link.auto":        {"Message envoyé automatiquement par le terminal de paiement de %s.", "Sent automatically by the payment terminal of %s."},
	"mail.link.date_layout": {"02/01/2006 à 15:04", "2 January 2006 15:04"},
}
