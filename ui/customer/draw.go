package customer

import (
	"image"
	"image/color"
	"math"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomedium"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Palette: one colour per meaning, contrast ≥ 4.5:1 for text on each.
var (
	white     = color.RGBA{0xFF, 0xFF, 0xFF, 0xFF}
	ink       = color.RGBA{0x14, 0x1E, 0x2B, 0xFF} // body text on white
	grey      = color.RGBA{0x5B, 0x67, 0x75, 0xFF} // secondary text on white
	navy      = color.RGBA{0x0D, 0x2B, 0x4E, 0xFF} // brand, top bar, idle
	blue      = color.RGBA{0x15, 0x65, 0xC0, 0xFF} // "your turn"
	paleBlue  = color.RGBA{0xE3, 0xEE, 0xFB, 0xFF}
	skyBlue   = color.RGBA{0xA9, 0xC8, 0xEC, 0xFF} // secondary text on navy
	green     = color.RGBA{0x13, 0x7A, 0x3E, 0xFF} // paid
	red       = color.RGBA{0xC0, 0x27, 0x2D, 0xFF} // not paid
	amber     = color.RGBA{0xF5, 0xA6, 0x23, 0xFF} // offline badge
	alipayRed = color.RGBA{0x16, 0x77, 0xFF, 0xFF} // Alipay+ blue
)

type fontID int

const (
	regular fontID = iota
	medium
	bold
)

var fonts = sync.OnceValue(func() [3]*opentype.Font {
	var fs [3]*opentype.Font
	for i, ttf := range [][]byte{goregular.TTF, gomedium.TTF, gobold.TTF} {
		f, err := opentype.Parse(ttf)
		if err != nil {
			panic("customer: embedded Go font does not parse: " + err.Error()) // cannot happen: compiled-in data
		}
		fs[i] = f
	}
	return fs
})

// canvas is one frame being drawn, with its own font faces (opentype faces
// are not safe for concurrent use, and Render may run concurrently).
type canvas struct {
	img   *image.RGBA
	w, h  int
	u     float64 // one unit = shorter side / 240, so layouts scale
	faces map[faceKey]font.Face
}

type faceKey struct {
	id fontID
	px int
}

func newCanvas(size image.Point, bg color.RGBA) *canvas {
	img := image.NewRGBA(image.Rect(0, 0, size.X, size.Y))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = bg.R, bg.G, bg.B, 0xFF
	}
	return &canvas{img: img, w: size.X, h: size.Y, u: float64(min(size.X, size.Y)) / 240, faces: map[faceKey]font.Face{}}
}

