package pn532sim

import (
	"context"
	"errors"
	"io"
	"runtime"
	"sync"
	"time"

	"tpe/drivers/pn532"
)

// link runs the host protocol common to HSU, I²C and SPI: ACK each valid
// command frame, execute it, send the response; a host ACK aborts the
// running command, a host NACK gets the last response again.
//
// Output goes through send(bytes, due): due is when the last of those bytes
// would have left a UART at the chip's speed (zero when not pacing). With
// pacing, reserve books wire time for n bytes starting no earlier than
// floor and returns that due time.
type link struct {
	base    context.Context // ends when the interface shuts down
	c       *Chip
	send    func(b []byte, due time.Time)
	reserve func(n int, floor time.Time) time.Time // nil: no pacing
	work    chan work
}

type work struct {
	f      pn532.Frame
	nack   bool
	at     time.Time // when the frame's last byte arrived on the wire
	ctx    context.Context
	cancel context.CancelFunc
}

func newLink(base context.Context, c *Chip, send func([]byte, time.Time), reserve func(int, time.Time) time.Time) *link {
	return &link{base: base, c: c, send: send, reserve: reserve, work: make(chan work, 16)}
}

// due books wire time for n bytes (zero time when not pacing).
func (l *link) due(n int, floor time.Time) time.Time {
	if l.reserve == nil {
		return time.Time{}
	}
	return l.reserve(n, floor)
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
		l.enqueue(work{nack: true, at: at})
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
	// Shutting the interface down aborts a running command too.
	ctx, cancel := context.WithCancel(l.base)
	if c.cmdCancel != nil {
		c.cmdCancel()
	}
	c.cmdCancel = cancel
	c.mu.Unlock()
	l.enqueue(work{f: f, at: at, ctx: ctx, cancel: cancel})
}

func (l *link) enqueue(w work) {
	select {
	case l.work <- w:
	case <-l.base.Done():
	}
}

// run executes queued frames until ctx ends.
//
// When pacing, the ACK is due 6 byte times after the command's last byte
// and the response len(frame) byte times after both the ACK and the end of
// execution. If the command finishes before its ACK is due (every command
// but a card exchange or a waiting InListPassiveTarget), ACK and response
// are released together when the response is due: the host gets no byte
// earlier than the wire would carry it, and the emulator wakes once per
// command instead of once per frame, which keeps scheduler latency out of
// the measured time.
func (l *link) run(ctx context.Context) {
	for {
		var w work
		select {
		case <-ctx.Done():
			return
		case w = <-l.work:
		}
		c := l.c
		if w.nack {
			c.mu.Lock()
			r := c.lastResp
			c.mu.Unlock()
			if r != nil {
				out := l.damage(r)
				l.send(out, l.due(len(out), w.at))
			}
			continue
		}
		c.mu.Lock()
		garbage := c.takeFault(FaultGarbage)
		c.mu.Unlock()
		var pre []byte
		if garbage {
			pre = []byte{0x55, 0xFF, 0x00, 0x13, 0x37}
		}
		ack := append(pre, pn532.ACK()...)
		ackDue := l.due(len(ack), w.at)
		type result struct {
			resp  []byte
			after afterFn
		}
		exec := func() result {
			if w.f.TFI != pn532.TFIHost || len(w.f.Data) == 0 {
				return result{}
			}
			r, a := c.exec(w.ctx, w.f.Data)
			return result{r, a}
		}
		var res result
		ackSent := false
		if l.reserve == nil {
			l.send(ack, time.Time{})
			ackSent = true
			res = exec()
		} else {
			// Execute here; a timer sends the ACK on time only if the
			// command is still running then.
			var mu sync.Mutex
			finished := false
			t := time.AfterFunc(time.Until(ackDue), func() {
				mu.Lock()
				defer mu.Unlock()
				if !finished {
					l.send(ack, ackDue)
					ackSent = true
				}
			})
			res = exec()
			t.Stop()
			// From here the timer can no longer send: if it has not sent
			// the ACK yet, the ACK joins the response burst.
			mu.Lock()
			finished = true
			mu.Unlock()
		}
		aborted := w.ctx.Err() != nil
		w.cancel()
		if aborted {
			if !ackSent {
				l.send(ack, ackDue)
			}
			continue
		}
		frame := pn532.ErrorFrame()
		if res.resp != nil {
			frame = pn532.AppendFrame(nil, pn532.TFIChip, res.resp)
		}
		c.mu.Lock()
		c.lastResp = frame
		delay := c.delay
		c.mu.Unlock()
		if delay > 0 {
			time.Sleep(delay)
		}
		if res.after != nil {
			// The chip changes state as it sends the response; do it first
			// so the host never sees the response before the new state.
			res.after()
		}
		out := l.damage(frame)
		if !ackSent {
			out = append(ack, out...)
			l.send(out, l.due(len(out)-len(ack), time.Now()))
			continue
		}
		l.send(out, l.due(len(out), time.Now()))
	}
}

// damage applies a queued response fault: the frame with a bad checksum,
// cut in half, or nothing at all.
func (l *link) damage(frame []byte) []byte {
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
	case FaultCorruptResponse:
		bad := append([]byte(nil), frame...)
		bad[len(bad)-2] ^= 0x5A
		return bad
	case FaultTruncateResponse:
		return frame[:len(frame)/2]
	case FaultDropResponse:
		return nil
	}
	return frame
}

// ServeHSU speaks HSU on rw (typically the master side of a PTY) until ctx
// ends or rw fails. If rw has SetReadDeadline (an *os.File PTY master
// does), ctx's end interrupts a blocked read; otherwise close rw to stop.
// One chip serves one line at a time.
func (c *Chip) ServeHSU(ctx context.Context, rw io.ReadWriter) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p := &pacer{c: c, w: rw}
	var reserve func(int, time.Time) time.Time
	if c.o.Pace {
		reserve = p.reserve
	}
	l := newLink(ctx, c, p.send, reserve)
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

// pacer keeps the chip's UART schedule: clock is when the last booked
// byte leaves the wire.
type pacer struct {
	c     *Chip
	w     io.Writer
	clock time.Time
}

// reserve books n bytes starting no earlier than floor, the end of what
// was booked before, or now.
func (p *pacer) reserve(n int, floor time.Time) time.Time {
	p.c.mu.Lock()
	bt := byteTime(p.c.baud)
	p.c.mu.Unlock()
	if p.clock.Before(floor) {
		p.clock = floor
	}
	if now := time.Now(); p.clock.Before(now) {
		p.clock = now
	}
	p.clock = p.clock.Add(time.Duration(n) * bt)
	return p.clock
}

// send writes b once due has come.
func (p *pacer) send(b []byte, due time.Time) {
	if len(b) == 0 {
		return
	}
	waitUntil(due)
	late := time.Duration(0)
	if !due.IsZero() {
		late = time.Since(due)
	}
	p.c.mu.Lock()
	p.c.stats.TxBytes += int64(len(b))
	p.c.stats.Late += late
	p.c.mu.Unlock()
	_, _ = p.w.Write(b)
}

// waitUntil returns at t, precisely: on a busy host the runtime's timers
// oversleep by a millisecond or more (measured: ~1 ms on average at load 5
// on 2 cores), which would dominate the wire time of short frames, so the
// last 2.5 ms are spent yielding in a loop instead of sleeping. That costs
// CPU only while pacing, once per command.
func waitUntil(t time.Time) {
	if t.IsZero() {
		return
	}
	if d := time.Until(t) - 2500*time.Microsecond; d > 0 {
		time.Sleep(d)
	}
	for time.Now().Before(t) {
		runtime.Gosched()
	}
}
