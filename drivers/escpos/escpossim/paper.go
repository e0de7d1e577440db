package escpossim

import (
	"bytes"
	"image"

	"github.com/skip2/go-qrcode"

	"tpe/drivers/escpos"
)

// paper is one receipt's worth of printed dots, grown as it feeds.
type paper struct {
	w, h int
	pix  []bool
	cut  int // 0 not cut, 1 full cut, 2 partial cut
}

func newPaper(w int) *paper { return &paper{w: w} }

// ensure makes rows [0, h) exist.
func (pp *paper) ensure(h int) {
	if h*pp.w <= len(pp.pix) {
		return
	}
	n := make([]bool, max(h*pp.w, 2*len(pp.pix)))
	copy(n, pp.pix)
	pp.pix = n
}

func (pp *paper) set(x, y int) {
	if x >= 0 && x < pp.w && y >= 0 && y*pp.w+x < len(pp.pix) {
		pp.pix[y*pp.w+x] = true
	}
}

// bitmap is a 1-bit image drawn onto paper with a magnification.
type bitmap struct {
	w, h   int
	dots   []bool
	sx, sy int
}

// item is one thing on the current line: a character cell, a gap or a
// column-format image.
type item struct {
	x         int // from the print area's left edge (layout.go)
	w, h      int
	rot       bool // character turned 90° clockwise (ESC V)
	g         *glyph
	bm        *bitmap
	sx, sy    int
	underline int
	reverse   bool
}

func (p *Printer) char(b byte) {
	r := rune(b)
	if t := escpos.Table(p.a.page); t != nil {
		r = t.DecodeByte(b)
	} else if p.a.page == pageKatakana {
		r = katakanaRune(b)
	} else if b >= 0x80 {
		r = '?'
	}
	g := boxGlyph(r, p.a.fontB)
	if g == nil {
		g = glyphFor(r, p.a.fontB, p.a.bold)
	}
	// The right-side spacing (ESC SP) doubles with double width.
	it := item{w: (g.w + p.a.charSpacing) * p.a.w, h: g.h * p.a.h, g: g, sx: p.a.w, sy: p.a.h, underline: p.a.underline, reverse: p.a.reverse}
	if p.a.rot90 {
		// Turned a quarter: the cell's height runs along the line, and
		// Epson underlines no rotated character.
		it.rot, it.underline = true, 0
		it.w, it.h = g.h*p.a.h+p.a.charSpacing*p.a.w, g.w*p.a.w
	}
	p.addItem(it)
}

// columnImage is ESC * m nL nH d…: a bit image in the line, 8 or 24 dots
// tall, one byte (or three) per column, MSB on top.
func (p *Printer) columnImage(c []byte) {
	m := c[2]
	k := int(c[3]) | int(c[4])<<8
	data := c[5:]
	rows, sx, sy := 8, 1, 3 // 8-dot modes are 60 dpi vertically: 3 dots a bit
	switch m {
	case 0:
		sx = 2
	case 1:
	case 32:
		rows, sx, sy = 24, 2, 1
	case 33:
		rows, sy = 24, 1
	default:
		p.stats.Unrendered++
		return
	}
	bm := &bitmap{w: k, h: rows, dots: make([]bool, k*rows), sx: sx, sy: sy}
	per := rows / 8
	for x := range k {
		for y := range rows {
			byt := data[x*per+y/8]
			if byt&(0x80>>(y%8)) != 0 {
				bm.dots[y*k+x] = true
			}
		}
	}
	it := item{w: k * sx, h: rows * sy, bm: bm, sx: sx, sy: sy}
	if _, width := p.area(); p.lineW+it.w > width {
		it.w = max(width-p.lineW, 0) // the part past the print area is not printed
	}
	it.x = p.lineW
	p.line = append(p.line, it)
	p.lineW += it.w
}

func (p *Printer) printLineIfAny() {
	if len(p.line) > 0 {
		p.printLine()
	}
}

// printLine prints the line buffer and feeds: the line spacing, or the
// tallest thing on the line when that is taller.
func (p *Printer) printLine() {
	h := 0
	for _, it := range p.line {
		h = max(h, it.h)
	}
	if len(p.line) == 0 {
		h = fontAH * p.a.h
	}
	p.flushLine(max(p.a.spacing, h))
}

