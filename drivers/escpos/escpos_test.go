package escpos_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tpe/device/printer"
	"tpe/device/printer/printertest"
	"tpe/drivers/escpos"
	"tpe/drivers/escpos/escpossim"
	"tpe/drivers/serialport"
	"tpe/drivers/serialport/ptysim"
)

var update = flag.Bool("update", false, "rewrite golden byte streams in testdata")

func TestEncodeEuro(t *testing.T) {
	tests := []struct {
		page escpos.CodePage
		in   string
		want []byte
	}{
		{escpos.CP858, "12,50\u00a0€", []byte("12,50 \xd5")},
		{escpos.WPC1252, "12,50\u00a0€", []byte("12,50 \x80")},
		{escpos.CP858, "Élan café", []byte("\x90lan caf\x82")},
		{escpos.WPC1252, "Élan café", []byte("\xc9lan caf\xe9")},
		{escpos.CP858, "1\u202f234", []byte("1 234")},
		{escpos.CP858, "zł ő", []byte("z? o")},
		{escpos.CP858, "ǿ Ǽ", []byte("\x9b \x92")}, // base letter outside ASCII but in the table
		{escpos.CP858, "a\x1bb\nc", []byte("abc")}, // text never smuggles commands
	}
	for _, tt := range tests {
		if got := tt.page.Encode(tt.in); !bytes.Equal(got, tt.want) {
			t.Errorf("%s.Encode(%q) = % X, want % X", tt.page.Name, tt.in, got, tt.want)
		}
	}
}

// TestEncoderBytes pins the command bytes to the Epson reference and to what
// python-escpos sends for the same job.
func TestEncoderBytes(t *testing.T) {
	e := escpos.NewEncoder(escpos.CP858)
	e.Init().Align(1).Bold(true).Underline(2).Size(2, 2).Feed(3).Cut(true, 0)
	want := []byte{0x1B, 0x40, 0x1B, 0x74, 19, 0x1B, 0x61, 1, 0x1B, 0x45, 1, 0x1B, 0x2D, 2, 0x1D, 0x21, 0x11, 0x1B, 0x64, 3, 0x1D, 0x56, 66, 0}
	if !bytes.Equal(e.Bytes(), want) {
		t.Errorf("got % X\nwant % X", e.Bytes(), want)
	}
	e.Reset()
	if err := e.QR("HELLO", escpos.QROpts{Module: 3, Level: escpos.QRLevelL}); err != nil {
		t.Fatal(err)
	}
	want = []byte{
		0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00,
		0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 0x03,
		0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x30,
		0x1D, 0x28, 0x6B, 0x08, 0x00, 0x31, 0x50, 0x30, 'H', 'E', 'L', 'L', 'O',
		0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30,
	}
	if !bytes.Equal(e.Bytes(), want) {
		t.Errorf("QR: got % X\nwant % X", e.Bytes(), want)
	}
	e.Reset()
	if err := e.Code128("12345", escpos.BarcodeOpts{Height: 50, Module: 2}); err != nil {
		t.Fatal(err)
	}
	want = []byte{0x1D, 0x68, 50, 0x1D, 0x77, 2, 0x1D, 0x48, 2, 0x1D, 0x6B, 0x49, 0x07, 0x7B, 0x42, 0x31, 0x32, 0x33, 0x34, 0x35}
	if !bytes.Equal(e.Bytes(), want) {
		t.Errorf("CODE128: got % X\nwant % X", e.Bytes(), want)
	}
	e.Reset()
	e.Code128("123456", escpos.BarcodeOpts{NoHRI: true})
	if got := e.Bytes()[9:]; !bytes.Equal(got, []byte{0x1D, 0x6B, 0x49, 5, '{', 'C', 12, 34, 56}) {
		t.Errorf("CODE128 set C: got % X", got)
	}
}

func TestEncoderRefusals(t *testing.T) {
	e := escpos.NewEncoder(escpos.CP858)
	for _, err := range []error{
		e.QR("", escpos.QROpts{}),
		e.QR(strings.Repeat("x", 3000), escpos.QROpts{}),
		e.Code128("", escpos.BarcodeOpts{}),
		e.Code128("é", escpos.BarcodeOpts{}),
		e.EAN13("12345", escpos.BarcodeOpts{}),
		e.EAN13("3760123456780", escpos.BarcodeOpts{}), // wrong check digit
	} {
		if err == nil {
			t.Error("bad input accepted")
		}
	}
	if len(e.Bytes()) != 0 {
		t.Errorf("refused input left % X in the stream", e.Bytes())
	}
	if err := e.EAN13("376012345678"+string(escpos.EANCheck("376012345678")), escpos.BarcodeOpts{}); err != nil {
		t.Errorf("valid EAN-13 refused: %v", err)
	}
	if _, err := escpos.ProfileFor(62); err == nil {
		t.Error("62 mm accepted")
	}
}

