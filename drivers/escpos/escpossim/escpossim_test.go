package escpossim_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"flag"
	"image"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/oned"
	"github.com/makiuchi-d/gozxing/qrcode"

	"tpe/device/printer"
	"tpe/drivers/escpos"
	"tpe/drivers/escpos/escpossim"
)

var screens = flag.Bool("screens", false, "write PNGs of every receipt kind to docs/screens/receipts (and of foreign streams to testdata)")

// hexStream reads a testdata/*.hex file: hex bytes, "quoted text" and
// # comments.
func hexStream(t testing.TB, name string) []byte {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []byte
	sc := bufio.NewScanner(f)
	for ln := 1; sc.Scan(); ln++ {
		line := sc.Text()
		for line = strings.TrimSpace(line); line != "" && line[0] != '#'; line = strings.TrimSpace(line) {
			if line[0] == '"' {
				end := strings.IndexByte(line[1:], '"') + 1
				if end == 0 {
					t.Fatalf("%s:%d: unterminated string", name, ln)
				}
				s, err := strconv.Unquote(line[:end+1])
				if err != nil {
					t.Fatalf("%s:%d: %v", name, ln, err)
				}
				out = append(out, s...)
				line = line[end+1:]
				continue
			}
			tok, rest, _ := strings.Cut(line, " ")
			b, err := hex.DecodeString(tok)
			if err != nil {
				t.Fatalf("%s:%d: %q: %v", name, ln, tok, err)
			}
			out = append(out, b...)
			line = rest
		}
	}
	return out
}

func goldens(t testing.TB) map[string][]byte {
	files, err := filepath.Glob("../testdata/receipts/*.bin")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden streams in ../testdata/receipts (%v)", err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".bin")] = b
	}
	return out
}

func dotsOf(name string) int {
	if strings.HasSuffix(name, "_58mm") {
		return escpos.Paper58.Dots
	}
	return escpos.Paper80.Dots
}

// decodeQR finds and decodes the QR code in img.
func decodeQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		t.Fatalf("no QR code decoded: %v", err)
	}
	return res.GetText()
}

func decode1D(t *testing.T, img image.Image, r gozxing.Reader) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("no barcode decoded: %v", err)
	}
	return res.GetText()
}

// crop returns the band of img between rows y0 and y1.
func crop(img image.Image, y0, y1 int) image.Image {
	return img.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(image.Rect(0, y0, img.Bounds().Dx(), y1))
}

func TestRenderOurReceipts(t *testing.T) {
	for name, stream := range goldens(t) {
		t.Run(name, func(t *testing.T) {
			img, st := escpossim.Render(stream, dotsOf(name))
			if st.Unknown != 0 || st.Unrendered != 0 {
				t.Errorf("our own stream has %d unknown and %d unrendered commands", st.Unknown, st.Unrendered)
			}
			if st.Cuts != 1 {
				t.Errorf("%d cuts, want 1", st.Cuts)
			}
			b := img.Bounds()
			if want := dotsOf(name) + 2*map[int]int{384: 40, 576: 32}[dotsOf(name)]; b.Dx() != want {
				t.Errorf("paper %d dots wide, want %d", b.Dx(), want)
			}
			if b.Dy() < 300 {
				t.Errorf("receipt only %d dots long", b.Dy())
			}
			if strings.HasPrefix(name, "link_request") {
				if got := decodeQR(t, img); got != "https://pay.example.com/l/7Hq2xK9pLm" {
					t.Errorf("QR decodes to %q", got)
				}
			}
		})
	}
}

func TestTestPageSymbols(t *testing.T) {
	for _, p := range []escpos.Profile{escpos.Paper58, escpos.Paper80} {
		img, st := escpossim.Render(escpos.TestPage(p, escpos.CP858, ""), p.Dots)
		if st.Unknown+st.Unrendered != 0 {
			t.Errorf("%s: %+v", p.Name, st)
		}
		if got := decodeQR(t, img); got != "https://tpe.example/test?w="+p.Name {
			t.Errorf("%s: QR decodes to %q", p.Name, got)
		}
		if got := decode1D(t, img, oned.NewCode128Reader()); got != "TPE-0001" {
			t.Errorf("%s: CODE128 decodes to %q", p.Name, got)
		}
		h := img.Bounds().Dy()
		if got := decode1D(t, crop(img, h/2, h), oned.NewEAN13Reader()); got != "3760123456784" {
			t.Errorf("%s: EAN-13 decodes to %q", p.Name, got)
		}
	}
}