// flushLine draws the line buffer and feeds n dots.
func (p *Printer) flushLine(n int) {
	h := 0
	for _, it := range p.line {
		h = max(h, it.h)
	}
	if len(p.line) > 0 && p.canPrint() && p.room(max(h, n)) {
		left, width := p.area()
		x := left + p.justify(p.lineExtent(), width)
		top := p.cur.h
		p.cur.ensure(top + h)
		for _, it := range p.line {
			p.drawItem(it, x+it.x, top+h-it.h, left+width)
		}
		if p.a.upsideDown {
			p.cur.rotate180(top, h)
		}
	}
	p.line, p.lineW = p.line[:0], 0
	p.advance(n)
}

// justify is how far from the print area's left edge a line w dots wide
// starts under the current justification.
func (p *Printer) justify(w, width int) int {
	switch p.a.align {
	case 1:
		return max((width-w)/2, 0)
	case 2:
		return max(width-w, 0)
	}
	return 0
}

// drawItem draws it at x, y; nothing reaches past right, the print
// area's right edge.
func (p *Printer) drawItem(it item, x, y, right int) {
	switch {
	case it.g != nil && it.rot:
		// 90° clockwise: the dot at (cx, cy) of the upright scaled cell
		// lands at (ch-1-cy, cx).
		g := it.g
		cw, ch := g.w*it.sx, g.h*it.sy
		for cy := range ch {
			for cx := range cw {
				if g.dots[(cy/it.sy)*g.w+cx/it.sx] != it.reverse && x+ch-1-cy < right {
					p.cur.set(x+ch-1-cy, y+cx)
				}
			}
		}
	case it.g != nil:
		g := it.g
		cw := g.w * it.sx
		for gy := 0; gy < it.h; gy++ {
			for gx := 0; gx < it.w && x+gx < right; gx++ {
				on := gx < cw && g.dots[(gy/it.sy)*g.w+gx/it.sx]
				if it.underline > 0 && gy >= it.h-it.underline {
					on = true
				}
				if on != it.reverse {
					p.cur.set(x+gx, y+gy)
				}
			}
		}
	case it.bm != nil:
		p.drawBitmap(it.bm, x, y)
	}
}

func (p *Printer) drawBitmap(bm *bitmap, x, y int) {
	for by := range bm.h {
		for bx := range bm.w {
			if !bm.dots[by*bm.w+bx] {
				continue
			}
			for dy := range bm.sy {
				for dx := range bm.sx {
					p.cur.set(x+bx*bm.sx+dx, y+by*bm.sy+dy)
				}
			}
		}
	}
}

// room reports whether n more dots fit on this receipt.
func (p *Printer) room(n int) bool { return p.cur.h+n <= maxPaper }

// advance feeds n dots of paper, running the roll out when PaperOutAfter
// said so.
func (p *Printer) advance(n int) {
	if !p.canPrint() || n <= 0 {
		return
	}
	if p.paperLeft >= 0 {
		if n >= p.paperLeft {
			n = p.paperLeft
			p.paperLeft = 0
			p.paperOut = true
		} else {
			p.paperLeft -= n
		}
	}
	if !p.room(n) {
		n = maxPaper - p.cur.h
	}
	p.cur.h += n
	p.cur.ensure(p.cur.h)
}

// block prints a bitmap as its own band (raster, QR, graphics) under the
// current justification and feeds its height.
func (p *Printer) block(bm *bitmap) {
	p.printLineIfAny()
	w, h := bm.w*bm.sx, bm.h*bm.sy
	if w > p.dots {
		p.stats.Unrendered++
		return
	}
	if !p.canPrint() || !p.room(h) {
		return
	}
	top := p.cur.h
	p.cur.ensure(top + h)
	left, width := p.area()
	p.drawBitmap(bm, left+p.justify(w, width), top)
	p.advance(h)
}

