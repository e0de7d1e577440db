package pn532sim

import (
	"context"
	"time"

	"tpe/drivers/pn532"
)

// maxRAPDUChunk is the most R-APDU bytes per InDataExchange response:
// D5 41 Status + 252 fills a normal frame (LEN 255). Longer responses are
// sent in pieces with the MI bit, like the chip does when its buffer is full.
const maxRAPDUChunk = 252

// afterFn changes the chip state as the response goes out (PowerDown falls
// asleep only once it has answered).
type afterFn func()

// exec runs one command (data = command code + parameters) and returns the
// response data, code + 1 first. nil means "answer with the error frame".
// ctx ends when the host aborts the command with an ACK.
func (c *Chip) exec(ctx context.Context, data []byte) ([]byte, afterFn) {
	cmd, p := data[0], data[1:]
	c.mu.Lock()
	c.stats.Commands[cmd]++
	c.mu.Unlock()
	c.log.Debug("pn532sim command", "cmd", cmd, "len", len(p))
	ok := func(b ...byte) []byte { return append([]byte{cmd + 1}, b...) }
	switch cmd {
	case pn532.CmdDiagnose:
		return c.diagnose(p, ok), nil
	case pn532.CmdGetFirmwareVersion:
		f := c.o.Firmware
		return ok(f.IC, f.Ver, f.Rev, f.Support), nil
	case pn532.CmdGetGeneralStatus:
		c.mu.Lock()
		defer c.mu.Unlock()
		field := byte(0)
		if c.field {
			field = 1
		}
		if c.active != nil {
			return ok(0x00, field, 0x01, 0x01, 0x00, 0x00, 0x00, 0x01), nil
		}
		return ok(0x00, field, 0x00, 0x01), nil
	case pn532.CmdReadRegister:
		if len(p) == 0 || len(p)%2 != 0 {
			return nil, nil
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		r := ok()
		for i := 0; i < len(p); i += 2 {
			r = append(r, c.regs[uint16(p[i])<<8|uint16(p[i+1])])
		}
		return r, nil
	case pn532.CmdWriteRegister:
		if len(p) == 0 || len(p)%3 != 0 {
			return nil, nil
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		for i := 0; i < len(p); i += 3 {
			c.regs[uint16(p[i])<<8|uint16(p[i+1])] = p[i+2]
		}
		return ok(), nil
	case pn532.CmdSetSerialBaudRate:
		bauds := []int{9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600, 1288000}
		if len(p) != 1 || int(p[0]) >= len(bauds) {
			return nil, nil
		}
		c.mu.Lock()
		// The new speed applies after the host's ACK to this response.
		c.nextBaud = bauds[p[0]]
		c.mu.Unlock()
		return ok(), nil
	case pn532.CmdSetParameters:
		if len(p) != 1 {
			return nil, nil
		}
		c.mu.Lock()
		c.params = p[0]
		c.mu.Unlock()
		return ok(), nil
	case pn532.CmdSAMConfiguration:
		if len(p) < 1 || len(p) > 3 || p[0] < 1 || p[0] > 4 {
			return nil, nil
		}
		c.mu.Lock()
		c.sam = p[0]
		c.power = normal
		c.mu.Unlock()
		return ok(), nil
	case pn532.CmdPowerDown:
		if len(p) < 1 || len(p) > 2 {
			return nil, nil
		}
		return ok(0x00), func() {
			c.mu.Lock()
			c.power = powerDown
			c.field = false
			c.haltCardsLocked()
			c.mu.Unlock()
		}
	case pn532.CmdRFConfiguration:
		return c.rfConfiguration(p, ok), nil
	case pn532.CmdInListPassiveTarget:
		return c.listPassive(ctx, p, ok), nil
	case pn532.CmdInAutoPoll:
		return c.autoPoll(ctx, p, ok), nil
	case pn532.CmdInDataExchange:
		return c.dataExchange(ctx, p, ok), nil
	case pn532.CmdInCommunicateThru:
		c.mu.Lock()
		defer c.mu.Unlock()
		// Presence check used by libnfc: an R(NAK) to a live ISO-DEP card
		// is answered with an R(ACK).
		if c.active != nil && c.card == c.active && len(p) == 1 && p[0]&0xF6 == 0xB2 {
			return ok(0x00, 0xA2|p[0]&0x01), nil
		}
		return ok(pn532.StatusTimeout), nil
	case pn532.CmdInDeselect, pn532.CmdInRelease, pn532.CmdInSelect:
		if len(p) != 1 {
			return nil, nil
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if cmd == pn532.CmdInSelect {
			if c.card != nil && c.card == c.active && p[0] == 1 {
				return ok(0x00), nil
			}
			return ok(pn532.StatusWrongContext), nil
		}
		if p[0] == 0 || p[0] == 1 {
			if c.active != nil {
				// A deselected/released ISO-DEP card halts: it answers a
				// new activation only after a field reset.
				c.active.halted = true
			}
			c.active = nil
			c.chainIn, c.chainOut = nil, nil
		}
		return ok(0x00), nil
	}
	return nil, nil
}

func (c *Chip) haltCardsLocked() {
	c.active = nil
	c.chainIn, c.chainOut = nil, nil
	if c.card != nil {
		c.card.halted = false
	}
}

func (c *Chip) diagnose(p []byte, ok func(...byte) []byte) []byte {
	if len(p) < 1 {
		return nil
	}
	switch p[0] {
	case 0x00: // communication line test: echo
		return ok(p...)
	case 0x06: // ISO 14443-4 card presence
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.active != nil && c.card == c.active {
			return ok(0x00)
		}
		return ok(pn532.StatusTimeout)
	}
	return nil
}

func (c *Chip) rfConfiguration(p []byte, ok func(...byte) []byte) []byte {
	if len(p) < 1 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	item, v := p[0], p[1:]
	switch item {
	case 0x01:
		if len(v) != 1 {
			return nil
		}
		on := v[0]&0x01 != 0
		if !on {
			// Cards lose power: they reset and forget any halt.
			c.haltCardsLocked()
		}
		c.field = on
	case 0x02:
		if len(v) != 3 {
			return nil
		}
		copy(c.timings[:], v)
	case 0x04:
		if len(v) != 1 {
			return nil
		}
	case 0x05:
		if len(v) != 3 {
			return nil
		}
		copy(c.retries[:], v)
	case 0x0A, 0x0B, 0x0C, 0x0D:
		want := map[byte]int{0x0A: 11, 0x0B: 8, 0x0C: 3, 0x0D: 9}[item]
		if len(v) != want {
			return nil
		}
	default:
		return nil
	}
	return ok()
}

// selectable returns the card that would answer an activation, if any.
// c.mu held.
func (c *Chip) selectableLocked() *placed {
	if !c.field || c.card == nil || c.card.halted {
		return nil
	}
	return c.card
}

// targetData encodes 106 kbps type A TargetData for Tg 1.
func (c *Chip) targetDataLocked(p *placed) []byte {
	t := p.t
	b := []byte{0x01, t.ATQA[0], t.ATQA[1], t.SAK, byte(len(t.UID))}
	b = append(b, t.UID...)
	if t.SAK&0x20 != 0 && c.params&0x10 != 0 && len(t.ATS) > 0 {
		b = append(b, t.ATS...)
	}
	return b
}

func (c *Chip) listPassive(ctx context.Context, p []byte, ok func(...byte) []byte) []byte {
	if len(p) < 2 || p[0] < 1 || p[0] > 2 {
		return nil
	}
	if p[1] != 0x00 {
		// FeliCa, type B, Jewel: no such card here.
		return ok(0x00)
	}
	for {
		c.mu.Lock()
		if t := c.selectableLocked(); t != nil {
			c.active = t
			c.chainIn, c.chainOut = nil, nil
			r := ok(append([]byte{0x01}, c.targetDataLocked(t)...)...)
			c.mu.Unlock()
			return r
		}
		forever := c.retries[2] == 0xFF
		changed := c.changed
		c.mu.Unlock()
		if !forever {
			return ok(0x00)
		}
		// MxRtyPassiveActivation FF: keep polling until a card shows up or
		// the host aborts with an ACK.
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		}
	}
}

func (c *Chip) autoPoll(ctx context.Context, p []byte, ok func(...byte) []byte) []byte {
	if len(p) < 3 {
		return nil
	}
	pollNr, period, types := p[0], time.Duration(p[1])*150*time.Millisecond, p[2:]
	var deadline <-chan time.Time
	if pollNr != 0xFF {
		t := time.NewTimer(time.Duration(pollNr) * time.Duration(len(types)) * period)
		defer t.Stop()
		deadline = t.C
	}
	for {
		c.mu.Lock()
		if t := c.selectableLocked(); t != nil {
			typ := byte(0)
			for _, want := range types {
				if want == 0x20 && t.t.SAK&0x20 != 0 || want == 0x10 || want == 0x00 {
					typ = want
					break
				}
			}
			if typ != 0 || containsByte(types, 0x00) {
				c.active = t
				td := c.targetDataLocked(t)
				c.mu.Unlock()
				return ok(append([]byte{0x01, typ, byte(len(td))}, td...)...)
			}
		}
		changed := c.changed
		c.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil
		case <-deadline:
			return ok(0x00)
		case <-changed:
		}
	}
}

func containsByte(b []byte, v byte) bool {
	for _, x := range b {
		if x == v {
			return true
		}
	}
	return false
}

func (c *Chip) dataExchange(ctx context.Context, p []byte, ok func(...byte) []byte) []byte {
	if len(p) < 1 {
		return nil
	}
	tg, more, data := p[0]&0x3F, p[0]&0x40 != 0, p[1:]
	c.mu.Lock()
	t := c.active
	if t == nil || tg != 1 {
		c.mu.Unlock()
		return ok(pn532.StatusWrongContext)
	}
	if t != c.card {
		c.mu.Unlock()
		return ok(pn532.StatusTimeout)
	}
	if len(data) == 0 && len(c.chainOut) > 0 {
		r := c.nextChunkLocked(ok)
		c.mu.Unlock()
		return r
	}
	c.chainOut = nil
	c.chainIn = append(c.chainIn, data...)
	if more {
		c.mu.Unlock()
		return ok(0x00)
	}
	capdu := c.chainIn
	c.chainIn = nil
	c.mu.Unlock()

	// The card's context ends if it is removed; the command's if the host
	// aborts.
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(t.ctx, cancel)
	defer stop()
	rapdu, err := t.card.Transceive(cctx, capdu)

	c.mu.Lock()
	defer c.mu.Unlock()
	if ctx.Err() != nil {
		return nil
	}
	if t.ctx.Err() != nil || c.card != t || c.active != t || err != nil {
		return ok(pn532.StatusTimeout)
	}
	if len(rapdu) > 65538 {
		return ok(pn532.StatusBufferOverflow)
	}
	c.chainOut = append([]byte(nil), rapdu...)
	return c.nextChunkLocked(ok)
}

func (c *Chip) nextChunkLocked(ok func(...byte) []byte) []byte {
	n := min(len(c.chainOut), maxRAPDUChunk)
	st := byte(0x00)
	if n < len(c.chainOut) {
		st |= 0x40
	}
	r := ok(append([]byte{st}, c.chainOut[:n]...)...)
	c.chainOut = c.chainOut[n:]
	return r
}
