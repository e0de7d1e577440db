package st7789_test

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"testing"
	"testing/synctest"

	"tpe/device/display"
	"tpe/drivers/st7789"
	"tpe/drivers/st7789/st7789sim"
)

// pattern is a frame in which every pixel differs from its neighbours, so a
// wrong offset, mirror or byte order cannot go unnoticed.
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

// quantised is c as the panel stores it, expanded back to 8 bits.
func quantised(c color.Color) color.RGBA {
	v := st7789.RGB565(c)
	r, g, b := byte(v>>11), byte(v>>5)&0x3F, byte(v)&0x1F
	return color.RGBA{r<<3 | r>>2, g<<2 | g>>4, b<<3 | b>>2, 0xFF}
}

// sameAsShown fails t unless got shows want pixel for pixel after RGB565
// quantisation.
func sameAsShown(t *testing.T, got *image.RGBA, want image.Image) {
	t.Helper()
	if got.Bounds() != want.Bounds() {
		t.Fatalf("snapshot bounds %v, want %v", got.Bounds(), want.Bounds())
	}
	bad := 0
	for y := want.Bounds().Min.Y; y < want.Bounds().Max.Y; y++ {
		for x := want.Bounds().Min.X; x < want.Bounds().Max.X; x++ {
			if g, w := got.RGBAAt(x, y), quantised(want.At(x, y)); g != w {
				if bad < 5 {
					t.Errorf("pixel %d,%d: got %v, want %v", x, y, g, w)
				}
				bad++
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d pixels differ", bad)
	}
}

func newPair(t *testing.T, so *st7789sim.Opts, o *st7789.Opts) (*st7789.Dev, *st7789sim.Controller) {
	t.Helper()
	c := st7789sim.New(so)
	d, err := st7789.New(c, c.DC(), c.RST(), c.Backlight(), o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if v := c.Violations(); len(v) > 0 {
		t.Fatalf("datasheet violations during init: %v", v)
	}
	return d, c
}

func TestRoundTrip(t *testing.T) {
	panels := []struct{ w, h int }{{240, 320}, {240, 240}, {135, 240}}
	for _, p := range panels {
		for _, rot := range []st7789.Rotation{st7789.Rot0, st7789.Rot90, st7789.Rot180, st7789.Rot270} {
			for _, bgr := range []bool{false, true} {
				t.Run(fmt.Sprintf("%dx%d/rot%d/bgr=%v", p.w, p.h, rot, bgr), func(t *testing.T) {
					synctest.Test(t, func(t *testing.T) {
						d, c := newPair(t, &st7789sim.Opts{Width: p.w, Height: p.h, BGR: bgr},
							&st7789.Opts{Width: p.w, Height: p.h, Rotation: rot, BGR: bgr})
						b := d.Bounds()
						wantW, wantH := p.w, p.h
						if rot == st7789.Rot90 || rot == st7789.Rot270 {
							wantW, wantH = p.h, p.w
						}
						if b.Dx() != wantW || b.Dy() != wantH {
							t.Fatalf("Bounds %v, want %dx%d", b, wantW, wantH)
						}
						black := image.NewRGBA(b)
						sameAsShown(t, c.Snapshot(), black) // power-up noise cleared
						img := pattern(b.Dx(), b.Dy(), 1)
						if err := d.Show(t.Context(), img); err != nil {
							t.Fatal(err)
						}
						sameAsShown(t, c.Snapshot(), img)
						if v := c.Violations(); len(v) > 0 {
							t.Fatalf("violations: %v", v)
						}
					})
				})
			}
		}
	}
}

func TestNonRGBAImageAndOffset(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d, c := newPair(t, nil, nil)
		src := pattern(240, 320, 3)
		// An NRGBA sub-image whose bounds do not start at 0,0, smaller than
		// the screen: the rest must be black.
		n := image.NewNRGBA(image.Rect(10, 20, 210, 270))
		for y := 20; y < 270; y++ {
			for x := 10; x < 210; x++ {
				n.Set(x, y, src.At(x, y))
			}
		}
		if err := d.Show(t.Context(), n); err != nil {
			t.Fatal(err)
		}
		want := image.NewRGBA(image.Rect(0, 0, 240, 320))
		for y := 0; y < 250; y++ {
			for x := 0; x < 200; x++ {
				want.Set(x, y, n.At(x+10, y+20))
			}
		}
		sameAsShown(t, c.Snapshot(), want)
	})
}

func TestPartialUpdate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d, c := newPair(t, nil, &st7789.Opts{Rotation: st7789.Rot90})
		a := pattern(320, 240, 1)
		if err := d.Show(t.Context(), a); err != nil {
			t.Fatal(err)
		}
		c.ResetStats()
		if err := d.Show(t.Context(), a); err != nil {
			t.Fatal(err)
		}
		if s := c.Stats(); s.Bytes != 0 {
			t.Fatalf("same frame again sent %d bytes, want 0", s.Bytes)
		}

		b := image.NewRGBA(a.Bounds())
		copy(b.Pix, a.Pix)
		changed := image.Rect(200, 100, 237, 117) // a countdown's digits
		// Change the corners and one inner pixel so the bounding box is exact.
		for _, p := range []image.Point{changed.Min, {changed.Max.X - 1, changed.Max.Y - 1}, {210, 110}} {
			b.Set(p.X, p.Y, color.RGBA{0x12, 0x34, 0x56, 0xFF})
		}
		// The emulator's memory outside the window must stay as it was: poke
		// a marker there through... nothing: the driver must not write it.
		if err := d.Show(t.Context(), b); err != nil {
			t.Fatal(err)
		}
		s := c.Stats()
		pixels := int64(changed.Dx() * changed.Dy())
		const overhead = 5 + 5 + 1 // CASET+4, RASET+4, RAMWR
		if s.Pixels != pixels || s.Bytes != overhead+2*pixels {
			t.Fatalf("partial update: %d pixels in %d bytes, want %d pixels in %d bytes", s.Pixels, s.Bytes, pixels, overhead+2*pixels)
		}
		sameAsShown(t, c.Snapshot(), b)
	})
}

