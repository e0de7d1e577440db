package st7789

import (
	"context"
	"image"
	"image/color"

	periphdisplay "periph.io/x/conn/v3/display"
)

// Dev is also a periph display.Drawer, so periph-based tools can draw on it.
var _ periphdisplay.Drawer = (*Dev)(nil)

// ColorModel is RGB565: colours come back as the panel shows them.
func (d *Dev) ColorModel() color.Model { return rgb565Model }

var rgb565Model = color.ModelFunc(func(c color.Color) color.Color {
	v := RGB565(c)
	r, g, b := byte(v>>11), byte(v>>5)&0x3F, byte(v)&0x1F
	return color.RGBA{r<<3 | r>>2, g<<2 | g>>4, b<<3 | b>>2, 0xFF}
})

// Draw implements periph's display.Drawer: the part r of the screen gets
// src from sp; the rest of the screen keeps what it shows. Like Show, only
// the changed rectangle is sent.
func (d *Dev) Draw(r image.Rectangle, src image.Image, sp image.Point) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.halted {
		return ErrHalted
	}
	if src == nil {
		return ErrNoImage
	}
	if d.valid {
		copy(d.next, d.shadow)
	} else {
		clear(d.next)
	}
	r = r.Intersect(image.Rect(0, 0, d.w, d.h))
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			v := RGB565(src.At(sp.X+x-r.Min.X, sp.Y+y-r.Min.Y))
			i := (y*d.w + x) * 2
			d.next[i], d.next[i+1] = byte(v>>8), byte(v)
		}
	}
	return d.push(context.Background())
}
