package cashier

import (
	"image/color"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"tpe/payment"
)

// maxDigits keeps an amount within EMV's n12.
const maxDigits = 12

func (u *UI) amount(digits string) payment.Amount {
	v, _ := strconv.ParseInt(digits, 10, 64)
	return payment.Amount{Minor: v, Currency: u.svc.Currency()}
}

// keypad is the 3×4 numeric pad; digits edits the amount string.
func (u *UI) keypad(digits *string, onEnter func()) fyne.CanvasObject {
	press := func(k string) {
		switch k {
		case "C":
			*digits = ""
		case "⌫":
			if *digits != "" {
				*digits = (*digits)[:len(*digits)-1]
			}
		default:
			if len(*digits) >= maxDigits || (*digits == "" && k == "0") {
				return
			}
			*digits += k
		}
		u.notice = ""
		u.render()
	}
	u.runeFn = func(r rune) {
		if r >= '0' && r <= '9' {
			press(string(r))
		}
	}
	u.keyFn = func(ev *fyne.KeyEvent) {
		switch ev.Name {
		case fyne.KeyBackspace:
			press("⌫")
		case fyne.KeyDelete:
			press("C")
		case fyne.KeyReturn, fyne.KeyEnter:
			if onEnter != nil {
				onEnter()
			}
		case fyne.KeyEscape:
			press("C")
		}
	}
	keys := []fyne.CanvasObject{}
	for _, k := range []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "C", "0", "⌫"} {
		k := k
		switch k {
		case "⌫":
			keys = append(keys, newTile("", "", theme.NewThemedResource(theme.NavigateBackIcon()), colKey, colInk, 30, fyne.NewSize(96, 72), u.tap(func() { press(k) })))
		case "C":
			keys = append(keys, newTile(u.T("sale.clear"), "", nil, colKey, colRed, 30, fyne.NewSize(96, 72), u.tap(func() { press(k) })))
		default:
			keys = append(keys, newTile(k, "", nil, colKey, colInk, 32, fyne.NewSize(96, 72), u.tap(func() { press(k) })))
		}
	}
	return container.New(layout.NewGridLayoutWithColumns(3), keys...)
}

func (s *saleScreen) amountView() fyne.CanvasObject {
	u := s.u
	a := u.amount(s.digits)
	amt := text(a.Format(u.lang), 56, colInk, true)
	if s.digits == "" {
		amt.Color = colGrey
	}
	amt.Alignment = fyne.TextAlignTrailing
	ref := widget.NewEntry()
	ref.SetPlaceHolder(u.T("sale.reference"))
	ref.SetText(s.reference)
	ref.OnChanged = func(v string) { s.reference = v }
	method := func(key, sub string, icon fyne.Resource, bg color.Color, m payment.Method) fyne.CanvasObject {
		fg := colWhite
		if bg == colCard {
			fg = colInk
		}
		return newTile(u.T(key), u.T(sub), icon, bg, fg, 22, fyne.NewSize(150, 96), u.tap(func() { s.chooseMethod(m) }))
	}
	methods := container.New(layout.NewGridLayoutWithColumns(3),
		method("sale.card", "sale.card.sub", theme.NewInvertedThemedResource(theme.ConfirmIcon()), colBrand, payment.MethodCard),
		method("sale.alipay", "sale.alipay.sub", theme.NewPrimaryThemedResource(theme.GridIcon()), colCard, payment.MethodAlipayPlus),
		method("sale.link", "sale.link.sub", theme.NewPrimaryThemedResource(theme.MailSendIcon()), colCard, payment.MethodPayLink),
	)
	display := panel(container.NewVBox(
		text(u.T("sale.amount"), 16, colMuted, false),
		amt,
	))
	left := container.NewBorder(container.NewVBox(display, ref), container.NewVBox(text(u.T("sale.method"), 15, colMuted, true), methods), nil, nil)
	pad := u.keypad(&s.digits, func() { s.chooseMethod(payment.MethodCard) })
	return container.New(layout.NewGridLayoutWithColumns(2), left, container.NewPadded(pad))
}

