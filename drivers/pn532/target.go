package pn532

import (
	"context"
	"fmt"

	"tpe/device/nfc"
)

// Target is one card found by InListPassiveTarget at 106 kbps type A.
type Target struct {
	// Tg is the chip's logical number for the target (1 or 2).
	Tg byte
	nfc.Target
}

// ParseTargetA decodes the 106 kbps type A TargetData of one target:
// Tg, SENS_RES (ATQA, 2 bytes as the chip sends them), SEL_RES (SAK),
// NFCIDLength, NFCID1 (4, 7 or 10 bytes) and, for ISO 14443-4 cards with
// automatic RATS, the ATS starting with its length byte TL
// (UM0701-02 §7.3.5). It returns the bytes used.
func ParseTargetA(b []byte) (Target, int, error) {
	if len(b) < 5 {
		return Target{}, 0, ErrTarget
	}
	t := Target{Tg: b[0]}
	t.ATQA = [2]byte{b[1], b[2]}
	t.SAK = b[3]
	n := int(b[4])
	if n != 4 && n != 7 && n != 10 {
		return Target{}, 0, fmt.Errorf("%w: uid length %d", ErrTarget, n)
	}
	if len(b) < 5+n {
		return Target{}, 0, ErrTarget
	}
	t.UID = append([]byte(nil), b[5:5+n]...)
	used := 5 + n
	rest := b[used:]
	if len(rest) > 0 && t.SAK&0x20 != 0 {
		tl := int(rest[0])
		if tl == 0 || tl > len(rest) {
			return Target{}, 0, fmt.Errorf("%w: ats length %d", ErrTarget, tl)
		}
		t.ATS = append([]byte(nil), rest[:tl]...)
		used += tl
	}
	return t, used, nil
}

// ListPassiveTarget runs InListPassiveTarget for one 106 kbps type A target.
// It returns nil, nil when no card answered.
func (d *Dev) ListPassiveTarget(ctx context.Context) (*Target, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.listPassive(ctx)
}

func (d *Dev) listPassive(ctx context.Context) (*Target, error) {
	r, err := d.call(ctx, CmdInListPassiveTarget, []byte{0x01, 0x00}, 64, d.o.CardTimeout)
	if err != nil {
		return nil, err
	}
	if len(r) < 1 {
		return nil, fmt.Errorf("in list passive target: %w", ErrResponse)
	}
	if r[0] == 0 {
		return nil, nil
	}
	t, _, err := ParseTargetA(r[1:])
	if err != nil {
		return nil, err
	}
	d.gen++
	d.active = true
	return &t, nil
}
