package cashier

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"tpe/payment"
)

// linksScreen lists the payment links sent by e-mail, on every day until
// the journal purges them, filtered with large touch chips (status,
// period) and one search box (the customer's address or the reference).
// UI keeps one, so the filters stay while the cashier looks elsewhere.
type linksScreen struct {
	u      *UI
	status payment.LinkStatus // "" = all
	days   int                // 0 = any date, 1 = today, 7, 30
	search string
	// min and max bound the amount as typed ("12,50"); empty: no bound.
	min, max string
}

// linkChips are the status filters, in the order a merchant follows a link.
var linkChips = []struct {
	status payment.LinkStatus
	key    string
}{
	{"", "links.f.all"}, {payment.LinkPending, "links.f.pending"}, {payment.LinkPaid, "links.f.paid"},
	{payment.LinkExpired, "links.f.expired"}, {payment.LinkCancelled, "links.f.cancelled"},
}

// linkPeriods are the date filters: days back from today, 0 for any.
var linkPeriods = []struct {
	days int
	key  string
}{{0, "links.d.any"}, {1, "links.d.today"}, {7, "links.d.week"}, {30, "links.d.month"}}

// goLinks shows the links and asks the gateway about the pending ones, so
// a link paid a minute ago shows paid without waiting for the terminal's
// periodic refresh.
func (u *UI) goLinks() {
	u.show(u.links)
	u.links.refresh()
}

func (*linksScreen) id() screenID  { return scrLinks }
func (*linksScreen) nav() screenID { return scrLinks }

// onEvent: any payment may be a link's; the list is read again.
func (s *linksScreen) onEvent(payment.Event) bool { return !s.u.covered() }

// query is the journal query of the filters: every filter is
// payment.Query's, matched by the journal itself.
func (s *linksScreen) query() payment.Query {
	u := s.u
	q := payment.Query{Method: payment.MethodPayLink, Search: s.search, Limit: histLimit}
	q.MinAmount, _ = parseMajor(s.min, u.svc.Currency())
	q.MaxAmount, _ = parseMajor(s.max, u.svc.Currency())
	if s.status != "" {
		q.States = s.status.States()
	}
	if s.days > 0 {
		now := u.o.Now()
		y, m, d := now.Date()
		q.Since = time.Date(y, m, d, 0, 0, 0, 0, now.Location()).AddDate(0, 0, 1-s.days)
	}
	return q
}

func (s *linksScreen) view() fyne.CanvasObject {
	u := s.u
	ctx := context.Background()
	txns, err := u.svc.List(ctx, s.query())
	if err != nil {
		u.notice, u.bad = u.errText(err), true
	}
	// The pending count is over every link, whatever the filters: it is
	// the merchant's to-do list.
	waiting, _ := u.svc.List(ctx, payment.Query{Method: payment.MethodPayLink, States: payment.LinkPending.States()})
	list := container.NewVBox()
	list.Objects = s.rows(txns)
	count := text(u.T("links.count", len(txns)), 14, colMuted, false)
	refresh := newTile(u.T("links.refresh"), "", theme.NewThemedResource(theme.ViewRefreshIcon()), colCard, colInk, 15, fyne.NewSize(150, 44), u.tap(s.refresh))
	head := container.NewBorder(nil, nil,
		container.NewVBox(text(u.T("links.title"), 22, colInk, true), text(u.T("links.pending", len(waiting)), 14, colMuted, false)),
		container.NewHBox(container.NewCenter(count), refresh))

	chips := container.NewHBox()
	for _, c := range linkChips {
		chips.Add(s.chip(u.T(c.key), s.status == c.status, func() { s.status = c.status }))
	}
	periods := container.NewHBox()
	for _, p := range linkPeriods {
		periods.Add(s.chip(u.T(p.key), s.days == p.days, func() { s.days = p.days }))
	}
	search := widget.NewEntry()
	search.SetPlaceHolder(u.T("links.search"))
	search.SetText(s.search)
	// The list follows each key without redrawing the screen, so the
	// search box keeps the focus and the on-screen keyboard stays up.
	relist := func() {
		txns, err := u.svc.List(context.Background(), s.query())
		if err != nil {
			return
		}
		list.Objects = s.rows(txns)
		list.Refresh()
		count.Text = u.T("links.count", len(txns))
		count.Refresh()
	}
	search.OnChanged = func(v string) {
		u.locked(func() {
			u.touch()
			s.search = v
			relist()
		})
	}
	// The amount bounds: an amount as the cashier writes it; one that is
	// not an amount is shown in red and does not filter.
	bound := func(ph string, v *string) fyne.CanvasObject {
		e := widget.NewEntry()
		e.SetPlaceHolder(ph)
		e.SetText(*v)
		check := func(t string) {
			if _, ok := parseMajor(t, u.svc.Currency()); ok || t == "" {
				e.SetValidationError(nil)
			} else {
				e.SetValidationError(errNotAmount)
			}
		}
		check(*v)
		e.OnChanged = func(t string) {
			u.locked(func() {
				u.touch()
				*v = t
				check(t)
				relist()
			})
		}
		return container.New(layout.NewGridWrapLayout(fyne.NewSize(120, 44)), e)
	}
	amounts := container.NewHBox(bound(u.T("links.min"), &s.min), bound(u.T("links.max"), &s.max))
	filters := container.NewVBox(container.NewBorder(nil, nil, nil, amounts, chips), container.NewBorder(nil, nil, nil, periods, search))
	return container.NewBorder(container.NewVBox(head, filters), nil, nil, nil, listScroll(list))
}

