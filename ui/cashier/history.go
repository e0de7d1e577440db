package cashier

import (
	"context"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"tpe/payment"
)

type colorPair struct{ bg, fg color.NRGBA }

// historyScreen is the journal's payments with filters; UI keeps one, so
// the filters stay while the cashier looks elsewhere.
type historyScreen struct {
	u      *UI
	search string
	status payment.Status // "" = all
	method payment.Method // "" = all
	days   int            // 0 = any date, 1 = today, 7, 30
}

// histLimit caps the rows on screen; filters narrow further.
const histLimit = 200

var histStatuses = []payment.Status{"", payment.StatusApproved, payment.StatusDeclined, payment.StatusPending,
	payment.StatusCancelled, payment.StatusFailed, payment.StatusExpired, payment.StatusRefunded, payment.StatusPartiallyRefunded,
	payment.StatusRefundPending, payment.StatusVoidPending}

var histMethods = []payment.Method{"", payment.MethodCard, payment.MethodAlipayPlus, payment.MethodPayLink}

var histDays = []int{0, 1, 7, 30}

func (u *UI) goHistory() { u.show(u.hist) }

func (*historyScreen) id() screenID  { return scrHistory }
func (*historyScreen) nav() screenID { return scrHistory }

// onEvent: any payment may be in the list; it is read again.
func (h *historyScreen) onEvent(payment.Event) bool { return !h.u.covered() }

// query is the journal query of the filters (search is applied on top: it
// matches parts of several fields, which the journal cannot).
func (h *historyScreen) query() payment.Query {
	u := h.u
	q := payment.Query{Status: h.status, Method: h.method, Limit: histLimit}
	if h.days > 0 {
		y, m, d := u.o.Now().Date()
		q.Since = time.Date(y, m, d, 0, 0, 0, 0, u.o.Now().Location()).AddDate(0, 0, 1-h.days)
	}
	return q
}

func matchSearch(t *payment.Transaction, s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return true
	}
	fields := []string{t.Reference, t.OrderID, t.ID, t.Email, t.Wallet, payment.WalletName(t.Wallet), t.GatewayID, t.AuthCode,
		t.ReceiptNumber()} // the TRANS. a customer's receipt shows
	if t.Card != nil {
		fields = append(fields, t.Card.PAN.Last4(), t.Card.Brand)
	}
	for _, f := range fields {
		if f != "" && strings.Contains(strings.ToLower(f), s) {
			return true
		}
	}
	return false
}

func (h *historyScreen) view() fyne.CanvasObject {
	u := h.u
	txns, err := u.svc.List(context.Background(), h.query())
	if err != nil {
		u.notice, u.bad = u.errText(err), true
	}
	var shown []*payment.Transaction
	for _, t := range txns {
		if matchSearch(t, h.search) {
			shown = append(shown, t)
		}
	}
	search := widget.NewEntry()
	search.SetPlaceHolder(u.T("hist.search"))
	search.SetText(h.search)
	search.OnSubmitted = func(v string) {
		u.locked(func() {
			h.search = v
			u.render()
		})
	}
	list := container.NewVBox()
	count := text(u.T("hist.count", len(shown)), 14, colMuted, false)
	search.OnChanged = func(v string) {
		u.locked(func() {
			u.touch()
			h.search = v
			list.Objects = h.rows(txns)
			list.Refresh()
			n := 0
			for _, t := range txns {
				if matchSearch(t, v) {
					n++
				}
			}
			count.Text = u.T("hist.count", n)
			count.Refresh()
		})
	}
	statusNames := make([]string, len(histStatuses))
	for i, s := range histStatuses {
		statusNames[i] = u.T("hist.all")
		if s != "" {
			statusNames[i] = u.T("st." + string(s))
		}
	}
	status := widget.NewSelect(statusNames, nil)
	status.SetSelectedIndex(indexOf(histStatuses, h.status))
	status.OnChanged = func(string) {
		u.locked(func() {
			h.status = histStatuses[max(status.SelectedIndex(), 0)]
			u.render()
		})
	}
	methodNames := make([]string, len(histMethods))
	for i, m := range histMethods {
		methodNames[i] = u.T("hist.allmethods")
		if m != "" {
			methodNames[i] = u.T("method." + string(m))
		}
	}
	method := widget.NewSelect(methodNames, nil)
	method.SetSelectedIndex(indexOf(histMethods, h.method))
	method.OnChanged = func(string) {
		u.locked(func() {
			h.method = histMethods[max(method.SelectedIndex(), 0)]
			u.render()
		})
	}
	dayNames := []string{u.T("hist.anytime"), u.T("hist.today"), u.T("hist.week"), u.T("hist.month")}
	days := widget.NewSelect(dayNames, nil)
	days.SetSelectedIndex(indexOf(histDays, h.days))
	days.OnChanged = func(string) {
		u.locked(func() {
			h.days = histDays[max(days.SelectedIndex(), 0)]
			u.render()
		})
	}
	list.Objects = h.rows(txns)
	head := container.NewBorder(nil, nil, text(u.T("hist.title"), 22, colInk, true), count)
	filters := container.NewBorder(nil, nil, nil, container.NewHBox(status, method, days), search)
	return container.NewBorder(container.NewVBox(head, filters), nil, nil, nil, listScroll(list))
}

