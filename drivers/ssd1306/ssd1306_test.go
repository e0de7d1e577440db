package ssd1306_test

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"testing"

	"tpe/device/display"
	"tpe/drivers/ssd1306"
	"tpe/drivers/ssd1306/ssd1306sim"
)

// pattern is a frame of light and dark pixels with no symmetry, in colours
// that exercise the luminance threshold.
func pattern(w, h, seed int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint32(x*7919+y*104729+seed*31337) * 2654435761
			img.Set(x, y, color.RGBA{byte(v >> 24), byte(v >> 16), byte(v >> 8), 0xFF})
		}
	}
	return img
}

func sameAsShown(t *testing.T, got *image.Gray, want image.Image) {
	t.Helper()
	if got.Bounds() != want.Bounds() {
		t.Fatalf("bounds %v, want %v", got.Bounds(), want.Bounds())
	}
	bad := 0
	for y := 0; y < want.Bounds().Dy(); y++ {
		for x := 0; x < want.Bounds().Dx(); x++ {
			if lit := got.GrayAt(x, y).Y == 0xFF; lit != ssd1306.Lit(want.At(x, y)) {
				if bad < 5 {
					t.Errorf("pixel %d,%d: lit %v, want %v", x, y, lit, !lit)
				}
				bad++
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d pixels differ", bad)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, h := range []int{64, 32} {
		for _, rotated := range []bool{false, true} {
			for _, bus := range []string{"i2c", "spi"} {
				t.Run(fmt.Sprintf("128x%d/rotated=%v/%s", h, rotated, bus), func(t *testing.T) {
					c := ssd1306sim.New(&ssd1306sim.Opts{Width: 128, Height: h})
					o := &ssd1306.Opts{Height: h, Width: 128, Rotated: rotated}
					var d *ssd1306.Dev
					var err error
					if bus == "i2c" {
						d, err = ssd1306.NewI2C(c, 0x3C, o)
					} else {
						d, err = ssd1306.NewSPI(c, c.DC(), c.RST(), o)
					}
					if err != nil {
						t.Fatal(err)
					}
					sameAsShown(t, c.Snapshot(), image.NewGray(image.Rect(0, 0, 128, h))) // noise cleared
					img := pattern(128, h, h)
					if err := d.Show(t.Context(), img); err != nil {
						t.Fatal(err)
					}
					snap := c.Snapshot()
					if rotated {
						// The emulated glass is mounted upright: a rotated
						// driver shows the frame turned 180°.
						r := image.NewRGBA(img.Bounds())
						for y := 0; y < h; y++ {
							for x := 0; x < 128; x++ {
								r.Set(127-x, h-1-y, img.At(x, y))
							}
						}
						img = r
					}
					sameAsShown(t, snap, img)
				})
			}
		}
	}
}

func TestPartialUpdate(t *testing.T) {
	c := ssd1306sim.New(nil)
	d, err := ssd1306.NewI2C(c, 0x3C, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := pattern(128, 64, 1)
	if err := d.Show(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	c.ResetStats()
	if err := d.Show(t.Context(), a); err != nil || c.Stats().Bytes != 0 {
		t.Fatalf("same frame: %v, %d bytes", err, c.Stats().Bytes)
	}
	b := image.NewRGBA(a.Bounds())
	copy(b.Pix, a.Pix)
	// Rows 20–29 span pages 2 and 3; columns 40–59.
	for y := 20; y < 30; y++ {
		for x := 40; x < 60; x++ {
			if ssd1306.Lit(a.At(x, y)) {
				b.Set(x, y, color.Black)
			} else {
				b.Set(x, y, color.White)
			}
		}
	}
	if err := d.Show(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	if got, want := c.Stats().DataBytes, int64(20*2); got != want {
		t.Fatalf("partial update wrote %d GDDRAM bytes, want %d (20 columns × 2 pages)", got, want)
	}
	sameAsShown(t, c.Snapshot(), b)
}

func TestErrors(t *testing.T) {
	c := ssd1306sim.New(nil)
	if _, err := ssd1306.NewI2C(c, 0x3D, nil); !errors.Is(err, display.ErrDisplay) || !errors.Is(err, ssd1306sim.ErrNACK) {
		t.Fatalf("wrong address: got %v", err)
	}
	if _, err := ssd1306.NewI2C(c, 0x3C, &ssd1306.Opts{Width: 96, Height: 16}); !errors.Is(err, ssd1306.ErrGeometry) {
		t.Fatalf("bad size: got %v", err)
	}
	d, err := ssd1306.NewI2C(c, 0x3C, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Show(t.Context(), nil); !errors.Is(err, ssd1306.ErrNoImage) {
		t.Fatalf("nil image: got %v", err)
	}
	if err := d.Halt(); err != nil {
		t.Fatal(err)
	}
	sameAsShown(t, c.Snapshot(), image.NewGray(image.Rect(0, 0, 128, 64)))
	if err := d.Show(t.Context(), pattern(128, 64, 1)); !errors.Is(err, ssd1306.ErrHalted) {
		t.Fatalf("after Halt: got %v", err)
	}
}
