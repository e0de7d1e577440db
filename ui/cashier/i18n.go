package cashier

import (
	"fmt"
	"sort"
	"time"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// Langs are the languages the cashier UI speaks, in switch order.
var Langs = []string{"fr", "en"}

// messages is the whole catalogue: key → {French, English}. Keys are
// message IDs, never shown: a missing translation would show the key, and
// TestCatalogue fails on it.
var messages = map[string][2]string{
	// top bar and navigation
	"nav.sale":       {"Encaisser", "Sale"},
	"nav.history":    {"Historique", "History"},
	"nav.links":      {"Liens", "Links"},
	"nav.reports":    {"Caisse", "Reports"},
	"nav.settings":   {"Réglages", "Settings"},
	"status.online":  {"En ligne", "Online"},
	"status.offline": {"Hors ligne", "Offline"},
	"status.queue":   {"%d en attente", "%d waiting"},
	"user.signout":   {"Déconnexion", "Sign out"},
	"lang.switch":    {"EN", "FR"},

	// sale
	"sale.amount":         {"Montant à encaisser", "Amount to charge"},
	"sale.reference":      {"Référence caisse (facultatif)", "Register reference (optional)"},
	"sale.method":         {"Moyen de paiement", "Payment method"},
	"sale.card":           {"Carte", "Card"},
	"sale.card.sub":       {"Sans contact", "Contactless"},
	"sale.alipay":         {"Alipay+", "Alipay+"},
	"sale.alipay.sub":     {"QR code", "QR code"},
	"sale.link":           {"Lien e-mail", "E-mail link"},
	"sale.link.sub":       {"Payer plus tard", "Pay later"},
	"sale.clear":          {"C", "C"},
	"sale.enter":          {"Saisissez un montant", "Enter an amount"},
	"sale.email.title":    {"Paiement par lien e-mail", "Pay by e-mail link"},
	"sale.email.label":    {"E-mail du client", "Customer's e-mail"},
	"sale.email.send":     {"Envoyer le lien", "Send the link"},
	"sale.back":           {"Retour", "Back"},
	"sale.alipay.title":   {"Paiement Alipay+", "Alipay+ payment"},
	"sale.alipay.mpm":     {"Afficher le QR code", "Show the QR code"},
	"sale.alipay.mpm.sub": {"Le client scanne", "The customer scans"},
	"sale.alipay.cpm":     {"Scanner le code client", "Scan the customer's code"},
	"sale.alipay.cpm.sub": {"Code de paiement du téléphone", "Payment code on the phone"},

	// progress
	"progress.starting":   {"Préparation du paiement…", "Preparing the payment…"},
	"progress.card":       {"Présentez la carte", "Present the card"},
	"progress.card.sub":   {"Le client approche sa carte ou son téléphone du lecteur", "The customer taps a card or phone on the reader"},
	"progress.read":       {"Carte lue", "Card read"},
	"progress.remove":     {"Le client peut retirer sa carte", "The customer can remove the card"},
	"progress.auth":       {"Demande d'autorisation…", "Asking the bank…"},
	"progress.auth.sub":   {"Ne pas annuler : la banque répond", "Do not cancel: the bank is answering"},
	"progress.qr":         {"Le client scanne le QR code", "The customer scans the QR code"},
	"progress.qr.sub":     {"Expire dans %s", "Expires in %s"},
	"progress.qr.wait":    {"Création du QR code…", "Creating the QR code…"},
	"progress.scan":       {"Scannez le code du client", "Scan the customer's code"},
	"progress.scan.sub":   {"Le client affiche son code de paiement", "The customer shows the payment code"},
	"progress.wallet":     {"Paiement en cours dans l'application", "Payment in progress in the app"},
	"progress.cancel":     {"Annuler", "Cancel"},
	"progress.cancelling": {"Annulation…", "Cancelling…"},

	// results
	"result.approved":        {"Paiement accepté", "Payment approved"},
	"result.offline":         {"Accepté hors ligne", "Approved offline"},
	"result.offline.sub":     {"Sera transmis à la banque dès le retour du réseau", "Will be sent to the bank when the network is back"},
	"result.declined":        {"Paiement refusé", "Payment declined"},
	"result.cancelled":       {"Paiement annulé", "Payment cancelled"},
	"result.failed":          {"Paiement non abouti", "Payment not completed"},
	"result.expired":         {"Paiement expiré", "Payment expired"},
	"result.notcharged":      {"Le client n'a pas été débité", "The customer was not charged"},
	"result.link":            {"Lien de paiement envoyé", "Payment link sent"},
	"result.link.sub":        {"Envoyé à %s — valable jusqu'au %s", "Sent to %s — valid until %s"},
	"result.auth":            {"Autorisation %s", "Authorisation %s"},
	"result.new":             {"Nouvelle vente", "New sale"},
	"result.reprint":         {"Réimprimer", "Reprint"},
	"result.duplicate":       {"Duplicata", "Duplicate"},
	"result.printing":        {"Impression du ticket…", "Printing the receipt…"},
	"result.email":           {"Ticket par e-mail", "E-mail receipt"},
	"result.email.send":      {"Envoyer", "Send"},
	"result.email.sent":      {"Ticket envoyé à %s", "Receipt sent to %s"},
	"result.printed":         {"Ticket imprimé", "Receipt printed"},
	"result.reprinted":       {"Duplicata imprimé", "Duplicate printed"},
	"result.card":            {"%s •••• %s", "%s •••• %s"},
	"result.wallet":          {"Portefeuille %s", "Wallet %s"},
	"result.cancel.link":     {"Annuler le lien", "Cancel the link"},
	"result.exchange":        {"Taux de change %s", "Exchange rate %s"},
	"result.receipt.unprint": {"Ticket non imprimé : réimprimez-le", "Receipt not printed: reprint it"},

	// the customer's PIN pad, and why a PIN payment did not go through
	"pin.enter":              {"Saisissez votre code", "Enter your PIN"},
	"pin.sent":               {"Code saisi, demande à la banque…", "PIN entered, asking the bank…"},
	"pin.short":              {"Le code a au moins 4 chiffres", "A PIN has at least 4 digits"},
	"pin.correct":            {"Corriger", "Correct"},
	"pin.cancel":             {"Annuler", "Cancel"},
	"pin.validate":           {"Valider", "OK"},
	"reason.pin_cancelled":   {"Saisie du code annulée par le client", "PIN entry cancelled by the customer"},
	"reason.pin_unavailable": {"Code confidentiel impossible sur ce terminal (clé PIN absente ou expirée) : autre moyen de paiement, appelez le support", "PIN entry unavailable on this terminal (PIN key missing or expired): use another payment method, call support"},
	"reason.nopin":           {"Aucun code saisi à temps", "No PIN entered in time"},

	// reasons in the cashier's words
	"reason.insufficient":   {"Provision insuffisante : demandez un autre moyen de paiement", "Insufficient funds: ask for another payment method"},
	"reason.expiredcard":    {"Carte expirée", "Card expired"},
	"reason.donothonour":    {"Refusé par la banque du client", "Declined by the customer's bank"},
	"reason.invalidcard":    {"Carte non valable", "Card not valid"},
	"reason.issuer":         {"La banque du client ne répond pas : réessayez", "The customer's bank is not answering: try again"},
	"reason.duplicate":      {"Paiement en double refusé", "Duplicate payment refused"},
	"reason.fraud":          {"Refusé par la banque (sécurité)", "Declined by the bank (security)"},
	"reason.generic":        {"Refusé par la banque", "Declined by the bank"},
	"reason.bycard":         {"Refusé par la carte", "Declined by the card"},
	"reason.mustonline":     {"Paiement forcé hors ligne, mais cette carte exige la banque : réessayez en ligne", "Forced offline, but this card needs the bank: try again online"},
	"reason.pin":            {"Code erroné : recommencez, ou un autre moyen de paiement", "Wrong PIN: try again, or another payment method"},
	"reason.pin_tries":      {"Code bloqué : nombre d'essais dépassé, autre carte ou autre moyen de paiement", "PIN blocked: tries exceeded, use another card or payment method"},
	"reason.coderead":       {"Code de paiement illisible : scannez-le à nouveau", "The payment code could not be read: scan it again"},
	"reason.nocode":         {"Aucun code scanné ni payé à temps", "No code scanned or paid in time"},
	"reason.storage":        {"Le terminal ne peut plus enregistrer de paiement : appelez le support", "The terminal cannot record payments: call support"},
	"reason.interrupted":    {"Interrompu par un redémarrage du terminal : rien n'a été débité", "Interrupted by a terminal restart: nothing was charged"},
	"reason.offlinelimit":   {"Plafond hors ligne atteint : attendez le retour du réseau", "Offline limit reached: wait for the network"},
	"reason.bycashier":      {"Annulé par la caisse", "Cancelled by the cashier"},
	"reason.nocard":         {"Aucune carte présentée à temps", "No card presented in time"},
	"reason.nopay":          {"Le client n'a pas payé à temps", "The customer did not pay in time"},
	"reason.unreachable":    {"Banque injoignable, paiement non refusé : réessayez, ou Alipay+ / espèces", "The bank cannot be reached (not a decline): try again, or Alipay+ / cash"},
	"reason.noanswer":       {"Pas de réponse de la banque : le paiement sera annulé s'il est passé", "No answer from the bank: the payment will be reversed if it went through"},
	"reason.cardread":       {"Lecture de la carte impossible : représentez-la", "The card could not be read: tap it again"},
	"reason.tryother":       {"Carte refusée en sans contact : utilisez un autre moyen", "Card not accepted contactless: use another method"},
	"reason.notaccepted":    {"Carte non acceptée par ce terminal", "Card not accepted by this terminal"},
	"reason.wallet":         {"Le paiement par portefeuille a échoué", "The wallet payment failed"},
	"reason.linkfail":       {"Le lien de paiement n'a pas pu être envoyé", "The payment link could not be sent"},
	"reason.linkexpired":    {"Le lien a expiré sans paiement", "The link expired unpaid"},
	"reason.linkcancelled":  {"Lien annulé", "Link cancelled"},
	"reason.walletdeclined": {"Refusé par le portefeuille du client", "Declined by the customer's wallet"},
	"reason.cancelled":      {"Annulé", "Cancelled"},

	// errors in the cashier's words
	"err.amount":         {"Montant invalide", "Invalid amount"},
	"err.toolarge":       {"Montant au-delà du maximum de ce terminal", "Amount above this terminal's maximum"},
	"err.email":          {"Adresse e-mail invalide", "Invalid e-mail address"},
	"err.busy":           {"Le terminal traite déjà un paiement", "The terminal is already taking a payment"},
	"err.notsupported":   {"Non disponible sur ce terminal", "Not available on this terminal"},
	"err.refundexceeds":  {"Montant supérieur au remboursable", "Amount above what can be refunded"},
	"err.notrefundable":  {"Ce paiement ne peut pas être remboursé", "This payment cannot be refunded"},
	"err.notcancellable": {"Trop tard pour annuler : la banque répond", "Too late to cancel: the bank is answering"},
	"err.inprogress":     {"Une opération sur ce paiement est en cours : attendez son résultat", "An operation on this payment is in progress: wait for its result"},
	"err.notmade":        {"La banque n'a pas fait l'opération : vous pouvez la refaire", "The bank did not make the operation: you may do it again"},
	"err.approved":       {"Déjà accepté : faites un remboursement", "Already approved: refund it instead"},
	"err.gateway":        {"Banque injoignable : réessayez plus tard", "Bank unreachable: try again later"},
	"err.offline":        {"Impossible hors ligne", "Not possible offline"},
	"err.notfound":       {"Introuvable", "Not found"},
	"err.linknotpending": {"Ce lien n'est plus en attente de paiement", "This link is no longer awaiting payment"},
	"err.linknotsent":    {"Le lien n'a pas pu être renvoyé : réessayez", "The link could not be sent again: try again"},
	"err.paper":          {"Plus de papier dans l'imprimante", "The printer is out of paper"},
	"err.printer":        {"Imprimante indisponible", "Printer unavailable"},
	"err.generic":        {"Une erreur est survenue : %s", "Something went wrong: %s"},
	"err.nosignin":       {"Aucune connexion responsable configurée sur ce terminal", "No supervisor sign-in configured on this terminal"},
	"err.mail":           {"Envoi par e-mail indisponible", "E-mail not available"},
	"err.signin":         {"Connexion refusée ou expirée", "Sign-in refused or expired"},

	// history
	"hist.title":            {"Historique des paiements", "Payment history"},
	"hist.search":           {"Rechercher : référence, commande, 4 derniers chiffres", "Search: reference, order, last 4 digits"},
	"hist.empty":            {"Aucun paiement ne correspond", "No payment matches"},
	"hist.all":              {"Tous", "All"},
	"hist.allmethods":       {"Tous moyens", "All methods"},
	"hist.today":            {"Aujourd'hui", "Today"},
	"hist.week":             {"7 jours", "7 days"},
	"hist.month":            {"30 jours", "30 days"},
	"hist.anytime":          {"Toutes dates", "Any date"},
	"hist.count":            {"%d paiements", "%d payments"},
	"detail.title":          {"Paiement", "Payment"},
	"detail.order":          {"Commande", "Order"},
	"detail.number":         {"N° de transaction", "Transaction no."},
	"hist.number":           {"N° %s", "No. %s"},
	"detail.ref":            {"Référence", "Reference"},
	"detail.date":           {"Date", "Date"},
	"detail.method":         {"Moyen", "Method"},
	"detail.refunded":       {"Déjà remboursé", "Already refunded"},
	"detail.cashier":        {"Caissier", "Cashier"},
	"detail.reason":         {"Motif", "Reason"},
	"detail.refund":         {"Rembourser", "Refund"},
	"detail.void":           {"Annuler le paiement", "Void the payment"},
	"detail.void.ask":       {"Annuler ce paiement de %s ? Le client sera recrédité.", "Void this payment of %s? The customer will be credited."},
	"detail.voided":         {"Paiement annulé", "Payment voided"},
	"detail.pending":        {"En vérification", "Being checked"},
	"detail.pending.refund": {"Remboursement de %s : réponse de la banque perdue, vérification en cours — ne pas refaire", "Refund of %s: the bank's answer was lost, being checked — do not repeat it"},
	"detail.pending.void":   {"Annulation de %s : réponse de la banque perdue, vérification en cours — ne pas refaire", "Void of %s: the bank's answer was lost, being checked — do not repeat it"},
	"detail.pending.cancel": {"Annulation de %s en cours auprès de la banque", "Cancel of %s in progress with the bank"},
	"refund.pending":        {"Remboursement de %s envoyé, réponse de la banque perdue : vérification en cours, ne pas refaire", "Refund of %s sent, the bank's answer was lost: being checked, do not repeat it"},
	"void.pending":          {"Annulation envoyée, réponse de la banque perdue : vérification en cours, ne pas refaire", "Void sent, the bank's answer was lost: being checked, do not repeat it"},
	"detail.email":          {"E-mail", "E-mail"},
	"refund.title":          {"Remboursement", "Refund"},
	"refund.max":            {"Remboursable : %s", "Refundable: %s"},
	"refund.confirm":        {"Rembourser %s", "Refund %s"},
	"refund.done":           {"Remboursement de %s accepté", "Refund of %s approved"},
	"confirm.yes":           {"Confirmer", "Confirm"},
	"confirm.no":            {"Annuler", "Cancel"},
	"method.card":           {"Carte", "Card"},
	"method.alipayplus":     {"Alipay+", "Alipay+"},
	"method.paylink":        {"Lien e-mail", "E-mail link"},

	// statuses
	"st.pending":            {"En attente", "Pending"},
	"st.processing":         {"En cours", "Processing"},
	"st.approved":           {"Accepté", "Approved"},
	"st.offline":            {"Hors ligne", "Offline"},
	"st.declined":           {"Refusé", "Declined"},
	"st.cancelled":          {"Annulé", "Cancelled"},
	"st.failed":             {"Échoué", "Failed"},
	"st.expired":            {"Expiré", "Expired"},
	"st.refunded":           {"Remboursé", "Refunded"},
	"st.partially_refunded": {"Remb. partiel", "Part refunded"},
	"st.refund_pending":     {"Remb. à vérifier", "Refund checking"},
	"st.void_pending":       {"Annul. à vérifier", "Void checking"},

	// links
	"links.title":       {"Liens de paiement", "Payment links"},
	"links.refresh":     {"Actualiser", "Refresh"},
	"links.empty":       {"Aucun lien envoyé", "No link sent"},
	"links.until":       {"jusqu'au %s", "until %s"},
	"links.pending":     {"%d en attente de paiement", "%d awaiting payment"},
	"links.count":       {"%d liens", "%d links"},
	"links.sent":        {"envoyé %s", "sent %s"},
	"links.resends":     {"relancé %d fois", "resent %d times"},
	"links.search":      {"E-mail du client ou référence", "Customer's e-mail or reference"},
	"links.min":         {"Montant min.", "Min. amount"},
	"links.max":         {"Montant max.", "Max. amount"},
	"links.f.all":       {"Tous", "All"},
	"links.f.pending":   {"En attente", "Pending"},
	"links.f.paid":      {"Payés", "Paid"},
	"links.f.expired":   {"Expirés", "Expired"},
	"links.f.cancelled": {"Annulés", "Cancelled"},
	"links.d.any":       {"Toutes dates", "Any date"},
	"links.d.today":     {"Aujourd'hui", "Today"},
	"links.d.week":      {"7 jours", "7 days"},
	"links.d.month":     {"30 jours", "30 days"},
	"detail.resend":     {"Renvoyer le lien", "Resend the link"},
	"detail.resends":    {"Relances", "Reminders"},
	"reason.linkresent": {"Lien renvoyé à %s", "Link sent again to %s"},

	// reports
	"rep.title":        {"Journée de caisse", "Day at the till"},
	"rep.x":            {"Rapport X", "X report"},
	"rep.z":            {"Clôturer la journée (Z)", "Close the day (Z)"},
	"rep.z.ask":        {"Clôturer le lot %d ? Les totaux repartent à zéro.", "Close batch %d? Totals start again from zero."},
	"rep.z.done":       {"Lot %d clôturé", "Batch %d closed"},
	"rep.batch":        {"Lot %d", "Batch %d"},
	"rep.sales":        {"Ventes", "Sales"},
	"rep.refunds":      {"Remboursements", "Refunds"},
	"rep.net":          {"Net", "Net"},
	"rep.declined":     {"Refusés", "Declined"},
	"rep.count":        {"%d op.", "%d txn"},
	"rep.print":        {"Imprimer le rapport", "Print the report"},
	"rep.printed":      {"Rapport imprimé", "Report printed"},
	"rep.fwddeclined":  {"%d paiements hors ligne refusés après envoi : à traiter", "%d offline payments declined after sending: act on them"},
	"rep.queue":        {"File hors ligne", "Offline queue"},
	"rep.queue.empty":  {"Rien en attente", "Nothing waiting"},
	"rep.queue.oldest": {"%d en attente, le plus ancien du %s", "%d waiting, oldest from %s"},
	"rep.none":         {"Aucune vente dans ce lot", "No sale in this batch"},
	"rep.at":           {"Édité le %s", "Printed %s"},

	// settings
	"set.title":    {"Réglages du terminal", "Terminal settings"},
	"set.merchant": {"Commerçant", "Merchant"},
	"set.terminal": {"Terminal", "Terminal"},
	"set.mid":      {"N° commerçant", "Merchant ID"},
	"set.currency": {"Devise", "Currency"},
	"set.version":  {"Version", "Version"},
	"set.lang":     {"Langue", "Language"},
	"set.network":  {"Réseau", "Network"},
	"set.user":     {"Connecté", "Signed in"},
	"set.roles":    {"Rôles", "Roles"},

	// sign-in
	"sign.title":      {"Connexion caissier", "Cashier sign-in"},
	"sign.super":      {"Validation responsable", "Supervisor approval"},
	"sign.tech":       {"Accès technicien", "Technician access"},
	"sign.scan":       {"Scannez avec votre téléphone", "Scan with your phone"},
	"sign.or":         {"ou ouvrez %s et saisissez le code", "or open %s and enter the code"},
	"sign.wait":       {"En attente de validation…", "Waiting for approval…"},
	"sign.retrying":   {"Réseau indisponible, nouvel essai…", "Network unavailable, trying again…"},
	"session.idle":    {"Session fermée faute d'activité : reconnectez-vous", "Session closed after a while without activity: sign in again"},
	"session.expired": {"Session expirée : reconnectez-vous", "Session expired: sign in again"},
	"sign.retry":      {"Recommencer", "Start again"},
	"sign.cancel":     {"Annuler", "Cancel"},
	"sign.welcome":    {"Bonjour %s", "Hello %s"},
	"sign.needsuper":  {"Un responsable doit valider cette opération", "A supervisor must approve this"},
	"sign.needtech":   {"Un technicien doit se connecter", "A technician must sign in"},
	"sign.wrongrole":  {"%s n'a pas ce rôle", "%s does not have this role"},
	"role.cashier":    {"caissier", "cashier"},
	"role.supervisor": {"responsable", "supervisor"},
	"role.technician": {"technicien", "technician"},
}

// singular holds the "one" form of counted messages, whose messages entry
// is the "other" form (CLDR plural rules: French "one" is 0 and 1, English
// only 1).
var singular = map[string][2]string{
	"hist.count":      {"%d paiement", "%d payment"},
	"rep.fwddeclined": {"%d paiement hors ligne refusé après envoi : à traiter", "%d offline payment declined after sending: act on it"},
	"links.pending":   {"%d en attente de paiement", "%d awaiting payment"},
	"links.count":     {"%d lien", "%d link"},
	"links.resends":   {"relancé %d fois", "resent %d time"},
}

var cat = func() catalog.Catalog {
	b := catalog.NewBuilder(catalog.Fallback(language.French))
	tags := []language.Tag{language.French, language.English}
	for k, v := range messages {
		for i, tag := range tags {
			var err error
			if one, ok := singular[k]; ok {
				err = b.Set(tag, k, plural.Selectf(1, "%d", plural.One, one[i], plural.Other, v[i]))
			} else {
				err = b.SetString(tag, k, v[i])
			}
			if err != nil {
				panic(err) // static data: a bad entry is a programming error caught by every test
			}
		}
	}
	return b
}()

// printers is one message.Printer per language, built once.
var printers = map[string]*message.Printer{
	"fr": message.NewPrinter(language.French, message.Catalog(cat)),
	"en": message.NewPrinter(language.English, message.Catalog(cat)),
}

// normLang maps anything but "en" to "fr", the terminal's home language.
func normLang(l string) string {
	if l == "en" {
		return "en"
	}
	return "fr"
}

// T returns the message key in lang with args applied.
func T(lang, key string, args ...any) string {
	return printers[normLang(lang)].Sprintf(key, args...)
}

// Keys lists every message key, sorted (tests, tpectl).
func Keys() []string {
	ks := make([]string, 0, len(messages))
	for k := range messages {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// dateTime formats t for people in lang.
func dateTime(lang string, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	if normLang(lang) == "fr" {
		return t.Format("02/01/2006 15:04")
	}
	return t.Format("Jan 2, 2006 15:04")
}

// shortTime formats t in a list row.
func shortTime(lang string, t time.Time, now time.Time) string {
	if y1, m1, d1 := t.Date(); true {
		if y2, m2, d2 := now.Date(); y1 == y2 && m1 == m2 && d1 == d2 {
			return t.Format("15:04")
		}
	}
	if normLang(lang) == "fr" {
		return t.Format("02/01 15:04")
	}
	return t.Format("Jan 2 15:04")
}

// countdown formats a remaining duration as m:ss, rounded up as the
// customer display does (0:01 until the last second): both show the same.
func countdown(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int((d + time.Second - 1) / time.Second)
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
