package cashier

import (
	"errors"
	"strconv"
	"strings"

	"tpe/device/printer"
	"tpe/payment"
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
	if errors.Is(err, payment.ErrInvalidAmount) || errors.Is(err, payment.ErrCurrencyNotAccepted) {
		if strings.Contains(err.Error(), "maximum") {
			return u.T("err.toolarge")
		}
		return u.T("err.amount")
	}
	return u.T("err.generic", err.Error())
}

// reasonText turns the service's reason for a payment that was not taken
// into what the cashier tells the customer. The service's reasons are
// stable English phrases and decline classes (payment.Decline*).
func (u *UI) reasonText(t *payment.Transaction) string {
	r := t.Reason
	class, _, _ := strings.Cut(r, ":")
	switch class {
	case payment.DeclineInsufficientFunds:
		return u.T("reason.insufficient")
	case payment.DeclineExpiredCard:
		return u.T("reason.expiredcard")
	case payment.DeclineDoNotHonour:
		return u.T("reason.donothonour")
	case payment.DeclineInvalidCard:
		return u.T("reason.invalidcard")
	case payment.DeclineIssuerUnavailable:
		return u.T("reason.issuer")
	case payment.DeclineDuplicate:
		return u.T("reason.duplicate")
	case payment.DeclineFraud:
		return u.T("reason.fraud")
	case payment.DeclineGeneric:
		if t.Method == payment.MethodAlipayPlus {
			return u.T("reason.walletdeclined")
		}
		return u.T("reason.generic")
	}
	phrases := []struct{ prefix, key string }{
		{"declined by the card", "reason.bycard"},
		{"this card must be authorised online", "reason.mustonline"},
		{"cancelled by the cashier", "reason.bycashier"},
		{"link cancelled", "reason.linkcancelled"},
		{"no card presented in time", "reason.nocard"},
		{"the customer did not pay in time", "reason.nopay"},
		{"the bank cannot be reached", "reason.unreachable"},
		{"no answer from the bank", "reason.noanswer"},
		{"card read failed", "reason.cardread"},
		{"card not accepted contactless", "reason.tryother"},
		{"card not accepted by this terminal", "reason.notaccepted"},
		{"card transaction ended", "reason.cardread"},
		{"wallet payment failed", "reason.wallet"},
		{"payment link not sent", "reason.linkfail"},
		{"link expired", "reason.linkexpired"},
		{"cannot be taken offline", "reason.offlinelimit"},
	}
	for _, p := range phrases {
		if strings.HasPrefix(r, p.prefix) {
			return u.T(p.key)
		}
	}
	switch t.State {
	case payment.StateDeclined, payment.StateForwardDeclined:
		return u.T("reason.generic")
	case payment.StateCancelled:
		return u.T("reason.cancelled")
	case payment.StateExpired:
		return u.T("reason.nopay")
	}
	if r == "" {
		return ""
	}
	return u.T("err.generic", r)
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
