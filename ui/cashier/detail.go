package cashier

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"tpe/payment"
)

// detailScreen is one payment, opened from the history or the links: what
// it was, and what can still be done on it (reprint, refund, void, cancel
// a link).
type detailScreen struct {
	u *UI
	t *payment.Transaction
	// fromLinks: opened from the links, where Back returns.
	fromLinks bool
	// resendTo is the address a pending link is re-sent to, as the
	// cashier corrected it (kept across redraws).
	resendTo string
}

func (u *UI) openDetail(t *payment.Transaction) { u.show(&detailScreen{u: u, t: t}) }

// openLinkDetail opens a link from the links screen.
func (u *UI) openLinkDetail(t *payment.Transaction) {
	u.show(&detailScreen{u: u, t: t, fromLinks: true})
}

func (*detailScreen) id() screenID { return scrDetail }

// nav is the rail item the payment was opened from.
func (d *detailScreen) nav() screenID {
	if d.fromLinks {
		return scrLinks
	}
	return scrHistory
}

// back returns where the payment was opened from.
func (d *detailScreen) back() {
	if d.fromLinks {
		d.u.goLinks()
		return
	}
	d.u.goHistory()
}

// onEvent follows the payment shown.
func (d *detailScreen) onEvent(e payment.Event) bool {
	if e.Payment == nil || e.Payment.ID != d.t.ID {
		return false
	}
	d.t = e.Payment
	return true
}

func (d *detailScreen) view() fyne.CanvasObject {
	u := d.u
	t := d.t
	if fresh, err := u.svc.Get(context.Background(), t.ID); err == nil {
		t, d.t = fresh, fresh
	}
	kv := func(k, v string) fyne.CanvasObject {
		if v == "" {
			return nil
		}
		key := text(u.T(k), 15, colMuted, false)
		val := wrapLabel(v)
		val.TextStyle.Bold = true
		return container.NewBorder(nil, nil, container.New(layout.NewGridWrapLayout(fyne.NewSize(150, 30)), key), nil, val)
	}
	lines := container.NewVBox()
	add := func(o fyne.CanvasObject) {
		if o != nil {
			lines.Add(o)
		}
	}
	add(kv("detail.date", dateTime(u.lang, t.CreatedAt)))
	add(kv("detail.method", strings.TrimSpace(u.T("method."+string(t.Method))+" "+u.payerLine(t))))
	add(kv("detail.number", t.ReceiptNumber())) // the TRANS. its receipt prints
	add(kv("detail.order", t.OrderID))
	add(kv("detail.ref", t.Reference))
	if t.Method == payment.MethodPayLink && t.State == payment.StateAwaitingCustomer {
		// The customer's address stays editable: a link sent to a
		// mistyped address is re-sent to the right one.
		if d.resendTo == "" {
			d.resendTo = t.Email
		}
		e := widget.NewEntry()
		e.SetText(d.resendTo)
		e.SetPlaceHolder(u.T("sale.email.label"))
		e.OnChanged = func(v string) { u.locked(func() { u.touch(); d.resendTo = v }) }
		key := text(u.T("detail.email"), 15, colMuted, false)
		add(container.NewBorder(nil, nil, container.New(layout.NewGridWrapLayout(fyne.NewSize(150, 30)), key), nil, e))
	} else {
		add(kv("detail.email", t.Email))
	}
	if t.CreatedBatch > 0 {
		// A link paid after its batch's Z report: why it is in today's
		// totals and not in the batch it was sent in.
		add(kv("detail.batch", u.T("detail.batch.moved", t.Batch, t.CreatedBatch)))
	}
	if t.Resends > 0 {
		add(kv("detail.resends", fmt.Sprintf("%d — %s", t.Resends, dateTime(u.lang, t.ResentAt))))
	}
	if t.Refunded() > 0 {
		add(kv("detail.refunded", payment.Amount{Minor: t.Refunded(), Currency: t.Amount.Currency}.Format(u.lang)))
	}
	for _, r := range t.Refunds {
		if b := t.RefundBatch(r); b != t.Batch {
			// Refunded after the sale's batch closed: the money given back
			// is in that day's report, the sale's batch stays as closed.
			add(kv("detail.refund.later", u.T("detail.refund.later.in", r.Amount.Format(u.lang), b, t.Batch)))
		}
	}
	if op := t.Pending; op != nil {
		// Nothing more can be done on this payment until the bank's
		// record settles the operation: say so instead of offering it.
		add(kv("detail.pending", u.T("detail.pending."+string(op.Kind), op.Amount.Format(u.lang))))
	}
	add(kv("detail.cashier", t.Cashier))
	if !t.State.Approved() && t.Reason != "" {
		add(kv("detail.reason", u.reasonText(t)))
	}
	cp := statusColor(t)
	head := container.NewBorder(nil, nil,
		container.NewHBox(text(u.T("detail.title"), 22, colInk, true), container.NewCenter(pill(u.T(statusKey(t)), cp.bg, cp.fg))),
		text(t.Amount.Format(u.lang), 34, colInk, true))
	acts := []fyne.CanvasObject{newTile(u.T("sale.back"), "", theme.NewThemedResource(theme.NavigateBackIcon()), colCard, colInk, 17, fyne.NewSize(150, 60), u.tap(d.back))}
	acts = append(acts, layout.NewSpacer())
	if printable(t) && u.svc.CanPrint() {
		if tl := u.printTile(t.ID, t.ReceiptPrinted, !t.ReceiptPrinted, fyne.NewSize(150, 60)); tl != nil {
			acts = append(acts, tl)
		}
	}
	if t.Method == payment.MethodPayLink && t.State == payment.StateAwaitingCustomer {
		acts = append(acts, newTile(u.T("detail.resend"), "", theme.NewThemedResource(theme.MailSendIcon()), colCard, colInk, 17, fyne.NewSize(180, 60), u.tap(func() { d.resendLink(t.ID, t.Email) })))
		acts = append(acts, newTile(u.T("result.cancel.link"), "", nil, colCard, colRed, 17, fyne.NewSize(180, 60), u.tap(func() { d.cancelLink(t.ID) })))
	}
	if t.Refundable() > 0 && t.State != payment.StateOfflineApproved && t.Pending == nil {
		acts = append(acts, newTile(u.T("detail.refund"), "", theme.NewInvertedThemedResource(theme.ContentUndoIcon()), colBrand, colWhite, 17, fyne.NewSize(170, 60), u.tap(func() {
			u.requireRole(RoleSupervisor, func(Cashier) { u.openRefund(t) })
		})))
	}
	// A sale its batch's Z report counted is refunded, not voided
	// (payment.Service.Void refuses it): no void offered then.
	open, err := u.svc.OpenBatch(context.Background())
	voidable := err == nil && t.Batch == open
	switch t.State {
	case payment.StateOfflineApproved, payment.StateApproved, payment.StateForwarded:
		if voidable && len(t.Refunds) == 0 && t.Pending == nil && (t.Method == payment.MethodCard || t.State == payment.StateOfflineApproved) {
			acts = append(acts, newTile(u.T("detail.void"), "", nil, colRed, colWhite, 17, fyne.NewSize(200, 60), u.tap(func() {
				u.requireRole(RoleSupervisor, func(Cashier) { d.askVoid(t) })
			})))
		}
	}
	u.keyFn = func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyEscape {
			d.back()
		}
	}
	return container.NewBorder(nil, container.NewHBox(acts...), nil, nil, panel(container.NewBorder(head, nil, nil, nil, container.NewVScroll(lines))))
}