func (p *Printer) cut(partial bool) {
	p.stats.Cuts++
	if !p.canPrint() {
		return
	}
	p.cur.cut = 1
	if partial {
		p.cur.cut = 2
	}
	p.done = append(p.done, p.cur)
	total := 0
	for i := len(p.done) - 1; i >= 0; i-- {
		total += p.done[i].h
		if total > maxKeptDots || len(p.done)-i > maxKept {
			p.done = p.done[i+1:]
			break
		}
	}
	p.cuts++
	p.cur = newPaper(p.dots)
}

// raster is GS v 0 m xL xH yL yH d…: x bytes per row, y rows, MSB left.
func (p *Printer) raster(c []byte) {
	m := c[3] % 48
	x := int(c[4]) | int(c[5])<<8
	y := int(c[6]) | int(c[7])<<8
	bm := rasterBitmap(c[8:], x*8, x, y)
	bm.sx, bm.sy = 1+int(m&1), 1+int(m>>1&1)
	p.block(bm)
}

func rasterBitmap(data []byte, w, stride, h int) *bitmap {
	bm := &bitmap{w: w, h: h, dots: make([]bool, w*h), sx: 1, sy: 1}
	for yy := range h {
		for xx := range w {
			i := yy*stride + xx/8
			if i < len(data) && data[i]&(0x80>>(xx%8)) != 0 {
				bm.dots[yy*w+xx] = true
			}
		}
	}
	return bm
}

// graphics is GS ( L / GS 8 L after the length: m fn …. fn 112 stores a
// raster in the print buffer (receiptline's way of printing images), fn 50
// prints it.
func (p *Printer) graphics(params []byte) {
	if len(params) < 2 {
		p.stats.Unrendered++
		return
	}
	switch params[1] {
	case 112:
		if len(params) < 10 {
			p.stats.Unrendered++
			return
		}
		bx, by := int(params[3]), int(params[4])
		w := int(params[6]) | int(params[7])<<8
		h := int(params[8]) | int(params[9])<<8
		if w == 0 || h == 0 || w > 4096 || h > 4096 {
			p.stats.Unrendered++
			return
		}
		bm := rasterBitmap(params[10:], w, (w+7)/8, h)
		bm.sx, bm.sy = min(max(bx, 1), 2), min(max(by, 1), 2)
		p.gfx = bm
	case 50, 2:
		if p.gfx != nil {
			p.block(p.gfx)
			p.gfx = nil
		}
	default:
		p.stats.Unrendered++
	}
}

// qrCommand is GS ( k cn=49 with params starting at fn.
func (p *Printer) qrCommand(b []byte) {
	if len(b) < 1 {
		return
	}
	switch b[0] {
	case 65: // model
	case 67:
		if len(b) > 1 && b[1] >= 1 && b[1] <= 16 {
			p.qr.module = int(b[1])
		}
	case 69:
		if len(b) > 1 && b[1] >= 48 && b[1] <= 51 {
			p.qr.level = b[1]
		}
	case 80:
		if len(b) >= 2 {
			p.qr.data = append(p.qr.data[:0], b[2:]...)
		}
	case 81:
		p.printQR()
	default:
		p.stats.Unrendered++
	}
}

func (p *Printer) printQR() {
	if len(p.qr.data) == 0 {
		return
	}
	// Encoding is the costly part (mask selection): a symbol printed
	// again with the same data and level reuses its modules.
	if p.qr.symbol == nil || p.qr.symbolLevel != p.qr.level || !bytes.Equal(p.qr.symbolData, p.qr.data) {
		lvl := map[byte]qrcode.RecoveryLevel{48: qrcode.Low, 49: qrcode.Medium, 50: qrcode.High, 51: qrcode.Highest}[p.qr.level]
		p.qr.symbolData = append(p.qr.symbolData[:0], p.qr.data...)
		p.qr.symbolLevel = p.qr.level
		p.qr.symbol = nil
		q, err := qrcode.New(string(p.qr.data), lvl)
		if err == nil {
			q.DisableBorder = true
			p.qr.symbol = q.Bitmap()
		}
	}
	bits := p.qr.symbol
	if bits == nil {
		p.stats.Unrendered++
		return
	}
	n := len(bits)
	bm := &bitmap{w: n, h: n, dots: make([]bool, n*n), sx: p.qr.module, sy: p.qr.module}
	for y, row := range bits {
		for x, on := range row {
			bm.dots[y*n+x] = on
		}
	}
	p.block(bm)
}

