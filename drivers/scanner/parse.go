package scanner

import (
	"bytes"
	"time"
)

// parser assembles codes from the byte stream. It is separate from the I/O
// so it can be fuzzed.
type parser struct {
	term    []byte // any of these bytes ends a code
	prefix  []byte
	suffix  []byte
	maxLen  int
	timeout time.Duration

	buf  []byte
	n    int  // bytes of the current line, counting dropped ones
	over bool // current line exceeded maxLen
	last time.Time
}

// feed consumes b received at now and calls emit for each finished line:
// a code, or a *CodeError.
func (p *parser) feed(b []byte, now time.Time, emit func(string, error)) {
	if len(b) == 0 {
		return
	}
	p.expire(now, emit)
	p.last = now
	for _, c := range b {
		if bytes.IndexByte(p.term, c) >= 0 {
			p.end(emit)
			continue
		}
		p.n++
		if p.over {
			continue
		}
		if len(p.buf) >= p.maxLen+len(p.prefix)+len(p.suffix) {
			p.over, p.buf = true, p.buf[:0]
			continue
		}
		p.buf = append(p.buf, c)
	}
}

// expire drops a line that has been waiting for its terminator for longer
// than the timeout: the rest is not coming (scanner reset, cable moved).
func (p *parser) expire(now time.Time, emit func(string, error)) {
	if p.n > 0 && p.timeout > 0 && now.Sub(p.last) > p.timeout {
		n := p.n
		p.reset()
		emit("", &CodeError{Err: ErrCutOff, Len: n})
	}
}

func (p *parser) reset() { p.buf, p.n, p.over = p.buf[:0], 0, false }

func (p *parser) end(emit func(string, error)) {
	n, over := p.n, p.over
	line := p.buf
	if n == 0 {
		return // CR LF, or a blank line: nothing was scanned
	}
	defer p.reset()
	if over {
		emit("", &CodeError{Err: ErrTooLong, Len: n})
		return
	}
	line = bytes.TrimPrefix(line, p.prefix)
	line = bytes.TrimSuffix(line, p.suffix)
	if len(line) == 0 {
		emit("", &CodeError{Err: ErrGarbled, Len: n})
		return
	}
	if len(line) > p.maxLen {
		emit("", &CodeError{Err: ErrTooLong, Len: n})
		return
	}
	for _, c := range line {
		// Barcodes for payment carry printable ASCII (digits for CPM codes,
		// URLs for QR); anything else is noise or a wrong baud rate.
		if c < 0x20 || c > 0x7E {
			emit("", &CodeError{Err: ErrGarbled, Len: n})
			return
		}
	}
	emit(string(line), nil)
}