// TestPartialUpdateTouchesOnlyTheRectangle proves the driver writes nowhere
// else: the emulator's memory outside the rectangle is changed behind the
// driver's back (a second driver on the same controller) and must survive.
func TestPartialUpdateTouchesOnlyTheRectangle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d, c := newPair(t, nil, nil)
		a := pattern(240, 320, 5)
		if err := d.Show(t.Context(), a); err != nil {
			t.Fatal(err)
		}
		// Stats of a partial update: every stored pixel is inside the rectangle.
		b := image.NewRGBA(a.Bounds())
		copy(b.Pix, a.Pix)
		r := image.Rect(30, 40, 90, 60)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				b.Set(x, y, color.RGBA{0xFF, 0xFF, 0xFF, 0xFF})
			}
		}
		c.ResetStats()
		if err := d.Show(t.Context(), b); err != nil {
			t.Fatal(err)
		}
		if got, want := c.Stats().Pixels, int64(r.Dx()*r.Dy()); got != want {
			t.Fatalf("stored %d pixels, want %d", got, want)
		}
		sameAsShown(t, c.Snapshot(), b)
	})
}

func TestChunking(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The port states 1000 bytes: the driver must follow it.
		d, c := newPair(t, &st7789sim.Opts{MaxTxSize: 1000}, nil)
		img := pattern(240, 320, 2)
		c.ResetStats()
		if err := d.Show(t.Context(), img); err != nil {
			t.Fatal(err)
		}
		s := c.Stats()
		if s.MaxTx > 1000 {
			t.Fatalf("largest transfer %d bytes, port allows 1000", s.MaxTx)
		}
		if want := int64(240*320*2+11) / 1000; s.Transfers < want {
			t.Fatalf("%d transfers, want at least %d", s.Transfers, want)
		}
		sameAsShown(t, c.Snapshot(), img)
	})
	synctest.Test(t, func(t *testing.T) {
		// An Opts.MaxTxSize above the port's limit makes the port refuse.
		c := st7789sim.New(&st7789sim.Opts{MaxTxSize: 1000})
		_, err := st7789.New(c, c.DC(), c.RST(), nil, &st7789.Opts{MaxTxSize: 4096})
		var be *st7789.BusError
		if !errors.As(err, &be) || !errors.Is(err, st7789sim.ErrTooLong) || !errors.Is(err, display.ErrDisplay) {
			t.Fatalf("got %v, want a *BusError wrapping ErrTooLong and matching display.ErrDisplay", err)
		}
	})
}

func TestCancelledShowResendsEverything(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d, c := newPair(t, nil, nil)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if err := d.Show(ctx, pattern(240, 320, 1)); !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
		img := pattern(240, 320, 1)
		c.ResetStats()
		if err := d.Show(t.Context(), img); err != nil {
			t.Fatal(err)
		}
		if got := c.Stats().Pixels; got != 240*320 {
			t.Fatalf("after a cancelled Show, sent %d pixels, want a full frame", got)
		}
		sameAsShown(t, c.Snapshot(), img)
	})
}

func TestHalt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d, c := newPair(t, nil, nil)
		if err := d.Show(t.Context(), pattern(240, 320, 1)); err != nil {
			t.Fatal(err)
		}
		if err := d.Halt(); err != nil {
			t.Fatal(err)
		}
		st := c.State()
		if !st.Asleep || st.DisplayOn || st.Backlight {
			t.Fatalf("after Halt: %+v, want asleep, display and backlight off", st)
		}
		sameAsShown(t, c.Snapshot(), image.NewRGBA(image.Rect(0, 0, 240, 320)))
		if err := d.Show(t.Context(), pattern(240, 320, 1)); !errors.Is(err, st7789.ErrHalted) {
			t.Fatalf("Show after Halt: got %v, want ErrHalted", err)
		}
	})
}

