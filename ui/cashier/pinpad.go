package cashier

import (
	crand "crypto/rand"
	"math/rand/v2"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"

	"tpe/payment"
	"tpe/payment/pin"
)

// pinScreen is the customer's PIN pad (PIN on glass): the cashier turns
// the touchscreen to the customer when a payment awaits an online PIN.
// The digits are laid out in a new random order for every entry, so that
// where a finger touched says nothing of the PIN; the entry shows only
// dots; the PIN lives in digits until Valider hands it to the service,
// which enciphers and wipes it. The service's PIN timeout ends the wait.
type pinScreen struct {
	u      *UI
	t      *payment.Transaction
	order  [10]byte // the digits in screen order
	digits []byte   // entered so far; wiped on every exit
	sent   bool
}

// maxPINDigits is ISO 9564's longest PIN.
const maxPINDigits = 12

func newPINScreen(u *UI, t *payment.Transaction) *pinScreen {
	p := &pinScreen{u: u, t: t, digits: make([]byte, 0, maxPINDigits)}
	var seed [32]byte
	crand.Read(seed[:])
	r := rand.New(rand.NewChaCha8(seed))
	for i, d := range r.Perm(10) {
		p.order[i] = byte('0' + d)
	}
	return p
}

func (*pinScreen) id() screenID  { return scrPIN }
func (*pinScreen) nav() screenID { return scrSale }

// onEvent leaves the pad once its payment no longer awaits the PIN.
func (p *pinScreen) onEvent(e payment.Event) bool {
	if e.Payment == nil || e.Payment.ID != p.t.ID || e.Payment.State == payment.StateAwaitingPIN {
		return false
	}
	p.wipe()
	p.u.show(p.u.sale) // the sale follows the payment to its result
	return false
}

func (p *pinScreen) wipe() { clear(p.digits[:cap(p.digits)]); p.digits = p.digits[:0] }

func (p *pinScreen) press(d byte) {
	if !p.sent && len(p.digits) < maxPINDigits {
		p.digits = append(p.digits, d)
		p.u.render()
	}
}

func (p *pinScreen) correct() {
	if n := len(p.digits); n > 0 && !p.sent {
		p.digits[n-1] = 0
		p.digits = p.digits[:n-1]
		p.u.render()
	}
}

func (p *pinScreen) validate() {
	u := p.u
	if p.sent {
		return
	}
	if len(p.digits) < 4 {
		u.notice, u.bad = u.T("pin.short"), true
		u.render()
		return
	}
	// The service owns the copy from here and wipes it.
	entered := make(pin.PIN, len(p.digits))
	copy(entered, p.digits)
	p.wipe()
	if err := u.svc.EnterPIN(p.t.ID, entered); err != nil {
		u.notice, u.bad = u.errText(err), true
		u.render()
		return
	}
	p.sent = true
	u.notice, u.bad = "", false
	u.render()
}

func (p *pinScreen) cancel() {
	u := p.u
	p.wipe()
	if err := u.svc.CancelPIN(p.t.ID); err != nil {
		u.notice, u.bad = u.errText(err), true
	}
	u.render()
}

func (p *pinScreen) view() fyne.CanvasObject {
	u := p.u
	key := fyne.NewSize(116, 76) // large targets: a fingertip, arm's length
	digit := func(d byte) fyne.CanvasObject {
		return newTile(string(d), "", nil, colCard, colInk, 32, key, u.tap(func() { p.press(d) }))
	}
	var keys []fyne.CanvasObject
	for _, d := range p.order[:9] {
		keys = append(keys, digit(d))
	}
	keys = append(keys,
		newTile(u.T("pin.correct"), "", nil, colAmber, colInk, 18, key, u.tap(p.correct)),
		digit(p.order[9]),
		newTile(u.T("pin.validate"), "", nil, colGreen, colWhite, 18, key, u.tap(p.validate)),
	)
	pad := container.New(layout.NewGridLayoutWithColumns(3), keys...)
	mask := strings.TrimSpace(strings.Repeat("● ", len(p.digits)))
	if mask == "" {
		mask = " "
	}
	title := u.T("pin.enter")
	if p.sent {
		title = u.T("pin.sent")
	}
	// The entry sits in a visible field even when empty, so the customer
	// sees where the dots will appear before touching a key.
	field := canvas.NewRectangle(colBg)
	field.CornerRadius = 12
	field.StrokeColor = colLine
	field.StrokeWidth = 2
	field.SetMinSize(fyne.NewSize(0, 76))
	left := container.NewVBox(
		text(p.t.Amount.Format(u.lang), 48, colInk, true),
		text(title, 26, colBrand, true),
		container.NewStack(field, container.NewCenter(text(mask, 40, colInk, true))),
		layout.NewSpacer(),
		newTile(u.T("pin.cancel"), "", nil, colRed, colWhite, 20, fyne.NewSize(240, 64), u.tap(p.cancel)),
	)
	u.keyFn = func(ev *fyne.KeyEvent) {
		switch ev.Name {
		case fyne.KeyBackspace:
			p.correct()
		case fyne.KeyReturn, fyne.KeyEnter:
			p.validate()
		case fyne.KeyEscape:
			p.cancel()
		}
	}
	u.runeFn = func(r rune) {
		if r >= '0' && r <= '9' {
			p.press(byte(r))
		}
	}
	return panel(container.New(layout.NewGridLayoutWithColumns(2), left, container.NewCenter(pad)))
}
