package pn532sim

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"sync"
	"time"

	"periph.io/x/conn/v3"
	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"

	"tpe/drivers/pn532"
)

// busSide is the chip's end of I²C or SPI: frames written by the host are
// parsed at once; frames from the chip wait in a queue until read. The
// ready status bit is set while the queue is not empty.
type busSide struct {
	c      *Chip
	mu     sync.Mutex
	out    [][]byte
	l      *link
	cancel context.CancelFunc
	in     []byte
}

func newBusSide(c *Chip) *busSide {
	b := &busSide{c: c}
	ctx, cancel := context.WithCancel(context.Background())
	b.l = newLink(ctx, c, func(f []byte, _ time.Time) { b.push(f) }, nil)
	b.cancel = cancel
	go b.l.run(ctx)
	return b
}

func (b *busSide) push(frame []byte) {
	if len(frame) == 0 {
		return
	}
	b.c.mu.Lock()
	b.c.stats.TxBytes += int64(len(frame))
	b.c.mu.Unlock()
	b.mu.Lock()
	b.out = append(b.out, append([]byte(nil), frame...))
	b.mu.Unlock()
}

// write takes the bytes of one host write transaction.
func (b *busSide) write(p []byte) {
	c := b.c
	c.mu.Lock()
	c.stats.RxBytes += int64(len(p))
	silent := c.silent
	if !silent {
		// Any transaction addressed to the chip wakes it.
		c.power = normal
	}
	c.mu.Unlock()
	if silent {
		return
	}
	b.in = append(b.in, p...)
	for len(b.in) > 0 {
		f, k, err := pn532.ParseFrame(b.in)
		if errors.Is(err, pn532.ErrShortFrame) {
			break
		}
		b.in = b.in[k:]
		if err != nil {
			continue
		}
		f.Data = append([]byte(nil), f.Data...)
		b.l.receive(f, time.Time{})
	}
	// A bus write carries whole frames: nothing continues into the next
	// transaction.
	b.in = nil
}

// ready reports whether a frame waits.
func (b *busSide) ready() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.out) > 0
}

// read fills r with the pending frame (zero padded) and drops it.
func (b *busSide) read(r []byte) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	clear(r)
	if len(b.out) == 0 {
		return false
	}
	copy(r, b.out[0])
	b.out = b.out[1:]
	return true
}

func (b *busSide) close() { b.cancel() }

// I2CBus is a fake periph i2c.Bus with the emulated PN532 at address 0x24.
// Each read transaction returns the status byte (0x01 ready) and, when the
// read is longer than one byte and a frame is ready, that frame, which is
// then consumed. A status-only read consumes nothing.
type I2CBus struct {
	side *busSide
	addr uint16
}

var _ i2c.BusCloser = (*I2CBus)(nil)

// I2C returns a fake I²C bus wired to the chip. Close it when done.
func (c *Chip) I2C() *I2CBus { return &I2CBus{side: newBusSide(c), addr: pn532.I2CAddr} }

func (b *I2CBus) String() string { return "pn532sim-i2c" }

// SetSpeed accepts any speed up to 400 kHz (PN532 fast mode).
func (b *I2CBus) SetSpeed(f physic.Frequency) error {
	if f > 400*physic.KiloHertz {
		return fmt.Errorf("pn532sim: i2c speed %s too fast", f)
	}
	return nil
}

// Tx is one I²C transaction: write then read.
func (b *I2CBus) Tx(addr uint16, w, r []byte) error {
	if addr != b.addr {
		return fmt.Errorf("pn532sim: no device at i2c address 0x%02x", addr)
	}
	if len(w) > 0 {
		b.side.write(w)
	}
	if len(r) > 0 {
		b.side.c.mu.Lock()
		silent := b.side.c.silent
		b.side.c.mu.Unlock()
		clear(r)
		if silent || !b.side.ready() {
			return nil
		}
		r[0] = 0x01
		if len(r) > 1 {
			b.side.read(r[1:])
		}
	}
	return nil
}

