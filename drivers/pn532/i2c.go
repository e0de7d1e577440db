package pn532

import (
	"context"
	"errors"
	"fmt"
	"time"

	"periph.io/x/conn/v3/i2c"
)

// I2CAddr is the PN532's 7-bit I²C address (0x48 write / 0x49 read).
const I2CAddr = 0x24

// i2cT is the I²C host interface (UM0701-02 §6.2.4): every read starts with
// a status byte whose bit 0 says whether a frame follows. A status-only read
// does not consume the frame; a longer read returns status + the whole
// pending frame, which the chip then drops.
type i2cT struct {
	bus  i2c.Bus
	addr uint16
	poll time.Duration
}

func (t *i2cT) String() string { return fmt.Sprintf("i2c:%s@0x%02x", t.bus, t.addr) }

// wake addresses the chip: in PowerDown it wakes on its own address match
// (and stretches SCL meanwhile). The first transfer may be refused.
func (t *i2cT) wake(ctx context.Context) error {
	_ = t.bus.Tx(t.addr, []byte{0x00}, nil)
	return sleepCtx(ctx, 2*time.Millisecond)
}

func (t *i2cT) send(ctx context.Context, frame []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return t.bus.Tx(t.addr, frame, nil)
}

func (t *i2cT) recv(ctx context.Context, deadline time.Time, maxData int) (Frame, error) {
	st := []byte{0}
	for {
		if err := t.bus.Tx(t.addr, nil, st); err != nil {
			return Frame{}, fmt.Errorf("pn532: i2c status read: %w", err)
		}
		if st[0]&0x01 != 0 {
			break
		}
		if !time.Now().Before(deadline) {
			return Frame{}, errWait
		}
		if err := sleepCtx(ctx, t.poll); err != nil {
			return Frame{}, err
		}
	}
	buf := make([]byte, 1+maxData+frameOverhead)
	if err := t.bus.Tx(t.addr, nil, buf); err != nil {
		return Frame{}, fmt.Errorf("pn532: i2c frame read: %w", err)
	}
	f, _, err := ParseFrame(buf[1:])
	if err != nil && errors.Is(err, ErrShortFrame) {
		return Frame{}, ErrShortFrame
	}
	return f, err
}

func (t *i2cT) drain() {}