func indexOf[T comparable](s []T, v T) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return 0
}

func (h *historyScreen) rows(txns []*payment.Transaction) []fyne.CanvasObject {
	u := h.u
	rows := []fyne.CanvasObject{}
	for _, t := range txns {
		if !matchSearch(t, h.search) {
			continue
		}
		rows = append(rows, h.row(t, func() { u.openDetail(t) }))
	}
	if len(rows) == 0 {
		l := text(u.T("hist.empty"), 18, colMuted, false)
		l.Alignment = fyne.TextAlignCenter
		rows = append(rows, container.NewPadded(l))
	}
	return rows
}

// row is one payment in a list: when, how and who, the register's
// reference and the ticket's number (TRANS.), status and amount. The full
// order ID is on the detail screen.
func (h *historyScreen) row(t *payment.Transaction, open func()) fyne.CanvasObject {
	u := h.u
	when := text(shortTime(u.lang, t.CreatedAt, u.o.Now()), 15, colMuted, false)
	what := u.T("method." + string(t.Method))
	if p := u.payerLine(t); p != "" {
		what += " · " + p
	}
	main := text(what, 16, colInk, true)
	sub := u.T("hist.number", t.ReceiptNumber()) // as on the receipt (TRANS.)
	if t.Reference != "" {
		sub = t.Reference + " · " + sub
	}
	cp := statusColor(t)
	st := pill(u.T(statusKey(t)), cp.bg, cp.fg)
	amt := text(t.Amount.Format(u.lang), 18, colInk, true)
	amt.Alignment = fyne.TextAlignTrailing
	row := container.NewBorder(nil, nil,
		container.New(layout.NewGridWrapLayout(fyne.NewSize(90, 40)), container.NewCenter(when)),
		container.NewHBox(container.NewCenter(st), container.New(layout.NewGridWrapLayout(fyne.NewSize(130, 40)), container.NewCenter(amt))),
		container.NewVBox(main, text(sub, 13, colMuted, false)))
	return newRow(row, u.tap(open))
}

// row is a tappable list row on a white card.
type row struct {
	widget.BaseWidget
	content fyne.CanvasObject
	onTap   func()
}

func newRow(content fyne.CanvasObject, tap func()) *row {
	r := &row{content: content, onTap: tap}
	r.ExtendBaseWidget(r)
	return r
}

func (r *row) Tapped(*fyne.PointEvent) {
	if r.onTap != nil {
		r.onTap()
	}
}

func (r *row) CreateRenderer() fyne.WidgetRenderer {
	bg := canvas.NewRectangle(colCard)
	bg.CornerRadius = 10
	bg.StrokeColor = colLine
	bg.StrokeWidth = 1
	return &minRenderer{WidgetRenderer: widget.NewSimpleRenderer(container.NewStack(bg, container.New(layout.NewCustomPaddedLayout(6, 6, 12, 12), r.content))), min: fyne.NewSize(0, 58)}
}
