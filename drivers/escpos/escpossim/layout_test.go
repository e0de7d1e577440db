package escpossim_test

import (
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tpe/drivers/escpos/escpossim"
)

// The layout tests compare what a command prints with an expectation built
// from the command's meaning: the same text printed plainly, moved by the
// dots the command asks for (a glyph prints alike wherever it lands), or
// turned around. Paper is 576 dots wide (80 mm), 32 dots of margin each
// side and 12 above the first line in the rendered image.

const dots80 = 576

// grid is the printable area of a rendered paper: ink or not, per dot.
type grid struct {
	w, h int
	on   []bool
}

func inkOf(t *testing.T, stream string) grid {
	t.Helper()
	img, _ := escpossim.Render([]byte(stream), dots80)
	return gridOf(img)
}

func gridOf(img image.Image) grid {
	p := img.(*image.Paletted)
	const margin, top, bottom = 32, 12, 14
	g := grid{w: dots80, h: max(p.Rect.Dy()-top-bottom, 0)}
	g.on = make([]bool, g.w*g.h)
	for y := range g.h {
		for x := range g.w {
			g.on[y*g.w+x] = p.Pix[(top+y)*p.Stride+margin+x] == 1
		}
	}
	return g
}

func (g grid) at(x, y int) bool {
	return x >= 0 && y >= 0 && x < g.w && y < g.h && g.on[y*g.w+x]
}

// union draws parts onto one grid as tall as the tallest, each moved by
// dx dots.
func union(parts ...placed) grid {
	out := grid{w: dots80}
	for _, p := range parts {
		out.h = max(out.h, p.g.h+p.dy)
	}
	out.on = make([]bool, out.w*out.h)
	for _, p := range parts {
		for y := range p.g.h {
			for x := range p.g.w {
				if p.g.on[y*p.g.w+x] && x+p.dx >= 0 && x+p.dx < out.w {
					out.on[(y+p.dy)*out.w+x+p.dx] = true
				}
			}
		}
	}
	return out
}

type placed struct {
	g      grid
	dx, dy int
}

// same reports whether a and b print the same ink (the taller one may
// only have blank paper below).
func same(a, b grid) bool {
	for y := range max(a.h, b.h) {
		for x := range dots80 {
			if a.at(x, y) != b.at(x, y) {
				return false
			}
		}
	}
	return true
}

