package serialport

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"tpe/drivers/serialport/ptysim"
)

func TestOpenPTYRoundTrip(t *testing.T) {
	p, err := ptysim.NewPTY()
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
	p, err := ptysim.NewPTY()
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
	p, err := ptysim.NewPTY()
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
	p, err := ptysim.NewPTY()
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

// A hung-up line is not an idle one: closing the PTY's master (what the
// kernel also does to an unplugged USB-serial adapter) gives ErrHangUp, to
// a Read already waiting and to every Read and Write after.
func TestHangUpIsNotTimeout(t *testing.T) {
	isHangUp := func(t *testing.T, what string, n int, err error) {
		t.Helper()
		if n != 0 || !errors.Is(err, ErrHangUp) {
			t.Errorf("%s: got (%d, %v), want (0, ErrHangUp)", what, n, err)
		}
		var te interface{ Timeout() bool }
		if errors.As(err, &te) && te.Timeout() {
			t.Errorf("%s: %v reports Timeout()", what, err)
		}
		if errors.Is(err, io.EOF) {
			t.Errorf("%s: %v looks like io.EOF", what, err)
		}
	}
	open := func(t *testing.T) (*ptysim.PTY, *Port) {
		p, err := ptysim.NewPTY()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close() })
		port, err := Open(p.Name(), &Opts{ReadTimeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { port.Close() })
		return p, port
	}

	t.Run("between reads", func(t *testing.T) {
		p, port := open(t)
		if err := p.Master.Close(); err != nil {
			t.Fatal(err)
		}
		n, err := port.Read(make([]byte, 8))
		isHangUp(t, "read", n, err)
		n, err = port.Read(make([]byte, 8))
		isHangUp(t, "read again", n, err)
		n, err = port.Write([]byte{0x55})
		isHangUp(t, "write", n, err)
	})
	t.Run("during a read", func(t *testing.T) {
		p, port := open(t)
		type result struct {
			n   int
			err error
		}
		done := make(chan result, 1)
		go func() {
			n, err := port.Read(make([]byte, 8))
			done <- result{n, err}
		}()
		// Let the Read block in the tty before hanging up; if it has not
		// started yet it sees the hang-up at once, which is also ErrHangUp.
		time.Sleep(50 * time.Millisecond)
		if err := p.Master.Close(); err != nil {
			t.Fatal(err)
		}
		r := <-done
		isHangUp(t, "read", r.n, r.err)
	})
	t.Run("idle line stays a timeout", func(t *testing.T) {
		p, err := ptysim.NewPTY()
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		port, err := Open(p.Name(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer port.Close()
		if n, err := port.Read(make([]byte, 8)); n != 0 || !errors.Is(err, ErrTimeout) {
			t.Errorf("idle line: got (%d, %v), want (0, ErrTimeout)", n, err)
		}
		// The empty write that tells a timeout from a hang-up sends nothing.
		p.Master.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if n, err := p.Master.Read(make([]byte, 8)); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("device side got %d bytes (%v), want none", n, err)
		}
	})
}