func (s *saleScreen) chooseMethod(m payment.Method) {
	u := s.u
	a := u.amount(s.digits)
	if a.Minor == 0 {
		u.say(u.T("sale.enter"), true)
		return
	}
	if err := u.svc.Validate(payment.Request{Amount: a, Method: m, Email: "x@example.com", Reference: s.reference}); err != nil {
		u.say(u.errText(err), true)
		return
	}
	switch m {
	case payment.MethodPayLink:
		s.phase = phaseEmail
		u.show(s)
	case payment.MethodAlipayPlus:
		if u.svc.CanScan() {
			s.phase = phaseAlipay
			u.show(s)
			return
		}
		s.pay(payment.Request{Method: m})
	default:
		s.pay(payment.Request{Method: m})
	}
}

// pay starts a payment of the amount on screen.
func (s *saleScreen) pay(r payment.Request) {
	u := s.u
	r.Amount = u.amount(s.digits)
	r.Reference = s.reference
	if u.user != nil {
		r.Cashier = u.user.Name
	}
	t, err := u.svc.Pay(u.ctx, r)
	if err != nil {
		u.say(u.errText(err), true)
		return
	}
	s.saleState = saleState{phase: phasePay, digits: s.digits, reference: s.reference, email: s.email, cur: t, last: payment.EventCreated}
	u.show(s)
}

func (s *saleScreen) emailView() fyne.CanvasObject {
	u := s.u
	e := widget.NewEntry()
	e.SetPlaceHolder("client@example.com")
	e.SetText(s.email)
	send := func() {
		s.email = strings.TrimSpace(e.Text)
		if err := payment.ValidateEmail(s.email); err != nil {
			u.say(u.T("err.email"), true)
			return
		}
		s.pay(payment.Request{Method: payment.MethodPayLink, Email: s.email})
	}
	e.OnChanged = func(v string) { s.email = v }
	e.OnSubmitted = func(string) { u.locked(send) }
	u.keyFn = func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyEscape {
			s.phase = phaseAmount
			u.render()
		}
	}
	back := newTile(u.T("sale.back"), "", nil, colCard, colInk, 18, fyne.NewSize(180, 60), u.tap(func() {
		s.phase = phaseAmount
		u.render()
	}))
	ok := newTile(u.T("sale.email.send"), "", theme.NewInvertedThemedResource(theme.MailSendIcon()), colBrand, colWhite, 18, fyne.NewSize(240, 60), u.tap(send))
	return panel(container.NewVBox(
		text(u.T("sale.email.title"), 26, colInk, true),
		text(u.amount(s.digits).Format(u.lang), 44, colBrand, true),
		layout.NewSpacer(),
		text(u.T("sale.email.label"), 15, colMuted, true),
		e,
		layout.NewSpacer(),
		container.NewHBox(back, layout.NewSpacer(), ok),
	))
}

func (s *saleScreen) alipayView() fyne.CanvasObject {
	u := s.u
	u.keyFn = func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyEscape {
			s.phase = phaseAmount
			u.render()
		}
	}
	mpm := newTile(u.T("sale.alipay.mpm"), u.T("sale.alipay.mpm.sub"), theme.NewInvertedThemedResource(theme.GridIcon()), colBrand, colWhite, 22, fyne.NewSize(280, 150),
		u.tap(func() { s.pay(payment.Request{Method: payment.MethodAlipayPlus}) }))
	cpm := newTile(u.T("sale.alipay.cpm"), u.T("sale.alipay.cpm.sub"), theme.NewPrimaryThemedResource(theme.SearchIcon()), colCard, colInk, 22, fyne.NewSize(280, 150),
		u.tap(func() { s.pay(payment.Request{Method: payment.MethodAlipayPlus, ScanCode: true}) }))
	back := newTile(u.T("sale.back"), "", nil, colCard, colInk, 18, fyne.NewSize(180, 60), u.tap(func() {
		s.phase = phaseAmount
		u.render()
	}))
	return panel(container.NewVBox(
		text(u.T("sale.alipay.title"), 26, colInk, true),
		text(u.amount(s.digits).Format(u.lang), 44, colBrand, true),
		layout.NewSpacer(),
		container.NewCenter(container.NewHBox(mpm, cpm)),
		layout.NewSpacer(),
		container.NewHBox(back),
	))
}