// TestForeignStreams renders streams as python-escpos and receiptline emit
// them, and a mix of vendor oddities: every command is consumed by its
// length, the ones not drawn are counted, the symbols decode.
func TestForeignStreams(t *testing.T) {
	tests := []struct {
		file                string
		unrendered, unknown int
		qr, barcode         string
		reader              gozxing.Reader
		replies             []byte
	}{
		{"python-escpos.hex", 4, 0, "https://cafe.example/r/42", "CDC-0042", oned.NewCode128Reader(), nil},
		{"receiptline.hex", 4, 0, "receiptline-qr-01", "5901234123457", oned.NewEAN13Reader(), nil},
		{"vendor-mix.hex", 4, 1, "", "", nil, []byte{0x12}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			stream := hexStream(t, tt.file)
			p := escpossim.New(&escpossim.Opts{Dots: 576})
			replies := p.Feed(stream)
			st := p.Stats()
			if st.Unrendered != tt.unrendered || st.Unknown != tt.unknown {
				t.Errorf("unrendered %d unknown %d, want %d and %d", st.Unrendered, st.Unknown, tt.unrendered, tt.unknown)
			}
			if !bytes.Equal(replies, tt.replies) {
				t.Errorf("replies % X, want % X", replies, tt.replies)
			}
			if n := len(p.Receipts()); n != 1 {
				t.Fatalf("%d receipts cut, want 1", n)
			}
			img := p.Last()
			if tt.qr != "" {
				if got := decodeQR(t, img); got != tt.qr {
					t.Errorf("QR decodes to %q, want %q", got, tt.qr)
				}
			}
			if tt.reader != nil {
				if got := decode1D(t, img, tt.reader); got != tt.barcode {
					t.Errorf("barcode decodes to %q, want %q", got, tt.barcode)
				}
			}
			if *screens {
				// Renders of other encoders' streams, for us to look at:
				// beside their streams, not among the user-facing receipts.
				writePNGTo(t, "testdata", "foreign_"+strings.TrimSuffix(tt.file, ".hex"), img)
			}
		})
	}
}

// TestSkippedParamsNeverPrint: a command the emulator does not draw, with
// parameter bytes that look like text, leaves the paper exactly as if it
// were absent.
func TestSkippedParamsNeverPrint(t *testing.T) {
	base := []byte("\x1b@HELLO\n")
	for _, cmd := range [][]byte{
		[]byte("\x1b(A\x04\x00ABCD"),                                    // ESC ( A with text-looking params
		[]byte("\x1d(k\x05\x000CXYZ"),                                   // GS ( k PDF417
		[]byte("\x1d8L\x04\x00\x00\x000qWE"),                            // GS 8 L unknown fn
		[]byte("\x1bp\x00AB"),                                           // drawer kick
		[]byte("\x1c\x71\x01\x01\x00\x01\x00" + strings.Repeat("Z", 8)), // FS q NV image
		[]byte("\x1dk\x04CODE39\x00"),                                   // CODE39 function A, not drawn
		[]byte("\x1d|\x41"),                                             // print density (python-escpos), "A" as parameter
	} {
		with := append(append([]byte("\x1b@"), cmd...), base[2:]...)
		a, _ := escpossim.Render(base, 384)
		b, st := escpossim.Render(with, 384)
		if !samePix(a, b) {
			t.Errorf("% X changed the paper", cmd)
		}
		if st.Unrendered == 0 {
			t.Errorf("% X not counted as unrendered", cmd)
		}
	}
}

func samePix(a, b image.Image) bool {
	pa, pb := a.(*image.Paletted), b.(*image.Paletted)
	return pa.Rect == pb.Rect && bytes.Equal(pa.Pix, pb.Pix)
}

