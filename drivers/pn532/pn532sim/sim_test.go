package pn532sim_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"tpe/device/nfc"
	"tpe/drivers/pn532"
	"tpe/drivers/pn532/pn532sim"
	"tpe/drivers/serialport"
	"tpe/drivers/serialport/ptysim"
)

var visa = nfc.Target{UID: []byte{0x08, 0x34, 0xB9, 0x83}, ATQA: [2]byte{0x00, 0x04}, SAK: 0x20,
	ATS: []byte{0x05, 0x78, 0x80, 0x70, 0x02}}

type cardFunc func(ctx context.Context, capdu []byte) ([]byte, error)

func (f cardFunc) Transceive(ctx context.Context, c []byte) ([]byte, error) { return f(ctx, c) }

var echo = cardFunc(func(_ context.Context, c []byte) ([]byte, error) {
	return append(append([]byte(nil), c...), 0x90, 0x00), nil
})

// line is a raw host end of a PTY with the emulator on the other end.
type line struct {
	t    *testing.T
	chip *pn532sim.Chip
	pty  *ptysim.PTY
	port *serialport.Port
}

func newLine(t *testing.T, o *pn532sim.Opts) *line {
	t.Helper()
	p, err := ptysim.NewPTY()
	if err != nil {
		t.Fatal(err)
	}
	chip := pn532sim.New(o)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- chip.ServeHSU(ctx, p.Master) }()
	baud := 115200
	if o != nil && o.Baud != 0 {
		baud = o.Baud
	}
	port, err := serialport.Open(p.Name(), &serialport.Opts{Baud: baud})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServeHSU: %v", err)
		}
		port.Close()
		p.Close()
	})
	return &line{t: t, chip: chip, pty: p, port: port}
}

func (l *line) write(b []byte) {
	l.t.Helper()
	if _, err := l.port.Write(b); err != nil {
		l.t.Fatal(err)
	}
}

// read returns exactly n bytes, or fails after d.
func (l *line) read(n int, d time.Duration) []byte {
	l.t.Helper()
	got := l.readUpTo(n, d)
	if len(got) != n {
		l.t.Fatalf("got %d bytes (% X), want %d", len(got), got, n)
	}
	return got
}

func (l *line) readUpTo(n int, d time.Duration) []byte {
	deadline := time.Now().Add(d)
	var got []byte
	buf := make([]byte, 512)
	for len(got) < n && time.Now().Before(deadline) {
		k, err := l.port.Read(buf[:min(len(buf), n-len(got))])
		got = append(got, buf[:k]...)
		if err != nil && err != serialport.ErrTimeout {
			l.t.Fatal(err)
		}
	}
	return got
}

func (l *line) wake() { l.write([]byte{0x55, 0x55, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}) }

func cmd(data ...byte) []byte { return pn532.AppendFrame(nil, pn532.TFIHost, data) }
func rsp(data ...byte) []byte {
	return append(pn532.ACK(), pn532.AppendFrame(nil, pn532.TFIChip, data)...)
}

func (l *line) exchange(c, want []byte) {
	l.t.Helper()
	l.write(c)
	if got := l.read(len(want), 2*time.Second); !bytes.Equal(got, want) {
		l.t.Fatalf("to % X:\n got % X\nwant % X", c, got, want)
	}
}

func (l *line) silence(d time.Duration) {
	l.t.Helper()
	if got := l.readUpTo(1, d); len(got) != 0 {
		l.t.Fatalf("unexpected bytes % X", got)
	}
}

