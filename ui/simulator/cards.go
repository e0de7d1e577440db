package simulator

import (
	"image/color"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"

	"tpe/ui/simctl"
)

// cardWords is how the wallet names a virtual card to someone trying the
// simulator: what the card is and what happens when it is tapped for a
// small amount (10 €, under the contactless CVM limit). The profile's
// Description is for developers (kernel, ODA, status words) and is kept for
// cards not listed here.
type cardWords struct {
	title   [2]string // French, English
	outcome [2]string
}

// cardLabels is keyed by device/sim profile name (payment/emv/cardsim);
// the outcomes were checked with tpe-sim --headless for 10.00 EUR.
var cardLabels = map[string]cardWords{
	"visa-credit":      {[2]string{"Visa crédit", "Visa credit"}, [2]string{"Acceptée", "Approved"}},
	"visa-debit":       {[2]string{"Visa débit", "Visa debit"}, [2]string{"Acceptée", "Approved"}},
	"mastercard":       {[2]string{"Mastercard crédit", "Mastercard credit"}, [2]string{"Acceptée", "Approved"}},
	"maestro":          {[2]string{"Maestro débit", "Maestro debit"}, [2]string{"Acceptée", "Approved"}},
	"cb-visa":          {[2]string{"CB / Visa", "CB / Visa"}, [2]string{"Acceptée, réseau CB", "Approved, CB network"}},
	"amex":             {[2]string{"American Express", "American Express"}, [2]string{"Refusée : non acceptée", "Declined: not accepted"}},
	"phone-cdcvm":      {[2]string{"Visa sur téléphone", "Visa on a phone"}, [2]string{"Acceptée, sans code", "Approved, no PIN"}},
	"expired":          {[2]string{"Visa expirée", "Expired Visa"}, [2]string{"Refusée par la carte", "Declined by the card"}},
	"blocked":          {[2]string{"Visa bloquée", "Blocked Visa"}, [2]string{"Échec : carte bloquée", "Fails: card blocked"}},
	"no-ppse":          {[2]string{"Carte sans NFC", "Card without NFC"}, [2]string{"Refusée : pas de NFC", "Declined: no NFC"}},
	"malformed-record": {[2]string{"Visa abîmée", "Damaged Visa"}, [2]string{"Échec : carte illisible", "Fails: unreadable card"}},
}

// cardOrder puts the cards that pay first, then each way to fail.
var cardOrder = []string{"visa-credit", "visa-debit", "mastercard", "maestro", "cb-visa", "phone-cdcvm",
	"amex", "expired", "blocked", "no-ppse", "malformed-record"}

// sortCards orders the wallet: cardOrder, then cards without words.
func sortCards(cards []simctl.Card) []simctl.Card {
	rank := func(c simctl.Card) int {
		if i := slices.Index(cardOrder, c.Name); i >= 0 {
			return i
		}
		return len(cardOrder)
	}
	out := slices.Clone(cards)
	slices.SortStableFunc(out, func(a, b simctl.Card) int { return rank(a) - rank(b) })
	return out
}

// cardText is the title and outcome the wallet shows for c in lang.
func cardText(c simctl.Card, lang string) (title, outcome string) {
	i := 0
	if lang == "en" {
		i = 1
	}
	if w, ok := cardLabels[c.Name]; ok {
		return w.title[i], w.outcome[i]
	}
	// a card added to cardsim without words here: its description, cut
	// to fit the narrowest wallet
	d := c.Description
	if d == "" {
		d = c.Name
	}
	return ellipsize(d, cardTextMax, cardTitleSize, fyne.TextStyle{Bold: true}), ""
}

// Card text sizes and the card's inner padding: the layout test measures
// the labels against the narrowest wallet with them.
const (
	cardTitleSize   = 13
	cardOutcomeSize = 12
	cardBrandSize   = 12
	cardPadX        = 10
	cardPadY        = 6
	// cardTextMax is the widest a card's line may be: the wallet is
	// narrowest (cards 186 wide) in a 1280-wide window; the layout test checks
	// that every label fits the cards it actually draws.
	cardTextMax = 160
)

// brandOf guesses a virtual card's scheme from its profile name or
// description, for its colour in the wallet.
func brandOf(c simctl.Card) string {
	n := strings.ToLower(c.Name + " " + c.Description)
	for _, b := range []string{"mastercard", "maestro", "amex", "cb", "visa"} {
		if strings.Contains(n, b) {
			return b
		}
	}
	return ""
}

// cardColor is a brand's card colour in the wallet.
func cardColor(brand string) color.NRGBA {
	switch strings.ToLower(brand) {
	case "visa":
		return color.NRGBA{0x1A, 0x1F, 0x71, 0xFF}
	case "mastercard", "maestro":
		return color.NRGBA{0x2B, 0x2B, 0x2B, 0xFF}
	case "cb":
		return color.NRGBA{0x0E, 0x6B, 0x4F, 0xFF}
	case "amex":
		return color.NRGBA{0x2E, 0x77, 0xBC, 0xFF}
	}
	return color.NRGBA{0x5A, 0x43, 0x8C, 0xFF}
}

// last4 is "•••• 0119" from a masked PAN.
func last4(masked string) string {
	if len(masked) < 4 {
		return masked
	}
	return "•••• " + masked[len(masked)-4:]
}

// walletCard draws a virtual card: brand and last digits, then its title
// and what it does, on the brand's colour.
func (s *Sim) walletCard(c simctl.Card) *tappable {
	title, outcome := cardText(c, s.o.Lang)
	brand := brandOf(c)
	bg := canvas.NewRectangle(cardColor(brand))
	bg.CornerRadius = 10
	top := container.NewBorder(nil, nil, text(strings.ToUpper(brand), cardBrandSize, colWhite, true), text(last4(c.PANMasked), cardBrandSize, colLight, false))
	lines := []fyne.CanvasObject{top, text(title, cardTitleSize, colWhite, true)}
	if outcome != "" {
		col := colLight
		if !strings.HasPrefix(outcome, "Accept") && !strings.HasPrefix(outcome, "Approv") {
			col = color.NRGBA{0xFF, 0xC9, 0xC9, 0xFF}
		}
		lines = append(lines, text(outcome, cardOutcomeSize, col, false))
	}
	box := container.New(layout.NewCustomPaddedVBoxLayout(2), lines...)
	name := c.Name
	return newTappable(container.NewStack(bg, container.New(layout.NewCustomPaddedLayout(cardPadY, cardPadY, cardPadX, cardPadX), box)),
		s.tap(func() { s.present(name, title) }))
}
