package cashier

import (
	"context"
	"errors"
	"image"
	"net"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
	"github.com/skip2/go-qrcode"

	"tpe/payment"
)

// signScreen is a device-code sign-in on screen: the cashier's own, or a
// supervisor's or technician's approval of one action. It covers the
// current screen (UI.sign) until it ends.
type signScreen struct {
	u        *UI
	role     Role
	then     func(Cashier) // nil: the cashier signs in
	cancel   context.CancelFunc
	ch       *Challenge
	qr       image.Image
	err      string
	retrying bool // the network failed: trying again
}

// Sign-in retries through network errors wait retryFirst, doubling up to
// retryMax.
const (
	retryFirst = time.Second
	retryMax   = 30 * time.Second
)

// startSignIn begins a device-code sign-in for role; the caller renders.
func (u *UI) startSignIn(role Role, then func(Cashier)) {
	ctx, cancel := context.WithCancel(u.ctx)
	s := &signScreen{u: u, role: role, then: then, cancel: cancel}
	u.sign = s
	go s.run(ctx)
}

// run gets a device code, shows it and waits for the approval. A
// network error does not end the sign-in: the same step is tried again
// with a growing delay (a new code once the shown one expired), the screen
// saying so meanwhile. Any other error ends it, for the cashier to retry.
func (s *signScreen) run(ctx context.Context) {
	u := s.u
	backoff := retryFirst
	wait := func(err error) bool {
		u.log.Warn("sign-in: network error, retrying", "err", err, "retry_ms", backoff.Milliseconds())
		u.do(func() {
			if u.sign == s && !s.retrying {
				s.retrying = true
				u.render()
			}
		})
		ok := u.sleep(ctx, backoff)
		backoff = min(2*backoff, retryMax)
		return ok
	}
	for {
		ch, err := u.o.SignIn.Start(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if netErr(err) {
				if !wait(err) {
					return
				}
				continue
			}
			u.do(func() {
				if u.sign == s {
					s.err, s.retrying = u.errText(err), false
					u.render()
				}
			})
			return
		}
		backoff = retryFirst
		u.do(func() {
			if u.sign != s {
				return
			}
			s.ch, s.retrying = &ch, false
			uri := ch.VerificationURIComplete
			if uri == "" {
				uri = ch.VerificationURI
			}
			if q, err := qrcode.New(uri, qrcode.Medium); err == nil {
				q.DisableBorder = false
				s.qr = q.Image(256)
			}
			u.render()
		})
		for {
			c, err := ch.Poll(ctx)
			if ctx.Err() != nil {
				return
			}
			if err != nil && netErr(err) {
				if !wait(err) {
					return
				}
				if !ch.ExpiresAt.IsZero() && !u.o.Now().Before(ch.ExpiresAt) {
					break // the code shown expired meanwhile: get a new one
				}
				// Asking again: the approval is awaited, as far as the
				// screen can tell, until the network fails again.
				u.do(func() {
					if u.sign == s && s.retrying {
						s.retrying = false
						u.render()
					}
				})
				continue
			}
			u.do(func() { s.done(c, err) })
			return
		}
	}
}

// netErr reports whether err is the network failing (no route, refused,
// timed out, name not resolved), which is worth trying again, as opposed
// to a refusal or an expired code.
func netErr(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, payment.ErrGatewayUnavailable)
}

// done applies the end of the sign-in on screen.
func (s *signScreen) done(c Cashier, err error) {
	u := s.u
	if u.sign != s {
		return
	}
	s.retrying = false
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
			u.touch()
			u.wakeSession()
			u.say(u.T("sign.welcome", c.Name), false)
			return
		}
		u.render()
		s.then(c)
		return
	}
	u.render()
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
	u.endSession()
}

func (s *signScreen) view() fyne.CanvasObject {
	u := s.u
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
		if s.retrying {
			left = append(left, text(u.T("sign.retrying"), 18, colAmber, true))
		}
		left = append(left, widget.NewProgressBarInfinite())
	default:
		left = append(left,
			text(u.T("sign.scan"), 18, colInk, true),
			wrapLabel(u.T("sign.or", s.ch.VerificationURI)),
			text(s.ch.UserCode, 40, colBrand, true))
		if s.retrying {
			left = append(left, text(u.T("sign.retrying"), 15, colAmber, true))
		} else {
			left = append(left, text(u.T("sign.wait"), 15, colMuted, false))
		}
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
