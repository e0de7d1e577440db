package pn532sim

import (
	"context"
	"errors"
	"io"
	"runtime"
	"time"

	"tpe/drivers/pn532"
)

// link runs the host protocol common to HSU, I²C and SPI: ACK each valid
// command frame, execute it, send the response; a host ACK aborts the
// running command, a host NACK gets the last response again.
type link struct {
	c    *Chip
	emit func([]byte)
	work chan work
}

type work struct {
	f      pn532.Frame
	nack   bool
	at     time.Time // when the frame's last byte arrived on the wire
	ctx    context.Context
	cancel context.CancelFunc
}

func newLink(c *Chip, emit func([]byte)) *link {
	return &link{c: c, emit: emit, work: make(chan work, 16)}
}

// receive takes one parsed frame from the host, in wire order.
func (l *link) receive(f pn532.Frame, at time.Time) {
	c := l.c
	c.mu.Lock()
	if c.silent {
		c.mu.Unlock()
		return
	}
	switch f.Type {
	case pn532.FrameACK:
		c.stats.ACKs++
		if c.cmdCancel != nil {
			c.cmdCancel()
			c.cmdCancel = nil
		}
		if c.nextBaud != 0 {
			c.baud, c.nextBaud = c.nextBaud, 0
		}
		c.mu.Unlock()
		return
	case pn532.FrameNACK:
		c.stats.NACKs++
		c.mu.Unlock()
		l.work <- work{nack: true, at: at}
		return
	case pn532.FrameError:
		c.mu.Unlock()
		return
	}
	if c.takeFault(FaultIgnoreFrame) {
		c.mu.Unlock()
		return
	}
	c.stats.Frames++
	ctx, cancel := context.WithCancel(context.Background())
	if c.cmdCancel != nil {
		c.cmdCancel()
	}
	c.cmdCancel = cancel
	c.mu.Unlock()
	l.work <- work{f: f, at: at, ctx: ctx, cancel: cancel}
}

// run executes queued frames until ctx ends.
func (l *link) run(ctx context.Context) {
	for {
		var w work
		select {
		case <-ctx.Done():
			return
		case w = <-l.work:
		}
		waitUntil(w.at)
		c := l.c
		if w.nack {
			c.mu.Lock()
			r := c.lastResp
			c.mu.Unlock()
			if r != nil {
				l.emitResponse(r)
			}
			continue
		}
		c.mu.Lock()
		garbage := c.takeFault(FaultGarbage)
		c.mu.Unlock()
		if garbage {
			l.emit([]byte{0x55, 0xFF, 0x00, 0x13, 0x37})
		}
		l.emit(pn532.ACK())
		var resp []byte
		var after afterFn
		if w.f.TFI == pn532.TFIHost && len(w.f.Data) > 0 {
			resp, after = c.exec(w.ctx, w.f.Data)
		}
		aborted := w.ctx.Err() != nil
		w.cancel()
		if aborted {
			continue
		}
		frame := pn532.ErrorFrame()
		if resp != nil {
			frame = pn532.AppendFrame(nil, pn532.TFIChip, resp)
		}
		c.mu.Lock()
		c.lastResp = frame
		delay := c.delay
		c.mu.Unlock()
		if delay > 0 {
			time.Sleep(delay)
		}
		if after != nil {
			// The chip changes state as it sends the response; do it first
			// so the host never sees the response before the new state.
			after()
		}
		l.emitResponse(frame)
	}
}

// emitResponse sends a response frame, damaged if a fault is queued.
func (l *link) emitResponse(frame []byte) {
	c := l.c
	c.mu.Lock()
	fault := Fault(0)
	for _, f := range []Fault{FaultCorruptResponse, FaultTruncateResponse, FaultDropResponse} {
		if c.takeFault(f) {
			fault = f
			break
		}
	}
	c.mu.Unlock()
	switch fault {
	case 0:
		l.emit(frame)
	case FaultCorruptResponse:
		bad := append([]byte(nil), frame...)
		bad[len(bad)-2] ^= 0x5A
		l.emit(bad)
	case FaultTruncateResponse:
		l.emit(frame[:len(frame)/2])
	}
}

