package sim

import (
	"bytes"
	"context"
	"image/png"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"tpe/device/printer/printertest"
	"tpe/drivers/escpos"
)

func TestPrinterConformance(t *testing.T) {
	p, err := NewPrinter(&PrinterOpts{Width: 58})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	printertest.Conformance(t, p, p)
	if n := len(p.All()); n != 2 {
		t.Errorf("%d receipts on the virtual paper, want 2", n)
	}
}

// TestPrinterTestPage prints the technician's test page through the PTY
// path and reads its QR code back off the virtual paper.
func TestPrinterTestPage(t *testing.T) {
	cuts := make(chan int, 4)
	p, err := NewPrinter(&PrinterOpts{Width: 80, OnCut: func(n int) { cuts <- n }})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.LastPNG(); p.Last() != nil {
		t.Fatal("paper before printing")
	}
	if err := p.PrintRaw(context.Background(), escpos.TestPage(p.Profile(), escpos.CP858, "sim")); err != nil {
		t.Fatal(err)
	}
	if n := <-cuts; n != 1 {
		t.Errorf("OnCut(%d), want 1", n)
	}
	b, err := p.LastPNG()
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if w := img.Bounds().Dx(); w != 640 {
		t.Errorf("80 mm paper is %d px wide, want 640", w)
	}
	bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("test page QR: %v", err)
	}
	if got := res.GetText(); got != "https://tpe.example/test?w=80mm" {
		t.Errorf("QR = %q", got)
	}
	if err := p.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
}
