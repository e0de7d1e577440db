package pn532

import (
	"context"
	"errors"
	"io"
	"time"
)

// transport moves frames between host and chip. Implementations: HSU (UART),
// I²C and SPI. All three carry the same frames; they differ in how the host
// learns that the chip has something to say.
type transport interface {
	String() string
	// wake brings the chip out of LowVbat or PowerDown.
	wake(ctx context.Context) error
	// send writes one complete frame.
	send(ctx context.Context, frame []byte) error
	// recv returns the next frame from the chip. maxData is the largest
	// frame data the caller expects (bus transports size their reads with
	// it). It gives up at deadline with errWait.
	recv(ctx context.Context, deadline time.Time, maxData int) (Frame, error)
	// drain discards anything the chip already sent (resynchronisation).
	drain()
}

// errWait means recv reached its deadline without a complete frame.
var errWait = errors.New("pn532: wait expired")

// frameOverhead is preamble, start code, extended length, LCS, TFI, DCS and
// postamble.
const frameOverhead = 1 + 2 + 5 + 1 + 1 + 1

// hsu is the PN532 High Speed UART: frames flow as a byte stream.
type hsu struct {
	rw  io.ReadWriter
	buf []byte
	tmp []byte
}

func newHSU(rw io.ReadWriter) *hsu {
	return &hsu{rw: rw, tmp: make([]byte, 512)}
}

func (h *hsu) String() string {
	if s, ok := h.rw.(interface{ String() string }); ok {
		return "hsu:" + s.String()
	}
	return "hsu"
}

// wake sends the HSU wake-up: 0x55 bytes make the chip leave LowVbat or
// PowerDown, the zeros give it time to start its oscillator before the
// next frame (UM0701-02 §7.2.11; libnfc sends 55 55 + 14×00).
func (h *hsu) wake(ctx context.Context) error {
	_, err := h.rw.Write([]byte{0x55, 0x55, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	return err
}

func (h *hsu) send(ctx context.Context, frame []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := h.rw.Write(frame)
	return err
}

func (h *hsu) recv(ctx context.Context, deadline time.Time, _ int) (Frame, error) {
	for {
		if len(h.buf) > 0 {
			f, n, err := ParseFrame(h.buf)
			if err == nil {
				// Copy out: h.buf is reused.
				f.Data = append([]byte(nil), f.Data...)
				h.buf = h.buf[n:]
				return f, nil
			}
			if !errors.Is(err, ErrShortFrame) {
				h.buf = h.buf[n:]
				return Frame{}, err
			}
			h.buf = h.buf[n:]
		}
		if err := ctx.Err(); err != nil {
			return Frame{}, err
		}
		if !time.Now().Before(deadline) {
			if len(h.buf) > 0 {
				// A frame started but never ended: drop it so the next read
				// starts clean.
				h.buf = h.buf[:0]
				return Frame{}, ErrShortFrame
			}
			return Frame{}, errWait
		}
		n, err := h.rw.Read(h.tmp)
		h.buf = append(h.buf, h.tmp[:n]...)
		if err != nil && !isTimeout(err) {
			return Frame{}, err
		}
	}
}

// drain reads and drops whatever the chip still sends, until the line has
// been idle for one read timeout. It does not use tcflush: TCIOFLUSH would
// also discard the abort ACK just written, before it left the UART.
func (h *hsu) drain() {
	h.buf = h.buf[:0]
	for i := 0; i < 64; i++ {
		n, err := h.rw.Read(h.tmp)
		if n == 0 || err != nil {
			return
		}
	}
}

// isTimeout reports a read that found the line idle (serialport.ErrTimeout,
// os.ErrDeadlineExceeded and anything with Timeout() true).
func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
