package simulator

import (
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// messages is the simulator's catalogue: key → {French, English}.
var messages = map[string][2]string{
	"title":           {"Simulateur TPE", "TPE simulator"},
	"wallet":          {"Portefeuille de cartes", "Card wallet"},
	"wallet.hint":     {"Touchez une carte pour la présenter", "Tap a card to present it"},
	"wallet.sent":     {"%s présentée au lecteur", "%s presented to the reader"},
	"wallet.none":     {"Aucune carte virtuelle", "No virtual card"},
	"network":         {"Réseau", "Network"},
	"network.on":      {"En ligne", "Online"},
	"network.off":     {"Hors ligne", "Offline"},
	"network.tap":     {"Touchez pour basculer", "Tap to switch"},
	"network.latency": {"Latence", "Latency"},
	"phone":           {"Téléphone du client", "Customer's phone"},
	"phone.idle":      {"Aucun QR code à scanner", "No QR code to scan"},
	"phone.scanned":   {"QR code scanné : %s", "QR code scanned: %s"},
	"phone.pay":       {"Payer", "Pay"},
	"phone.decline":   {"Refuser", "Decline"},
	"phone.code":      {"Présenter mon code", "Present my code"},
	"phone.code.sub":  {"Au scanner du terminal", "To the terminal's scanner"},
	"phone.done":      {"Paiement %s", "Payment %s"},
	"phone.wallet":    {"Portefeuille", "Wallet"},
	"phone.shown":     {"Code présenté : %s", "Code presented: %s"},
	"display":         {"Afficheur client", "Customer display"},
	"paper":           {"Papier", "Paper"},
	"paper.tear":      {"Détacher", "Tear off"},
	"paper.empty":     {"Rien d'imprimé", "Nothing printed"},
	"outbox":          {"E-mails", "Outbox"},
	"outbox.empty":    {"Aucun e-mail", "No e-mail"},
	"events":          {"Journal", "Event log"},
	"wallet.tab":      {"Cartes", "Cards"},
	"network.tab":     {"Réseau", "Network"},
	"phone.tab":       {"Téléphone", "Phone"},
	"events.tab":      {"Journal", "Log"},
	"err":             {"Erreur : %s", "Error: %s"},
	"st.approved":     {"accepté", "approved"},
	"st.declined":     {"refusé", "declined"},
	"st.other":        {"terminé", "ended"},
}

var cat = func() catalog.Catalog {
	b := catalog.NewBuilder(catalog.Fallback(language.French))
	for k, v := range messages {
		_ = b.SetString(language.French, k, v[0])
		_ = b.SetString(language.English, k, v[1])
	}
	return b
}()

var printers = map[string]*message.Printer{
	"fr": message.NewPrinter(language.French, message.Catalog(cat)),
	"en": message.NewPrinter(language.English, message.Catalog(cat)),
}

func tr(lang, key string, args ...any) string {
	if lang != "en" {
		lang = "fr"
	}
	return printers[lang].Sprintf(key, args...)
}