// face returns a face of px pixels (scaled by the canvas unit).
func (c *canvas) face(id fontID, px float64) font.Face {
	k := faceKey{id, int(math.Round(px * c.u))}
	if k.px < 6 {
		k.px = 6
	}
	if f, ok := c.faces[k]; ok {
		return f
	}
	f, err := opentype.NewFace(fonts()[id], &opentype.FaceOptions{Size: float64(k.px), DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		panic("customer: font face: " + err.Error()) // only fails on a negative size
	}
	c.faces[k] = f
	return f
}

// printable replaces what the Go fonts cannot draw: the narrow no-break
// space French uses to group thousands becomes a no-break space.
func printable(f font.Face, s string) string {
	s = strings.ReplaceAll(s, "\u202f", "\u00a0")
	return s
}

// hasGlyphs reports whether f draws every rune of s.
func hasGlyphs(f font.Face, s string) bool {
	for _, r := range s {
		if _, ok := f.GlyphAdvance(r); !ok {
			return false
		}
	}
	return true
}

func width(f font.Face, s string) float64 { return fix(font.MeasureString(f, s)) }

func fix(v fixed.Int26_6) float64 { return float64(v) / 64 }

// text draws s centred on cx with its baseline at y.
func (c *canvas) text(f font.Face, s string, cx, y float64, col color.Color) {
	s = printable(f, s)
	d := font.Drawer{Dst: c.img, Src: image.NewUniform(col), Face: f,
		Dot: fixed.Point26_6{X: fixed.Int26_6((cx - width(f, s)/2) * 64), Y: fixed.Int26_6(y * 64)}}
	d.DrawString(s)
}

// fit returns the largest face (from px down) in which s fits maxW.
func (c *canvas) fit(id fontID, px float64, s string, maxW float64) font.Face {
	for ; px > 10; px-- {
		f := c.face(id, px)
		if width(f, printable(f, s)) <= maxW {
			return f
		}
	}
	return c.face(id, px)
}

// wrap splits s into lines no wider than maxW.
func wrap(f font.Face, s string, maxW float64) []string {
	var lines []string
	line := ""
	// Only ASCII spaces break: a no-break space keeps "Kakao Pay" whole.
	for _, w := range strings.Split(s, " ") {
		if w == "" {
			continue
		}
		try := w
		if line != "" {
			try = line + " " + w
		}
		if line != "" && width(f, try) > maxW {
			lines = append(lines, line)
			line = w
			continue
		}
		line = try
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// shade paints col over every pixel of r with the coverage cov(x, y) gives
// at the pixel centre: the anti-aliasing of every shape below.
func (c *canvas) shade(r image.Rectangle, col color.RGBA, cov func(x, y float64) float64) {
	r = r.Intersect(c.img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			a := cov(float64(x)+0.5, float64(y)+0.5)
			if a <= 0 {
				continue
			}
			if a > 1 {
				a = 1
			}
			i := c.img.PixOffset(x, y)
			p := c.img.Pix[i : i+3 : i+3]
			p[0] = byte(float64(p[0]) + (float64(col.R)-float64(p[0]))*a + 0.5)
			p[1] = byte(float64(p[1]) + (float64(col.G)-float64(p[1]))*a + 0.5)
			p[2] = byte(float64(p[2]) + (float64(col.B)-float64(p[2]))*a + 0.5)
		}
	}
}

func box(x0, y0, x1, y1 float64) image.Rectangle {
	return image.Rect(int(math.Floor(x0))-1, int(math.Floor(y0))-1, int(math.Ceil(x1))+1, int(math.Ceil(y1))+1)
}

func (c *canvas) rect(x0, y0, x1, y1 float64, col color.RGBA) {
	c.roundRect(x0, y0, x1, y1, 0, col)
}

// roundRect fills a rectangle with corner radius rad.
func (c *canvas) roundRect(x0, y0, x1, y1, rad float64, col color.RGBA) {
	cx, cy := (x0+x1)/2, (y0+y1)/2
	hx, hy := (x1-x0)/2-rad, (y1-y0)/2-rad
	c.shade(box(x0, y0, x1, y1), col, func(x, y float64) float64 {
		return 0.5 - boxDist(x-cx, y-cy, hx, hy, rad)
	})
}

// strokeRoundRect draws the outline of a rounded rectangle, th thick.
func (c *canvas) strokeRoundRect(x0, y0, x1, y1, rad, th float64, col color.RGBA) {
	cx, cy := (x0+x1)/2, (y0+y1)/2
	hx, hy := (x1-x0)/2-rad, (y1-y0)/2-rad
	c.shade(box(x0-th, y0-th, x1+th, y1+th), col, func(x, y float64) float64 {
		return 0.5 - (math.Abs(boxDist(x-cx, y-cy, hx, hy, rad)) - th/2)
	})
}

// boxDist is the signed distance from (x, y) to a rounded box centred on
// the origin, half-size hx, hy before rounding: negative inside.
func boxDist(x, y, hx, hy, rad float64) float64 {
	qx, qy := math.Abs(x)-hx, math.Abs(y)-hy
	return math.Hypot(math.Max(qx, 0), math.Max(qy, 0)) + math.Min(math.Max(qx, qy), 0) - rad
}

func (c *canvas) circle(cx, cy, r float64, col color.RGBA) {
	c.shade(box(cx-r, cy-r, cx+r, cy+r), col, func(x, y float64) float64 {
		return 0.5 - (math.Hypot(x-cx, y-cy) - r)
	})
}

// line draws a segment th thick with round caps.
func (c *canvas) line(x0, y0, x1, y1, th float64, col color.RGBA) {
	c.shade(box(math.Min(x0, x1)-th, math.Min(y0, y1)-th, math.Max(x0, x1)+th, math.Max(y0, y1)+th), col,
		func(x, y float64) float64 { return 0.5 - (segDist(x, y, x0, y0, x1, y1) - th/2) })
}

func segDist(px, py, ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	t := ((px-ax)*dx + (py-ay)*dy) / (dx*dx + dy*dy)
	t = math.Max(0, math.Min(1, t))
	return math.Hypot(px-ax-t*dx, py-ay-t*dy)
}

// arc draws the part of a circle of radius r between angles a0 and a1
// (radians, clockwise from 3 o'clock, y down), th thick, round caps.
func (c *canvas) arc(cx, cy, r, a0, a1, th float64, col color.RGBA) {
	ex0, ey0 := cx+r*math.Cos(a0), cy+r*math.Sin(a0)
	ex1, ey1 := cx+r*math.Cos(a1), cy+r*math.Sin(a1)
	c.shade(box(cx-r-th, cy-r-th, cx+r+th, cy+r+th), col, func(x, y float64) float64 {
		a := math.Atan2(y-cy, x-cx)
		var d float64
		if angleIn(a, a0, a1) {
			d = math.Abs(math.Hypot(x-cx, y-cy) - r)
		} else {
			d = math.Min(math.Hypot(x-ex0, y-ey0), math.Hypot(x-ex1, y-ey1))
		}
		return 0.5 - (d - th/2)
	})
}

func angleIn(a, a0, a1 float64) bool {
	for a < a0 {
		a += 2 * math.Pi
	}
	return a <= a1
}

// contactless draws the EMVCo contactless indicator: four growing arcs,
// opening to the right, centred on cx, cy, size s across.
func (c *canvas) contactless(cx, cy, s float64, col color.RGBA) {
	th := s * 0.085
	x := cx - s*0.42
	for i := 0; i < 4; i++ {
		r := s * (0.18 + 0.16*float64(i))
		c.arc(x, cy, r, -math.Pi/4.3, math.Pi/4.3, th, col)
	}
}

func (c *canvas) check(cx, cy, s float64, col color.RGBA) {
	th := s * 0.13
	c.line(cx-s*0.30, cy+s*0.02, cx-s*0.08, cy+s*0.24, th, col)
	c.line(cx-s*0.08, cy+s*0.24, cx+s*0.32, cy-s*0.20, th, col)
}

func (c *canvas) cross(cx, cy, s float64, col color.RGBA) {
	th, d := s*0.13, s*0.22
	c.line(cx-d, cy-d, cx+d, cy+d, th, col)
	c.line(cx-d, cy+d, cx+d, cy-d, th, col)
}

// spinner draws a ring of dots fading clockwise, a still "busy" sign that
// reads well on a display updated a few times a second.
func (c *canvas) spinner(cx, cy, r float64, col, bg color.RGBA, phase int) {
	const n = 10
	for i := 0; i < n; i++ {
		a := 2*math.Pi*float64(i)/n - math.Pi/2
		k := float64((i-phase+n)%n+1) / n
		dot := color.RGBA{mix(bg.R, col.R, k), mix(bg.G, col.G, k), mix(bg.B, col.B, k), 0xFF}
		c.circle(cx+r*math.Cos(a), cy+r*math.Sin(a), r*(0.10+0.08*k), dot)
	}
}

func mix(a, b byte, k float64) byte { return byte(float64(a) + (float64(b)-float64(a))*k + 0.5) }

// card draws a payment card outline with its chip, w wide.
func (c *canvas) card(cx, cy, w float64, col, bg color.RGBA) {
	h := w * 0.63
	x0, y0 := cx-w/2, cy-h/2
	c.roundRect(x0, y0, x0+w, y0+h, w*0.07, col)
	c.roundRect(x0+w*0.12, y0+h*0.30, x0+w*0.30, y0+h*0.56, w*0.03, bg)
	c.rect(x0+w*0.12, y0+h*0.72, x0+w*0.62, y0+h*0.80, bg)
}

// envelope draws a letter outline, w wide.
func (c *canvas) envelope(cx, cy, w float64, col color.RGBA) {
	h := w * 0.68
	th := w * 0.07
	x0, y0 := cx-w/2, cy-h/2
	c.strokeRoundRect(x0, y0, x0+w, y0+h, w*0.06, th, col)
	c.line(x0+th, y0+th, cx, cy+h*0.08, th, col)
	c.line(cx, cy+h*0.08, x0+w-th, y0+th, th, col)
}
