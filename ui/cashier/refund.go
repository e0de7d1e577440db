package cashier

import (
	"context"
	"errors"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"

	"tpe/payment"
)

// refundScreen refunds part or all of payment t (supervisors): the amount
// on a keypad, at most what is left to refund.
type refundScreen struct {
	u      *UI
	t      *payment.Transaction
	digits string // the amount to refund in minor units, as typed
}

func (u *UI) openRefund(t *payment.Transaction) {
	u.show(&refundScreen{u: u, t: t, digits: amountDigits{Minor: t.Refundable()}.digits()})
}

func (*refundScreen) id() screenID               { return scrRefund }
func (*refundScreen) nav() screenID              { return scrHistory } // a payment opened from the history
func (*refundScreen) onEvent(payment.Event) bool { return false }

func (r *refundScreen) view() fyne.CanvasObject {
	u := r.u
	t := r.t
	a := u.amount(r.digits)
	a.Currency = t.Amount.Currency
	do := func() {
		if a.Minor <= 0 {
			u.say(u.T("sale.enter"), true)
			return
		}
		id := t.ID
		go func() {
			ctx, cancel := context.WithTimeout(u.ctx, 60*time.Second)
			defer cancel()
			// The service prints the refund receipt itself.
			_, err := u.svc.Refund(ctx, id, a)
			u.do(func() {
				if errors.Is(err, payment.ErrOutcomeUnknown) {
					// Not an error to retry: the bank's record settles it.
					u.openDetail(t)
					u.say(u.T("refund.pending", a.Format(u.lang)), true)
					return
				}
				if err != nil {
					u.say(u.errText(err), true)
					return
				}
				u.openDetail(t)
				u.say(u.T("refund.done", a.Format(u.lang)), false)
			})
		}()
	}
	pad := u.keypad(&r.digits, do)
	prev := u.keyFn
	u.keyFn = func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyEscape {
			u.openDetail(t)
			return
		}
		prev(ev)
	}
	amt := text(a.Format(u.lang), 52, colInk, true)
	amt.Alignment = fyne.TextAlignTrailing
	left := container.NewVBox(
		text(u.T("refund.title"), 24, colInk, true),
		text(u.T("refund.max", payment.Amount{Minor: t.Refundable(), Currency: t.Amount.Currency}.Format(u.lang)), 16, colMuted, false),
		panel(amt),
		layout.NewSpacer(),
		newTile(u.T("refund.confirm", a.Format(u.lang)), "", theme.NewInvertedThemedResource(theme.ContentUndoIcon()), colBrand, colWhite, 20, fyne.NewSize(300, 72), u.tap(do)),
		newTile(u.T("sale.back"), "", nil, colCard, colInk, 17, fyne.NewSize(300, 56), u.tap(func() { u.openDetail(t) })),
	)
	return container.New(layout.NewGridLayoutWithColumns(2), left, container.NewPadded(pad))
}
