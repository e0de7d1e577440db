package cashier

import (
	"image"
	"image/color"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
)

// TestListBordersDrawn renders the list screens at 1024×600 with the
// software painter the screenshots use and checks every bordered row or
// panel a scroll holds: its stroke, anti-aliasing included, lies within
// the scroll, and the rendered image shows its border on both sides, at
// the same distance from the pane's left and right edges. A list flush
// against its scroll lost its right border (the Links screen's rows
// seemed to run into the pane's edge) and was drawn shifted right.
func TestListBordersDrawn(t *testing.T) {
	for _, c := range []struct {
		name, nav string
		min       int // bordered objects the screen must show
	}{
		{"links", "nav.links", 1},
		{"history", "nav.history", 6},
		{"reports", "nav.reports", 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			si := newFakeSignIn()
			e := newEnv(t, &Opts{Lang: "fr", SignIn: si, Version: "1.0.0"}, withScanner(&fakeScanner{}))
			e.wait("WDJB-MJHT")
			si.approve <- Cashier{Name: "Léa Martin", Roles: []Role{RoleCashier}}
			e.wait(e.ui.T("sign.welcome", "Léa Martin"))
			e.history()
			e.tap(e.ui.T(c.nav))
			e.drain()
			e.ui.locked(func() {
				img := e.w.Canvas().Capture()
				d := fyne.CurrentApp().Driver()
				// The driver's positions leave out the window's safe-area
				// inset; the captured image has it.
				shift, _ := e.w.Canvas().InteractiveArea()
				pane := d.AbsolutePositionForObject(e.ui.body)
				paneRight := pane.X + e.ui.body.Size().Width
				n := 0
				var visit func(o fyne.CanvasObject, in *container.Scroll)
				visit = func(o fyne.CanvasObject, in *container.Scroll) {
					if o == nil || !o.Visible() {
						return
					}
					switch v := o.(type) {
					case *container.Scroll:
						in = v
					case *canvas.Rectangle:
						if in != nil && v.StrokeWidth > 0 && v.StrokeColor != nil && v.Size().Height > 20 {
							n++
							checkBorder(t, img, shift, d, v, in, pane.X, paneRight)
						}
					}
					switch v := o.(type) {
					case *fyne.Container:
						for _, ch := range v.Objects {
							visit(ch, in)
						}
					case fyne.Widget:
						for _, ch := range test.WidgetRenderer(v).Objects() {
							visit(ch, in)
						}
					}
				}
				visit(e.ui.body, nil)
				if n < c.min {
					t.Fatalf("%d bordered objects in the list, want at least %d", n, c.min)
				}
			})
		})
	}
}

// checkBorder checks one bordered rectangle r inside scroll s.
func checkBorder(t *testing.T, img image.Image, shift fyne.Position, d fyne.Driver, r *canvas.Rectangle, s *container.Scroll, paneLeft, paneRight float32) {
	t.Helper()
	p, sp := d.AbsolutePositionForObject(r), d.AbsolutePositionForObject(s)
	over := r.StrokeWidth + 2 // what fyne's painters draw beyond the edge
	if p.X-over < sp.X || p.X+r.Size().Width+over > sp.X+s.Size().Width {
		t.Errorf("border at x %.0f–%.0f passes the scroll's %.0f–%.0f", p.X-over, p.X+r.Size().Width+over, sp.X, sp.X+s.Size().Width)
	}
	if left, right := p.X-paneLeft, paneRight-(p.X+r.Size().Width); left != right {
		t.Errorf("inset from the pane: %.0f on the left, %.0f on the right", left, right)
	}
	y := int(shift.Y + p.Y + r.Size().Height/2)
	if y >= img.Bounds().Max.Y {
		return // scrolled out of the window
	}
	for _, edge := range []int{int(shift.X + p.X), int(shift.X+p.X+r.Size().Width) - 1} {
		if !stroked(img, edge, y, r.FillColor) {
			t.Errorf("no border drawn at x %d (y %d): %v", edge, y, row3(img, edge, y))
		}
	}
}

// stroked reports whether a pixel within one of x, neither the fill nor
// the background, is the border's.
func stroked(img image.Image, x, y int, fill color.Color) bool {
	for dx := -1; dx <= 1; dx++ {
		c := color.NRGBAModel.Convert(img.At(x+dx, y))
		if c != color.NRGBAModel.Convert(fill) && c != color.NRGBAModel.Convert(colBg) {
			return true
		}
	}
	return false
}

func row3(img image.Image, x, y int) []color.Color {
	return []color.Color{img.At(x-1, y), img.At(x, y), img.At(x+1, y)}
}