func (s *linksScreen) rows(txns []*payment.Transaction) []fyne.CanvasObject {
	if len(txns) == 0 {
		return []fyne.CanvasObject{container.NewPadded(text(s.u.T("links.empty"), 18, colMuted, false))}
	}
	rows := make([]fyne.CanvasObject, 0, len(txns))
	for _, t := range txns {
		rows = append(rows, s.row(t))
	}
	return rows
}

// chip is one filter button: large enough for a finger, filled when on.
func (s *linksScreen) chip(label string, on bool, set func()) fyne.CanvasObject {
	u := s.u
	bg, fg := colCard, colInk
	if on {
		bg, fg = colBrand, colWhite
	}
	return newTile(label, "", nil, bg, fg, 15, fyne.NewSize(110, 44), u.tap(func() {
		set()
		u.render()
	}))
}

func (s *linksScreen) row(t *payment.Transaction) fyne.CanvasObject {
	u := s.u
	cp := statusColor(t)
	st := pill(u.T(statusKey(t)), cp.bg, cp.fg)
	amt := text(t.Amount.Format(u.lang), 18, colInk, true)
	sub := u.T("links.sent", shortTime(u.lang, t.CreatedAt, u.o.Now()))
	if t.State == payment.StateAwaitingCustomer {
		sub += " · " + u.T("links.until", dateTime(u.lang, t.ExpireAt))
	}
	if t.Resends > 0 {
		sub += " · " + u.T("links.resends", t.Resends)
	}
	if t.Reference != "" {
		sub = t.Reference + " · " + sub
	}
	row := container.NewBorder(nil, nil, nil,
		container.NewHBox(container.NewCenter(st), container.New(layout.NewGridWrapLayout(fyne.NewSize(130, 40)), container.NewCenter(amt))),
		container.NewVBox(text(t.Email, 16, colInk, true), text(sub, 13, colMuted, false)))
	return newRow(row, u.tap(func() { u.openLinkDetail(t) }))
}

func (s *linksScreen) refresh() {
	u := s.u
	go func() {
		ctx, cancel := context.WithTimeout(u.ctx, 30*time.Second)
		defer cancel()
		err := u.svc.RefreshLinks(ctx)
		u.do(func() {
			if u.current() != scrLinks {
				return
			}
			if err != nil {
				u.say(u.errText(err), true)
				return
			}
			u.render()
		})
	}()
}

// errNotAmount marks an amount bound that is not an amount.
var errNotAmount = errors.New("not an amount")

// parseMajor reads an amount as a cashier types it — "12", "12,5",
// "12,50" or "12.50" — in minor units of currency. Empty or not an amount:
// 0, false.
func parseMajor(s, currency string) (int64, bool) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "€"))
	if s == "" {
		return 0, false
	}
	exp, ok := payment.CurrencyExponent(currency)
	if !ok {
		return 0, false
	}
	whole, frac, _ := strings.Cut(strings.ReplaceAll(s, ",", "."), ".")
	if whole == "" || len(whole) > 12 || len(frac) > exp || strings.Trim(whole+frac, "0123456789") != "" {
		return 0, false
	}
	frac += strings.Repeat("0", exp-len(frac))
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}
