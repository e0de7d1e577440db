package sim_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tpe/device/nfc"
	"tpe/device/nfc/nfctest"
	"tpe/device/sim"
	"tpe/drivers/pn532"
	"tpe/drivers/pn532/pn532sim"
	"tpe/payment/emv"
	"tpe/payment/emv/cardsim"
)

func newNFC(t testing.TB, o *sim.NFCOpts) *sim.NFC {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err := sim.NewNFC(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := n.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return n
}

type control struct{ n *sim.NFC }

func (c control) Present(t nfc.Target, card nfc.Card) { c.n.Present(pn532sim.WithTarget(card, t)) }
func (c control) Remove()                             { c.n.Remove() }

func TestNFCConformance(t *testing.T) {
	nfctest.Conformance(t, func(t *testing.T) (nfc.Reader, nfctest.Control) {
		n := newNFC(t, &sim.NFCOpts{Driver: &pn532.Opts{CardTimeout: time.Second, PollInterval: 10 * time.Millisecond}})
		return n.Reader(), control{n}
	})
}

// The paced emulator (ACK sent by its timer while the card thinks, or
// joined to the response) behaves the same.
func TestNFCConformancePaced(t *testing.T) {
	nfctest.Conformance(t, func(t *testing.T) (nfc.Reader, nfctest.Control) {
		n := newNFC(t, &sim.NFCOpts{Baud: 921600, Pace: true,
			Driver: &pn532.Opts{CardTimeout: time.Second, PollInterval: 10 * time.Millisecond}})
		return n.Reader(), control{n}
	})
}

func TestNFCLinkAndClose(t *testing.T) {
	link := filepath.Join(t.TempDir(), "ttyNFC")
	ctx := context.Background()
	n, err := sim.NewNFC(ctx, &sim.NFCOpts{Link: link})
	if err != nil {
		t.Fatal(err)
	}
	if dst, err := os.Readlink(link); err != nil || dst != n.PTYName() {
		t.Fatalf("link: %q %v, want %q", dst, err, n.PTYName())
	}
	if got := n.Dev().Firmware(); got.IC != 0x32 {
		t.Fatalf("firmware %v", got)
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	if err := n.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := os.Lstat(link); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("link left behind: %v", err)
	}
}

// kernel is the default French configuration with the virtual cards' CA
// keys and a 20.00 floor limit, so both offline and online paths run.
func kernel() *emv.Kernel {
	cfg := emv.DefaultConfig()
	cfg.CAKeys = cardsim.CAKeys()
	for i := range cfg.Apps {
		cfg.Apps[i].FloorLimit = 2000
	}
	return emv.New(&cfg)
}

// TestVisaContactlessThroughPN532 is the whole chain: virtual Visa card →
// emulated PN532 → PTY → tarm/serial → pn532 driver → EMV kernel.
func TestVisaContactlessThroughPN532(t *testing.T) {
	n := newNFC(t, nil)
	k := kernel()
	for _, tc := range []struct {
		amount int64
		want   emv.Outcome
	}{
		{1250, emv.OutcomeApproved},      // under the floor limit: TC + fDDA
		{4500, emv.OutcomeOnlineRequest}, // above it: ARQC
	} {
		card, err := cardsim.New("visa-credit")
		if err != nil {
			t.Fatal(err)
		}
		n.Present(card)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		c, err := n.Reader().Detect(ctx)
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		res, err := k.Run(ctx, c, emv.Transaction{Amount: tc.amount, CurrencyNumeric: 978, CurrencyExponent: 2, Date: time.Now()})
		cancel()
		if err != nil {
			t.Fatalf("amount %d: %v", tc.amount, err)
		}
		if res.Outcome != tc.want || res.Brand == "" || res.APDUs < 4 {
			t.Fatalf("amount %d: outcome %s (%s), brand %q, %d apdus; want %s", tc.amount, res.Outcome, res.Reason, res.Brand, res.APDUs, tc.want)
		}
		if res.PAN.IsZero() {
			t.Fatal("no PAN read")
		}
		n.Remove()
	}
}

func TestVisaCardRemovedMidTransaction(t *testing.T) {
	n := newNFC(t, nil)
	card, err := cardsim.New("visa-credit")
	if err != nil {
		t.Fatal(err)
	}
	apdus := 0
	// Pull the card out after the SELECT AID, before GPO.
	n.Present(nfctest.CardFunc(func(ctx context.Context, c []byte) ([]byte, error) {
		apdus++
		if apdus == 3 {
			n.Remove()
		}
		return card.Transceive(ctx, c)
	}))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := n.Reader().Detect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = kernel().Run(ctx, c, emv.Transaction{Amount: 1250, CurrencyNumeric: 978, CurrencyExponent: 2, Date: time.Now()})
	if !errors.Is(err, nfc.ErrCardRemoved) {
		t.Fatalf("got %v, want an error wrapping nfc.ErrCardRemoved", err)
	}
}

// BenchmarkCardInField times detect → last APDU of a full Visa contactless
// transaction (EMV kernel, virtual visa-credit card) through the pn532
// driver, a PTY and the emulator paced at 115 200 baud, and reports it as
// a ratio to the wire time of the bytes that crossed the serial line
// (8N1: 10 bits per byte). Budget: x-wire ≤ 1.2.
func BenchmarkCardInField(b *testing.B) {
	n := newNFC(b, &sim.NFCOpts{Baud: 115200, Pace: os.Getenv("NOPACE") == ""})
	k := kernel()
	card, err := cardsim.New("visa-credit")
	if err != nil {
		b.Fatal(err)
	}
	n.Present(card)
	txn := emv.Transaction{Amount: 4500, CurrencyNumeric: 978, CurrencyExponent: 2, Date: time.Now()}
	ctx := context.Background()
	var spent, wire, late time.Duration
	var bytesTotal int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n.Chip().ResetStats()
		start := time.Now()
		c, err := n.Reader().Detect(ctx)
		if err != nil {
			b.Fatal(err)
		}
		res, err := k.Run(ctx, c, txn)
		if err != nil {
			b.Fatal(err)
		}
		spent += time.Since(start)
		if res.Outcome != emv.OutcomeOnlineRequest {
			b.Fatalf("outcome %s: %s", res.Outcome, res.Reason)
		}
		s := n.Chip().Stats()
		bytesTotal += s.RxBytes + s.TxBytes
		late += s.Late
		wire += time.Duration(s.RxBytes+s.TxBytes) * 10 * time.Second / 115200
	}
	b.StopTimer()
	b.ReportMetric(float64(spent)/float64(wire), "x-wire")
	b.ReportMetric(float64(bytesTotal)/float64(b.N), "wire-bytes/op")
	b.ReportMetric(float64(wire.Microseconds())/1000/float64(b.N), "wire-ms/op")
	b.ReportMetric(float64(late.Microseconds())/1000/float64(b.N), "emu-late-ms/op")
}

// Debug logs of the driver and the emulator carry command codes and
// lengths, never card data.
func TestNFCLogsCarryNoCardData(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	n := newNFC(t, &sim.NFCOpts{Logger: log})
	card, err := cardsim.New("visa-credit")
	if err != nil {
		t.Fatal(err)
	}
	n.Present(card)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := n.Reader().Detect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	res, err := kernel().Run(ctx, c, emv.Transaction{Amount: 4500, CurrencyNumeric: 978, CurrencyExponent: 2, Date: time.Now()})
	if err != nil || res.PAN.IsZero() {
		t.Fatalf("%v %v", res, err)
	}
	if logs.Len() == 0 {
		t.Fatal("no debug logs at all: the check below would prove nothing")
	}
	pan := res.PAN.Digits()
	for _, bad := range []string{pan, strings.ToUpper(pan), hex.EncodeToString(res.Cryptogram.Reveal()), strings.ToUpper(hex.EncodeToString(res.Cryptogram.Reveal()))} {
		if strings.Contains(logs.String(), bad) {
			t.Fatalf("card data in logs")
		}
	}
}
