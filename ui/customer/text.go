package customer

import (
	"strings"

	"tpe/payment/i18n"
)

// texts is every string a customer reads, in one language, from the
// terminal's catalogue (payment/i18n, display.* keys). Keep them short:
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

func newTexts(lang string) *texts {
	t := func(key string) string { return i18n.T(lang, key) }
	tx := &texts{
		welcome: t("display.welcome"), welcomeSub: t("display.welcome.sub"), payHere: t("display.pay_here"),
		amountLabel: t("display.amount"), present: t("display.present"), presentSub: t("display.present.sub"),
		processing: t("display.processing"), processingSub: t("display.processing.sub"),
		approved: t("display.approved"), thanks: t("display.thanks"),
		declined: t("display.declined"), notCompleted: t("display.not_completed"), ended: t("display.ended"),
		offlineApproved: t("display.offline_approved"), offlineBadge: t("display.offline_badge"),
		scan: t("display.scan"), scanSub: t("display.scan.sub"), expiresIn: t("display.expires_in"),
		expired:    t("display.expired"),
		removeCard: t("display.remove_card"), removeCardSub: t("display.remove_card.sub"),
		linkSent: t("display.link_sent"), linkSentSub: t("display.link_sent.sub"),
		qrUnavailable: t("display.qr_unavailable"),
		enterPIN:      t("display.enter_pin"), enterPINSub: t("display.enter_pin.sub"),
	}
	for i, n := range reasonNames {
		tx.reasons[i] = t(reasonKey(n))
	}
	return tx
}

// reasonKey is the catalogue key of a decline class named n.
func reasonKey(n string) string { return "display.reason." + strings.ReplaceAll(n, "-", "_") }

// french and english are built once: frames are drawn every second.
var french, english = newTexts("fr"), newTexts("en")

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
		return english
	}
	return french
}
