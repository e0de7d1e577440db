package escpossim

import "sync"

// Rules and frames. Receipt encoders draw them with the box-drawing and
// block characters of the printer's code pages: receiptline selects page 1
// (Katakana, whose 0x80–0x9F are graphics) for its rules and table frames,
// python-escpos and others use CP437's 0xB0–0xDF. A printer's ROM draws
// these edge to edge so that a row of them is one unbroken line; Go Mono
// has some of them and not others (the rounded corners, the eighth
// blocks), so they are drawn here from their geometry instead.

// pageKatakana is ESC t 1.
const pageKatakana = 1

// katakanaGraphics are page 1's 0x80–0x9F (Epson character code table,
// page 1; the combinations receiptline's frame table builds agree: ╭ ─ ┬
// meets └ as ┼).
var katakanaGraphics = []rune("▁▂▃▄▅▆▇█▏▎▍▌▋▊▉┼┴┬┤├▔─│▕┌┐└┘╭╮╰╯")

// katakanaRune decodes a byte of page 1: ASCII below 0x80, the graphics,
// the half-width katakana of JIS X 0201 at 0xA1–0xDF.
func katakanaRune(b byte) rune {
	switch {
	case b < 0x80:
		return rune(b)
	case b < 0xA0:
		return katakanaGraphics[b-0x80]
	case b == 0xA0:
		return ' '
	case b < 0xE0:
		return 0xFF61 + rune(b-0xA1)
	}
	return '?'
}

// arms of a box-drawing character: which sides its lines reach, single (1)
// or double (2).
type arms struct{ left, right, up, down int }

var boxArms = map[rune]arms{
	'─': {1, 1, 0, 0}, '│': {0, 0, 1, 1}, '┌': {0, 1, 0, 1}, '┐': {1, 0, 0, 1},
	'└': {0, 1, 1, 0}, '┘': {1, 0, 1, 0}, '├': {0, 1, 1, 1}, '┤': {1, 0, 1, 1},
	'┬': {1, 1, 0, 1}, '┴': {1, 1, 1, 0}, '┼': {1, 1, 1, 1},
	'╭': {0, 1, 0, 1}, '╮': {1, 0, 0, 1}, '╰': {0, 1, 1, 0}, '╯': {1, 0, 1, 0},
	'═': {2, 2, 0, 0}, '║': {0, 0, 2, 2}, '╔': {0, 2, 0, 2}, '╗': {2, 0, 0, 2},
	'╚': {0, 2, 2, 0}, '╝': {2, 0, 2, 0}, '╠': {0, 2, 2, 2}, '╣': {2, 0, 2, 2},
	'╦': {2, 2, 0, 2}, '╩': {2, 2, 2, 0}, '╬': {2, 2, 2, 2},
}

type boxKey struct {
	r     rune
	fontB bool
}

// boxCache keeps the cells drawn (boxKey → *glyph; nil for a rune that is
// not a box character).
var boxCache sync.Map

// boxGlyph returns the cell of a box-drawing or block character, nil for
// any other rune.
func boxGlyph(r rune, fontB bool) *glyph {
	if r < '─' || r > '▕' {
		return nil
	}
	k := boxKey{r, fontB}
	if g, ok := boxCache.Load(k); ok {
		return g.(*glyph)
	}
	g := drawBox(r, fontB)
	boxCache.Store(k, g)
	return g
}

func drawBox(r rune, fontB bool) *glyph {
	w, h := fontAW, fontAH
	if fontB {
		w, h = fontBW, fontBH
	}
	g := &glyph{w: w, h: h, dots: make([]bool, w*h)}
	fill := func(x0, y0, x1, y1 int) {
		for y := max(y0, 0); y < min(y1, h); y++ {
			for x := max(x0, 0); x < min(x1, w); x++ {
				g.dots[y*w+x] = true
			}
		}
	}
	cx, cy := w/2, h/2
	if a, ok := boxArms[r]; ok {
		// A line is 2 dots thick; a double line is two lines 4 dots apart.
		hline := func(x0, x1, kind int) {
			if kind == 1 {
				fill(x0, cy-1, x1, cy+1)
			} else if kind == 2 {
				fill(x0, cy-3, x1, cy-1)
				fill(x0, cy+1, x1, cy+3)
			}
		}
		vline := func(y0, y1, kind int) {
			if kind == 1 {
				fill(cx-1, y0, cx+1, y1)
			} else if kind == 2 {
				fill(cx-3, y0, cx-1, y1)
				fill(cx+1, y0, cx+3, y1)
			}
		}
		hline(0, cx+1, a.left)
		hline(cx-1, w, a.right)
		vline(0, cy+1, a.up)
		vline(cy-1, h, a.down)
		return g
	}
	switch {
	case r >= '▁' && r <= '█': // lower eighths … full block
		fill(0, h-h*int(r-'▁'+1)/8, w, h)
	case r >= '▉' && r <= '▏': // left seven eighths … left eighth
		fill(0, 0, w*int('▏'-r+1)/8, h)
	case r == '▀':
		fill(0, 0, w, h/2)
	case r == '▐':
		fill(w/2, 0, w, h)
	case r == '▔':
		fill(0, 0, w, h/8)
	case r == '▕':
		fill(w-w/8, 0, w, h)
	case r == '░' || r == '▒' || r == '▓':
		// Shades as a thermal head dithers them: 1, 2 or 3 dots in 4.
		for y := range h {
			for x := range w {
				d := (x + 2*y) % 4
				g.dots[y*w+x] = r == '░' && d == 0 || r == '▒' && d%2 == 0 || r == '▓' && d != 3
			}
		}
	default:
		return nil
	}
	return g
}
