package cashier

import (
	"context"
	"errors"
	"image"
	"image/color"
	"math"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/skip2/go-qrcode"

	"tpe/payment"
)

type salePhase int

const (
	phaseAmount salePhase = iota
	phaseEmail
	phaseAlipay
	phaseScan
	phasePay // following cur
)

// saleScreen takes payments: the amount and the method (amount.go), the
// payment under way (pay.go) and its outcome (result.go). UI keeps one: the
// sale in progress stays while the cashier looks elsewhere and follows its
// payment's events wherever the cashier is.
type saleScreen struct {
	u *UI
	saleState
}

// saleState is the sale in progress; a new sale starts from the zero value.
type saleState struct {
	phase     salePhase
	digits    string // amount in minor units, as typed
	reference string
	email     string
	cur       *payment.Transaction
	last      payment.EventType
	removed   bool // the card can be taken away
	printed   bool // the customer's receipt printed
	unprinted bool // printing the customer's receipt failed
	cancel    bool // a cancel was asked
	scan      context.CancelFunc
	qrFor     string
	qr        image.Image
	mailOpen  bool
	cdText    *canvas.Text // the QR countdown on screen, ticked in place
	ticking   string       // the payment whose countdown ticks
}

// maxDigits keeps an amount within EMV's n12.
const maxDigits = 12

func (u *UI) amount(digits string) payment.Amount {
	v, _ := strconv.ParseInt(digits, 10, 64)
	return payment.Amount{Minor: v, Currency: u.svc.Currency()}
}

func (u *UI) goSale() {
	s := u.sale
	if s.phase == phasePay && s.cur != nil && s.cur.State.Final() {
		s.saleState = saleState{}
	}
	u.show(s)
}

func (*saleScreen) id() screenID  { return scrSale }
func (*saleScreen) nav() screenID { return scrSale }

// onEvent follows the payment of the sale in progress; UI calls it for
// every event, on screen or not. True when the sale is on screen, not
// covered, and the event was its payment's.
func (s *saleScreen) onEvent(e payment.Event) bool {
	u := s.u
	if e.Payment == nil || s.cur == nil || e.Payment.ID != s.cur.ID {
		return false
	}
	switch e.Type {
	case payment.EventRemoveCard:
		s.removed = true
	case payment.EventReceiptPrinted:
		s.printed, s.unprinted = true, false
	case payment.EventReceiptFailed:
		// A duplicate that failed leaves the original printed.
		s.cur.ReceiptPrinted = e.Payment.ReceiptPrinted
		s.unprinted = !e.Payment.ReceiptPrinted && !s.printed
		if u.current() == scrSale {
			err := e.Err
			if err == nil {
				err = errors.New(e.Message)
			}
			u.notice, u.bad = u.T("result.receipt.unprint")+" — "+u.errText(err), true
		}
	}
	if e.Type != payment.EventReceiptPrinted && e.Type != payment.EventReceiptFailed && e.Type != payment.EventRemoveCard {
		s.cur, s.last = e.Payment, e.Type
		if e.Payment.State.Final() || e.Payment.State.Approved() {
			s.cancel = false
		}
	}
	return u.current() == scrSale && !u.covered()
}

// free reports whether the till can take a payment started elsewhere (the
// cash register, through the local API): no sale begun, or the last one
// ended and it is not e's payment already.
func (s *saleScreen) free(e payment.Event) bool {
	return (s.cur == nil && s.phase == phaseAmount || s.cur != nil && (s.cur.State.Final() || s.cur.State.Approved())) &&
		(s.cur == nil || s.cur.ID != e.Payment.ID)
}