func TestLayoutRows(t *testing.T) {
	r := printer.Receipt{Lines: []printer.Line{
		{Text: "MONTANT", Right: "12,50 €"},
		{Text: "a very long label that cannot share its row with the amount", Right: "1 234,50 €"},
		{Text: "word " + strings.Repeat("x", 40)},
		{Text: "WIDE", Right: "9,99 €", Wide: true},
		{Text: "ORDER", Right: "TPE00042-20261126132000000-0a1b2c3d4e"},
	}}
	got := escpos.Layout(r, escpos.Paper58, escpos.CP858)
	for _, row := range []string{
		"MONTANT                  12,50 \xd5\n",
		"a very long label that cannot\nshare its row with the amount\n                      1 234,50 \xd5\n",
		"word\n" + strings.Repeat("x", 32) + "\n" + strings.Repeat("x", 8) + "\n",
		"WIDE      9,99 \xd5\n",
		"ORDER\nTPE00042-20261126132000000-0a1b2\n                           c3d4e\n",
	} {
		if !bytes.Contains(got, []byte(row)) {
			t.Errorf("layout lacks row %q in\n%q", row, got)
		}
	}
	if !bytes.HasPrefix(got, []byte{0x1B, 0x40, 0x1B, 0x74, 19}) {
		t.Error("layout does not start with ESC @ ESC t 19")
	}
	if !bytes.HasSuffix(got, []byte{0x1D, 0x56, 66, 0}) {
		t.Error("layout does not end with a cut")
	}
}

// receipts loads the payment package's golden receipt documents: the
// payment side builds them, this side must lay them out byte-exactly.
func receipts(t testing.TB) map[string]printer.Receipt {
	files, err := filepath.Glob("../../payment/testdata/receipts/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no receipt documents in payment/testdata/receipts (%v)", err)
	}
	out := map[string]printer.Receipt{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var r printer.Receipt
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".json")] = r
	}
	return out
}

// TestGoldenStreams compares the ESC/POS bytes of every receipt kind, on both
// paper widths, with testdata/receipts/*.bin.
func TestGoldenStreams(t *testing.T) {
	for name, r := range receipts(t) {
		for _, p := range []escpos.Profile{escpos.Paper58, escpos.Paper80} {
			got := escpos.Layout(r, p, escpos.CP858)
			file := filepath.Join("testdata", "receipts", name+"_"+p.Name+".bin")
			if *update {
				os.MkdirAll(filepath.Dir(file), 0o755)
				os.WriteFile(file, got, 0o644)
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s: stream differs from %s", name, file)
			}
		}
	}
	tp := escpos.TestPage(escpos.Paper80, escpos.CP858, "")
	if *update {
		os.WriteFile("testdata/testpage_80mm.bin", tp, 0o644)
	}
	if want, _ := os.ReadFile("testdata/testpage_80mm.bin"); !bytes.Equal(tp, want) {
		t.Error("test page differs from testdata/testpage_80mm.bin")
	}
}

// rig is the real driver talking to the virtual printer through a real PTY
// opened with drivers/serialport, as in the simulator.
type rig struct {
	sim  *escpossim.Printer
	dev  *escpos.Dev
	port *serialport.Port
}

func newRig(t *testing.T, p escpos.Profile) *rig {
	t.Helper()
	pty, err := ptysim.NewPTY()
	if err != nil {
		t.Fatal(err)
	}
	port, err := serialport.Open(pty.Name(), &serialport.Opts{Baud: 115200, ReadTimeout: 100 * time.Millisecond})
	if err != nil {
		pty.Close()
		t.Fatal(err)
	}
	sim := escpossim.New(&escpossim.Opts{Dots: p.Dots})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sim.Serve(ctx, pty.Master) }()
	t.Cleanup(func() {
		cancel()
		port.Close()
		pty.Close()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("virtual printer did not stop")
		}
	})
	dev := escpos.New(port, &escpos.Opts{Profile: p, Name: pty.Name(), StatusTimeout: 2 * time.Second})
	return &rig{sim: sim, dev: dev, port: port}
}

func (r *rig) PaperOut(b bool)     { r.sim.SetPaperOut(b) }
func (r *rig) CoverOpen(b bool)    { r.sim.SetCoverOpen(b) }
func (r *rig) PaperOutAfter(n int) { r.sim.PaperOutAfter(n * 30) }

func TestConformanceOverPTY(t *testing.T) {
	r := newRig(t, escpos.Paper58)
	printertest.Conformance(t, r.dev, r)
	if got := len(r.sim.Receipts()); got != 2 {
		t.Errorf("virtual printer cut %d receipts, want 2", got)
	}
}

