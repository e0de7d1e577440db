package cashier

import (
	"context"
	"image"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
	"github.com/skip2/go-qrcode"
)

// signState is a device-code sign-in on screen: the cashier's own, or a
// supervisor's or technician's approval of one action.
type signState struct {
	role   Role
	then   func(Cashier) // nil: the cashier signs in
	cancel context.CancelFunc
	ch     *Challenge
	qr     image.Image
	err    string
}

// startSignIn begins a device-code sign-in for role; the caller renders.
func (u *UI) startSignIn(role Role, then func(Cashier)) {
	ctx, cancel := context.WithCancel(u.ctx)
	s := &signState{role: role, then: then, cancel: cancel}
	u.sign = s
	go func() {
		ch, err := u.o.SignIn.Start(ctx)
		u.do(func() {
			if u.sign != s {
				return
			}
			if err != nil {
				s.err = u.errText(err)
				u.render()
				return
			}
			s.ch = &ch
			uri := ch.VerificationURIComplete
			if uri == "" {
				uri = ch.VerificationURI
			}
			if q, err := qrcode.New(uri, qrcode.Medium); err == nil {
				q.DisableBorder = false
				s.qr = q.Image(256)
			}
			u.render()
			go u.pollSignIn(ctx, s, ch)
		})
	}()
}

func (u *UI) pollSignIn(ctx context.Context, s *signState, ch Challenge) {
	c, err := ch.Poll(ctx)
	u.do(func() {
		if u.sign != s {
			return
		}
		switch {
		case err != nil:
			s.err = u.T("err.signin")
		case s.role != RoleCashier && !c.Has(s.role):
			s.err = u.T("sign.wrongrole", c.Name)
		default:
			u.sign = nil
			s.cancel()
			if s.then == nil {
				u.user = &c
				u.say(u.T("sign.welcome", c.Name), false)
				return
			}
			u.render()
			s.then(c)
			return
		}
		u.render()
	})
}

// requireRole runs then once someone with role approved: the person signed
// in, or a supervisor/technician who signs in for this one action.
func (u *UI) requireRole(role Role, then func(by Cashier)) {
	if u.user != nil && u.user.Has(role) {
		then(*u.user)
		return
	}
	if u.o.SignIn == nil {
		u.say(u.T("err.nosignin"), true)
		return
	}
	u.startSignIn(role, then)
	u.render()
}

func (u *UI) signOut() {
	if u.o.SignIn == nil {
		return
	}
	u.user = nil
	u.sale = saleState{}
	u.goSale()
}

func (u *UI) signScreen() fyne.CanvasObject {
	s := u.sign
	title, sub := u.T("sign.title"), ""
	switch s.role {
	case RoleSupervisor:
		title, sub = u.T("sign.super"), u.T("sign.needsuper")
	case RoleTechnician:
		title, sub = u.T("sign.tech"), u.T("sign.needtech")
	}
	left := []fyne.CanvasObject{text(title, 28, colInk, true)}
	if sub != "" {
		left = append(left, text(sub, 16, colMuted, false))
	}
	left = append(left, layout.NewSpacer())
	var qr fyne.CanvasObject = container.NewStack()
	switch {
	case s.err != "":
		left = append(left, text(s.err, 18, colRed, true))
	case s.ch == nil:
		left = append(left, widget.NewProgressBarInfinite())
	default:
		left = append(left,
			text(u.T("sign.scan"), 18, colInk, true),
			wrapLabel(u.T("sign.or", s.ch.VerificationURI)),
			text(s.ch.UserCode, 40, colBrand, true),
			text(u.T("sign.wait"), 15, colMuted, false))
		if s.qr != nil {
			img := canvas.NewImageFromImage(s.qr)
			img.ScaleMode = canvas.ImageScalePixels
			img.FillMode = canvas.ImageFillContain
			img.SetMinSize(fyne.NewSquareSize(260))
			qr = img
		}
	}
	left = append(left, layout.NewSpacer())
	buttons := []fyne.CanvasObject{}
	if s.err != "" {
		buttons = append(buttons, newTile(u.T("sign.retry"), "", nil, colBrand, colWhite, 18, fyne.NewSize(200, 56), u.tap(func() {
			s.cancel()
			u.startSignIn(s.role, s.then)
			u.render()
		})))
	}
	if s.then != nil {
		buttons = append(buttons, newTile(u.T("sign.cancel"), "", nil, colCard, colInk, 18, fyne.NewSize(200, 56), u.tap(u.cancelSignIn)))
		u.keyFn = func(ev *fyne.KeyEvent) {
			if ev.Name == fyne.KeyEscape {
				u.cancelSignIn()
			}
		}
	}
	left = append(left, container.NewHBox(buttons...))
	return panel(container.NewBorder(nil, nil, nil, container.NewCenter(qr), container.NewVBox(left...)))
}

func (u *UI) cancelSignIn() {
	if u.sign != nil {
		u.sign.cancel()
	}
	u.sign = nil
	u.render()
}