func (g grid) String() string {
	var b strings.Builder
	minX, maxX, minY, maxY := g.w, -1, g.h, -1
	for y := range g.h {
		for x := range g.w {
			if g.on[y*g.w+x] {
				minX, maxX, minY, maxY = min(minX, x), max(maxX, x), min(minY, y), max(maxY, y)
			}
		}
	}
	b.WriteString("\n")
	for y := minY; y <= maxY; y++ {
		for x := minX; x <= maxX && x < minX+200; x++ {
			if g.on[y*g.w+x] {
				b.WriteByte('#')
			} else {
				b.WriteByte('.')
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

const init0 = "\x1b@"

// le16 is nL nH.
func le16(n int) string { return string([]byte{byte(n), byte(n >> 8)}) }

// TestEspressoTwoColumns is the case: "Espresso", ESC $ to dot
// 300, "2.50" prints two columns, not "Espresso2.50".
func TestEspressoTwoColumns(t *testing.T) {
	got := inkOf(t, init0+"Espresso\x1b$"+le16(300)+"2.50\n")
	want := union(placed{g: inkOf(t, init0+"Espresso\n")}, placed{g: inkOf(t, init0+"2.50\n"), dx: 300})
	if !same(got, want) {
		t.Fatalf("ESC $ 300 prints%s\nwant%s", got, want)
	}
	if same(got, inkOf(t, init0+"Espresso2.50\n")) {
		t.Fatal("the price sticks to the item")
	}
}

// TestHorizontalLayout: each command against the plain text it must equal
// once moved (a Font A cell is 12 dots wide).
func TestHorizontalLayout(t *testing.T) {
	ink := func(s string) grid { return inkOf(t, init0+s+"\n") }
	at := func(s string, dx int) placed { return placed{g: ink(s), dx: dx} }
	dw := "\x1d!\x10" // double width
	tests := []struct {
		name, stream string
		want         []placed
	}{
		{"ESC \\ forward", "Espresso\x1b\\" + le16(100) + "2.50", []placed{at("Espresso", 0), at("2.50", 96+100)}},
		{"ESC \\ back", "AB\x1b\\" + le16(-24) + "C", []placed{at("AB", 0), at("C", 0)}},
		{"ESC \\ before the area: ignored", "A\x1b\\" + le16(-100) + "B", []placed{at("AB", 0)}},
		{"ESC $ past the area: ignored", "A\x1b$" + le16(1000) + "B", []placed{at("AB", 0)}},
		{"ESC $ back over text", "ABCD\x1b$" + le16(12) + "X", []placed{at("ABCD", 0), at("X", 12)}},
		{"GS L", "\x1dL" + le16(50) + "HELLO", []placed{at("HELLO", 50)}},
		{"GS L then ESC $ counts from the margin", "\x1dL" + le16(40) + "\x1b$" + le16(100) + "X", []placed{at("X", 140)}},
		{"GS L, GS W, centred in the area", "\x1dL" + le16(60) + "\x1dW" + le16(200) + "\x1ba\x01HI", []placed{at("HI", 60+(200-24)/2)}},
		{"GS L, right-justified to the paper's edge", "\x1dL" + le16(60) + "\x1ba\x02HI", []placed{at("HI", dots80-24)}},
		{"GS W past the paper: narrowed", "\x1dL" + le16(100) + "\x1dW" + le16(2000) + "\x1ba\x02HI", []placed{at("HI", dots80-24)}},
		{"ESC D + HT", "\x1bD\x0a\x14\x00A\tB\tC", []placed{at("A", 0), at("B", 120), at("C", 240)}},
		{"HT default every 8 columns", "A\tB", []placed{at("A", 0), at("B", 96)}},
		{"HT past the last stop: ignored", "\x1bD\x02\x00ABC\tD", []placed{at("ABCD", 0)}},
		{"ESC SP", "\x1b \x04AB", []placed{at("A", 0), at("B", 16)}},
		{"ESC SP doubles with double width", dw + "\x1b \x02AB", []placed{at(dw+"A", 0), at(dw+"B", 28)}},
		{"GS P: units of 1/101 inch", "\x1dP\x65\x65\x1b$" + le16(100) + "X", []placed{at("X", 200)}},
		{"GS P 0 0: back to dots", "\x1dP\x65\x65\x1dP\x00\x00\x1b$" + le16(100) + "X", []placed{at("X", 100)}},
		{"GS L in motion units", "\x1dP\x65\x65\x1dL" + le16(25) + "X", []placed{at("X", 50)}},
		{"ESC @ resets margin and area", "\x1dL" + le16(50) + "\x1dW" + le16(100) + "\x1b@ABCDEFGHIJ", []placed{at("ABCDEFGHIJ", 0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, want := ink(tt.stream), union(tt.want...)
			if !same(got, want) {
				t.Errorf("% q prints%s\nwant%s", tt.stream, got, want)
			}
		})
	}
}

// TestPrintAreaWraps: GS W 96 is 8 Font A cells; the ninth character
// starts the next line, as the printer wraps by itself.
func TestPrintAreaWraps(t *testing.T) {
	got := inkOf(t, init0+"\x1dW"+le16(96)+"ABCDEFGHIJKL\n")
	if want := inkOf(t, init0+"ABCDEFGH\nIJKL\n"); !same(got, want) {
		t.Errorf("GS W 96 prints%s\nwant%s", got, want)
	}
	got = inkOf(t, init0+"\x1dL"+le16(24)+"\x1dW"+le16(96)+"ABCDEFGHIJKL\n")
	want := union(placed{g: inkOf(t, init0+"ABCDEFGH\nIJKL\n"), dx: 24})
	if !same(got, want) {
		t.Errorf("GS L 24 GS W 96 prints%s\nwant%s", got, want)
	}
}

// TestLineSpacing: ESC 3 n feeds n vertical units a line, ESC 2 back to
// the default 30 dots; GS P changes the unit.
func TestLineSpacing(t *testing.T) {
	for _, tt := range []struct {
		name, stream string
		pitch        int
	}{
		{"ESC 3 50", "\x1b3\x32", 50},
		{"ESC 3 then ESC 2", "\x1b3\x32\x1b2", 30},
		{"GS P y=101, ESC 3 25", "\x1dP\x00\x65\x1b3\x19", 50},
		{"ESC 3 0: the line's height", "\x1b3\x00", 24},
		{"ESC + 180: half an inch", "\x1b+\xb4", 101},
		{"ESC A 20: a third of an inch", "\x1bA\x14", 67},
	} {
		got := inkOf(t, init0+tt.stream+"H\nH\n")
		want := union(placed{g: inkOf(t, init0+"H\n")}, placed{g: inkOf(t, init0+"H\n"), dy: tt.pitch})
		if !same(got, want) {
			t.Errorf("%s: second line not %d dots below the first:%s\nwant%s", tt.name, tt.pitch, got, want)
		}
	}
}

// TestUpsideDown: ESC { 1 prints the line turned 180° on the paper: the
// dot at (x, y) of the line's band lands at (width-1-x, height-1-y).
func TestUpsideDown(t *testing.T) {
	plain := inkOf(t, init0+"\x1dL"+le16(30)+"Espresso 2.50\n")
	turned := inkOf(t, init0+"\x1dL"+le16(30)+"\x1b{\x01Espresso 2.50\n")
	const band = 24 // the line's tallest cell; the feed below stays blank
	bad := 0
	for y := range band {
		for x := range dots80 {
			if turned.at(x, y) != plain.at(dots80-1-x, band-1-y) {
				bad++
			}
		}
	}
	if bad > 0 || same(plain, turned) {
		t.Errorf("%d dots differ from the line turned 180°:%s\nplain:%s", bad, turned, plain)
	}
	if again := inkOf(t, init0+"\x1b{\x01\x1b{\x00Espresso\n"); !same(again, inkOf(t, init0+"Espresso\n")) {
		t.Error("ESC { 0 does not end upside-down printing")
	}
}

// TestRotated90: ESC V 1 turns each character a quarter clockwise: the
// upright cell's dot (cx, cy) lands at (23-cy, cx); the cell takes 24 dots
// of the line and 12 of height.
func TestRotated90(t *testing.T) {
	plain := inkOf(t, init0+"AF\n")
	turned := inkOf(t, init0+"\x1bV\x01AF\n")
	bad := 0
	for c := range 2 { // each character in its own cell
		for cy := range 24 {
			for cx := range 12 {
				if plain.at(c*12+cx, cy) != turned.at(c*24+23-cy, cx) {
					bad++
				}
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d dots differ from the characters turned 90°:%s\nplain:%s", bad, turned, plain)
	}
	if off := inkOf(t, init0+"\x1bV\x01\x1bV\x00AF\n"); !same(off, plain) {
		t.Error("ESC V 0 does not end rotation")
	}
}

// TestUnknownCommandsCountedNotDrawn: commands the printer does not know or
// does not draw leave the paper as without them, and are counted and named.
func TestUnknownCommandsCountedNotDrawn(t *testing.T) {
	p := escpossim.New(&escpossim.Opts{Dots: dots80})
	p.Feed([]byte(init0 + "AB\x1b\x01CD\x1br\x01EF\x1c(A\x02\x000\x00GH\x1cC0\x1c.\n"))
	if want := inkOf(t, init0+"ABCDEFGH\n"); !same(gridOf(p.Last()), want) {
		t.Fatalf("skipped commands changed the paper:%s", gridOf(p.Last()))
	}
	st := p.Stats()
	if st.Unknown != 1 || st.Unrendered != 4 {
		t.Errorf("unknown %d unrendered %d, want 1 and 4", st.Unknown, st.Unrendered)
	}
	sk := st.Skipped
	for _, name := range []string{"ESC 01", "ESC r", "FS ( A", "FS C", "FS ."} {
		if sk[name] != 1 {
			t.Errorf("skipped %v: %q not counted once", sk, name)
		}
	}
}

func encoderStream(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "encoders", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// bands cuts a grid into its printed lines: runs of rows with ink, a gap
// of fewer than 4 blank rows (between the two strokes of ═, under an
// accent) staying inside the line.
func bands(g grid) []grid {
	var out []grid
	start, blank := -1, 0
	for y := 0; y <= g.h; y++ {
		ink := false
		for x := 0; y < g.h && x < g.w && !ink; x++ {
			ink = g.on[y*g.w+x]
		}
		switch {
		case ink && start < 0:
			start, blank = y, 0
		case ink:
			blank = 0
		case start >= 0 && (blank == 3 || y == g.h):
			end := y - blank
			out = append(out, grid{w: g.w, h: end - start, on: g.on[start*g.w : end*g.w]})
			start = -1
		default:
			blank++
		}
	}
	return out
}

// TestEncoderStreams renders receiptline's and receipt-printer-encoder's
// own byte streams (testdata/encoders, made by gen.js): the menu's columns
// land where the encoder put them, its upside-down and margin variants
// are the same lines turned or moved, rules and frames are unbroken lines,
// and nothing is unknown.
func TestEncoderStreams(t *testing.T) {
	render := func(name string) (grid, escpossim.Stats, map[string]int) {
		p := escpossim.New(&escpossim.Opts{Dots: dots80})
		p.Feed(encoderStream(t, name))
		return gridOf(p.Last()), p.Stats(), p.Stats().Skipped
	}
	cols, st, sk := render("receiptline_columns.bin")
	if st.Unknown != 0 {
		t.Errorf("receiptline: %d unknown commands (%v)", st.Unknown, sk)
	}
	lines := bands(cols)
	if len(lines) != 6 { // title, 3 items, rule, total
		t.Fatalf("receiptline: %d printed lines, want 6:%s", len(lines), cols)
	}
	// receiptline puts the price column at 21 columns (ESC $ 252) and
	// right-aligns it with ESC \ inside the 504-dot area (GS W).
	espresso := bands(union(placed{g: inkOf(t, init0+"Espresso\n")}, placed{g: inkOf(t, init0+"2.50\n"), dx: 504 - 48}))[0]
	if !same(lines[1], espresso) {
		t.Errorf("receiptline's Espresso line prints%s\nwant%s", lines[1], espresso)
	}
	rule := lines[4]
	for x := range 504 {
		if !rule.at(x, rule.h/2) {
			t.Errorf("receiptline's rule (ESC t 1, 0x95) broken at dot %d:%s", x, rule)
			break
		}
	}

	up, _, _ := render("receiptline_upsidedown.bin")
	upLines := bands(up)
	if len(upLines) != len(lines) {
		t.Fatalf("upside-down: %d lines, want %d", len(upLines), len(lines))
	}
	// receiptline sends the lines last first; the printer turns each.
	turned := upLines[len(upLines)-2]
	bad := 0
	for y := range espresso.h {
		for x := range dots80 {
			if turned.at(x, y) != lines[1].at(dots80-1-x, lines[1].h-1-y) {
				bad++
			}
		}
	}
	if bad > 0 || turned.h != lines[1].h {
		t.Errorf("upside-down Espresso line: %d dots differ from the line turned:%s", bad, turned)
	}

	margins, _, _ := render("receiptline_margins.bin")
	mLines := bands(margins)
	if len(mLines) != len(lines) || !same(mLines[1], union(placed{g: lines[1], dx: 36})) {
		t.Errorf("with margin 3 (GS L 36) the Espresso line is not moved 36 dots:%s", mLines[1])
	}

	table, st, sk := render("encoder_table.bin")
	if st.Unknown != 0 {
		t.Errorf("receipt-printer-encoder: %d unknown commands (%v)", st.Unknown, sk)
	}
	tl := bands(table)
	if len(tl) < 6 {
		t.Fatalf("receipt-printer-encoder: %d printed lines:%s", len(tl), table)
	}
	// The ═ rule under the title (CP437 0xCD): two unbroken lines across
	// the 42 columns.
	double := tl[1]
	for _, y := range []int{0, double.h - 1} {
		for x := range 504 {
			if !double.at(x, y) {
				t.Errorf("double rule broken at dot %d of row %d:%s", x, y, double)
				break
			}
		}
	}
	if double.at(504, 0) || double.h != 6 {
		t.Errorf("double rule %d rows, past the 42 columns %v:%s", double.h, double.at(504, 0), double)
	}
	// The box (ESC 3 0: no gap between its lines): its left side is one
	// line from the top corner to the bottom one.
	var box *grid
	for i := range tl {
		if tl[i].h == 3*24-2*11 { // from ┌'s middle to └'s middle
			box = &tl[i]
		}
	}
	if box == nil {
		t.Errorf("no 3-line box among the lines:%s", table)
	} else {
		for y := range box.h {
			if !box.at(5, y) || !box.at(6, y) {
				t.Errorf("the box's side is broken at row %d:%s", y, box)
				break
			}
		}
	}
	price := bands(union(placed{g: inkOf(t, init0+"Espresso\n")}, placed{g: inkOf(t, init0+"2.50\n"), dx: 504 - 48}))[0]
	if !same(tl[2], price) {
		t.Errorf("receipt-printer-encoder's Espresso line prints%s\nwant%s", tl[2], price)
	}
}
