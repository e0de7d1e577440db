package main

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"

	"tpe/device/sim"
	"tpe/drivers/st7789"
	"tpe/payment"
	"tpe/ui/customer"
)

// TestDisplayQRDecodes renders the Alipay+ screen through the st7789
// driver into the emulator and decodes the QR code from the emulated
// glass, on both panel sizes and a rotated panel.
func TestDisplayQRDecodes(t *testing.T) {
	const payload = "https://qr.alipay.com/bax03070lgsbxpqdytk9006d"
	for _, args := range [][]string{
		{"--size", "240x320"},
		{"--size", "240x240", "--lang", "en"},
		{"--size", "240x320", "--rotation", "90"},
	} {
		out := filepath.Join(t.TempDir(), "qr.png")
		var stdout bytes.Buffer
		all := append([]string{"test", "--screen", "qr", "--amount", "1250", "--payload", payload, "--out", out}, args...)
		if err := runDisplay(t.Context(), all, &stdout); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		bmp, err := gozxing.NewBinaryBitmapFromImage(img)
		if err != nil {
			t.Fatal(err)
		}
		res, err := gozxingqr.NewQRCodeReader().Decode(bmp, nil)
		if err != nil {
			t.Fatalf("%v: QR does not decode from the emulator framebuffer: %v", args, err)
		}
		if res.GetText() != payload {
			t.Fatalf("%v: decoded %q, want %q", args, res.GetText(), payload)
		}
		if !strings.Contains(stdout.String(), "SPI bytes") {
			t.Fatalf("stdout %q", stdout.String())
		}
	}
}

func TestDisplayAllScreens(t *testing.T) {
	dir := t.TempDir()
	var stdout bytes.Buffer
	if err := runDisplay(t.Context(), []string{"test", "--screen", "all", "--size", "240x240", "--out", dir}, &stdout); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	if want := 2 * len(customer.Screens()); len(files) != want {
		t.Fatalf("%d files, want %d: every screen × 2 languages", len(files), want)
	}
	for _, p := range files {
		b, _ := os.ReadFile(p)
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil || (image.Point{cfg.Width, cfg.Height}) != image.Pt(240, 240) {
			t.Fatalf("%s: %v %dx%d", p, err, cfg.Width, cfg.Height)
		}
	}
}

func TestDisplayUsage(t *testing.T) {
	for _, args := range [][]string{
		nil,
		{"test"},
		{"test", "--screen", "nope", "--out", "x.png"},
		{"test", "--screen", "qr", "--out", "x.png", "--lang", "de"},
		{"test", "--screen", "qr", "--out", "x.png", "--currency", "XXX"},
		{"test", "--screen", "qr", "--out", "x.png", "--size", "100x100"},
	} {
		err := runDisplay(t.Context(), args, &bytes.Buffer{})
		if _, ok := err.(usageError); !ok {
			t.Errorf("%q: got %v, want a usage error", args, err)
		}
	}
}

// TestCountdownIsPartial ticks the QR screen's countdown through the driver:
// only the countdown's rectangle crosses the bus, and the emulated glass
// then shows exactly the new frame.
func TestCountdownIsPartial(t *testing.T) {
	d, err := sim.NewDisplay(nil)
	if err != nil {
		t.Fatal(err)
	}
	f := customer.Frame{Screen: customer.QR, Lang: "fr", Amount: payment.Amount{Minor: 1250, Currency: "EUR"},
		QRPayload: "https://qr.alipay.com/bax03070lgsbxpqdytk9006d", Wallets: []string{"Alipay", "GCash"}, Remaining: 272 * time.Second}
	if err := d.Ready(t.Context()); err != nil {
		t.Fatal(err)
	}
	d.Controller().ResetStats() // the driver's black power-up frame
	if err := d.Show(t.Context(), customer.Render(f, d.Bounds().Size())); err != nil {
		t.Fatal(err)
	}
	full := d.Stats().Bytes
	d.Controller().ResetStats()
	f.Remaining -= time.Second
	next := customer.Render(f, d.Bounds().Size())
	if err := d.Show(t.Context(), next); err != nil {
		t.Fatal(err)
	}
	part := d.Stats().Bytes
	t.Logf("full frame %d bytes, countdown tick %d bytes", full, part)
	if part == 0 || part > full/10 {
		t.Fatalf("countdown tick sent %d bytes, full frame %d: want a small partial update", part, full)
	}
	snap := d.Snapshot()
	for y := 0; y < 320; y++ {
		for x := 0; x < 240; x++ {
			if st7789.RGB565(snap.At(x, y)) != st7789.RGB565(next.At(x, y)) {
				t.Fatalf("pixel %d,%d: glass %v, frame %v", x, y, snap.At(x, y), next.At(x, y))
			}
		}
	}
}

func TestDisplayOLED(t *testing.T) {
	out := filepath.Join(t.TempDir(), "amount.png")
	if err := runDisplay(t.Context(), []string{"test", "--screen", "amount", "--size", "128x64", "--out", out}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil || img.Bounds() != image.Rect(0, 0, 128, 64) {
		t.Fatalf("%v, bounds %v", err, img.Bounds())
	}
	lit := 0
	for y := 0; y < 64; y++ {
		for x := 0; x < 128; x++ {
			if r, _, _, _ := img.At(x, y).RGBA(); r > 0x8000 {
				lit++
			}
		}
	}
	// The amount screen is light: most of the OLED is lit, the text dark.
	if lit < 128*64/2 || lit == 128*64 {
		t.Fatalf("%d lit pixels of %d", lit, 128*64)
	}
}
