package escpossim

import (
	"image"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Cell sizes of the two resident fonts of a 203 dpi head (Epson TM-T20:
// Font A 12×24, Font B 9×17).
const (
	fontAW, fontAH = 12, 24
	fontBW, fontBH = 9, 17
)

// glyph is a 1-bit character cell, row-major, true = dot printed.
type glyph struct {
	w, h int
	dots []bool
}

type glyphKey struct {
	r     rune
	fontB bool
	bold  bool
}

// fonts rasterises Go Mono into the printer's cells once per rune; the faces
// are sized so that the advance is exactly the cell width (Go Mono advance
// is 0.6 em: 20 px → 12 dots, 15 px → 9 dots).
var fonts = struct {
	once  sync.Once
	faces [2][2]font.Face // [fontB][bold]
	mu    sync.Mutex
	cache map[glyphKey]*glyph
}{cache: map[glyphKey]*glyph{}}

func loadFaces() {
	for bi, ttf := range [][]byte{gomono.TTF, gomonobold.TTF} {
		f, err := opentype.Parse(ttf)
		if err != nil {
			panic("escpossim: embedded Go Mono font does not parse: " + err.Error())
		}
		for fi, size := range []float64{20, 15} {
			face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
			if err != nil {
				panic("escpossim: Go Mono face: " + err.Error())
			}
			fonts.faces[fi][bi] = face
		}
	}
}

func glyphFor(r rune, fontB, bold bool) *glyph {
	fonts.once.Do(loadFaces)
	k := glyphKey{r, fontB, bold}
	fonts.mu.Lock()
	defer fonts.mu.Unlock()
	if g, ok := fonts.cache[k]; ok {
		return g
	}
	w, h := fontAW, fontAH
	fi, bi := 0, 0
	if fontB {
		w, h, fi = fontBW, fontBH, 1
	}
	if bold {
		bi = 1
	}
	face := fonts.faces[fi][bi]
	g := &glyph{w: w, h: h, dots: make([]bool, w*h)}
	if r != ' ' {
		m := face.Metrics()
		asc, desc := m.Ascent.Ceil(), m.Descent.Ceil()
		base := (h-(asc+desc))/2 + asc
		dst := image.NewAlpha(image.Rect(0, 0, w, h))
		d := font.Drawer{Dst: dst, Src: image.Opaque, Face: face, Dot: fixed.P(0, base)}
		if _, ok := face.GlyphAdvance(r); !ok {
			r = '?'
		}
		d.DrawString(string(r))
		for i, a := range dst.Pix {
			// Thermal heads print a dot or nothing: threshold the
			// anti-aliased coverage.
			g.dots[i] = a >= 0x70
		}
	}
	fonts.cache[k] = g
	return g
}
