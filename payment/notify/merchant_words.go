package notify

// merchantWords is the wording of the merchant's notifications per
// language. Subjects take amount, reference (or payment ID) and merchant;
// intros the amount (a refund: refunded amount and the payment's).
var merchantWords = map[string]map[string]string{
	"fr": {
		"link_paid.subject": "Lien de paiement payé : %s — %s — %s",
		"link_paid.intro":   "Votre client a payé le lien de paiement de %s.",
		"link_paid.todo":    "",

		"link_expired.subject": "Lien de paiement expiré sans paiement : %s — %s — %s",
		"link_expired.intro":   "Le lien de paiement de %s a expiré sans que le client l'ait payé.",
		"link_expired.todo":    "relancez le client si la commande tient toujours : un nouveau lien se crée depuis le terminal (Encaisser › Lien e-mail) ou la caisse.",

		"forward_declined.subject": "Paiement hors ligne refusé par la banque : %s — %s — %s",
		"forward_declined.intro":   "Ce paiement de %s, accepté par le terminal hors ligne, a été refusé par la banque du porteur lors de sa transmission : vous ne recevrez pas ce montant.",
		"forward_declined.todo":    "retrouvez la vente grâce à la référence, l'heure et la carte (masquée) ci-dessous et demandez au client de régler autrement. Le paiement reste dans l'historique du terminal comme « refusé ». Si cela se répète, abaissez les plafonds hors ligne ([offline] floor_limit, max_total) ou exigez le paiement en ligne.",

		"refund.subject": "Remboursement effectué : %s — %s — %s",
		"refund.intro":   "Un remboursement de %s a été effectué sur le paiement de %s.",
		"refund.todo":    "",

		"z.subject": "Clôture Z — lot %d — %s",
		"z.intro":   "Le lot %d du terminal %s a été clôturé le %s. Rapport de clôture (Z) :",

		"f.amount": "Montant", "f.reference": "Référence", "f.payment": "Paiement", "f.order": "Commande",
		"f.created": "Date", "f.customer": "Client", "f.expires": "Valable jusqu'au", "f.card": "Carte",
		"f.wallet": "Portefeuille", "f.auth": "Autorisation", "f.reason": "Motif", "f.terminal": "Terminal",
		"f.refunded": "Total remboursé", "f.remaining": "Reste remboursable",
		"todo":   "Que faire :",
		"colon":  " :",
		"footer": "Message envoyé automatiquement par votre terminal de paiement ; merci de ne pas y répondre. Ces notifications se règlent dans la section [notifications] de la configuration.",
		"date":   "02/01/2006 15:04",
	},
	"en": {
		"link_paid.subject": "Payment link paid: %s — %s — %s",
		"link_paid.intro":   "Your customer paid the payment link of %s.",
		"link_paid.todo":    "",

		"link_expired.subject": "Payment link expired unpaid: %s — %s — %s",
		"link_expired.intro":   "The payment link of %s expired without the customer paying it.",
		"link_expired.todo":    "contact the customer if the order still stands: send a new link from the terminal (Sale › E-mail link) or the register.",

		"forward_declined.subject": "Offline payment declined by the bank: %s — %s — %s",
		"forward_declined.intro":   "This payment of %s, approved by the terminal offline, was declined by the cardholder's bank when it was forwarded: you will not receive this amount.",
		"forward_declined.todo":    "find the sale from the reference, time and (masked) card below and ask the customer to pay another way. The payment stays in the terminal's history as \"declined\". If it happens again, lower the offline limits ([offline] floor_limit, max_total) or require online payments.",

		"refund.subject": "Refund made: %s — %s — %s",
		"refund.intro":   "A refund of %s was made on the payment of %s.",
		"refund.todo":    "",

		"z.subject": "End-of-day Z report — batch %d — %s",
		"z.intro":   "Batch %d of terminal %s was closed on %s. End-of-day (Z) report:",

		"f.amount": "Amount", "f.reference": "Reference", "f.payment": "Payment", "f.order": "Order",
		"f.created": "Date", "f.customer": "Customer", "f.expires": "Valid until", "f.card": "Card",
		"f.wallet": "Wallet", "f.auth": "Authorisation", "f.reason": "Reason", "f.terminal": "Terminal",
		"f.refunded": "Refunded in all", "f.remaining": "Still refundable",
		"todo":   "What to do:",
		"colon":  ":",
		"footer": "Sent automatically by your payment terminal; please do not reply. These notifications are switched in the [notifications] section of the configuration.",
		"date":   "2006-01-02 15:04",
	},
}
