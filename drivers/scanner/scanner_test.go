package scanner_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	devscanner "tpe/device/scanner"
	"tpe/drivers/scanner"
	"tpe/drivers/serialport/ptysim"
)

// rig is a scanner driver on a real serial port: the slave of a PTY whose
// master plays the scanner.
type rig struct {
	pty *ptysim.PTY
	dev *scanner.Dev
}

func newRig(t *testing.T, o *scanner.Opts) *rig {
	t.Helper()
	p, err := ptysim.NewPTY()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	d, err := scanner.Open(p.Name(), 9600, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Halt() })
	return &rig{pty: p, dev: d}
}

type res struct {
	code string
	err  error
}

// scan starts Scan and returns once it is waiting.
func (r *rig) scan(t *testing.T, ctx context.Context) <-chan res {
	t.Helper()
	ch := make(chan res, 1)
	go func() {
		c, err := r.dev.Scan(ctx)
		ch <- res{c, err}
	}()
	for !r.dev.Pending() {
		select {
		case got := <-ch: // Scan returned at once
			ch <- got
			return ch
		default:
		}
		time.Sleep(time.Millisecond)
	}
	return ch
}

func (r *rig) send(t *testing.T, s string) {
	t.Helper()
	if _, err := r.pty.Master.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
}

func wait(t *testing.T, ch <-chan res) res {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("Scan did not return")
		return res{}
	}
}

func TestScanOverPTY(t *testing.T) {
	cases := []struct {
		name string
		o    *scanner.Opts
		send []string
		want string
	}{
		{"CR", nil, []string{"281012345678901234\r"}, "281012345678901234"},
		{"CRLF", nil, []string{"281012345678901234\r\n"}, "281012345678901234"},
		{"split", nil, []string{"2810123", "45678", "901234\r"}, "281012345678901234"},
		{"tab terminator", &scanner.Opts{Terminators: "\t"}, []string{"6288001234567890123\t"}, "6288001234567890123"},
		{"STX/ETX", &scanner.Opts{Prefix: "\x02", Suffix: "\x03"}, []string{"\x02281012345678901234\x03\r"}, "281012345678901234"},
		{"AIM id", &scanner.Opts{Prefix: "]Q1"}, []string{"]Q1https://qr.alipay.com/x\r"}, "https://qr.alipay.com/x"},
		{"prefix absent", &scanner.Opts{Prefix: "]Q1"}, []string{"12345678901234567\r"}, "12345678901234567"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, tc.o)
			ch := r.scan(t, t.Context())
			for _, s := range tc.send {
				r.send(t, s)
				time.Sleep(5 * time.Millisecond)
			}
			got := wait(t, ch)
			if got.err != nil || got.code != tc.want {
				t.Fatalf("got %q, %v; want %q", got.code, got.err, tc.want)
			}
		})
	}
}

// TestRefusedReads: noise, oversized input and cut-off codes come back as
// *CodeError, and the next good code still reads.
func TestRefusedReads(t *testing.T) {
	cases := []struct {
		name    string
		send    string
		want    error
		wantLen int
	}{
		{"noise", "\x00\xff\x13\x87garbage\r", scanner.ErrGarbled, 11},
		{"only prefix", "]Q1\r", scanner.ErrGarbled, 3},
		{"oversized", strings.Repeat("7", 10000) + "\r", scanner.ErrTooLong, 10000},
		{"cut off", "2810123456", scanner.ErrCutOff, 10},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, &scanner.Opts{Prefix: "]Q1", MaxLen: 64, Timeout: 200 * time.Millisecond})
			ch := r.scan(t, t.Context())
			r.send(t, tc.send)
			got := wait(t, ch)
			var ce *scanner.CodeError
			if !errors.As(got.err, &ce) || !errors.Is(got.err, tc.want) || ce.Len != tc.wantLen {
				t.Fatalf("got %q, %v; want a *CodeError %v of %d bytes", got.code, got.err, tc.want, tc.wantLen)
			}
			if strings.Contains(got.err.Error(), "2810") {
				t.Fatalf("error %q shows code bytes", got.err)
			}
			ch = r.scan(t, t.Context())
			r.send(t, "281012345678901234\r")
			if got := wait(t, ch); got.err != nil || got.code != "281012345678901234" {
				t.Fatalf("next code: got %q, %v", got.code, got.err)
			}
		})
	}
}

func TestStaleCodeDropped(t *testing.T) {
	r := newRig(t, nil)
	ch := r.scan(t, t.Context())
	r.send(t, "11111111111111111\r")
	if got := wait(t, ch); got.code != "11111111111111111" {
		t.Fatalf("got %q, %v", got.code, got.err)
	}
	// Scanned while nobody waits: must not answer the next Scan.
	r.send(t, "22222222222222222\r")
	time.Sleep(50 * time.Millisecond)
	ch = r.scan(t, t.Context())
	r.send(t, "33333333333333333\r")
	if got := wait(t, ch); got.code != "33333333333333333" {
		t.Fatalf("got %q, %v; want the code scanned after Scan", got.code, got.err)
	}
}