func (s *saleScreen) view() fyne.CanvasObject {
	switch s.phase {
	case phaseEmail:
		return s.emailView()
	case phaseAlipay:
		return s.alipayView()
	case phaseScan:
		return s.scanView()
	case phasePay:
		if s.cur != nil {
			t := s.cur
			switch {
			case t.Method == payment.MethodPayLink && t.State == payment.StateAwaitingCustomer:
				return s.linkSentView()
			case t.State.Final() || t.State.Approved():
				return s.resultView()
			}
		}
		return s.progressView()
	}
	return s.amountView()
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
		if u.o.Scanner != nil {
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
		u.tap(s.startScan))
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

// startScan waits for the customer's payment code on the scanner, then
// charges it (Alipay+ CPM).
func (s *saleScreen) startScan() {
	u := s.u
	ctx, cancel := context.WithCancel(u.ctx)
	s.phase, s.scan = phaseScan, cancel
	u.render()
	go func() {
		code, err := u.o.Scanner.Scan(ctx)
		u.do(func() {
			if s.scan == nil || ctx.Err() != nil {
				return
			}
			s.scan = nil
			cancel()
			if err != nil {
				s.phase = phaseAlipay
				u.say(u.errText(err), true)
				return
			}
			s.pay(payment.Request{Method: payment.MethodAlipayPlus, BuyerCode: code})
		})
	}()
}

func (s *saleScreen) scanView() fyne.CanvasObject {
	u := s.u
	stop := func() {
		if s.scan != nil {
			s.scan()
			s.scan = nil
		}
		s.phase = phaseAlipay
		u.render()
	}
	u.keyFn = func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyEscape {
			stop()
		}
	}
	return s.waitLayout(u.amount(s.digits), u.T("progress.scan"), wrapLabel(u.T("progress.scan.sub")), s.waveIcon(), u.T("progress.cancel"), stop)
}

// waitLayout is every "waiting for the customer" screen: the amount big,
// what is happening, an illustration and one big Cancel.
func (s *saleScreen) waitLayout(a payment.Amount, title string, sub fyne.CanvasObject, art fyne.CanvasObject, cancelLabel string, cancel func()) fyne.CanvasObject {
	u := s.u
	amt := text(a.Format(u.lang), 52, colInk, true)
	items := []fyne.CanvasObject{amt, layout.NewSpacer(), text(title, 28, colBrand, true)}
	if sub != nil {
		items = append(items, sub)
	}
	items = append(items, widget.NewProgressBarInfinite(), layout.NewSpacer())
	if cancel != nil {
		items = append(items, newTile(cancelLabel, "", theme.NewErrorThemedResource(theme.CancelIcon()), colCard, colRed, 20, fyne.NewSize(240, 64), u.tap(cancel)))
	}
	left := container.NewVBox(items...)
	return panel(container.New(layout.NewGridLayoutWithColumns(2), left, container.NewCenter(art)))
}

func (s *saleScreen) progressView() fyne.CanvasObject {
	u := s.u
	t := s.cur
	title, sub := u.T("progress.starting"), ""
	var subObj fyne.CanvasObject
	var art fyne.CanvasObject = s.waveIcon()
	cancellable := true
	switch {
	case t.State == payment.StateAuthorising:
		title, sub = u.T("progress.auth"), u.T("progress.auth.sub")
		cancellable = false
		art = s.bankIcon()
	case t.State == payment.StateCardRead:
		title, sub = u.T("progress.read"), u.T("progress.remove")
		cancellable = false
	case t.Method == payment.MethodCard && t.State == payment.StateAwaitingCustomer:
		title, sub = u.T("progress.card"), u.T("progress.card.sub")
	case t.Method == payment.MethodAlipayPlus && t.QR != "":
		title = u.T("progress.qr")
		if !t.ExpireAt.IsZero() {
			s.cdText = text("", 20, colMuted, true)
			s.showCountdown(t.ExpireAt)
			subObj = s.cdText
			if s.ticking != t.ID {
				s.ticking = t.ID
				go s.tickCountdown(t.ID, t.ExpireAt)
			}
		}
		art = s.qrImage(t.QR)
	case t.Method == payment.MethodAlipayPlus && t.Wallet != "":
		title = u.T("progress.wallet")
	case t.Method == payment.MethodAlipayPlus:
		title = u.T("progress.qr.wait")
	}
	label := u.T("progress.cancel")
	if s.cancel {
		label = u.T("progress.cancelling")
	}
	var cancel func()
	if cancellable {
		cancel = s.cancelPayment
		u.keyFn = func(ev *fyne.KeyEvent) {
			if ev.Name == fyne.KeyEscape {
				s.cancelPayment()
			}
		}
	}
	if subObj == nil && sub != "" {
		subObj = wrapLabel(sub)
	}
	return s.waitLayout(t.Amount, title, subObj, art, label, cancel)
}

// showCountdown writes the time left before expire in the QR countdown,
// red in the last 30 s as on the customer display.
func (s *saleScreen) showCountdown(expire time.Time) {
	u := s.u
	c := s.cdText
	if c == nil {
		return
	}
	left := expire.Sub(u.o.Now())
	c.Text = u.T("progress.qr.sub", countdown(left))
	c.Color = colMuted
	if left <= 30*time.Second {
		c.Color = colRed
	}
	c.Refresh()
}

