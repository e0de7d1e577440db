package serialport

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestOpenPTYRoundTrip(t *testing.T) {
	p, err := NewPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	link := filepath.Join(t.TempDir(), "ttyTEST")
	if err := p.Link(link); err != nil {
		t.Fatal(err)
	}
	port, err := Open(link, &Opts{Baud: 115200, ReadTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()

	// Bytes a cooked tty would mangle (CR, LF, ^C, ^D, 0xFF) pass unchanged.
	want := []byte{0x00, 0x0D, 0x0A, 0x03, 0x04, 0x7F, 0xFF, 0x55}
	if _, err := p.Master.Write(want); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 0, len(want))
	buf := make([]byte, 16)
	for len(got) < len(want) {
		n, err := port.Read(buf)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		got = append(got, buf[:n]...)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("got % X, want % X", got, want)
	}
	if _, err := port.Write(want); err != nil {
		t.Fatal(err)
	}
	back := make([]byte, len(want))
	p.Master.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.ReadFull(p.Master, back); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back, want) {
		t.Fatalf("master got % X, want % X", back, want)
	}
}

func TestIdleReadIsTimeout(t *testing.T) {
	p, err := NewPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	port, err := Open(p.Name(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	n, err := port.Read(make([]byte, 8))
	if n != 0 || !errors.Is(err, ErrTimeout) {
		t.Fatalf("got (%d, %v), want (0, ErrTimeout)", n, err)
	}
	var te interface{ Timeout() bool }
	if !errors.As(err, &te) || !te.Timeout() {
		t.Fatalf("%v does not report Timeout()", err)
	}
	if errors.Is(err, io.EOF) {
		t.Fatal("timeout must not look like io.EOF")
	}
	port.Close()
	if _, err := port.Read(make([]byte, 1)); !errors.Is(err, ErrClosed) {
		t.Fatalf("read after close: got %v, want ErrClosed", err)
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open(filepath.Join(t.TempDir(), "nope"), nil); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("got %v, want ErrNotExist", err)
	}
	p, err := NewPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := Open(p.Name(), &Opts{Baud: 12345}); err == nil {
		t.Fatal("odd baud rate accepted")
	}
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o600)
	if err := p.Link(f); err == nil {
		t.Fatal("Link replaced a regular file")
	}
}

func TestPTYMasterDeadline(t *testing.T) {
	p, err := NewPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.Master.SetReadDeadline(time.Now().Add(50 * time.Millisecond)); err != nil {
		t.Fatalf("master has no deadlines: %v", err)
	}
	if _, err := p.Master.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("got %v, want deadline exceeded", err)
	}
}