// TestLibnfcSession replays, byte for byte, what libnfc's nfc-list sends
// and checks every byte the emulator answers.
func TestLibnfcSession(t *testing.T) {
	l := newLine(t, nil)
	l.chip.Place(pn532sim.WithTarget(echo, visa))
	f, err := os.Open("testdata/libnfc-nfc-list.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var host []byte
	for n := 1; sc.Scan(); n++ {
		s := sc.Text()
		if s == "" || s[0] == '#' {
			continue
		}
		b, err := hex.DecodeString(strings.ReplaceAll(s[2:], " ", ""))
		if err != nil {
			t.Fatalf("line %d: %v", n, err)
		}
		switch s[0] {
		case '=':
			l.write(b)
		case '>':
			host = b
		case '<':
			l.exchange(host, b)
		}
	}
	if l.chip.Awake() {
		t.Error("chip awake after PowerDown")
	}
	if l.chip.Register(0x633C) != 0x10 || l.chip.Register(0x6302) != 0x80 {
		t.Error("register writes not remembered")
	}
}

func TestAsleepUntilWakeUp(t *testing.T) {
	l := newLine(t, nil)
	l.write(cmd(0x02))
	l.silence(300 * time.Millisecond)
	l.wake()
	l.exchange(cmd(0x02), rsp(0x03, 0x32, 0x01, 0x06, 0x07))
}

func TestProtocolRules(t *testing.T) {
	l := newLine(t, nil)
	l.wake()
	l.exchange(cmd(0x14, 0x01), rsp(0x15))

	// Bad checksum: ignored, no ACK.
	bad := cmd(0x02)
	bad[len(bad)-2] ^= 0xFF
	l.write(bad)
	l.silence(200 * time.Millisecond)

	// Unknown command and malformed parameters: ACK + error frame.
	l.exchange(cmd(0x7E), append(pn532.ACK(), pn532.ErrorFrame()...))
	l.exchange(cmd(0x32, 0x01), append(pn532.ACK(), pn532.ErrorFrame()...))

	// NACK: the last response again (without a new ACK).
	l.exchange(cmd(0x02), rsp(0x03, 0x32, 0x01, 0x06, 0x07))
	l.write(pn532.NACK())
	want := pn532.AppendFrame(nil, pn532.TFIChip, []byte{0x03, 0x32, 0x01, 0x06, 0x07})
	if got := l.read(len(want), time.Second); !bytes.Equal(got, want) {
		t.Fatalf("NACK: got % X", got)
	}

	// Extended frame: nfcpy's 262-byte communication test.
	data := []byte{0x00, 0x00}
	for i := 0; i < 262; i++ {
		data = append(data, byte(i))
	}
	echoed := append([]byte{0x01}, data[1:]...)
	l.exchange(cmd(data...), rsp(echoed...))

	// GetGeneralStatus with the field off and no target.
	l.exchange(cmd(0x04), rsp(0x05, 0x00, 0x00, 0x00, 0x01))
}

func TestInfiniteListAbortAndArrival(t *testing.T) {
	l := newLine(t, nil)
	l.wake()
	l.exchange(cmd(0x14, 0x01), rsp(0x15))
	l.exchange(cmd(0x32, 0x01, 0x01), rsp(0x33))
	l.exchange(cmd(0x32, 0x05, 0xFF, 0xFF, 0xFF), rsp(0x33))

	// No card: the chip keeps polling; the host aborts with an ACK.
	l.write(cmd(0x4A, 0x01, 0x00))
	if got := l.read(6, time.Second); !bytes.Equal(got, pn532.ACK()) {
		t.Fatalf("got % X", got)
	}
	l.silence(200 * time.Millisecond)
	l.write(pn532.ACK())
	l.exchange(cmd(0x02), rsp(0x03, 0x32, 0x01, 0x06, 0x07))

	// A card arriving while the chip polls is reported at once.
	l.write(cmd(0x4A, 0x01, 0x00))
	l.read(6, time.Second)
	time.Sleep(50 * time.Millisecond)
	l.chip.Place(pn532sim.WithTarget(echo, visa))
	want := pn532.AppendFrame(nil, pn532.TFIChip, []byte{0x4B, 0x01, 0x01, 0x00, 0x04, 0x20, 0x04, 0x08, 0x34, 0xB9, 0x83, 0x05, 0x78, 0x80, 0x70, 0x02})
	if got := l.read(len(want), 2*time.Second); !bytes.Equal(got, want) {
		t.Fatalf("got % X", got)
	}

	// APDU exchange, chained responses (MI) and card presence.
	l.exchange(cmd(0x40, 0x01, 0x00, 0xA4, 0x04, 0x00), rsp(0x41, 0x00, 0x00, 0xA4, 0x04, 0x00, 0x90, 0x00))
	long := make([]byte, 300)
	l.exchange(cmd(append([]byte{0x40, 0x41}, long[:200]...)...), rsp(0x41, 0x00)) // host chaining
	first := append([]byte{0x41, 0x40}, long[:200]...)
	first = append(first, long[:52]...)
	l.exchange(cmd(append([]byte{0x40, 0x01}, long[200:]...)...), rsp(first...))
	rest := append(append([]byte{0x41, 0x00}, long[52:100]...), 0x90, 0x00)
	l.exchange(cmd(0x40, 0x01), rsp(rest...))
	l.exchange(cmd(0x00, 0x06), rsp(0x01, 0x00))
	l.exchange(cmd(0x42, 0xB2), rsp(0x43, 0x00, 0xA2))

	// Removed: exchanges time out (status 01), presence fails.
	l.chip.Remove()
	l.exchange(cmd(0x40, 0x01, 0x00, 0xB2, 0x01, 0x0C, 0x00), rsp(0x41, 0x01))
	l.exchange(cmd(0x00, 0x06), rsp(0x01, 0x01))
	l.exchange(cmd(0x42, 0xB2), rsp(0x43, 0x01))
}

func TestAbortDuringCardExchange(t *testing.T) {
	l := newLine(t, nil)
	stuck := make(chan struct{})
	l.chip.Place(pn532sim.WithTarget(cardFunc(func(ctx context.Context, _ []byte) ([]byte, error) {
		close(stuck)
		<-ctx.Done()
		return nil, ctx.Err()
	}), visa))
	l.wake()
	l.exchange(cmd(0x14, 0x01), rsp(0x15))
	l.exchange(cmd(0x32, 0x01, 0x01), rsp(0x33))
	l.write(cmd(0x4A, 0x01, 0x00))
	l.read(6+24, time.Second)
	l.write(cmd(0x40, 0x01, 0x80, 0xAE, 0x80, 0x00))
	l.read(6, time.Second)
	<-stuck
	l.write(pn532.ACK()) // abort: the card's exchange is cancelled, no response
	l.exchange(cmd(0x02), rsp(0x03, 0x32, 0x01, 0x06, 0x07))
}

func TestSetSerialBaudRate(t *testing.T) {
	l := newLine(t, nil)
	l.wake()
	l.exchange(cmd(0x10, 0x07), rsp(0x11))
	if l.chip.Baud() != 115200 {
		t.Fatal("speed changed before the host's ACK")
	}
	l.write(pn532.ACK())
	l.exchange(cmd(0x02), rsp(0x03, 0x32, 0x01, 0x06, 0x07))
	if got := l.chip.Baud(); got != 921600 {
		t.Fatalf("baud %d, want 921600", got)
	}
}

// TestPacingNeverEarly checks the emulator's one timing promise: bytes are
// not delivered before the wire at the configured speed could carry them.
// It is a lower bound, which a slow machine can only exceed.
func TestPacingNeverEarly(t *testing.T) {
	l := newLine(t, &pn532sim.Opts{Baud: 9600, Pace: true})
	l.wake()
	l.exchange(cmd(0x14, 0x01), rsp(0x15))
	c := cmd(0x00, 0x00, 0x6C, 0x69, 0x62, 0x6E, 0x66, 0x63)
	want := rsp(0x01, 0x00, 0x6C, 0x69, 0x62, 0x6E, 0x66, 0x63)
	start := time.Now()
	l.exchange(c, want)
	el := time.Since(start)
	wire := time.Duration(len(c)+len(want)) * 10 * time.Second / 9600
	if el < wire {
		t.Fatalf("%d bytes took %v, less than their wire time %v", len(c)+len(want), el, wire)
	}
	s := l.chip.Stats()
	if s.RxBytes == 0 || s.TxBytes == 0 {
		t.Fatalf("stats not counted: %+v", s)
	}
}

func TestI2CStatusReadDoesNotConsume(t *testing.T) {
	chip := pn532sim.New(nil)
	bus := chip.I2C()
	defer bus.Close()
	if err := bus.Tx(0x24, cmd(0x02), nil); err != nil {
		t.Fatal(err)
	}
	readFrame := func(n int) []byte {
		deadline := time.Now().Add(time.Second)
		st := []byte{0}
		for st[0]&1 == 0 {
			if time.Now().After(deadline) {
				t.Fatal("never ready")
			}
			bus.Tx(0x24, nil, st)
			time.Sleep(time.Millisecond)
		}
		bus.Tx(0x24, nil, st) // status-only again: still there
		r := make([]byte, 1+n)
		if err := bus.Tx(0x24, nil, r); err != nil {
			t.Fatal(err)
		}
		if r[0] != 0x01 {
			t.Fatalf("status % X", r[0])
		}
		return r[1:]
	}
	if got := readFrame(6); !bytes.Equal(got, pn532.ACK()) {
		t.Fatalf("ack: % X", got)
	}
	want := pn532.AppendFrame(nil, pn532.TFIChip, []byte{0x03, 0x32, 0x01, 0x06, 0x07})
	if got := readFrame(len(want) + 4); !bytes.Equal(got[:len(want)], want) || !bytes.Equal(got[len(want):], make([]byte, 4)) {
		t.Fatalf("response: % X", got)
	}
	if err := bus.Tx(0x25, nil, make([]byte, 1)); err == nil {
		t.Fatal("wrong address answered")
	}
}

var _ io.ReadWriter = (*serialport.Port)(nil)

// Stopping the emulator while a command waits for a card (libnfc's
// infinite InListPassiveTarget) must not hang.
func TestShutdownWhileWaitingForCard(t *testing.T) {
	p, err := ptysim.NewPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	chip := pn532sim.New(nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- chip.ServeHSU(ctx, p.Master) }()
	port, err := serialport.Open(p.Name(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	l := &line{t: t, chip: chip, pty: p, port: port}
	l.wake()
	l.exchange(cmd(0x14, 0x01), rsp(0x15))
	l.exchange(cmd(0x32, 0x01, 0x01), rsp(0x33))
	l.write(cmd(0x4A, 0x01, 0x00))
	l.read(6, time.Second)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ServeHSU hung with a command pending")
	}

	// Same on a bus.
	bus := chip.I2C()
	bus.Tx(0x24, cmd(0x4A, 0x01, 0x00), nil)
	time.Sleep(10 * time.Millisecond)
	bus.Close()
}
