package cashier

import (
	"context"
	"image"
	"image/color"
	"math"
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
	case t.State == payment.StateAwaitingPIN:
		title = u.T("pin.enter")
	case t.State == payment.StateCardRead:
		title, sub = u.T("progress.read"), u.T("progress.remove")
		cancellable = false
	case t.Method == payment.MethodCard && t.State == payment.StateAwaitingCustomer:
		title, sub = u.T("progress.card"), u.T("progress.card.sub")
	case t.Method == payment.MethodAlipayPlus && s.last == payment.EventWaitingCode:
		// The service reads the scanner; the screen only says so.
		title, sub = u.T("progress.scan"), u.T("progress.scan.sub")
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
