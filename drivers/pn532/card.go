package pn532

import (
	"context"
	"errors"
	"fmt"
	"time"

	"tpe/device/nfc"
)

// maxChunk is the most C-APDU bytes one normal frame carries after
// D4 40 Tg (LEN 255).
const maxChunk = maxNormalData - 3

// maxRespData is what the driver accepts in one InDataExchange response:
// status + up to the chip's buffer.
const maxRespData = MaxFrameData

// Detect turns the field on and polls with InListPassiveTarget until an
// ISO 14443-4 card answers or ctx ends. A card left over from an earlier
// Detect is released and the field cycled first, so a card that stays in
// the field is found again (released cards halt until they lose power).
// When ctx ends the field is turned off and the error wraps nfc.ErrNoCard.
func (d *Dev) Detect(ctx context.Context) (nfc.Card, error) {
	d.mu.Lock()
	if d.active {
		d.dropTarget()
		if err := d.setField(ctx, false); err != nil && ctx.Err() == nil {
			d.mu.Unlock()
			return nil, fmt.Errorf("pn532: detect: %w", err)
		}
	}
	d.mu.Unlock()
	for {
		d.mu.Lock()
		t, err := d.detectOnce(ctx)
		gen := d.gen
		d.mu.Unlock()
		if ctx.Err() != nil {
			d.fieldOffAfterCancel()
			return nil, fmt.Errorf("pn532: detect: %w (%w)", nfc.ErrNoCard, ctx.Err())
		}
		if err != nil {
			return nil, fmt.Errorf("pn532: detect: %w", err)
		}
		if t != nil {
			return &Card{d: d, gen: gen, t: *t}, nil
		}
		if sleepCtx(ctx, d.o.PollInterval) != nil {
			d.fieldOffAfterCancel()
			return nil, fmt.Errorf("pn532: detect: %w (%w)", nfc.ErrNoCard, ctx.Err())
		}
	}
}

func (d *Dev) detectOnce(ctx context.Context) (*Target, error) {
	if !d.field {
		if err := d.setField(ctx, true); err != nil {
			return nil, err
		}
	}
	t, err := d.listPassive(ctx)
	if err != nil || t == nil {
		return nil, err
	}
	if t.SAK&0x20 == 0 {
		// Not ISO 14443-4 (MIFARE Classic, Ultralight…): no APDUs. Let it
		// go and cycle the field so it does not hide a card behind it.
		d.log.Debug("pn532 ignoring non iso-dep target", "sak", t.SAK)
		if err := d.statusCmd(ctx, CmdInRelease, t.Tg); err != nil {
			return nil, err
		}
		return nil, d.setField(ctx, false)
	}
	return t, nil
}

// fieldOffAfterCancel switches the field off with its own short deadline:
// the caller's ctx is already done.
func (d *Dev) fieldOffAfterCancel() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*d.o.AckTimeout+d.o.ResponseTimeout)
	defer cancel()
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.setField(ctx, false); err != nil {
		d.log.Debug("pn532 field off after cancel", "err", err)
	}
}

// Card is an activated ISO 14443-4 card. It implements nfc.Card and
// nfc.TargetInfo.
type Card struct {
	d   *Dev
	gen uint64
	t   Target
}

var (
	_ nfc.Card       = (*Card)(nil)
	_ nfc.TargetInfo = (*Card)(nil)
)

// Target describes the card's activation (UID, ATQA, SAK, ATS).
func (c *Card) Target() nfc.Target { return c.t.Target }

// Transceive sends a C-APDU with InDataExchange and returns the R-APDU.
// C-APDUs longer than one frame go in several frames with the MI bit (bit 6)
// of Tg set on all but the last; a response with MI set in its status is
// fetched with empty InDataExchange until complete. A card that stopped
// answering and is no longer present gives an error wrapping
// nfc.ErrCardRemoved; if ctx ends, the command is aborted and the field
// turned off (the card's session is lost anyway).
func (c *Card) Transceive(ctx context.Context, capdu []byte) ([]byte, error) {
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.active || d.gen != c.gen {
		return nil, fmt.Errorf("pn532: exchanging apdu: %w", nfc.ErrCardRemoved)
	}
	resp, err := c.exchange(ctx, capdu)
	if err == nil {
		return resp, nil
	}
	if ctx.Err() != nil {
		fctx, cancel := context.WithTimeout(context.Background(), 2*d.o.AckTimeout+d.o.ResponseTimeout)
		defer cancel()
		_ = d.setField(fctx, false)
		return nil, fmt.Errorf("pn532: exchanging apdu: %w", ctx.Err())
	}
	var se *StatusError
	if errors.As(err, &se) {
		removed := errors.Is(se, nfc.ErrCardRemoved)
		if se.Code == StatusTimeout || se.Code == StatusRFProtocol || se.Code == StatusCRC {
			removed = !c.present(ctx)
		}
		if removed {
			d.dropTarget()
			return nil, fmt.Errorf("pn532: exchanging apdu: %w: %w", nfc.ErrCardRemoved, err)
		}
	}
	return nil, fmt.Errorf("pn532: exchanging apdu: %w", err)
}

func (c *Card) exchange(ctx context.Context, capdu []byte) ([]byte, error) {
	d := c.d
	var r []byte
	var err error
	for {
		n := min(len(capdu), maxChunk)
		tg := c.t.Tg
		more := n < len(capdu)
		if more {
			tg |= 0x40
		}
		r, err = d.call(ctx, CmdInDataExchange, append([]byte{tg}, capdu[:n]...), maxRespData, d.o.CardTimeout)
		if err != nil {
			return nil, err
		}
		if len(r) < 1 {
			return nil, fmt.Errorf("in data exchange: %w", ErrResponse)
		}
		if r[0]&0x3F != 0 {
			return nil, &StatusError{Cmd: CmdInDataExchange, Code: r[0] & 0x3F}
		}
		capdu = capdu[n:]
		if !more {
			break
		}
	}
	out := append([]byte(nil), r[1:]...)
	for r[0]&0x40 != 0 {
		r, err = d.call(ctx, CmdInDataExchange, []byte{c.t.Tg}, maxRespData, d.o.CardTimeout)
		if err != nil {
			return nil, err
		}
		if len(r) < 1 {
			return nil, fmt.Errorf("in data exchange: %w", ErrResponse)
		}
		if r[0]&0x3F != 0 {
			return nil, &StatusError{Cmd: CmdInDataExchange, Code: r[0] & 0x3F}
		}
		out = append(out, r[1:]...)
		if len(out) > 65538 {
			return nil, fmt.Errorf("in data exchange: %w", ErrTooLong)
		}
	}
	if len(out) < 2 {
		return nil, fmt.Errorf("in data exchange: response without status word: %w", ErrResponse)
	}
	return out, nil
}

// present asks the chip whether the card still answers (Diagnose test 6,
// ISO 14443-4 card presence).
func (c *Card) present(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	r, err := c.d.call(ctx, CmdDiagnose, []byte{0x06}, 1, c.d.o.CardTimeout)
	return err == nil && len(r) >= 1 && r[0] == 0x00
}
