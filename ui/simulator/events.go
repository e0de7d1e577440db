package simulator

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"

	"tpe/payment"
)

// logLine is an event of the log in two lines: when and what (the event
// type, the amount), then which payment and how it stands.
type logLine struct{ head, detail string }

func (s *Sim) logLineOf(e payment.Event) logLine {
	l := logLine{head: e.At.Format("15:04:05") + "   " + string(e.Type)}
	var d []string
	if p := e.Payment; p != nil {
		l.head += "   " + p.Amount.Format(s.o.Lang)
		d = append(d, p.ID, string(p.State))
		if p.Card != nil {
			d = append(d, strings.ToUpper(p.Card.Brand)+" "+last4(p.Card.PAN.MaskedLast4()))
		}
	}
	if e.Message != "" {
		d = append(d, e.Message)
	}
	l.detail = strings.Join(d, " · ")
	return l
}

func (l logLine) String() string { return fmt.Sprintf("%s — %s", l.head, l.detail) }

// Event log text sizes. The log uses the proportional font on purpose: the
// GL painter draws a text into a texture as tall as the font's line, and
// the underscore of fyne's monospace font (DejaVu Sans Mono) lies on the
// very last row of that line (yMin = descender = -483/2048 em), so it was
// rounded away on screen ("payment.remove card", "pay 0028c…") while the
// software painter of the tests showed it. Noto Sans' underscore sits well
// inside its descent.
const (
	logHeadSize   = 13
	logDetailSize = 12
)

// logRow is a row of the event log: two lines cut with an ellipsis to the
// row's width, so a narrow log stays readable.
type logRow struct {
	widget.BaseWidget
	line         logLine
	head, detail *canvas.Text
}

func newLogRow() *logRow {
	r := &logRow{head: text("", logHeadSize, colInk, true), detail: text("", logDetailSize, colMuted, false)}
	r.ExtendBaseWidget(r)
	return r
}

func (r *logRow) set(l logLine) {
	r.line = l
	r.Refresh()
}

func (r *logRow) CreateRenderer() fyne.WidgetRenderer { return &logRowRenderer{r: r} }

type logRowRenderer struct {
	r    *logRow
	size fyne.Size
}

const logRowPad = 4

func (x *logRowRenderer) Layout(size fyne.Size) {
	x.size = size
	r := x.r
	w := size.Width - 2*logRowPad
	r.head.Text = ellipsize(r.line.head, w, r.head.TextSize, r.head.TextStyle)
	r.detail.Text = ellipsize(r.line.detail, w, r.detail.TextSize, r.detail.TextStyle)
	h1 := r.head.MinSize().Height
	r.head.Move(fyne.NewPos(logRowPad, logRowPad))
	r.head.Resize(fyne.NewSize(w, h1))
	r.detail.Move(fyne.NewPos(logRowPad, logRowPad+h1))
	r.detail.Resize(fyne.NewSize(w, r.detail.MinSize().Height))
}

func (x *logRowRenderer) MinSize() fyne.Size {
	h := fyne.MeasureText("Ag", logHeadSize, fyne.TextStyle{Bold: true}).Height + fyne.MeasureText("Ag", logDetailSize, fyne.TextStyle{}).Height
	return fyne.NewSize(60, h+2*logRowPad)
}

func (x *logRowRenderer) Refresh() {
	x.Layout(x.size)
	x.r.head.Refresh()
	x.r.detail.Refresh()
}

func (x *logRowRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{x.r.head, x.r.detail}
}

func (x *logRowRenderer) Destroy() {}

// ellipsize cuts s with "…" so that it measures at most w.
func ellipsize(s string, w, size float32, style fyne.TextStyle) string {
	if w <= 0 || fyne.MeasureText(s, size, style).Width <= w {
		return s
	}
	r := []rune(s)
	lo, hi := 0, len(r) // the longest prefix that fits, by bisection
	for lo < hi {
		m := (lo + hi + 1) / 2
		if fyne.MeasureText(string(r[:m])+"…", size, style).Width <= w {
			lo = m
		} else {
			hi = m - 1
		}
	}
	return strings.TrimRight(string(r[:lo]), " ") + "…"
}

// newEventList is the event log, newest first.
func (s *Sim) newEventList() *widget.List {
	return widget.NewList(func() int { return len(s.events) },
		func() fyne.CanvasObject { return newLogRow() },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			// Called by the list while it refreshes, on fyne's goroutine
			// and inside onEvent's lock: no locking here.
			var l logLine
			if i < len(s.events) {
				l = s.events[i]
			}
			o.(*logRow).set(l)
		})
}