// tickCountdown keeps the QR countdown of payment id in step with its
// real expiry: it wakes when the shown second changes, on the UI's clock,
// and stops when the payment leaves the screen or expires.
func (s *saleScreen) tickCountdown(id string, expire time.Time) {
	u := s.u
	for {
		left := expire.Sub(u.o.Now())
		if left <= 0 {
			return
		}
		wait := left % time.Second
		if wait == 0 {
			wait = time.Second
		}
		if !u.sleep(u.ctx, wait) {
			return
		}
		alive := make(chan bool, 1)
		u.do(func() {
			// Off the QR screen (paid, covered by a sign-in): stop; the
			// screen starts a ticker again when it shows.
			ok := s.cur != nil && s.cur.ID == id && s.ticking == id && s.cdText != nil
			if ok {
				s.showCountdown(expire)
			} else if s.ticking == id {
				s.ticking = ""
			}
			alive <- ok
		})
		select {
		case <-u.ctx.Done():
			return
		case ok := <-alive:
			if !ok {
				return
			}
		}
	}
}

// cancelPayment asks the service to stop the payment followed; the
// cancelled event then shows the result.
func (s *saleScreen) cancelPayment() {
	u := s.u
	if s.cur == nil || s.cancel {
		return
	}
	s.cancel = true
	u.render()
	id := s.cur.ID
	go func() {
		ctx, cancel := context.WithTimeout(u.ctx, 30*time.Second)
		defer cancel()
		t, err := u.svc.Cancel(ctx, id)
		u.do(func() {
			if s.cur == nil || s.cur.ID != id {
				return
			}
			s.cancel = false
			if err != nil {
				u.say(u.errText(err), true)
				return
			}
			if t != nil {
				s.cur = t
			}
			u.render()
		})
	}()
}

func (s *saleScreen) qrImage(payload string) fyne.CanvasObject {
	if s.qrFor != payload {
		s.qrFor, s.qr = payload, nil
		if q, err := qrcode.New(payload, qrcode.Medium); err == nil {
			s.qr = q.Image(256)
		}
	}
	if s.qr == nil {
		return container.NewStack()
	}
	img := canvas.NewImageFromImage(s.qr)
	img.ScaleMode = canvas.ImageScalePixels
	img.FillMode = canvas.ImageFillContain
	img.SetMinSize(fyne.NewSquareSize(240))
	return img
}

// waveIcon is the contactless symbol on a pale disc.
func (s *saleScreen) waveIcon() fyne.CanvasObject {
	img := canvas.NewImageFromImage(contactless(200, colBrand, colPaleBlue))
	img.SetMinSize(fyne.NewSquareSize(200))
	img.FillMode = canvas.ImageFillContain
	return img
}

func (s *saleScreen) bankIcon() fyne.CanvasObject {
	c := canvas.NewCircle(colPaleBlue)
	ic := canvas.NewImageFromResource(theme.NewPrimaryThemedResource(theme.UploadIcon()))
	ic.SetMinSize(fyne.NewSquareSize(110))
	return container.NewStack(container.New(layout.NewGridWrapLayout(fyne.NewSquareSize(200)), c), container.NewCenter(ic))
}

// contactless draws the ISO/IEC 14443 "contactless" waves (EMVCo
// contactless indicator shape) in col on a disc of bg.
func contactless(px int, col, bg color.NRGBA) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, px, px))
	r := float64(px) / 2
	for y := 0; y < px; y++ {
		for x := 0; x < px; x++ {
			dx, dy := float64(x)+0.5-r, float64(y)+0.5-r
			d := math.Hypot(dx, dy)
			if d > r {
				continue
			}
			img.SetNRGBA(x, y, bg)
			// four arcs centred left of the middle, ±45°
			ax := dx + r*0.55
			ad := math.Hypot(ax, dy)
			ang := math.Atan2(dy, ax)
			if math.Abs(ang) > math.Pi/4 {
				continue
			}
			for i := 1; i <= 4; i++ {
				rr := r * 0.2 * float64(i)
				if math.Abs(ad-rr) < r*0.045 {
					img.SetNRGBA(x, y, col)
				}
			}
		}
	}
	return img
}

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

func (s *saleScreen) newSale() {
	u := s.u
	s.saleState = saleState{}
	u.show(s)
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