// barcode is GS k: function A (m 0–6, NUL-terminated) or B (m 65–79, n
// bytes). CODE128, EAN-13 and UPC-A are drawn; other symbologies skipped.
func (p *Printer) barcode(c []byte) {
	m := c[2]
	var data []byte
	if m <= 6 {
		data = c[3 : len(c)-1]
		m += 65
	} else {
		data = c[4:]
	}
	var mods []bool
	var hri string
	var err error
	switch m {
	case escpos.BarcodeCODE128:
		mods, hri, err = code128(data)
	case escpos.BarcodeEAN13:
		mods, hri, err = ean13(data)
	case escpos.BarcodeUPCA:
		mods, hri, err = ean13(append([]byte{'0'}, data...))
		hri = hri[min(1, len(hri)):]
	default:
		p.stats.Unrendered++
		return
	}
	if err != nil {
		p.stats.Unrendered++
		return
	}
	// Quiet zones of 10 modules either side, as scanners expect.
	quiet := 10
	w := (len(mods) + 2*quiet) * p.bc.module
	if w > p.dots {
		p.stats.Unrendered++ // Epson prints nothing when the symbol does not fit
		return
	}
	p.printLineIfAny()
	if p.bc.hri&1 != 0 {
		p.hriLine(hri)
	}
	bm := &bitmap{w: len(mods) + 2*quiet, h: p.bc.height, sx: p.bc.module, sy: 1}
	bm.dots = make([]bool, bm.w*bm.h)
	for y := range bm.h {
		for x, on := range mods {
			bm.dots[y*bm.w+quiet+x] = on
		}
	}
	p.block(bm)
	if p.bc.hri&2 != 0 {
		p.hriLine(hri)
	}
}

func (p *Printer) hriLine(s string) {
	saved := p.a
	p.a.fontB, p.a.bold, p.a.w, p.a.h, p.a.underline, p.a.reverse, p.a.charSpacing = p.bc.fontB, false, 1, 1, 0, false, 0
	p.a.rot90, p.a.upsideDown = false, false
	p.a.page = escpos.PageCP437
	for i := range len(s) {
		p.char(s[i])
	}
	p.flushLine(fontAH + 4)
	p.a = saved
}

// image renders the receipt on its paper: margins, a strip of top margin,
// and the cut mark at the bottom (solid for a full cut, dashed with the
// centre bridge a partial cut leaves).
func (pp *paper) image(margin int) *image.Paletted {
	const top, bottom = 12, 14
	w := pp.w + 2*margin
	img := image.NewPaletted(image.Rect(0, 0, w, top+pp.h+bottom), palette)
	for y := range pp.h {
		row := img.Pix[(top+y)*img.Stride+margin:]
		for x := range pp.w {
			if pp.pix[y*pp.w+x] {
				row[x] = 1
			}
		}
	}
	for y := 0; y < img.Rect.Dy(); y++ {
		img.Pix[y*img.Stride] = 3
		img.Pix[y*img.Stride+w-1] = 3
	}
	if pp.cut != 0 {
		y := top + pp.h + bottom - 2
		for x := range w {
			dash := x/8%2 == 0
			bridge := pp.cut == 2 && x > w/2-24 && x < w/2+24
			if (pp.cut == 1 || dash) && !bridge {
				img.Pix[y*img.Stride+x] = 2
				img.Pix[(y+1)*img.Stride+x] = 2
			}
		}
	}
	return img
}

// stack puts receipts one under the other, as they come out of the printer.
func stack(imgs []*image.Paletted) *image.Paletted {
	w, h := 0, 0
	for _, im := range imgs {
		w = max(w, im.Rect.Dx())
		h += im.Rect.Dy()
	}
	out := image.NewPaletted(image.Rect(0, 0, w, h), palette)
	y := 0
	for _, im := range imgs {
		for r := range im.Rect.Dy() {
			copy(out.Pix[(y+r)*out.Stride:], im.Pix[r*im.Stride:(r+1)*im.Stride])
		}
		y += im.Rect.Dy()
	}
	return out
}