func TestUnplugged(t *testing.T) {
	r := newRig(t, nil)
	ch := r.scan(t, t.Context())
	r.pty.Close() // the scanner's cable is pulled
	got := wait(t, ch)
	var ue *scanner.UnpluggedError
	if !errors.Is(got.err, devscanner.ErrUnplugged) || !errors.As(got.err, &ue) {
		t.Fatalf("got %q, %v; want ErrUnplugged", got.code, got.err)
	}
	if _, err := r.dev.Scan(t.Context()); !errors.Is(err, devscanner.ErrUnplugged) {
		t.Fatalf("second Scan: got %v, want ErrUnplugged again", err)
	}
}

func TestContextAndHalt(t *testing.T) {
	r := newRig(t, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := r.dev.Scan(ctx); !errors.Is(err, devscanner.ErrNoCode) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want ErrNoCode wrapping the deadline", err)
	}
	ch := r.scan(t, t.Context())
	if err := r.dev.Halt(); err != nil {
		t.Fatal(err)
	}
	if got := wait(t, ch); !errors.Is(got.err, scanner.ErrHalted) {
		t.Fatalf("Scan during Halt: got %v, want ErrHalted", got.err)
	}
	if _, err := r.dev.Scan(t.Context()); !errors.Is(err, scanner.ErrHalted) {
		t.Fatalf("Scan after Halt: got %v", err)
	}
}

// TestCutOffTiming runs the inter-byte timeout on a fake clock over a pipe.
func TestCutOffTiming(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pr, pw := io.Pipe()
		d := scanner.New(pr, &scanner.Opts{Timeout: 300 * time.Millisecond})
		ch := make(chan res, 4)
		go func() {
			for i := 0; i < 3; i++ {
				c, err := d.Scan(t.Context())
				ch <- res{c, err}
			}
		}()
		synctest.Wait()
		pw.Write([]byte("1234"))
		time.Sleep(299 * time.Millisecond) // still in time
		pw.Write([]byte("5678\r"))
		synctest.Wait()
		if got := <-ch; got.code != "12345678" {
			t.Fatalf("got %q, %v", got.code, got.err)
		}
		pw.Write([]byte("1234"))
		time.Sleep(301 * time.Millisecond) // too late: the rest is another code
		pw.Write([]byte("5678\r"))
		synctest.Wait()
		if got := <-ch; !errors.Is(got.err, scanner.ErrCutOff) {
			t.Fatalf("got %q, %v; want ErrCutOff", got.code, got.err)
		}
		synctest.Wait()
		if got := <-ch; got.code != "5678" {
			t.Fatalf("got %q, %v", got.code, got.err)
		}
		pw.CloseWithError(io.ErrUnexpectedEOF)
		if _, err := d.Scan(t.Context()); !errors.Is(err, devscanner.ErrUnplugged) || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("got %v, want ErrUnplugged wrapping the read error", err)
		}
	})
}

func TestNilReader(t *testing.T) {
	d := scanner.New(nil, nil)
	if _, err := d.Scan(t.Context()); !errors.Is(err, devscanner.ErrUnplugged) {
		t.Fatalf("got %v, want ErrUnplugged", err)
	}
}

// logBuf collects a driver's log lines.
type logBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) waitFor(t *testing.T, s string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		l.mu.Lock()
		out := l.b.String()
		l.mu.Unlock()
		if strings.Contains(out, s) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the log:\n%s", s, out)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestHaltIsNotALostPort: the port closed by Halt (a shutdown) logs no
// warning; a port that goes away does.
func TestHaltIsNotALostPort(t *testing.T) {
	for _, tt := range []struct {
		name    string
		stop    func(r *rig) error
		wantLog string
		warn    bool
	}{
		{"halt", func(r *rig) error { return r.dev.Halt() }, "scanner: stopped reading", false},
		{"unplugged", func(r *rig) error { return r.pty.Close() }, "scanner: port lost", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs logBuf
			r := newRig(t, &scanner.Opts{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
			ch := r.scan(t, t.Context())
			if err := tt.stop(r); err != nil {
				t.Fatal(err)
			}
			wait(t, ch)
			out := logs.waitFor(t, tt.wantLog)
			if got := strings.Contains(out, "level=WARN"); got != tt.warn {
				t.Errorf("got warning %t, want %t:\n%s", got, tt.warn, out)
			}
		})
	}
}
