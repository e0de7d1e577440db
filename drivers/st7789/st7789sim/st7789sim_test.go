package st7789sim

import (
	"image/color"
	"testing"

	"tpe/drivers/st7789"
)

// send writes a command and its parameters as a host would.
func send(t *testing.T, c *Controller, tx func([]byte, []byte) error, cmd byte, params ...byte) {
	t.Helper()
	_ = c.DC().Out(false)
	if err := tx([]byte{cmd}, nil); err != nil {
		t.Fatal(err)
	}
	if len(params) > 0 {
		_ = c.DC().Out(true)
		if err := tx(params, nil); err != nil {
			t.Fatal(err)
		}
	}
}

// TestWindowWrapAndFormats writes a 2×2 window with more pixels than it
// holds, split across transfers mid-pixel, in RGB565 then RGB666.
func TestWindowWrapAndFormats(t *testing.T) {
	c := New(&Opts{TN: true})
	cn, err := c.Connect(0, 0, 8)
	if err != nil {
		t.Fatal(err)
	}
	send(t, c, cn.Tx, st7789.SLPOUT)
	send(t, c, cn.Tx, st7789.DISPON)
	send(t, c, cn.Tx, st7789.COLMOD, st7789.Colmod16)
	send(t, c, cn.Tx, st7789.CASET, 0, 10, 0, 11)
	send(t, c, cn.Tx, st7789.RASET, 0, 20, 0, 21)
	send(t, c, cn.Tx, st7789.RAMWR)
	// Five red-ish pixels: the fifth wraps to (10,20).
	data := []byte{0xF8, 0x00, 0x07, 0xE0, 0x00, 0x1F, 0xFF, 0xFF, 0x00, 0x00}
	_ = c.DC().Out(true)
	_ = cn.Tx(data[:3], nil)
	_ = cn.Tx(data[3:], nil)
	img := c.Snapshot()
	for _, tc := range []struct {
		x, y int
		want color.RGBA
	}{
		{10, 20, color.RGBA{0, 0, 0, 0xFF}}, // overwritten by the fifth pixel
		{11, 20, color.RGBA{0, 0xFF, 0, 0xFF}},
		{10, 21, color.RGBA{0, 0, 0xFF, 0xFF}},
		{11, 21, color.RGBA{0xFF, 0xFF, 0xFF, 0xFF}},
	} {
		if got := img.RGBAAt(tc.x, tc.y); got != tc.want {
			t.Errorf("pixel %d,%d: got %v, want %v", tc.x, tc.y, got, tc.want)
		}
	}
	if s := c.Stats(); s.Pixels != 5 {
		t.Errorf("stored %d pixels, want 5", s.Pixels)
	}
	// RGB666: three bytes per pixel, six high bits used.
	send(t, c, cn.Tx, st7789.COLMOD, st7789.Colmod18)
	send(t, c, cn.Tx, st7789.RAMWR, 0xFC, 0x00, 0xFC)
	if got, want := c.Snapshot().RGBAAt(10, 20), (color.RGBA{0xFF, 0, 0xFF, 0xFF}); got != want {
		t.Errorf("RGB666 pixel: got %v, want %v", got, want)
	}
	// MADCTL MX mirrors columns across the whole 240-column memory.
	send(t, c, cn.Tx, st7789.MADCTL, st7789.MadctlMX)
	send(t, c, cn.Tx, st7789.COLMOD, st7789.Colmod16)
	send(t, c, cn.Tx, st7789.CASET, 0, 0, 0, 0)
	send(t, c, cn.Tx, st7789.RASET, 0, 0, 0, 0)
	send(t, c, cn.Tx, st7789.RAMWR, 0xFF, 0xFF)
	// Snapshot applies the same mirror, so logical (0,0) reads back white.
	if got := c.Snapshot().RGBAAt(0, 0); got != (color.RGBA{0xFF, 0xFF, 0xFF, 0xFF}) {
		t.Errorf("mirrored pixel: got %v", got)
	}
	if got := c.ram[239]; got != 0xFFFF {
		t.Errorf("MX write landed elsewhere: memory column 239 = %04X", got)
	}
}

func TestRefusesLongTransfersAndBadModes(t *testing.T) {
	c := New(&Opts{MaxTxSize: 16})
	if _, err := c.Connect(0, 1, 8); err == nil {
		t.Error("mode 1 accepted")
	}
	cn, err := c.Connect(0, 0, 8)
	if err != nil {
		t.Fatal(err)
	}
	if err := cn.Tx(make([]byte, 17), nil); err == nil {
		t.Error("17-byte transfer accepted with MaxTxSize 16")
	}
}

// FuzzController feeds an arbitrary host byte stream: the first byte of each
// chunk picks DC (and sometimes a reset pulse), the rest is one transfer.
// The emulator must never panic and always produce a snapshot of the glass.
func FuzzController(f *testing.F) {
	f.Add([]byte{0x00, st7789.SLPOUT, 0x00, st7789.CASET, 0x01, 0x00, 0x00, 0x00, 0xEF}, uint8(2))
	f.Add([]byte{0x00, st7789.MADCTL, 0x01, 0xE8, 0x00, st7789.RAMWR, 0x01, 0xFF, 0xFF, 0x12}, uint8(3))
	f.Add([]byte{0x02, st7789.COLMOD, 0x66, 0x00, st7789.RAMWRC, 0x01, 1, 2, 3, 4, 5}, uint8(4))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		c := New(&Opts{Width: 135, Height: 240, MaxTxSize: 64})
		cn, err := c.Connect(0, 0, 8)
		if err != nil {
			t.Fatal(err)
		}
		n := int(chunk)%16 + 2
		for len(data) > 0 {
			k := min(n, len(data))
			ctl, body := data[0], data[1:k]
			data = data[k:]
			_ = c.DC().Out(ctl&1 == 1)
			if ctl&2 != 0 {
				_ = c.RST().Out(false)
				_ = c.RST().Out(true)
			}
			_ = cn.Tx(body, nil)
		}
		img := c.Snapshot()
		if b := img.Bounds(); b.Dx()*b.Dy() != 135*240 {
			t.Fatalf("snapshot %v", b)
		}
	})
}