// resendLink e-mails a pending link again, to the address in the box when
// the cashier corrected it, else to the one it was sent to.
func (d *detailScreen) resendLink(id, sentTo string) {
	u := d.u
	to := strings.TrimSpace(d.resendTo)
	if to == sentTo {
		to = ""
	} else if err := payment.ValidateEmail(to); err != nil {
		u.say(u.errText(err), true)
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(u.ctx, 30*time.Second)
		defer cancel()
		t, err := u.svc.Resend(ctx, id, to)
		u.do(func() {
			if err != nil {
				u.say(u.errText(err), true)
				return
			}
			u.say(u.T("links.resent", t.Email), false)
		})
	}()
}

func (d *detailScreen) cancelLink(id string) {
	u := d.u
	go func() {
		ctx, cancel := context.WithTimeout(u.ctx, 30*time.Second)
		defer cancel()
		_, err := u.svc.Cancel(ctx, id)
		u.do(func() {
			if err != nil {
				u.say(u.errText(err), true)
				return
			}
			u.say(u.T("reason.cancelled_by_cashier.paylink"), false)
		})
	}()
}

func (d *detailScreen) askVoid(t *payment.Transaction) {
	u := d.u
	u.ask(u.T("detail.void.ask", t.Amount.Format(u.lang)), u.T("confirm.yes"), func() {
		id := t.ID
		go func() {
			ctx, cancel := context.WithTimeout(u.ctx, 60*time.Second)
			defer cancel()
			_, err := u.svc.Void(ctx, id)
			u.do(func() {
				if errors.Is(err, payment.ErrOutcomeUnknown) {
					u.say(u.T("void.pending"), true)
					return
				}
				if err != nil {
					u.say(u.errText(err), true)
					return
				}
				u.say(u.T("detail.voided"), false)
			})
		}()
		u.render()
	})
}