// Close stops the chip side of the bus.
func (b *I2CBus) Close() error { b.side.close(); return nil }

// SPIPort is a fake periph spi.Port with the emulated PN532 on it. The chip
// shifts bits LSB first; a connection made without spi.LSBFirst sees every
// byte bit-reversed, as on real wires, so the driver must reverse them.
type SPIPort struct {
	side     *busSide
	noLSB    bool
	mu       sync.Mutex
	conn     bool
	lsbFirst bool
}

var _ spi.PortCloser = (*SPIPort)(nil)

// SPIOpts configures the fake SPI port.
type SPIOpts struct {
	// RejectLSBFirst makes Connect fail with spi.LSBFirst, like the
	// Raspberry Pi's controller.
	RejectLSBFirst bool
}

// SPI returns a fake SPI port wired to the chip. nil Opts means defaults.
func (c *Chip) SPI(o *SPIOpts) *SPIPort {
	p := &SPIPort{side: newBusSide(c)}
	if o != nil {
		p.noLSB = o.RejectLSBFirst
	}
	return p
}

func (p *SPIPort) String() string { return "pn532sim-spi" }

// LimitSpeed accepts any speed.
func (p *SPIPort) LimitSpeed(physic.Frequency) error { return nil }

// Connect checks the PN532's constraints: mode 0, 8 bits, ≤ 5 MHz.
func (p *SPIPort) Connect(f physic.Frequency, mode spi.Mode, nbits int) (spi.Conn, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conn {
		return nil, errors.New("pn532sim: spi port already connected")
	}
	if mode&spi.LSBFirst != 0 && p.noLSB {
		return nil, errors.New("pn532sim: spi controller does not support LSB first")
	}
	if mode&3 != spi.Mode0 || nbits != 8 {
		return nil, fmt.Errorf("pn532sim: pn532 needs spi mode 0, 8 bits; got %s, %d bits", mode, nbits)
	}
	if f > 5*physic.MegaHertz {
		return nil, fmt.Errorf("pn532sim: spi clock %s above 5 MHz", f)
	}
	p.conn = true
	p.lsbFirst = mode&spi.LSBFirst != 0
	return &spiConn{p: p}, nil
}

// Close stops the chip side of the port.
func (p *SPIPort) Close() error { p.side.close(); return nil }

type spiConn struct{ p *SPIPort }

func (c *spiConn) String() string      { return "pn532sim-spi" }
func (c *spiConn) Duplex() conn.Duplex { return conn.Full }

func (c *spiConn) TxPackets([]spi.Packet) error {
	return errors.New("pn532sim: TxPackets not implemented")
}

// Tx is one chip-select transaction: first byte = operation.
func (c *spiConn) Tx(w, r []byte) error {
	if len(w) == 0 {
		return errors.New("pn532sim: empty spi transaction")
	}
	if len(r) > 0 && len(r) != len(w) {
		return errors.New("pn532sim: full duplex needs len(r) == len(w)")
	}
	conv := func(b []byte) []byte {
		if c.p.lsbFirst {
			return b
		}
		for i := range b {
			b[i] = bits.Reverse8(b[i])
		}
		return b
	}
	logical := conv(append([]byte(nil), w...))
	side := c.p.side
	side.c.mu.Lock()
	silent := side.c.silent
	if !silent {
		side.c.power = normal
	}
	side.c.mu.Unlock()
	out := make([]byte, len(w))
	if !silent {
		switch logical[0] {
		case 0x01: // data write
			side.write(logical[1:])
		case 0x02: // status read
			if len(out) > 1 && side.ready() {
				out[1] = 0x01
			}
		case 0x03: // data read
			side.read(out[1:])
		}
	}
	if len(r) > 0 {
		copy(r, conv(out))
	}
	return nil
}
