package cashier

import (
	"context"
	"errors"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"tpe/payment"
)

func (s *saleScreen) linkSentView() fyne.CanvasObject {
	u := s.u
	t := s.cur
	u.keyFn = func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyReturn || ev.Name == fyne.KeyEnter {
			s.newSale()
		}
	}
	info := u.T("result.link.sub", t.Email, dateTime(u.lang, t.ExpireAt))
	cancelLink := newTile(u.T("result.cancel.link"), "", nil, colCard, colRed, 18, fyne.NewSize(200, 60), u.tap(s.cancelPayment))
	return s.outcomeLayout(colBrand, theme.MailSendIcon(), u.T("result.link"), t.Amount, []string{info},
		cancelLink, layout.NewSpacer(), s.newSaleTile())
}

// newSaleTile is the big button that ends a result: the next customer.
func (s *saleScreen) newSaleTile() fyne.CanvasObject {
	u := s.u
	return newTile(u.T("result.new"), "", theme.NewInvertedThemedResource(theme.ContentAddIcon()), colBrand, colWhite, 26, fyne.NewSize(320, 84), u.tap(s.newSale))
}

// outcomeLayout is a result: a coloured banner with the verdict, the amount
// big, details, and actions.
func (s *saleScreen) outcomeLayout(col color.NRGBA, icon fyne.Resource, title string, a payment.Amount, lines []string, actions ...fyne.CanvasObject) fyne.CanvasObject {
	u := s.u
	bg := canvas.NewRectangle(col)
	bg.CornerRadius = 14
	disc := canvas.NewCircle(colWhite)
	ic := canvas.NewImageFromResource(theme.NewColoredResource(icon, colorName(col)))
	ic.SetMinSize(fyne.NewSquareSize(44))
	badge := container.NewStack(container.New(layout.NewGridWrapLayout(fyne.NewSquareSize(72)), disc), container.NewCenter(ic))
	head := container.NewStack(bg, container.New(layout.NewCustomPaddedLayout(16, 16, 20, 20),
		container.NewHBox(badge, container.NewCenter(text(title, 32, colWhite, true)), layout.NewSpacer(),
			container.NewCenter(text(a.Format(u.lang), 44, colWhite, true)))))
	details := container.NewVBox()
	for _, l := range lines {
		if l == "" {
			continue
		}
		lb := wrapLabel(l)
		lb.SizeName = theme.SizeNameSubHeadingText
		// The first line is what the cashier says to the customer.
		lb.TextStyle.Bold = len(details.Objects) == 0
		details.Add(lb)
	}
	acts := container.NewHBox(actions...)
	return container.NewBorder(head, acts, nil, nil, panel(details))
}

// colorName maps an outcome colour to the theme's name for tinting icons.
func colorName(c color.NRGBA) fyne.ThemeColorName {
	switch c {
	case colGreen:
		return theme.ColorNameSuccess
	case colAmber:
		return theme.ColorNameWarning
	case colRed:
		return theme.ColorNameError
	}
	return theme.ColorNamePrimary
}

