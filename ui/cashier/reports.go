package cashier

import (
	"context"
	"image/color"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"

	"tpe/payment"
)

// reportsScreen is the X report (running totals), the Z report once the
// day is closed, and the offline queue.
type reportsScreen struct {
	u      *UI
	report *payment.Report // the Z just closed; nil: an X report, read on each view
}

func (u *UI) goReports() { u.show(&reportsScreen{u: u}) }

func (*reportsScreen) id() screenID  { return scrReports }
func (*reportsScreen) nav() screenID { return scrReports }

// onEvent: every payment changes the totals.
func (s *reportsScreen) onEvent(payment.Event) bool { return !s.u.covered() }

func (s *reportsScreen) view() fyne.CanvasObject {
	u := s.u
	r := s.report
	if r == nil || r.Kind == "X" {
		x, err := u.svc.Report(context.Background())
		if err != nil {
			u.notice, u.bad = u.errText(err), true
		} else {
			r = &x
		}
	}
	xBtn := newTile(u.T("rep.x"), "", theme.NewThemedResource(theme.DocumentIcon()), colCard, colInk, 17, fyne.NewSize(150, 60), u.tap(func() {
		s.report = nil
		u.render()
	}))
	zBtn := newTile(u.T("rep.z"), "", theme.NewInvertedThemedResource(theme.DocumentPrintIcon()), colBrandDark, colWhite, 17, fyne.NewSize(240, 60), u.tap(s.askClose))
	btns := container.NewHBox(xBtn)
	if r != nil && u.svc.CanPrint() {
		shown := *r
		btns.Add(newTile(u.T("rep.print"), "", theme.NewThemedResource(theme.DocumentPrintIcon()), colCard, colInk, 17, fyne.NewSize(200, 60), u.tap(func() { s.print(shown) })))
	}
	btns.Add(zBtn)
	head := container.NewBorder(nil, nil, text(u.T("rep.title"), 22, colInk, true), btns)
	body := container.NewVBox()
	if r != nil {
		body.Add(s.card(*r))
	}
	body.Add(s.queueCard(r))
	return container.NewBorder(head, nil, nil, nil, listScroll(body))
}

// print prints the report on screen, as the service lays it out.
func (s *reportsScreen) print(r payment.Report) {
	u := s.u
	go func() {
		ctx, cancel := context.WithTimeout(u.ctx, 30*time.Second)
		defer cancel()
		err := u.svc.PrintReport(ctx, r)
		u.do(func() {
			if err != nil {
				u.say(u.errText(err), true)
				return
			}
			u.say(u.T("rep.printed"), false)
		})
	}()
}

func (s *reportsScreen) card(r payment.Report) fyne.CanvasObject {
	u := s.u
	money := func(m int64) string { return payment.Amount{Minor: m, Currency: r.Currency}.Format(u.lang) }
	title := u.T("rep.x")
	if r.Kind == "Z" {
		title = u.T("rep.z.done", r.Batch)
	}
	big := func(label, value, count string, col color.Color) fyne.CanvasObject {
		v := text(value, 28, col, true)
		return container.NewVBox(text(label, 14, colMuted, false), v, text(count, 13, colMuted, false))
	}
	totals := container.New(layout.NewGridLayoutWithColumns(4),
		big(u.T("rep.sales"), money(r.SalesTotal), u.T("rep.count", r.SalesCount), colInk),
		big(u.T("rep.refunds"), money(-r.RefundsTotal), u.T("rep.count", r.RefundsCount), colInk),
		big(u.T("rep.net"), money(r.Net), "", colBrand),
		big(u.T("rep.declined"), strconv.Itoa(r.Declined), "", colInk),
	)
	lines := container.NewVBox()
	for _, l := range r.Lines {
		name := u.T("method." + string(l.Method))
		switch {
		case l.Method == payment.MethodAlipayPlus:
			if w := payment.LookupWallet(l.Brand); w.Code != "" && w.Code != payment.WalletAlipayPlus {
				name += " · " + w.Name
			}
		case l.Brand != "":
			name += " · " + strings.ToUpper(l.Brand)
		}
		right := text(money(l.SalesTotal-l.RefundsTotal), 16, colInk, true)
		lines.Add(container.NewBorder(nil, nil, text(name, 16, colInk, false), container.NewHBox(text(u.T("rep.count", l.SalesCount), 14, colMuted, false), right)))
	}
	if len(r.Lines) == 0 {
		lines.Add(text(u.T("rep.none"), 15, colMuted, false))
	}
	items := []fyne.CanvasObject{
		container.NewBorder(nil, nil, text(title, 20, colInk, true), text(u.T("rep.batch", r.Batch)+" · "+u.T("rep.at", dateTime(u.lang, r.At)), 14, colMuted, false)),
		totals, lines,
	}
	if r.ForwardDeclined > 0 {
		items = append(items, text(u.T("rep.fwddeclined", r.ForwardDeclined), 15, colRed, true))
	}
	return panel(container.NewVBox(items...))
}

// queueCard is the link to the bank and the offline approvals still to
// send. Their number is the report's (the journal's queue, which the
// printed report shows too); the status poll stands in when there is no
// report.
func (s *reportsScreen) queueCard(r *payment.Report) fyne.CanvasObject {
	u := s.u
	st := u.status
	queued, oldest := st.Queued, st.Oldest
	if r != nil {
		queued, oldest = r.OfflinePending, r.OfflineOldest
	}
	net := pill(u.T("status.online"), fade(colGreen, 0x22), colGreen)
	if !st.Online {
		net = pill(u.T("status.offline"), fade(colAmber, 0x2A), colAmber)
	}
	msg := text(u.T("rep.queue.empty"), 15, colMuted, false)
	if queued > 0 {
		msg = text(u.T("rep.queue.oldest", queued, dateTime(u.lang, oldest)), 15, colAmber, true)
	}
	return panel(container.NewBorder(nil, nil, container.NewVBox(text(u.T("rep.queue"), 18, colInk, true), msg), container.NewCenter(net)))
}

func (s *reportsScreen) askClose() {
	u := s.u
	b, err := u.svc.Report(context.Background())
	if err != nil {
		u.say(u.errText(err), true)
		return
	}
	u.ask(u.T("rep.z.ask", b.Batch), u.T("rep.z"), func() {
		go func() {
			ctx, cancel := context.WithTimeout(u.ctx, 60*time.Second)
			defer cancel()
			z, err := u.svc.CloseBatch(ctx)
			u.do(func() {
				if err != nil {
					u.say(u.errText(err), true)
					return
				}
				u.show(&reportsScreen{u: u, report: &z})
				u.say(u.T("rep.z.done", z.Batch), false)
			})
		}()
		u.render()
	})
}
