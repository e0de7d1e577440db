package i18n

// reasons says, for each payment reason code (payment.ReasonCode), what
// happened and what the cashier does next: reason.<code> → {French,
// English}. reason.<code>.<refinement> refines a code: for one payment
// method (reason.timeout.alipayplus), or for the step it ended in
// (reason.timeout.pin: the cardholder did not enter the PIN).
// Declines say who declined; failures say nobody did ("not a decline")
// and what to try.
var reasons = map[string][2]string{
	// Declines: an issuer (or the card, or the wallet) said no.
	"reason.issuer_declined":    {"Refusé par la banque : demandez un autre moyen de paiement", "Declined by the bank: ask for another payment method"},
	"reason.insufficient_funds": {"Provision insuffisante : demandez un autre moyen de paiement", "Insufficient funds: ask for another payment method"},
	"reason.expired_card":       {"Carte expirée : demandez une autre carte", "Card expired: ask for another card"},
	"reason.do_not_honour":      {"Refusé par la banque du client : demandez un autre moyen de paiement", "Declined by the customer's bank: ask for another payment method"},
	"reason.invalid_card":       {"Carte non valable : demandez une autre carte", "Card not valid: ask for another card"},
	"reason.issuer_unavailable": {"La banque du client ne répond pas : réessayez", "The customer's bank is not answering: try again"},
	"reason.duplicate":          {"Paiement en double refusé : vérifiez l'historique avant de recommencer", "Duplicate payment refused: check the history before trying again"},
	"reason.suspected_fraud":    {"Refusé par la banque (sécurité) : demandez un autre moyen de paiement", "Declined by the bank (security): ask for another payment method"},
	"reason.incorrect_pin":      {"Code erroné : recommencez, ou un autre moyen de paiement", "Wrong PIN: try again, or another payment method"},
	"reason.pin_tries_exceeded": {"Code bloqué : nombre d'essais dépassé, autre carte ou autre moyen de paiement", "PIN blocked: tries exceeded, use another card or payment method"},
	"reason.card_declined":      {"Refusé par la carte : demandez un autre moyen de paiement", "Declined by the card: ask for another payment method"},
	"reason.wallet_declined":    {"Refusé par le portefeuille du client : demandez un autre moyen de paiement", "Declined by the customer's wallet: ask for another payment method"},

	// Failures: the terminal could not complete the payment.
	"reason.gateway_unreachable": {"Banque injoignable, paiement non refusé : réessayez, ou Alipay+ / espèces", "The bank cannot be reached (not a decline): try again, or Alipay+ / cash"},
	"reason.no_answer":           {"Pas de réponse de la banque : le paiement sera annulé s'il est passé", "No answer from the bank: the payment will be reversed if it went through"},
	"reason.online_required":     {"Paiement forcé hors ligne, mais cette carte exige la banque : réessayez en ligne", "Forced offline, but this card needs the bank: try again online"},
	"reason.offline_limit":       {"Plafond hors ligne atteint, paiement non refusé : attendez le réseau, ou un autre moyen", "Offline limit reached (not a decline): wait for the network, or another method"},
	"reason.card_not_supported":  {"Carte non acceptée par ce terminal : un autre moyen de paiement", "Card not accepted by this terminal: another payment method"},
	"reason.try_another_method":  {"Carte refusée en sans contact : utilisez un autre moyen", "Card not accepted contactless: use another method"},
	"reason.card_read_failed":    {"Lecture de la carte impossible : représentez-la", "The card could not be read: tap it again"},
	"reason.pin_unavailable":     {"Code confidentiel impossible sur ce terminal (clé PIN absente ou expirée) : autre moyen de paiement, appelez le support", "PIN entry unavailable on this terminal (PIN key missing or expired): use another payment method, call support"},
	"reason.code_not_read":       {"Code de paiement illisible : scannez-le à nouveau", "The payment code could not be read: scan it again"},
	"reason.wallet_failed":       {"Le paiement par portefeuille a échoué : réessayez, ou un autre moyen", "The wallet payment failed: try again, or another method"},
	"reason.link_not_sent":       {"Le lien de paiement n'a pas pu être envoyé : vérifiez l'adresse et réessayez", "The payment link could not be sent: check the address and try again"},
	"reason.storage":             {"Le terminal ne peut plus enregistrer de paiement : appelez le support", "The terminal cannot record payments: call support"},
	"reason.interrupted":         {"Interrompu par un redémarrage du terminal : rien n'a été débité", "Interrupted by a terminal restart: nothing was charged"},

	// Ends without a sale that are nobody's failure.
	"reason.cancelled_by_cashier":         {"Annulé par la caisse", "Cancelled by the cashier"},
	"reason.cancelled_by_cashier.paylink": {"Lien annulé", "Link cancelled"},
	"reason.pin_cancelled":                {"Saisie du code annulée par le client", "PIN entry cancelled by the customer"},
	"reason.timeout":                      {"Aucune carte présentée à temps : recommencez", "No card presented in time: start again"},
	"reason.timeout.alipayplus":           {"Aucun code scanné ni payé à temps : recommencez", "No code scanned or paid in time: start again"},
	"reason.timeout.pin":                  {"Aucun code saisi à temps", "No PIN entered in time"},
	"reason.not_paid_in_time":             {"Le client n'a pas payé à temps", "The customer did not pay in time"},
	"reason.not_paid_in_time.paylink":     {"Le lien a expiré sans paiement", "The link expired unpaid"},
	"reason.voided":                       {"Paiement annulé", "Payment voided"},

	// Journals written before reason codes: the state alone.
	"reason.declined":  {"Refusé par la banque", "Declined by the bank"},
	"reason.cancelled": {"Annulé", "Cancelled"},
	"reason.expired":   {"Le client n'a pas payé à temps", "The customer did not pay in time"},
}