func TestNilImage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d, _ := newPair(t, nil, nil)
		if err := d.Show(t.Context(), nil); !errors.Is(err, st7789.ErrNoImage) {
			t.Fatalf("Show(nil): got %v, want ErrNoImage", err)
		}
		if err := d.Draw(image.Rect(0, 0, 10, 10), nil, image.Point{}); !errors.Is(err, st7789.ErrNoImage) {
			t.Fatalf("Draw(nil): got %v, want ErrNoImage", err)
		}
	})
}

func TestNoResetPin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := st7789sim.New(nil)
		d, err := st7789.New(c, c.DC(), nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		img := pattern(240, 320, 9)
		if err := d.Show(t.Context(), img); err != nil {
			t.Fatal(err)
		}
		sameAsShown(t, c.Snapshot(), img)
		if v := c.Violations(); len(v) > 0 {
			t.Fatal(v)
		}
	})
}

func TestGeometryErrors(t *testing.T) {
	for _, o := range []st7789.Opts{
		{Width: 240, Height: 321},
		{Width: 240, Height: 240, ColOffset: 1},
		{Rotation: 45},
		{Width: -1, Height: 10},
	} {
		c := st7789sim.New(nil)
		if _, err := st7789.New(c, c.DC(), nil, nil, &o); !errors.Is(err, st7789.ErrGeometry) {
			t.Errorf("%+v: got %v, want ErrGeometry", o, err)
		}
	}
	c := st7789sim.New(nil)
	if _, err := st7789.New(c, nil, nil, nil, nil); !errors.Is(err, st7789.ErrGeometry) {
		t.Errorf("no DC pin: got %v, want ErrGeometry", err)
	}
}

// TestEmulatorCatchesBadTiming checks that the emulator would notice a
// driver skipping the datasheet waits (so the clean runs above mean
// something).
func TestEmulatorCatchesBadTiming(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := st7789sim.New(nil)
		conn, err := c.Connect(0, 0, 8)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.DC().Out(false)
		_ = conn.Tx([]byte{st7789.SWRESET}, nil)
		_ = conn.Tx([]byte{st7789.SLPOUT}, nil)
		if len(c.Violations()) == 0 {
			t.Fatal("no violation for SLPOUT right after SWRESET")
		}
	})
}

// BenchmarkFullVsPartialUpdate reports the SPI bytes of a full 240×320 frame
// and of a countdown-sized partial update.
func BenchmarkFullVsPartialUpdate(b *testing.B) {
	c := st7789sim.New(nil)
	d, err := st7789.New(c, c.DC(), c.RST(), c.Backlight(), nil)
	if err != nil {
		b.Fatal(err)
	}
	frames := [2]*image.RGBA{pattern(240, 320, 1), pattern(240, 320, 2)}
	b.Run("full", func(b *testing.B) {
		c.ResetStats()
		for i := 0; b.Loop(); i++ {
			if err := d.Show(b.Context(), frames[i%2]); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(c.Stats().Bytes)/float64(b.N), "spi_bytes/op")
	})
	b.Run("partial", func(b *testing.B) {
		// The countdown of the QR screen: 64×28 pixels of digits change.
		var alt [2]*image.RGBA
		for k := range alt {
			alt[k] = image.NewRGBA(frames[0].Bounds())
			copy(alt[k].Pix, frames[0].Pix)
		}
		r := image.Rect(88, 280, 152, 308)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				alt[1].Set(x, y, color.RGBA{0xFF, 0xFF, 0xFF, 0xFF})
			}
		}
		if err := d.Show(b.Context(), alt[0]); err != nil {
			b.Fatal(err)
		}
		c.ResetStats()
		for i := 1; b.Loop(); i++ {
			if err := d.Show(b.Context(), alt[i%2]); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(c.Stats().Bytes)/float64(b.N), "spi_bytes/op")
	})
}

func TestDrawer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d, c := newPair(t, nil, nil)
		base := pattern(240, 320, 4)
		if err := d.Show(t.Context(), base); err != nil {
			t.Fatal(err)
		}
		patch := pattern(50, 40, 8)
		r := image.Rect(100, 200, 140, 230) // 40×30 of the patch, from (5,6)
		c.ResetStats()
		if err := d.Draw(r, patch, image.Pt(5, 6)); err != nil {
			t.Fatal(err)
		}
		want := image.NewRGBA(base.Bounds())
		copy(want.Pix, base.Pix)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				want.Set(x, y, patch.At(x-r.Min.X+5, y-r.Min.Y+6))
			}
		}
		sameAsShown(t, c.Snapshot(), want)
		if got := c.Stats().Pixels; got > int64(r.Dx()*r.Dy()) {
			t.Fatalf("Draw stored %d pixels, want at most %d", got, r.Dx()*r.Dy())
		}
		if got, want := d.ColorModel().Convert(color.RGBA{0x12, 0x34, 0x56, 0xFF}), quantised(color.RGBA{0x12, 0x34, 0x56, 0xFF}); got != want {
			t.Fatalf("ColorModel: got %v, want %v", got, want)
		}
	})
}
