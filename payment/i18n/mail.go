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

	// The merchant's notifications (payment/notify's Notices): subjects
	// take amount, reference (or payment ID) and merchant; intros the
	// amount (a refund: refunded amount and the payment's);
	// mail.notice.<kind>.todo, when there is one, says what to do.
	"mail.notice.link_paid.subject":        {"Lien de paiement payé : %s — %s — %s", "Payment link paid: %s — %s — %s"},
	"mail.notice.link_paid.intro":          {"Votre client a payé le lien de paiement de %s.", "Your customer paid the payment link of %s."},
	"mail.notice.link_expired.subject":     {"Lien de paiement expiré sans paiement : %s — %s — %s", "Payment link expired unpaid: %s — %s — %s"},
	"mail.notice.link_expired.intro":       {"Le lien de paiement de %s a expiré sans que le client l'ait payé.", "The payment link of %s expired without the customer paying it."},
	"mail.notice.link_expired.todo":        {"relancez le client si la commande tient toujours : un nouveau lien se crée depuis le terminal (Encaisser › Lien e-mail) ou la caisse.", "contact the customer if the order still stands: send a new link from the terminal (Sale › E-mail link) or the register."},
	"mail.notice.forward_declined.subject": {"Paiement hors ligne refusé par la banque : %s — %s — %s", "Offline payment declined by the bank: %s — %s — %s"},
	"mail.notice.forward_declined.intro":   {"Ce paiement de %s, accepté par le terminal hors ligne, a été refusé par la banque du porteur lors de sa transmission : vous ne recevrez pas ce montant.", "This payment of %s, approved by the terminal offline, was declined by the cardholder's bank when it was forwarded: you will not receive this amount."},
	"mail.notice.forward_declined.todo":    {"retrouvez la vente grâce à la référence, l'heure et la carte (masquée) ci-dessous et demandez au client de régler autrement. Le paiement reste dans l'historique du terminal comme « refusé ». Si cela se répète, abaissez les plafonds hors ligne ([offline] floor_limit, max_total) ou exigez le paiement en ligne.", "find the sale from the reference, time and (masked) card below and ask the customer to pay another way. The payment stays in the terminal's history as \"declined\". If it happens again, lower the offline limits ([offline] floor_limit, max_total) or require online payments."},
	"mail.notice.refund.subject":           {"Remboursement effectué : %s — %s — %s", "Refund made: %s — %s — %s"},
	"mail.notice.refund.intro":             {"Un remboursement de %s a été effectué sur le paiement de %s.", "A refund of %s was made on the payment of %s."},
	"mail.notice.z.subject":                {"Clôture Z — lot %d — %s", "End-of-day Z report — batch %d — %s"},
	"mail.notice.z.intro":                  {"Le lot %d du terminal %s a été clôturé le %s. Rapport de clôture (Z) :", "Batch %d of terminal %s was closed on %s. End-of-day (Z) report:"},
	"mail.notice.f.amount":                 {"Montant", "Amount"},
	"mail.notice.f.reference":              {"Référence", "Reference"},
	"mail.notice.f.payment":                {"Paiement", "Payment"},
	"mail.notice.f.order":                  {"Commande", "Order"},
	"mail.notice.f.created":                {"Date", "Date"},
	"mail.notice.f.customer":               {"Client", "Customer"},
	"mail.notice.f.expires":                {"Valable jusqu'au", "Valid until"},
	"mail.notice.f.card":                   {"Carte", "Card"},
	"mail.notice.f.wallet":                 {"Portefeuille", "Wallet"},
	"mail.notice.f.auth":                   {"Autorisation", "Authorisation"},
	"mail.notice.f.reason":                 {"Motif", "Reason"},
	"mail.notice.f.terminal":               {"Terminal", "Terminal"},
	"mail.notice.f.refunded":               {"Total remboursé", "Refunded in all"},
	"mail.notice.f.remaining":              {"Reste remboursable", "Still refundable"},
	"mail.notice.todo":                     {"Que faire :", "What to do:"},
	"mail.notice.colon":                    {" :", ":"},
	"mail.notice.footer":                   {"Message envoyé automatiquement par votre terminal de paiement ; merci de ne pas y répondre. Ces notifications se règlent dans la section [notifications] de la configuration.", "Sent automatically by your payment terminal; please do not reply. These notifications are switched in the [notifications] section of the configuration."},
	"mail.notice.date_layout":              {"02/01/2006 15:04", "2006-01-02 15:04"},
}
