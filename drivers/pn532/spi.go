package pn532

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"time"

	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"
)

// SPI operation prefixes (UM0701-02 §6.2.5).
const (
	spiDataWrite  = 0x01
	spiStatusRead = 0x02
	spiDataRead   = 0x03
)

// spiT is the SPI host interface: mode 0, LSB first. Many Linux controllers
// (Raspberry Pi, AM335x) refuse SPI_LSB_FIRST, so when the port will not
// take spi.LSBFirst the driver reverses the bits of every byte itself, as
// libnfc and CircuitPython do.
type spiT struct {
	c    spi.Conn
	name string
	soft bool
	poll time.Duration
}

func connectSPI(p spi.Port, f physic.Frequency, forceSoft bool) (*spiT, error) {
	if !forceSoft {
		c, err := p.Connect(f, spi.Mode0|spi.LSBFirst, 8)
		if err == nil {
			return &spiT{c: c, name: p.String()}, nil
		}
	}
	c, err := p.Connect(f, spi.Mode0, 8)
	if err != nil {
		return nil, fmt.Errorf("pn532: connecting spi: %w", err)
	}
	return &spiT{c: c, name: p.String(), soft: true}, nil
}

func (t *spiT) String() string { return "spi:" + t.name }

func (t *spiT) tx(w, r []byte) error {
	if t.soft {
		w = reverseBits(append([]byte(nil), w...))
	}
	if err := t.c.Tx(w, r); err != nil {
		return err
	}
	if t.soft {
		reverseBits(r)
	}
	return nil
}

// wake selects the chip for a moment: CS low wakes it from PowerDown.
func (t *spiT) wake(ctx context.Context) error {
	r := make([]byte, 2)
	_ = t.tx([]byte{spiStatusRead, 0}, r)
	return sleepCtx(ctx, 2*time.Millisecond)
}

func (t *spiT) send(ctx context.Context, frame []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w := append([]byte{spiDataWrite}, frame...)
	return t.tx(w, nil)
}

func (t *spiT) recv(ctx context.Context, deadline time.Time, maxData int) (Frame, error) {
	st := make([]byte, 2)
	for {
		if err := t.tx([]byte{spiStatusRead, 0}, st); err != nil {
			return Frame{}, fmt.Errorf("pn532: spi status read: %w", err)
		}
		if st[1]&0x01 != 0 {
			break
		}
		if !time.Now().Before(deadline) {
			return Frame{}, errWait
		}
		if err := sleepCtx(ctx, t.poll); err != nil {
			return Frame{}, err
		}
	}
	n := 1 + maxData + frameOverhead
	w := make([]byte, n)
	w[0] = spiDataRead
	r := make([]byte, n)
	if err := t.tx(w, r); err != nil {
		return Frame{}, fmt.Errorf("pn532: spi data read: %w", err)
	}
	f, _, err := ParseFrame(r[1:])
	if err != nil && errors.Is(err, ErrShortFrame) {
		return Frame{}, ErrShortFrame
	}
	return f, err
}

func (t *spiT) drain() {}

// reverseBits mirrors the bit order of every byte of b in place.
func reverseBits(b []byte) []byte {
	for i, c := range b {
		b[i] = bits.Reverse8(c)
	}
	return b
}