func TestStatusMapping(t *testing.T) {
	r := newRig(t, escpos.Paper80)
	ctx := context.Background()
	r.sim.SetNearEnd(true)
	st, err := r.dev.Status(ctx)
	if err != nil || !st.Online || !st.PaperLow || st.PaperOut {
		t.Errorf("near end: %+v, %v", st, err)
	}
	if err := r.dev.Print(ctx, printertest.Sample()); err != nil {
		t.Errorf("near end must still print: %v", err)
	}
	r.sim.SetFault(true)
	st, err = r.dev.Status(ctx)
	if err != nil || !st.Error || !errors.Is(st.Err(), printer.ErrFault) {
		t.Errorf("fault: %+v, %v", st, err)
	}
	if err := r.dev.Print(ctx, printertest.Sample()); !errors.Is(err, printer.ErrFault) {
		t.Errorf("print on fault: got %v, want ErrFault", err)
	}
}

// TestPaperOutMidPrint: the roll runs out in the middle of a long receipt;
// Print says so even though every byte was accepted.
func TestPaperOutMidPrint(t *testing.T) {
	r := newRig(t, escpos.Paper80)
	rc := receipts(t)["report_z_fr"]
	r.sim.PaperOutAfter(300)
	err := r.dev.Print(context.Background(), rc)
	if !errors.Is(err, printer.ErrPaperOut) {
		t.Fatalf("got %v, want ErrPaperOut", err)
	}
	if !strings.Contains(err.Error(), "after printing") {
		t.Errorf("error %q should say the roll ran out during the print", err)
	}
	if n := len(r.sim.Receipts()); n != 0 {
		t.Errorf("%d receipts cut, want none", n)
	}
}

func TestNoReply(t *testing.T) {
	// A printer that swallows everything and never answers: Status must
	// give up after StatusTimeout, reporting the printer offline.
	pty, err := ptysim.NewPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer pty.Close()
	port, err := serialport.Open(pty.Name(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	go func() {
		b := make([]byte, 64)
		for {
			if _, err := pty.Master.Read(b); err != nil {
				return
			}
		}
	}()
	dev := escpos.New(port, &escpos.Opts{StatusTimeout: 300 * time.Millisecond})
	_, err = dev.Status(context.Background())
	if !errors.Is(err, escpos.ErrNoReply) || !errors.Is(err, printer.ErrOffline) {
		t.Fatalf("got %v, want ErrNoReply wrapping ErrOffline", err)
	}
	nd := escpos.New(port, &escpos.Opts{NoStatus: true})
	if err := nd.Print(context.Background(), printertest.Sample()); err != nil {
		t.Fatalf("NoStatus print: %v", err)
	}
}

func TestBadStatusByte(t *testing.T) {
	rw := &fakeLine{reply: []byte{0xFF}}
	_, err := escpos.New(rw, nil).Status(context.Background())
	var se *escpos.StatusError
	if !errors.As(err, &se) || se.Got != 0xFF || se.Request != 1 {
		t.Fatalf("got %v, want *StatusError{1, 0xFF}", err)
	}
}

// TestDeviceFile prints through a device file path (a FIFO stands in for
// /dev/usb/lp0): no status, bytes arrive intact.
func TestDeviceFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lp0")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := escpos.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dev := escpos.New(f, &escpos.Opts{NoStatus: true, Profile: escpos.Paper58})
	if err := dev.Print(context.Background(), printertest.Sample()); err != nil {
		t.Fatal(err)
	}
	f.Close()
	got, _ := os.ReadFile(path)
	if want := dev.Encode(printertest.Sample()); !bytes.Equal(got, want) {
		t.Fatalf("device file holds %d bytes, want %d", len(got), len(want))
	}
	if _, err := escpos.OpenFile(filepath.Join(t.TempDir(), "nope")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing device: %v", err)
	}
}

type fakeLine struct {
	reply []byte
	sent  bytes.Buffer
}

func (f *fakeLine) Write(b []byte) (int, error) { return f.sent.Write(b) }
func (f *fakeLine) Read(b []byte) (int, error) {
	if len(f.reply) == 0 {
		return 0, errors.New("nothing")
	}
	n := copy(b, f.reply)
	f.reply = f.reply[n:]
	return n, nil
}

func BenchmarkReceiptEncode(b *testing.B) {
	r := receipts(b)["card_customer_fr"]
	b.ReportAllocs()
	var n int
	for b.Loop() {
		n = len(escpos.Layout(r, escpos.Paper80, escpos.CP858))
	}
	b.SetBytes(int64(n))
}