// TestSplitStream: bytes arriving one at a time (a slow serial line) print
// the same paper as one write.
func TestSplitStream(t *testing.T) {
	for name, stream := range map[string][]byte{
		"receiptline": hexStream(t, "receiptline.hex"),
		"card":        goldens(t)["card_customer_fr_58mm"],
	} {
		whole, _ := escpossim.Render(stream, 576)
		p := escpossim.New(&escpossim.Opts{Dots: 576})
		for i := range stream {
			p.Feed(stream[i : i+1])
		}
		if !samePix(whole, p.Paper()) {
			t.Errorf("%s: byte-by-byte feed printed differently", name)
		}
	}
}

func TestStatusAnswers(t *testing.T) {
	p := escpossim.New(nil)
	q := []byte{0x10, 4, 1, 0x10, 4, 2, 0x10, 4, 3, 0x10, 4, 4}
	if got := p.Feed(q); !bytes.Equal(got, []byte{0x12, 0x12, 0x12, 0x12}) {
		t.Errorf("ready: % X", got)
	}
	p.SetPaperOut(true)
	if got := p.Feed(q); !bytes.Equal(got, []byte{0x1A, 0x32, 0x12, 0x7E}) {
		t.Errorf("paper out: % X", got)
	}
	p.SetPaperOut(false)
	p.SetCoverOpen(true)
	if got := p.Feed(q); !bytes.Equal(got, []byte{0x1A, 0x16, 0x12, 0x12}) {
		t.Errorf("cover open: % X", got)
	}
	// Nothing prints while the cover is open.
	p.Feed([]byte("TEXT\n\x1dV\x00"))
	if len(p.Receipts()) != 0 || p.Last() != nil {
		t.Error("printed with the cover open")
	}
	p.SetCoverOpen(false)
	p.SetNearEnd(true)
	if got := p.Feed([]byte{0x10, 4, 4, 0x1d, 'r', 1, 0x1b, 'v'}); !bytes.Equal(got, []byte{0x1E, 0x03, 0x03}) {
		t.Errorf("near end: % X", got)
	}
}

func TestPaperOutAfter(t *testing.T) {
	p := escpossim.New(&escpossim.Opts{Dots: 384})
	p.PaperOutAfter(100)
	p.Feed([]byte(strings.Repeat("line\n", 10) + "\x1dV\x00"))
	if n := len(p.Receipts()); n != 0 {
		t.Errorf("%d receipts cut after the roll ran out", n)
	}
	if got := p.Feed([]byte{0x10, 4, 2}); !bytes.Equal(got, []byte{0x32}) {
		t.Errorf("offline cause % X, want 32 (paper end)", got)
	}
	if img := p.Last(); img == nil || img.Bounds().Dy() > 100+40 {
		t.Errorf("paper printed past the end of the roll: %v", img.Bounds())
	}
}

// writePNG writes a receipt of docs/screens/receipts: our own receipts and
// test pages only.
func writePNG(t testing.TB, name string, img image.Image) {
	writePNGTo(t, filepath.Join("..", "..", "..", "docs", "screens", "receipts"), name, img)
}

