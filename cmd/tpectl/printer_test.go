package main

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tpe/drivers/escpos/escpossim"
	"tpe/drivers/serialport/ptysim"
)

// TestPrinterTestOverPTY runs `tpectl printer test` against the virtual
// printer on a PTY, as a technician would against a real one.
func TestPrinterTestOverPTY(t *testing.T) {
	pty, err := ptysim.NewPTY()
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "ttyPRN")
	if err := pty.Link(link); err != nil {
		t.Fatal(err)
	}
	sim := escpossim.New(&escpossim.Opts{Dots: 384})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sim.Serve(ctx, pty.Master) }()
	defer func() { cancel(); pty.Close(); <-done }()

	var out, errb bytes.Buffer
	if code := run(ctx, []string{"printer", "test", "--port", link, "--width", "58", "--baud", "115200"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "online=true") || !strings.Contains(out.String(), "test page printed") {
		t.Errorf("output: %s", out.String())
	}
	if n := len(sim.Receipts()); n != 1 {
		t.Fatalf("%d pages on the virtual paper, want 1", n)
	}
	sim.SetPaperOut(true)
	out.Reset()
	errb.Reset()
	if code := run(ctx, []string{"printer", "test", "--port", link, "--width", "58", "--baud", "115200"}, &out, &errb); code == 0 ||
		!strings.Contains(errb.String(), "paper out") {
		t.Errorf("paper out: exit %d, stderr %q", code, errb.String())
	}
}

// TestPrinterTestDeviceFileAndRender prints to a plain file (a device file
// that cannot answer status), then renders that capture to PNG.
func TestPrinterTestDeviceFileAndRender(t *testing.T) {
	dir := t.TempDir()
	capture := filepath.Join(dir, "lp0")
	os.WriteFile(capture, nil, 0o600)
	var out, errb bytes.Buffer
	ctx := context.Background()
	if code := run(ctx, []string{"printer", "test", "--port", capture}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "print blind") {
		t.Errorf("output: %s", out.String())
	}
	pngPath := filepath.Join(dir, "page.png")
	out.Reset()
	if code := run(ctx, []string{"sim", "printer", "render", "--width", "80", capture, pngPath}, &out, &errb); code != 0 {
		t.Fatalf("render exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "1 cuts, 0 not drawn, 0 unknown") {
		t.Errorf("render output: %s", out.String())
	}
	b, err := os.ReadFile(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != 640 || img.Bounds().Dy() < 800 {
		t.Errorf("rendered page is %v", img.Bounds())
	}
}

func TestPrinterUsage(t *testing.T) {
	for _, args := range [][]string{
		{"printer"}, {"printer", "fly"}, {"printer", "test"}, {"printer", "test", "--port", "x", "--width", "62"},
		{"sim", "printer"}, {"sim", "printer", "render", "only-one.bin"}, {"sim", "printer", "serve"},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, &out, &errb); code == 0 || !strings.Contains(errb.String(), "usage:") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errb.String())
		}
	}
}
