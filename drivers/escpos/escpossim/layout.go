package escpossim

// Horizontal layout of a line (Epson ESC/POS command reference, standard
// mode): the print area is the paper's printable width narrowed by the
// left margin (GS L) and the print area width (GS W); a line's characters
// are placed at the print position, which characters advance and ESC $
// (absolute), ESC \ (relative) and HT (tab stops, ESC D) move; the line is
// justified (ESC a) inside the print area, and printed rotated 180° in
// upside-down mode (ESC {) — the whole printable width turns, so a left
// margin lands on the right, and the encoder sends the lines last first
// (receiptline does). Characters may be rotated 90° clockwise (ESC V).
// Images printed as bands of their own (GS v 0, GS ( L, QR codes,
// barcodes) are placed in the print area but not turned. Positions and margins are in horizontal motion units, line
// spacing and feeds in vertical ones (GS P); both are one dot of the
// 203 dpi head until GS P says otherwise (receipt-printer-encoder sets
// GS P 203 203 for "one dot" and GS P 0 0 to restore the default).

// headDPI is the virtual head's resolution.
const headDPI = 203

// hunits converts n horizontal motion units to dots; n may be negative
// (ESC \).
func (p *Printer) hunits(n int) int {
	if p.a.motionX <= 0 {
		return n
	}
	return n * headDPI / p.a.motionX
}

// vunits converts n vertical motion units to dots.
func (p *Printer) vunits(n int) int {
	if p.a.motionY <= 0 {
		return n
	}
	return n * headDPI / p.a.motionY
}

// area returns the print area: its left edge and width in dots. Epson
// narrows a width that runs past the paper, and widens one too narrow for
// a character to one character.
func (p *Printer) area() (left, width int) {
	left = min(max(p.a.leftMargin, 0), p.dots-1)
	width = p.dots - left
	if p.a.areaW > 0 {
		width = min(p.a.areaW, width)
	}
	return left, max(width, min(p.cellW(), p.dots-left))
}

// cellW is the width of a character cell in the current font and size,
// with its right-side spacing: the tab-stop column.
func (p *Printer) cellW() int {
	w := fontAW
	if p.a.fontB {
		w = fontBW
	}
	return (w + p.a.charSpacing) * p.a.w
}

// tab moves the print position to the next tab stop (ESC D; every 8
// columns until set); with no stop ahead inside the print area, HT is
// ignored.
func (p *Printer) tab() {
	col := p.cellW()
	_, width := p.area()
	next := (p.lineW/(8*col) + 1) * 8 * col
	if p.tabs != nil {
		next = -1
		for _, t := range p.tabs {
			if t*col > p.lineW {
				next = t * col
				break
			}
		}
	}
	if next > p.lineW && next <= width {
		p.lineW = next
	}
}

// moveTo sets the print position to x dots from the print area's left
// edge (ESC $, ESC \); a position outside the print area is ignored.
func (p *Printer) moveTo(x int) {
	if _, width := p.area(); x >= 0 && x <= width {
		p.lineW = x
	}
}

// lineExtent is how wide the line's content is, for justification.
func (p *Printer) lineExtent() int {
	w := p.lineW
	for _, it := range p.line {
		w = max(w, it.x+it.w)
	}
	return w
}

// addItem places it at the print position, printing the line first when
// it does not fit in the print area (the printer wraps by itself).
func (p *Printer) addItem(it item) {
	if _, width := p.area(); p.lineW+it.w > width && len(p.line) > 0 {
		p.printLine()
	}
	it.x = p.lineW
	p.line = append(p.line, it)
	p.lineW += it.w
}

// rotate180 turns rows [top, top+h) of the paper upside down.
func (pp *paper) rotate180(top, h int) {
	band := pp.pix[top*pp.w : (top+h)*pp.w]
	for i, j := 0, len(band)-1; i < j; i, j = i+1, j-1 {
		band[i], band[j] = band[j], band[i]
	}
}
