package customer

// Every string a customer reads, in French and English. Keep them short:
// the display is 240 pixels wide and read from arm's length.
type texts struct {
	welcome, welcomeSub, payHere     string
	amountLabel, present, presentSub string
	processing, processingSub        string
	approved, thanks                 string
	declined, notCompleted, ended    string
	reasons                          [len(reasonNames)]string
	offlineApproved, offlineBadge    string
	scan, scanSub, expiresIn         string
	expired                          string
	removeCard, removeCardSub        string
	linkSent, linkSentSub            string
	qrUnavailable                    string
	enterPIN, enterPINSub            string
}

var french = texts{
	welcome:         "Bienvenue",
	welcomeSub:      "Paiement sans contact",
	payHere:         "Carte · Mobile · Alipay+",
	amountLabel:     "Montant à payer",
	present:         "Présentez votre carte",
	presentSub:      "ou votre téléphone",
	processing:      "Traitement en cours",
	processingSub:   "Veuillez patienter",
	approved:        "Paiement accepté",
	thanks:          "Merci !",
	declined:        "Paiement refusé",
	notCompleted:    "Paiement non abouti",
	ended:           "Paiement non effectué",
	offlineApproved: "Paiement accepté",
	offlineBadge:    "HORS LIGNE",
	scan:            "Scannez pour payer",
	scanSub:         "avec votre application de paiement",
	expiresIn:       "Expire dans",
	expired:         "Code expiré",
	enterPIN:        "Saisissez votre code",
	enterPINSub:     "sur l'écran tactile, à l'abri des regards",
	removeCard:      "Retirez votre carte",
	removeCardSub:   "Carte lue, merci",
	linkSent:        "Lien de paiement envoyé",
	linkSentSub:     "Consultez vos e-mails",
	qrUnavailable:   "Code indisponible",
	reasons: [...]string{
		"Refusé par la banque",
		"Provision insuffisante",
		"Carte non acceptée",
		"Essayez un autre moyen de paiement",
		"Délai dépassé",
		"Paiement annulé",
		"Banque injoignable, réessayez",
	},
}

var english = texts{
	welcome:         "Welcome",
	welcomeSub:      "Contactless payment",
	payHere:         "Card · Mobile · Alipay+",
	amountLabel:     "Amount due",
	present:         "Present your card",
	presentSub:      "or your phone",
	processing:      "Processing",
	processingSub:   "Please wait",
	approved:        "Payment approved",
	thanks:          "Thank you!",
	declined:        "Payment declined",
	notCompleted:    "Payment not completed",
	ended:           "No payment made",
	offlineApproved: "Payment approved",
	offlineBadge:    "OFFLINE",
	scan:            "Scan to pay",
	scanSub:         "with your payment app",
	expiresIn:       "Expires in",
	expired:         "Code expired",
	enterPIN:        "Enter your PIN",
	enterPINSub:     "on the touchscreen, shielded from view",
	removeCard:      "Remove your card",
	removeCardSub:   "Card read, thank you",
	linkSent:        "Payment link sent",
	linkSentSub:     "Check your inbox",
	qrUnavailable:   "Code unavailable",
	reasons: [...]string{
		"Declined by your bank",
		"Insufficient funds",
		"Card not supported",
		"Try another payment method",
		"Timed out",
		"Payment cancelled",
		"Bank unreachable, try again",
	},
}

// title is the headline of a payment that was not made: "declined" only
// when a bank (or the card) said no.
func (t *texts) title(r Reason) string {
	switch r {
	case ReasonTryAnotherMethod, ReasonError:
		return t.notCompleted
	case ReasonCancelled, ReasonExpired:
		return t.ended
	}
	return t.declined
}

func textsFor(lang string) *texts {
	if lang == "en" {
		return &english
	}
	return &french
}
