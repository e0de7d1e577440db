package escpos

import (
	"bytes"

	"tpe/device/printer"
)

// style is the character state the layout last sent, so it sends changes
// only.
type style struct {
	align     int
	bold      bool
	underline bool
	w, h      int
}

// layout turns receipt documents into ESC/POS for one paper profile.
type layout struct {
	e   *Encoder
	p   Profile
	cur style
}

// Layout encodes r for paper profile p with text in page: initialise, each
// line laid out for the paper width (long text wrapped on word boundaries,
// Right flush right on the same row when it fits), then feed and cut.
func Layout(r printer.Receipt, p Profile, page CodePage) []byte {
	l := layout{e: NewEncoder(page), p: p}
	l.e.Init()
	l.cur = style{w: 1, h: 1}
	for _, line := range r.Lines {
		l.line(line)
	}
	l.set(style{w: 1, h: 1})
	// Feed the last line past the cutter (about 3 lines on Epson heads).
	l.e.Feed(4).Cut(true, 0)
	return l.e.Bytes()
}

func (l *layout) set(s style) {
	if s.align != l.cur.align {
		l.e.Align(s.align)
	}
	if s.bold != l.cur.bold {
		l.e.Bold(s.bold)
	}
	if s.underline != l.cur.underline {
		l.e.Underline(int(b2n(s.underline)))
	}
	if s.w != l.cur.w || s.h != l.cur.h {
		l.e.Size(s.w, s.h)
	}
	l.cur = s
}

func (l *layout) line(in printer.Line) {
	s := style{align: int(in.Align), bold: in.Bold, underline: in.Underline, w: 1, h: 1}
	if in.Wide {
		s.w = 2
	}
	if in.Tall {
		s.h = 2
	}
	cols := l.p.Cols / s.w
	switch {
	case in.Rule:
		l.set(style{w: 1, h: 1})
		l.e.Raw(bytes.Repeat([]byte{'-'}, l.p.Cols)...).LF()
	case in.QR != "":
		l.set(style{align: 1, w: 1, h: 1})
		// A module of 6 dots scans well off thermal paper; long payloads
		// shrink so the symbol stays within the paper.
		mod := 6
		if len(in.QR) > 120 {
			mod = 4
		}
		if l.e.QR(in.QR, QROpts{Module: mod, Level: QRLevelM}) != nil {
			l.text(printer.Line{Text: in.QR, Align: printer.Center}, cols, s)
			return
		}
		l.e.LF()
	case in.Barcode != "":
		l.set(style{align: 1, w: 1, h: 1})
		// Module 2 when the symbol fits the paper, else the finest bar.
		mod := 2
		if code128Modules(in.Barcode)*2 > l.p.Dots {
			mod = 1
		}
		if l.e.Code128(in.Barcode, BarcodeOpts{Height: 60, Module: mod}) != nil {
			l.text(printer.Line{Text: in.Barcode, Align: printer.Center}, cols, s)
			return
		}
	case in.Right != "":
		l.right(in, cols, s)
	default:
		l.text(in, cols, s)
	}
}

func (l *layout) text(in printer.Line, cols int, s style) {
	l.set(s)
	rows := wrap(l.e.page.Encode(in.Text), cols)
	if len(rows) == 0 {
		l.e.LF()
		return
	}
	for _, r := range rows {
		l.e.Raw(r...).LF()
	}
}

// right prints Text and Right on one row, Right flush right. When they do not
// fit, Text wraps and Right goes flush right on the row after it: amounts
// must never be cut.
func (l *layout) right(in printer.Line, cols int, s style) {
	s.align = 0
	l.set(s)
	right := l.e.page.Encode(in.Right)
	rows := wrap(l.e.page.Encode(in.Text), cols)
	if len(right) > cols {
		// A value wider than the paper (an order ID on 58 mm) goes under
		// its label, wrapped and flush right, never cut.
		for _, r := range rows {
			l.e.Raw(r...).LF()
		}
		for _, r := range wrap(right, cols) {
			l.e.Raw(bytes.Repeat([]byte{' '}, cols-len(r))...).Raw(r...).LF()
		}
		return
	}
	last := []byte{}
	if n := len(rows); n > 0 {
		last = rows[n-1]
		rows = rows[:n-1]
	}
	for _, r := range rows {
		l.e.Raw(r...).LF()
	}
	if len(last)+1+len(right) > cols {
		if len(last) > 0 {
			l.e.Raw(last...).LF()
		}
		last = nil
	}
	l.e.Raw(last...)
	l.e.Raw(bytes.Repeat([]byte{' '}, cols-len(last)-len(right))...)
	l.e.Raw(right...).LF()
}

// wrap splits encoded text into rows of at most cols bytes, breaking at
// spaces when it can and inside a word when a word is longer than a row.
func wrap(b []byte, cols int) [][]byte {
	if cols < 1 {
		cols = 1
	}
	var rows [][]byte
	for len(b) > 0 {
		if len(b) <= cols {
			rows = append(rows, b)
			break
		}
		cut := bytes.LastIndexByte(b[:cols+1], ' ')
		if cut <= 0 {
			rows = append(rows, b[:cols])
			b = b[cols:]
			continue
		}
		rows = append(rows, bytes.TrimRight(b[:cut], " "))
		b = bytes.TrimLeft(b[cut:], " ")
	}
	return rows
}

// code128Modules is the width in modules of Code128's encoding of s with its
// quiet zones: 11 per symbol, start, check and a 13-module stop.
func code128Modules(s string) int {
	n := len(s)
	if digits(s) && n%2 == 0 {
		n /= 2
	}
	return (n+2)*11 + 13 + 20
}
