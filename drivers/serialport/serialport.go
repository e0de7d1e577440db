package serialport

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/tarm/serial"
)

// Opts configures a port. The zero value is 115200 baud 8N1 with a 100 ms
// read timeout.
type Opts struct {
	// Baud is the line speed in bits per second; 0 means 115200.
	Baud int
	// ReadTimeout bounds an idle Read; 0 means 100 ms. It is rounded up to a
	// multiple of 100 ms by the tty layer.
	ReadTimeout time.Duration
}

// ErrTimeout is returned by Read when no byte arrived within ReadTimeout.
// The port stays usable.
var ErrTimeout error = timeoutError{}

type timeoutError struct{}

func (timeoutError) Error() string   { return "serialport: read timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

// ErrClosed is returned by Read and Write after Close.
var ErrClosed = errors.New("serialport: port closed")

// ErrHangUp is returned by Read and Write once the line is hung up: a
// USB-serial adapter unplugged, the other end of a pseudo-terminal closed.
// Unlike ErrTimeout it is final: close the port and open the device
// again when it is back.
var ErrHangUp = errors.New("serialport: line hung up")

// Port is an open serial device, 8 data bits, no parity, one stop bit.
type Port struct {
	name string
	baud int
	p    *serial.Port
}

// Open opens the serial device at path. nil Opts means defaults.
func Open(path string, o *Opts) (*Port, error) {
	var opts Opts
	if o != nil {
		opts = *o
	}
	if opts.Baud == 0 {
		opts.Baud = 115200
	}
	if opts.ReadTimeout <= 0 {
		opts.ReadTimeout = 100 * time.Millisecond
	}
	if opts.ReadTimeout < 100*time.Millisecond {
		// tarm/serial turns anything below one VTIME tick into a blocking
		// read; never allow a read that can hang forever.
		opts.ReadTimeout = 100 * time.Millisecond
	}
	p, err := serial.OpenPort(&serial.Config{Name: path, Baud: opts.Baud, ReadTimeout: opts.ReadTimeout})
	if err != nil {
		return nil, fmt.Errorf("serialport: opening %s at %d baud: %w", path, opts.Baud, err)
	}
	return &Port{name: path, baud: opts.Baud, p: p}, nil
}

// Read reads what is available, at least one byte, or returns (0, ErrTimeout)
// after the read timeout, or (0, ErrHangUp) at once on a hung-up line.
func (p *Port) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	n, err := p.p.Read(b)
	if n == 0 && err == io.EOF {
		// The termios timer expired with nothing read, or the tty was hung
		// up: a hung-up tty reads as an immediate end of file as well. A
		// hung-up tty refuses any write with EIO, even one of no bytes,
		// which a live line accepts without sending anything.
		if _, werr := p.p.Write(nil); errors.Is(werr, syscall.EIO) {
			return 0, ErrHangUp
		}
		return 0, ErrTimeout
	}
	return n, p.translate(err)
}

// Write writes b to the line.
func (p *Port) Write(b []byte) (int, error) {
	n, err := p.p.Write(b)
	return n, p.translate(err)
}

// translate maps the tty's errors to the package's: EIO is what a Read
// waiting when the line hangs up, and any Write after it, get.
func (p *Port) translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, os.ErrClosed):
		return ErrClosed
	case errors.Is(err, syscall.EIO):
		return fmt.Errorf("%w (%s: %w)", ErrHangUp, p.name, err)
	}
	return err
}

// Flush discards bytes received but not read yet AND bytes written but not
// sent yet (tcflush TCIOFLUSH, all tarm/serial offers): never call it right
// after a Write whose bytes must go out.
func (p *Port) Flush() error { return p.p.Flush() }

// Close closes the device. A Read in progress returns within the read timeout.
func (p *Port) Close() error { return p.p.Close() }

// String returns the device path and speed.
func (p *Port) String() string { return fmt.Sprintf("%s@%d", p.name, p.baud) }

// Baud returns the line speed.
func (p *Port) Baud() int { return p.baud }
