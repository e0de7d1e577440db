package i18n

// display is what the customer reads on the customer display
// (ui/customer): key → {French, English}. Keep them short: the panel is
// 240 pixels wide and read from arm's length. display.reason.<class> is the
// class of a payment not taken as the customer needs it (ui/customer.Reason
// names, dashes as underscores): what to do next, never the bank's code.
var display = map[string][2]string{
	"display.welcome":          {"Bienvenue", "Welcome"},
	"display.welcome.sub":      {"Paiement sans contact", "Contactless payment"},
	"display.pay_here":         {"Carte · Mobile · Alipay+", "Card · Mobile · Alipay+"},
	"display.amount":           {"Montant à payer", "Amount due"},
	"display.present":          {"Présentez votre carte", "Present your card"},
	"display.present.sub":      {"ou votre téléphone", "or your phone"},
	"display.processing":       {"Traitement en cours", "Processing"},
	"display.processing.sub":   {"Veuillez patienter", "Please wait"},
	"display.approved":         {"Paiement accepté", "Payment approved"},
	"display.thanks":           {"Merci !", "Thank you!"},
	"display.declined":         {"Paiement refusé", "Payment declined"},
	"display.not_completed":    {"Paiement non abouti", "Payment not completed"},
	"display.ended":            {"Paiement non effectué", "No payment made"},
	"display.offline_approved": {"Paiement accepté", "Payment approved"},
	"display.offline_badge":    {"HORS LIGNE", "OFFLINE"},
	"display.scan":             {"Scannez pour payer", "Scan to pay"},
	"display.scan.sub":         {"avec votre application de paiement", "with your payment app"},
	"display.expires_in":       {"Expire dans", "Expires in"},
	"display.expired":          {"Code expiré", "Code expired"},
	"display.remove_card":      {"Retirez votre carte", "Remove your card"},
	"display.remove_card.sub":  {"Carte lue, merci", "Card read, thank you"},
	"display.link_sent":        {"Lien de paiement envoyé", "Payment link sent"},
	"display.link_sent.sub":    {"Consultez vos e-mails", "Check your inbox"},
	"display.qr_unavailable":   {"Code indisponible", "Code unavailable"},
	"display.enter_pin":        {"Saisissez votre code", "Enter your PIN"},
	"display.enter_pin.sub":    {"sur l'écran tactile, à l'abri des regards", "on the touchscreen, shielded from view"},

	"display.reason.declined":           {"Refusé par la banque", "Declined by your bank"},
	"display.reason.insufficient_funds": {"Provision insuffisante", "Insufficient funds"},
	"display.reason.card_not_supported": {"Carte non acceptée", "Card not supported"},
	"display.reason.try_another_method": {"Essayez un autre moyen de paiement", "Try another payment method"},
	"display.reason.expired":            {"Délai dépassé", "Timed out"},
	"display.reason.cancelled":          {"Paiement annulé", "Payment cancelled"},
	"display.reason.error":              {"Banque injoignable, réessayez", "Bank unreachable, try again"},
}
