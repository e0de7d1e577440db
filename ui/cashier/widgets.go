package cashier

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
)

// tile is a big rounded touch target: a keypad key, a payment method, a
// navigation entry. Buttons of the standard theme are too small and too
// plain for a cashier in a hurry.
type tile struct {
	widget.BaseWidget
	Label    string
	Sub      string
	Icon     fyne.Resource
	Bg, Fg   color.Color
	TextSize float32
	OnTap    func()
	Disabled bool
	min      fyne.Size
}

func newTile(label, sub string, icon fyne.Resource, bg, fg color.Color, size float32, min fyne.Size, tap func()) *tile {
	t := &tile{Label: label, Sub: sub, Icon: icon, Bg: bg, Fg: fg, TextSize: size, OnTap: tap, min: min}
	t.ExtendBaseWidget(t)
	return t
}

func (t *tile) Tapped(*fyne.PointEvent) {
	if !t.Disabled && t.OnTap != nil {
		t.OnTap()
	}
}

func (t *tile) CreateRenderer() fyne.WidgetRenderer {
	bg := canvas.NewRectangle(t.Bg)
	bg.CornerRadius = 12
	if t.Bg == colKey || t.Bg == colCard {
		bg.StrokeColor = colLine
		bg.StrokeWidth = 1
	}
	fg := t.Fg
	if t.Disabled {
		fg = colGrey
	}
	items := []fyne.CanvasObject{}
	if t.Icon != nil {
		ic := canvas.NewImageFromResource(t.Icon)
		ic.FillMode = canvas.ImageFillContain
		ic.SetMinSize(fyne.NewSquareSize(t.TextSize * 1.4))
		items = append(items, ic)
	}
	if t.Label != "" {
		l := canvas.NewText(t.Label, fg)
		l.TextSize = t.TextSize
		l.TextStyle.Bold = true
		l.Alignment = fyne.TextAlignCenter
		items = append(items, l)
	}
	if t.Sub != "" {
		s := canvas.NewText(t.Sub, fg)
		s.TextSize = t.TextSize * 0.55
		s.Alignment = fyne.TextAlignCenter
		items = append(items, s)
	}
	box := container.New(layout.NewCustomPaddedVBoxLayout(2), items...)
	r := widget.NewSimpleRenderer(container.NewStack(bg, container.NewCenter(box)))
	return &minRenderer{WidgetRenderer: r, min: t.min}
}

// minRenderer gives a widget a floor on its minimum size (touch targets).
type minRenderer struct {
	fyne.WidgetRenderer
	min fyne.Size
}

func (r *minRenderer) MinSize() fyne.Size { return r.WidgetRenderer.MinSize().Max(r.min) }

// text is a canvas.Text with size, colour and weight in one call.
func text(s string, size float32, col color.Color, bold bool) *canvas.Text {
	t := canvas.NewText(s, col)
	t.TextSize = size
	t.TextStyle.Bold = bold
	return t
}

// listInset is how far a scrolled list of rows or panels sits inside its
// scroll: their border is stroked on their edge and anti-aliased beyond it
// (fyne pads a stroked rectangle by its width + 2), and a scroll clips what
// passes its edge. Flush against the clip, a row lost its right border and
// corners — it seemed to run into the pane's edge — and the software
// painter of the screenshots even drew it shifted right by the overhang.
const listInset = 3

// listScroll scrolls a list of rows or panels vertically, inset so that
// their borders are drawn whole: the one way every list screen scrolls.
func listScroll(list fyne.CanvasObject) *container.Scroll {
	return container.NewVScroll(container.New(layout.NewCustomPaddedLayout(listInset, listInset, listInset, listInset), list))
}

// panel is a white rounded card around content.
func panel(content fyne.CanvasObject) fyne.CanvasObject {
	bg := canvas.NewRectangle(colCard)
	bg.CornerRadius = 14
	bg.StrokeColor = colLine
	bg.StrokeWidth = 1
	return container.NewStack(bg, container.NewPadded(container.NewPadded(content)))
}

// pill is a small coloured badge (status, network).
func pill(s string, bg, fg color.Color) fyne.CanvasObject {
	r := canvas.NewRectangle(bg)
	r.CornerRadius = 11
	l := text(s, 13, fg, true)
	return container.NewStack(r, container.New(layout.NewCustomPaddedLayout(3, 3, 10, 10), l))
}

// wrapLabel is a wrapping label of the theme's text size.
func wrapLabel(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// fade returns c with alpha a (0–255), for pale backgrounds of outcome colours.
func fade(c color.NRGBA, a uint8) color.NRGBA { c.A = a; return c }
