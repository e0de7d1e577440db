package scanner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"tpe/device/scanner"
	"tpe/drivers/serialport"
)

var _ scanner.Scanner = (*Dev)(nil)

// Opts configures a Dev. nil means CR or LF ends a code, no prefix or
// suffix, codes up to 512 bytes, 500 ms to finish a code.
type Opts struct {
	// Terminators: any of these bytes ends a code. Default "\r\n", which
	// also handles CR LF (the empty line in between is ignored).
	Terminators string
	// Prefix and Suffix are stripped from a code when present, e.g. "\x02"
	// and "\x03", or an AIM identifier such as "]Q1".
	Prefix, Suffix string
	// MaxLen is the longest code accepted, after stripping. Default 512:
	// an Alipay+ code is 17–32 digits, a QR URL under 300 bytes.
	MaxLen int
	// Timeout drops a code whose terminator does not arrive this long
	// after its last byte. Default 500 ms; a scanner sends a code in one
	// burst (32 bytes at 9600 baud take 33 ms).
	Timeout time.Duration
	// Logger gets one line per refused code (length only). Discard by
	// default.
	Logger *slog.Logger
}

// Dev is a serial barcode scanner.
type Dev struct {
	r      io.Reader
	closer io.Closer // set by Open: Halt closes the port it opened
	name   string
	log    *slog.Logger
	p      parser

	start   sync.Once
	mu      sync.Mutex
	waiting bool          // a Scan is in progress
	queue   []result      // finished lines since Scan began
	wake    chan struct{} // signalled when queue or dead changes
	dead    error         // final: unplugged
	halted  bool
}

type result struct {
	code string
	err  error
}

// New returns a scanner reading r (a serial port opened by the caller).
// Reading starts with the first Scan.
func New(r io.Reader, opts *Opts) *Dev {
	o := Opts{}
	if opts != nil {
		o = *opts
	}
	if o.Terminators == "" {
		o.Terminators = "\r\n"
	}
	if o.MaxLen <= 0 {
		o.MaxLen = 512
	}
	if o.Timeout <= 0 {
		o.Timeout = 500 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	name := "reader"
	if s, ok := r.(fmt.Stringer); ok {
		name = s.String()
	}
	d := &Dev{
		r: r, name: name, log: o.Logger, wake: make(chan struct{}, 1),
		p: parser{term: []byte(o.Terminators), prefix: []byte(o.Prefix), suffix: []byte(o.Suffix), maxLen: o.MaxLen, timeout: o.Timeout},
	}
	if r == nil {
		d.dead = &UnpluggedError{Err: errors.New("no port")}
		d.start.Do(func() {}) // nothing to read
	}
	return d
}

// Open opens the serial device at path (9600 baud if baud is 0, the
// factory setting of most scanners) and returns a scanner that closes it on
// Halt.
func Open(path string, baud int, opts *Opts) (*Dev, error) {
	if baud == 0 {
		baud = 9600
	}
	port, err := serialport.Open(path, &serialport.Opts{Baud: baud, ReadTimeout: 100 * time.Millisecond})
	if err != nil {
		return nil, fmt.Errorf("scanner: %w", err)
	}
	d := New(port, opts)
	d.closer = port
	return d, nil
}

// String names the scanner and its port.
func (d *Dev) String() string { return "scanner(" + d.name + ")" }

// Scan waits for the next code read after the call. A refused read returns
// a *CodeError and the scanner stays usable; ctx ending returns
// scanner.ErrNoCode (wrapping ctx's error); a lost port returns an error
// matching scanner.ErrUnplugged, then and on every later call.
func (d *Dev) Scan(ctx context.Context) (string, error) {
	d.mu.Lock()
	if d.halted {
		d.mu.Unlock()
		return "", ErrHalted
	}
	if d.dead != nil {
		d.mu.Unlock()
		return "", d.dead
	}
	if d.waiting {
		d.mu.Unlock()
		return "", ErrBusy
	}
	d.waiting = true
	d.mu.Unlock()
	d.start.Do(func() { go d.read() })
	defer func() {
		d.mu.Lock()
		d.waiting = false
		d.mu.Unlock()
	}()
	for {
		d.mu.Lock()
		if len(d.queue) > 0 {
			r := d.queue[0]
			d.queue = d.queue[1:]
			d.mu.Unlock()
			return r.code, r.err
		}
		if d.dead != nil {
			err := d.dead
			d.mu.Unlock()
			return "", err
		}
		if d.halted {
			d.mu.Unlock()
			return "", ErrHalted
		}
		d.mu.Unlock()
		select {
		case <-ctx.Done():
			// Nobody asks any more: whatever arrives now is stale.
			d.mu.Lock()
			d.queue = d.queue[:0]
			d.mu.Unlock()
			return "", fmt.Errorf("%w: %w", scanner.ErrNoCode, ctx.Err())
		case <-d.wake:
		}
	}
}

// Pending reports whether a Scan is waiting for a code: simulators use it
// to present a code only when the terminal asks for one.
func (d *Dev) Pending() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.waiting
}

// read runs for the life of the port: it assembles lines and hands them to
// the Scan in progress, dropping those nobody waits for.
func (d *Dev) read() {
	buf := make([]byte, 256)
	fast := 0
	var batch []result
	emit := func(code string, err error) {
		if err != nil {
			d.log.Warn("scanner: refused a read", "port", d.name, "error", err.Error())
		}
		batch = append(batch, result{code, err})
	}
	// deliver hands one read's lines over at once, so a cut-off code and the
	// good one right behind it both reach the Scan that asked.
	deliver := func() {
		if len(batch) == 0 {
			return
		}
		d.mu.Lock()
		if d.waiting {
			d.queue = append(d.queue, batch...)
			if len(d.queue) > 16 {
				d.queue = d.queue[len(d.queue)-16:]
			}
			d.signal()
		}
		d.mu.Unlock()
		batch = batch[:0]
	}
	for {
		t0 := time.Now()
		n, err := d.r.Read(buf)
		now := time.Now()
		if n > 0 {
			fast = 0
			d.p.feed(buf[:n], now, emit)
			deliver()
		}
		if err == nil {
			continue
		}
		if isTimeout(err) {
			d.p.expire(now, emit)
			deliver()
			// A hung-up tty answers every read at once with nothing; a
			// live idle line waits the read timeout. Three instant empty
			// reads in a row are a port that went away (a PTY whose master
			// closed, a USB adapter pulled out).
			if n == 0 && now.Sub(t0) < 5*time.Millisecond {
				if fast++; fast >= 3 {
					err = errors.New("hang-up: reads return at once with no data")
				} else {
					continue
				}
			} else {
				continue
			}
		}
		d.mu.Lock()
		halted := d.halted
		d.dead = &UnpluggedError{Err: err}
		d.signal()
		d.mu.Unlock()
		if halted {
			// Halt closed the port (a shutdown): nothing was lost.
			d.log.Debug("scanner: stopped reading", "port", d.name)
			return
		}
		d.log.Warn("scanner: port lost", "port", d.name, "error", err.Error())
		return
	}
}

func (d *Dev) signal() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// isTimeout reports an idle line: serialport.ErrTimeout and other errors
// with Timeout() true. A bare io.EOF is end of stream.
func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// Halt stops Scan and, for a scanner made by Open, closes the port. For a
// reader passed to New, the reading goroutine ends when its owner closes it.
func (d *Dev) Halt() error {
	d.mu.Lock()
	d.halted = true
	d.signal()
	d.mu.Unlock()
	if d.closer != nil {
		return d.closer.Close()
	}
	return nil
}
