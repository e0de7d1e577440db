package ssd1306sim

import (
	"testing"

	"tpe/drivers/ssd1306"
)

// TestControlBytes sends commands and data with Co=1 control bytes, then
// page-addressing writes.
func TestControlBytes(t *testing.T) {
	c := New(nil)
	w := []byte{
		0x80, ssd1306.ChargePump, 0x80, 0x14, 0x80, ssd1306.SegRemapOn, 0x80, ssd1306.ComScanDec,
		0x80, 0xB1, 0x80, 0x05, 0x80, 0x10, // page 1, column 5 (page mode)
		0xC0, 0x81, // Co=1 data: column 5, rows 8 and 15
		0x00, ssd1306.DisplayOn,
	}
	if err := c.Tx(0x3C, w, nil); err != nil {
		t.Fatal(err)
	}
	img := c.Snapshot()
	for _, p := range [][2]int{{5, 8}, {5, 15}} {
		if img.GrayAt(p[0], p[1]).Y != 0xFF {
			t.Errorf("pixel %v not lit", p)
		}
	}
	if img.GrayAt(5, 9).Y != 0 || img.GrayAt(6, 8).Y != 0 {
		t.Error("neighbouring pixel lit")
	}
	if s := c.Stats(); s.DataBytes != 1 {
		t.Errorf("data bytes %d, want 1", s.DataBytes)
	}
}

// FuzzI2C feeds arbitrary I²C writes; the emulator must not panic.
func FuzzI2C(f *testing.F) {
	f.Add([]byte{0x00, 0x21, 0x00, 0x7F, 0x22, 0x00, 0x07, 0x40, 0xFF, 0x00})
	f.Add([]byte{0x80, 0x20, 0x80, 0x01, 0x40, 1, 2, 3})
	f.Fuzz(func(t *testing.T, w []byte) {
		c := New(&Opts{Width: 128, Height: 32})
		_ = c.Tx(0x3C, w, make([]byte, 1))
		_ = c.Tx(0x3C, append([]byte{0x40}, w...), nil)
		c.Snapshot()
	})
}