func (s *saleScreen) resultView() fyne.CanvasObject {
	u := s.u
	t := s.cur
	col, icon, title := colRed, theme.CancelIcon(), u.T("result.declined")
	lines := []string{}
	switch t.State {
	case payment.StateApproved, payment.StateForwarded, payment.StateRefunded, payment.StatePartiallyRefunded:
		col, icon, title = colGreen, theme.ConfirmIcon(), u.T("result.approved")
	case payment.StateOfflineApproved:
		col, icon, title = colAmber, theme.ConfirmIcon(), u.T("result.offline")
		lines = append(lines, u.T("result.offline.sub"))
	case payment.StateDeclined, payment.StateForwardDeclined:
	case payment.StateCancelled, payment.StateReversed:
		col, icon, title = colGrey, theme.CancelIcon(), u.T("result.cancelled")
	case payment.StateExpired:
		col, icon, title = colGrey, theme.HistoryIcon(), u.T("result.expired")
	default:
		title, icon = u.T("result.failed"), theme.WarningIcon()
	}
	if !t.State.Approved() {
		lines = append(lines, u.reasonText(t))
		if t.State != payment.StateFailed || !t.ReversalPending {
			lines = append(lines, u.T("result.notcharged"))
		}
	}
	lines = append(lines, u.payerLine(t))
	if t.AuthCode != "" && t.Method == payment.MethodCard {
		lines = append(lines, u.T("result.auth", t.AuthCode))
	}
	// The cashier sees what the receipt prints: the issuer checked the PIN
	// (no signature to collect, nothing to ask the customer).
	if t.State.Approved() && t.Card != nil && t.Card.CVM == "online_pin" {
		lines = append(lines, u.T("result.pin"))
	}
	if t.ExchangeRate != "" && t.State.Approved() {
		lines = append(lines, u.T("result.exchange", t.ExchangeRate))
	}
	u.keyFn = func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyReturn || ev.Name == fyne.KeyEnter || ev.Name == fyne.KeyEscape {
			s.newSale()
		}
	}
	// What the cashier needs next: the customer's receipt (printed, to
	// print again after a failure, a duplicate on purpose, by e-mail), then
	// the next sale.
	acts := []fyne.CanvasObject{}
	if printable(t) && u.svc.CanPrint() {
		printed := s.printed || t.ReceiptPrinted
		switch {
		case printed:
			lines = append(lines, u.T("result.printed"))
		case s.unprinted:
			lines = append(lines, u.T("result.receipt.unprint"))
		default:
			lines = append(lines, u.T("result.printing"))
		}
		if tl := u.printTile(t.ID, printed, s.unprinted, fyne.NewSize(190, 84)); tl != nil {
			acts = append(acts, tl)
		}
	}
	if t.State.Approved() && u.o.Notifier != nil {
		acts = append(acts, newTile(u.T("result.email"), "", theme.NewThemedResource(theme.MailSendIcon()), colCard, colInk, 17, fyne.NewSize(190, 84), u.tap(func() {
			s.mailOpen = !s.mailOpen
			u.render()
		})))
	}
	acts = append(acts, layout.NewSpacer(), s.newSaleTile())
	out := s.outcomeLayout(col, icon, title, t.Amount, lines, acts...)
	if !s.mailOpen {
		return out
	}
	e := widget.NewEntry()
	e.SetPlaceHolder("client@example.com")
	e.SetText(s.email)
	e.OnChanged = func(v string) { s.email = v }
	send := func() { s.emailReceipt(t.ID, strings.TrimSpace(s.email)) }
	e.OnSubmitted = func(string) { u.locked(send) }
	bar := container.NewBorder(nil, nil, text(u.T("sale.email.label"), 15, colMuted, true),
		newTile(u.T("result.email.send"), "", nil, colBrand, colWhite, 16, fyne.NewSize(120, 44), u.tap(send)), e)
	return container.NewBorder(nil, container.NewPadded(bar), nil, nil, out)
}

// printable reports whether t has a customer receipt (the service prints
// approved and declined payments).
func printable(t *payment.Transaction) bool {
	return t.State.Approved() || t.State == payment.StateDeclined
}

// printTile is the receipt button of a payment: "Réimprimer" when its
// receipt did not print (the original, not a duplicate), "Duplicata" once
// it did, nothing while the first print is under way.
func (u *UI) printTile(id string, printed, failed bool, size fyne.Size) fyne.CanvasObject {
	switch {
	case printed:
		return newTile(u.T("result.duplicate"), "", theme.NewThemedResource(theme.ContentCopyIcon()), colCard, colInk, 17, size, u.tap(func() { u.reprint(id, true) }))
	case failed:
		return newTile(u.T("result.reprint"), "", theme.NewInvertedThemedResource(theme.DocumentPrintIcon()), colBrand, colWhite, 17, size, u.tap(func() { u.reprint(id, false) }))
	}
	return nil
}

// reprint prints payment id's customer receipt: a duplicate when dup, the
// original when it never printed.
func (u *UI) reprint(id string, dup bool) {
	go func() {
		ctx, cancel := context.WithTimeout(u.ctx, 30*time.Second)
		defer cancel()
		err := u.svc.Reprint(ctx, id, payment.CustomerCopy)
		u.do(func() {
			if err != nil {
				u.say(u.errText(err), true)
				return
			}
			if dup {
				u.say(u.T("result.reprinted"), false)
			} else {
				u.say(u.T("result.printed"), false)
			}
		})
	}()
}

// emailReceipt sends the customer copy, as plain text, through Opts.Notifier.
func (s *saleScreen) emailReceipt(id, to string) {
	u := s.u
	if err := payment.ValidateEmail(to); err != nil {
		u.say(u.T("err.email"), true)
		return
	}
	lang := u.lang
	go func() {
		ctx, cancel := context.WithTimeout(u.ctx, 30*time.Second)
		defer cancel()
		err := func() error {
			t, err := u.svc.Get(ctx, id)
			if err != nil {
				return err
			}
			r, err := u.svc.Receipt(ctx, id, payment.ReceiptOpts{Copy: payment.CustomerCopy, Lang: lang})
			if err != nil {
				return err
			}
			return u.o.Notifier.SendReceipt(ctx, to, t, r.PlainText(42))
		}()
		u.do(func() {
			if err != nil {
				u.say(u.errText(errors.Join(errMail, err)), true)
				return
			}
			s.mailOpen = false
			u.say(u.T("result.email.sent", to), false)
		})
	}()
}
