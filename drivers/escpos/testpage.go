package escpos

import (
	"fmt"
	"image"
	"image/color"
	"strings"
)

// TestPage is the technician's test page for profile p: alignment, styles,
// sizes, the euro sign and accents in the code page, the full column ruler,
// a raster gradient, CODE128 and EAN-13 barcodes, a QR code and a cut.
func TestPage(p Profile, page CodePage, title string) []byte {
	e := NewEncoder(page)
	e.Init()
	e.Align(1).Bold(true).Size(2, 2).Line("TEST PAGE").Size(1, 1).Bold(false)
	if title != "" {
		e.Line(title)
	}
	e.Line(fmt.Sprintf("%s  %d dots  %d cols  %s", p.Name, p.Dots, p.Cols, page.Name))
	e.Align(0)
	var ruler strings.Builder
	for i := 1; i <= p.Cols; i++ {
		ruler.WriteByte(byte('0' + i%10))
	}
	e.Line(ruler.String())
	e.Line(strings.Repeat("-", p.Cols))
	e.Align(0).Line("Left")
	e.Align(1).Line("Centre")
	e.Align(2).Line("Right")
	e.Align(0)
	e.Bold(true).Line("Bold / gras").Bold(false)
	e.Underline(1).Line("Underline 1 dot").Underline(2).Line("Underline 2 dots").Underline(0)
	e.Size(2, 1).Line("Double width").Size(1, 2).Line("Double height").Size(2, 2).Line("Both").Size(1, 1)
	e.Line("Euro: 12,50 € - 1 234,00 €")
	e.Line("Accents: é è à ç ù ô ï É À Ç")
	e.Line(strings.Repeat("-", p.Cols))
	e.Align(1)
	e.Raster(gradient(p.Dots-32, 48), p.Dots)
	e.LF()
	e.Code128("TPE-0001", BarcodeOpts{Height: 60})
	e.LF()
	e.EAN13("376012345678", BarcodeOpts{Height: 60})
	e.LF()
	e.QR("https://tpe.example/test?w="+p.Name, QROpts{Module: 5, Level: QRLevelM})
	e.LF()
	e.Align(0).Line(strings.Repeat("-", p.Cols))
	e.Align(1).Line("END OF TEST PAGE")
	e.Feed(4).Cut(true, 0)
	return e.Bytes()
}

// gradient is an ordered-dither ramp from white to black: it shows print
// density and every dot column of the head.
func gradient(w, h int) image.Image {
	bayer := [4][4]int{{0, 8, 2, 10}, {12, 4, 14, 6}, {3, 11, 1, 9}, {15, 7, 13, 5}}
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			level := x * 17 / max(w, 1)
			c := uint8(255)
			if level > bayer[y%4][x%4] {
				c = 0
			}
			if y < 2 || y >= h-2 || x < 2 || x >= w-2 {
				c = 0
			}
			img.SetGray(x, y, color.Gray{c})
		}
	}
	return img
}
