package sim

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"testing"

	"tpe/drivers/st7789"
)

func TestDisplayRoundTrip(t *testing.T) {
	for _, o := range []*DisplayOpts{nil, {Width: 240, Height: 240, Rotation: st7789.Rot270}} {
		d, err := NewDisplay(o)
		if err != nil {
			t.Fatal(err)
		}
		b := d.Bounds()
		img := image.NewRGBA(b)
		for y := 0; y < b.Dy(); y++ {
			for x := 0; x < b.Dx(); x++ {
				img.Set(x, y, color.RGBA{byte(x * 8), byte(y * 4), byte(x ^ y), 0xFF})
			}
		}
		if err := d.Show(t.Context(), img); err != nil {
			t.Fatal(err)
		}
		snap := d.Snapshot()
		if snap.Bounds() != b {
			t.Fatalf("snapshot %v, want %v", snap.Bounds(), b)
		}
		for y := 0; y < b.Dy(); y++ {
			for x := 0; x < b.Dx(); x++ {
				v := st7789.RGB565(img.At(x, y))
				g := snap.RGBAAt(x, y)
				if st7789.RGB565(g) != v {
					t.Fatalf("%+v pixel %d,%d: shows %v, driver was given %v", o, x, y, g, img.At(x, y))
				}
			}
		}
		raw, err := d.PNG()
		if err != nil {
			t.Fatal(err)
		}
		dec, err := png.Decode(bytes.NewReader(raw))
		if err != nil || dec.Bounds() != b {
			t.Fatalf("PNG: %v, bounds %v", err, dec.Bounds())
		}
		if v := d.Violations(); len(v) > 0 {
			t.Fatal(v)
		}
		if err := d.Halt(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDisplayBadGeometry(t *testing.T) {
	for _, o := range []DisplayOpts{{Width: 100, Height: 100}, {Rotation: 45}} {
		if _, err := NewDisplay(&o); !errors.Is(err, st7789.ErrGeometry) {
			t.Errorf("%+v: got %v, want ErrGeometry", o, err)
		}
	}
}