func writePNGTo(t testing.TB, dir, name string, img image.Image) {
	b, err := escpossim.PNG(img)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, name+".png"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestScreens writes the PNGs of docs/screens/receipts with -screens.
func TestScreens(t *testing.T) {
	if !*screens {
		t.Skip("run with -screens to regenerate docs/screens/receipts")
	}
	for name, stream := range goldens(t) {
		if strings.HasSuffix(name, "_58mm") && !strings.HasPrefix(name, "card_customer_fr") && !strings.HasPrefix(name, "alipay_fr") && !strings.HasPrefix(name, "link_request_fr") {
			continue
		}
		img, _ := escpossim.Render(stream, dotsOf(name))
		writePNG(t, strings.TrimSuffix(name, "_80mm"), img)
	}
	for _, p := range []escpos.Profile{escpos.Paper58, escpos.Paper80} {
		img, _ := escpossim.Render(escpos.TestPage(p, escpos.CP858, "tpectl printer test"), p.Dots)
		writePNG(t, "testpage_"+p.Name, img)
	}
}

func BenchmarkReceiptRender(b *testing.B) {
	stream := goldens(b)["card_customer_fr_80mm"]
	b.ReportAllocs()
	b.SetBytes(int64(len(stream)))
	for b.Loop() {
		img, _ := escpossim.Render(stream, 576)
		if _, err := escpossim.PNG(img); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range goldens(f) {
		f.Add(s)
	}
	for _, n := range []string{"python-escpos.hex", "receiptline.hex", "vendor-mix.hex"} {
		f.Add(hexStream(f, n))
	}
	f.Add(escpos.TestPage(escpos.Paper58, escpos.CP858, ""))
	encs, _ := filepath.Glob(filepath.Join("testdata", "encoders", "*.bin"))
	for _, n := range encs {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	// Every layout command, with extreme values.
	f.Add([]byte("\x1b@\x1dP\x00\x01\x1dL\xff\xff\x1dW\x01\x00AB\x1b$\xff\x7f\x1b\\\x00\x80C\t\x1bD\x01\x02\x00\t\x1b \xff\x1d!\x77D\x1bV\x01E\x1b{\x01F\x1b3\xff\x1bt\x01\x95\x9c\xdf\xff\n"))
	f.Fuzz(func(t *testing.T, stream []byte) {
		// Bounded so one input cannot print metres of 8×8-size text.
		if len(stream) > 4096 {
			return
		}
		whole := escpossim.New(&escpossim.Opts{Dots: 384})
		r1 := whole.Feed(stream)
		split := escpossim.New(&escpossim.Opts{Dots: 384})
		var r2 []byte
		for i := 0; i < len(stream); i += 7 {
			r2 = append(r2, split.Feed(stream[i:min(i+7, len(stream))])...)
		}
		if !bytes.Equal(r1, r2) {
			t.Fatalf("replies differ when split: % X vs % X", r1, r2)
		}
		if !reflect.DeepEqual(whole.Stats(), split.Stats()) {
			t.Fatalf("stats differ when split: %+v vs %+v", whole.Stats(), split.Stats())
		}
		a, b := whole.Last(), split.Last()
		if (a == nil) != (b == nil) || a != nil && !samePix(a, b) {
			t.Fatal("paper differs when the stream is split")
		}
	})
}

// TestCodePagesPrintAlike: the same receipt encoded in CP858 and in WPC1252
// prints the same paper — the euro sign and accents decode to the same
// glyphs whichever table ESC t selects.
func TestCodePagesPrintAlike(t *testing.T) {
	r := printer.Receipt{Lines: []printer.Line{
		{Text: "Crème brûlée à emporter", Align: printer.Center},
		{Text: "MONTANT", Right: "1\u202f234,50\u00a0€", Bold: true, Tall: true},
		{Text: "Ça coûte cher, Éloïse", Wide: true},
	}}
	a, _ := escpossim.Render(escpos.Layout(r, escpos.Paper80, escpos.CP858), 576)
	b, _ := escpossim.Render(escpos.Layout(r, escpos.Paper80, escpos.WPC1252), 576)
	if !samePix(a, b) {
		t.Error("CP858 and WPC1252 print differently")
	}
	c, _ := escpossim.Render(escpos.Layout(printer.Receipt{Lines: []printer.Line{
		{Text: "Creme brulee a emporter", Align: printer.Center}}}, escpos.Paper80, escpos.CP858), 576)
	if samePix(a, c) {
		t.Error("accents printed as plain letters")
	}
}

// TestAlignment: a right-aligned line ends at the right edge of the
// printable width, a centred one is centred, a left one starts at 0.
func TestAlignment(t *testing.T) {
	for _, tt := range []struct {
		a           printer.Align
		left, right int // expected ink bounds in dots, ±4
	}{
		{printer.Left, 0, 4 * 12},
		{printer.Center, (384 - 48) / 2, (384 + 48) / 2},
		{printer.Right, 384 - 48, 384},
	} {
		img, _ := escpossim.Render(escpos.Layout(printer.Receipt{Lines: []printer.Line{{Text: "HHHH", Align: tt.a}}}, escpos.Paper58, escpos.CP858), 384)
		p := img.(*image.Paletted)
		minX, maxX := 1<<30, -1
		for y := range p.Rect.Dy() {
			for x := range p.Rect.Dx() {
				if p.Pix[y*p.Stride+x] == 1 {
					minX, maxX = min(minX, x-40), max(maxX, x-40+1)
				}
			}
		}
		if abs(minX-tt.left) > 4 || abs(maxX-tt.right) > 4 {
			t.Errorf("align %d: ink from %d to %d, want about %d to %d", tt.a, minX, maxX, tt.left, tt.right)
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
