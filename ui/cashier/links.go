package cashier

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"

	"tpe/payment"
)

// linksScreen lists the payment links sent by e-mail and refreshes their
// status from the provider.
type linksScreen struct{ u *UI }

func (u *UI) goLinks() { u.show(linksScreen{u}) }

func (linksScreen) id() screenID  { return scrLinks }
func (linksScreen) nav() screenID { return scrLinks }

// onEvent: any payment may be a link's; the list is read again.
func (s linksScreen) onEvent(payment.Event) bool { return !s.u.covered() }

func (s linksScreen) view() fyne.CanvasObject {
	u := s.u
	txns, err := u.svc.List(context.Background(), payment.Query{Method: payment.MethodPayLink, Limit: histLimit})
	if err != nil {
		u.notice, u.bad = u.errText(err), true
	}
	list := container.NewVBox()
	pending := 0
	for _, t := range txns {
		if t.State == payment.StateAwaitingCustomer {
			pending++
		}
		list.Add(s.row(t))
	}
	if len(txns) == 0 {
		list.Add(container.NewPadded(text(u.T("links.empty"), 18, colMuted, false)))
	}
	refresh := newTile(u.T("links.refresh"), "", theme.NewThemedResource(theme.ViewRefreshIcon()), colCard, colInk, 15, fyne.NewSize(150, 44), u.tap(s.refresh))
	head := container.NewBorder(nil, nil,
		container.NewVBox(text(u.T("links.title"), 22, colInk, true), text(u.T("links.pending", pending), 14, colMuted, false)),
		refresh)
	return container.NewBorder(head, nil, nil, nil, container.NewVScroll(list))
}

func (s linksScreen) row(t *payment.Transaction) fyne.CanvasObject {
	u := s.u
	cp := statusColor(t)
	st := pill(u.T(statusKey(t)), cp.bg, cp.fg)
	amt := text(t.Amount.Format(u.lang), 18, colInk, true)
	sub := u.T("links.until", dateTime(u.lang, t.ExpireAt))
	if t.Reference != "" {
		sub = t.Reference + " · " + sub
	}
	row := container.NewBorder(nil, nil, nil,
		container.NewHBox(container.NewCenter(st), container.New(layout.NewGridWrapLayout(fyne.NewSize(130, 40)), container.NewCenter(amt))),
		container.NewVBox(text(t.Email, 16, colInk, true), text(sub, 13, colMuted, false)))
	return newRow(row, u.tap(func() { u.openDetail(t) }))
}

func (s linksScreen) refresh() {
	u := s.u
	go func() {
		ctx, cancel := context.WithTimeout(u.ctx, 30*time.Second)
		defer cancel()
		err := u.svc.RefreshLinks(ctx)
		u.do(func() {
			if err != nil {
				u.say(u.errText(err), true)
				return
			}
			u.render()
		})
	}()
}
