package cashier

import (
	"errors"
	"strconv"
	"strings"

	"tpe/device/printer"
	"tpe/payment"
	"tpe/payment/i18n"
)

// errMail marks a failure to e-mail a receipt.
var errMail = errors.New("cashier: e-mail not sent")

// errText says what went wrong in the cashier's words. The wrapped detail
// of an unknown error is kept: a technician needs it, and payment errors
// never carry card data.
func (u *UI) errText(err error) string {
	checks := []struct {
		err error
		key string
	}{
		{errMail, "err.mail"},
		{payment.ErrInvalidEmail, "err.email"},
		{payment.ErrBusy, "err.busy"},
		{payment.ErrNotSupported, "err.notsupported"},
		{payment.ErrRefundExceeds, "err.refundexceeds"},
		{payment.ErrNotRefundable, "err.notrefundable"},
		{payment.ErrAlreadyApproved, "err.approved"},
		{payment.ErrNotCancellable, "err.notcancellable"},
		{payment.ErrOperationInProgress, "err.inprogress"},
		{payment.ErrOperationDropped, "err.notmade"},
		{payment.ErrGatewayUnavailable, "err.gateway"},
		{payment.ErrOfflineRefused, "err.offline"},
		{payment.ErrNotFound, "err.notfound"},
		{payment.ErrLinkNotPending, "err.linknotpending"},
		{payment.ErrLinkNotSent, "err.linknotsent"},
		{printer.ErrPaperOut, "err.paper"},
		{printer.ErrCoverOpen, "err.printer"},
		{printer.ErrFault, "err.printer"},
		{printer.ErrOffline, "err.printer"},
	}
	for _, c := range checks {
		if errors.Is(err, c.err) {
			return u.T(c.key)
		}
	}
	switch {
	case errors.Is(err, payment.ErrAmountTooLarge):
		return u.T("err.toolarge")
	case errors.Is(err, payment.ErrInvalidAmount), errors.Is(err, payment.ErrCurrencyNotAccepted):
		return u.T("err.amount")
	}
	return u.T("err.generic", err.Error())
}

// reasonText is what the cashier tells the customer about a payment that
// was not taken: the catalogue's words for its reason code, refined by its
// method or by the PIN it waited for, never its free text
// (Transaction.Reason is for logs).
func (u *UI) reasonText(t *payment.Transaction) string {
	refine := string(t.Method)
	if t.Code == payment.ReasonTimeout && askedPIN(t) {
		refine = "pin"
	}
	if s := i18n.Reason(u.lang, string(t.Code), refine); s != "" {
		return s
	}
	switch {
	case t.State == payment.StateDeclined, t.State == payment.StateForwardDeclined:
		return u.T("reason.declined") // a journal written before reason codes
	case t.State == payment.StateCancelled:
		return u.T("reason.cancelled")
	case t.State == payment.StateExpired:
		return u.T("reason.expired")
	case t.Reason == "":
		return ""
	}
	return u.T("err.generic", t.Reason)
}

// askedPIN reports whether t waited for the cardholder's PIN.
func askedPIN(t *payment.Transaction) bool {
	for _, h := range t.History {
		if h.State == payment.StateAwaitingPIN {
			return true
		}
	}
	return false
}

// statusKey is the catalogue key of a payment's status pill.
func statusKey(t *payment.Transaction) string {
	if t.State == payment.StateOfflineApproved {
		return "st.offline"
	}
	return "st." + string(t.State.Status())
}

// statusColor is the pill colour of a payment's status.
func statusColor(t *payment.Transaction) colorPair {
	switch t.State.Status() {
	case payment.StatusApproved:
		if t.State == payment.StateOfflineApproved {
			return colorPair{fade(colAmber, 0x2A), colAmber}
		}
		return colorPair{fade(colGreen, 0x22), colGreen}
	case payment.StatusDeclined, payment.StatusFailed:
		return colorPair{fade(colRed, 0x1E), colRed}
	case payment.StatusPending, payment.StatusProcessing:
		return colorPair{colPaleBlue, colBrand}
	}
	return colorPair{fade(colGrey, 0x22), colGrey}
}

// digits is a's minor units as typed on the keypad ("" for zero).
func (a amountDigits) digits() string {
	if a.Minor <= 0 {
		return ""
	}
	return strconv.FormatInt(a.Minor, 10)
}

type amountDigits payment.Amount

// payerLine says what paid: the card (brand and last four) or the wallet.
func (u *UI) payerLine(t *payment.Transaction) string {
	switch {
	case t.Card != nil:
		return u.T("result.card", strings.ToUpper(t.Card.Brand), t.Card.PAN.Last4())
	case t.Wallet != "" && payment.WalletCode(t.Wallet) != payment.WalletAlipayPlus:
		return u.T("result.wallet", payment.WalletName(t.Wallet))
	case t.Email != "":
		return t.Email
	}
	return ""
}