// ServeHSU speaks HSU on rw (typically the master side of a PTY) until ctx
// ends or rw fails. If rw has SetReadDeadline (an *os.File PTY master
// does), ctx's end interrupts a blocked read; otherwise close rw to stop.
// One chip serves one line at a time.
func (c *Chip) ServeHSU(ctx context.Context, rw io.ReadWriter) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p := &pacer{c: c, w: rw}
	l := newLink(c, p.write)
	done := make(chan struct{})
	go func() { l.run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	if d, ok := rw.(interface{ SetReadDeadline(time.Time) error }); ok {
		_ = d.SetReadDeadline(time.Time{})
		stop := context.AfterFunc(ctx, func() { _ = d.SetReadDeadline(time.Now()) })
		defer stop()
	}
	var buf []byte
	var rxClock time.Time
	tmp := make([]byte, 1024)
	for {
		n, err := rw.Read(tmp)
		if n > 0 {
			now := time.Now()
			in := tmp[:n]
			c.mu.Lock()
			c.stats.RxBytes += int64(n)
			bt := byteTime(c.baud)
			pace := c.o.Pace
			if c.power != normal {
				// Asleep: only the HSU wake-up byte 0x55 gets through;
				// what comes before it is lost, as on the real chip.
				i := indexByte(in, 0x55)
				if i < 0 || c.silent {
					in = nil
				} else {
					c.power = normal
					in = in[i+1:]
				}
			}
			c.mu.Unlock()
			if pace {
				if rxClock.Before(now) {
					rxClock = now
				}
				rxClock = rxClock.Add(time.Duration(n) * bt)
			} else {
				rxClock = time.Time{}
			}
			buf = append(buf, in...)
			for len(buf) > 0 {
				f, k, perr := pn532.ParseFrame(buf)
				if errors.Is(perr, pn532.ErrShortFrame) {
					buf = buf[k:]
					break
				}
				buf = buf[k:]
				if perr != nil {
					continue // bad checksum: the chip ignores the frame
				}
				f.Data = append([]byte(nil), f.Data...)
				l.receive(f, rxClock)
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var t interface{ Timeout() bool }
			if errors.As(err, &t) && t.Timeout() {
				continue
			}
			return err
		}
	}
}

func indexByte(b []byte, v byte) int {
	for i, x := range b {
		if x == v {
			return i
		}
	}
	return -1
}

// byteTime is one 8N1 character at baud: start + 8 data + stop bits.
func byteTime(baud int) time.Duration { return time.Duration(10 * int64(time.Second) / int64(baud)) }

// pacer releases bytes no earlier than a UART at the chip's speed would.
type pacer struct {
	c     *Chip
	w     io.Writer
	clock time.Time
}

func (p *pacer) write(b []byte) {
	p.c.mu.Lock()
	p.c.stats.TxBytes += int64(len(b))
	pace, bt := p.c.o.Pace, byteTime(p.c.baud)
	p.c.mu.Unlock()
	if !pace {
		_, _ = p.w.Write(b)
		return
	}
	if now := time.Now(); p.clock.Before(now) {
		p.clock = now
	}
	// Chunks of about 2 ms: the reader sees bytes trickle in, and only the
	// frame's last chunk needs a precise wait.
	chunk := max(1, int(2*time.Millisecond/bt))
	for len(b) > 0 {
		k := min(chunk, len(b))
		p.clock = p.clock.Add(time.Duration(k) * bt)
		if k == len(b) {
			waitUntil(p.clock)
		} else if d := time.Until(p.clock); d > 0 {
			time.Sleep(d)
		}
		_, _ = p.w.Write(b[:k])
		b = b[k:]
	}
}

// waitUntil returns at t, precisely: the runtime's timers can oversleep by
// up to a millisecond, which would dominate the wire time of short frames,
// so the last stretch yields in a loop instead of sleeping.
func waitUntil(t time.Time) {
	if t.IsZero() {
		return
	}
	if d := time.Until(t) - 1500*time.Microsecond; d > 0 {
		time.Sleep(d)
	}
	for time.Now().Before(t) {
		runtime.Gosched()
	}
}
