package pn532

import (
	"context"
	"fmt"
)

// Each exported command locks the Dev; the lower-case forms expect the
// lock held.

// FirmwareVersion runs GetFirmwareVersion.
func (d *Dev) FirmwareVersion(ctx context.Context) (Firmware, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	r, err := d.call(ctx, CmdGetFirmwareVersion, nil, 4, d.o.ResponseTimeout)
	if err != nil {
		return Firmware{}, err
	}
	if len(r) < 4 {
		return Firmware{}, fmt.Errorf("get firmware version: %w", ErrResponse)
	}
	return Firmware{r[0], r[1], r[2], r[3]}, nil
}

// Ping checks that the chip answers, with GetFirmwareVersion: it leaves the
// RF field and an activated card alone. Unlike FirmwareVersion it never waits
// for the chip: while another command runs (a payment polling for a card or
// exchanging APDUs) it returns ErrBusy at once.
func (d *Dev) Ping(ctx context.Context) error {
	if !d.mu.TryLock() {
		return ErrBusy
	}
	defer d.mu.Unlock()
	r, err := d.call(ctx, CmdGetFirmwareVersion, nil, 4, d.o.ResponseTimeout)
	if err == nil && len(r) < 4 {
		err = ErrResponse
	}
	if err != nil {
		return fmt.Errorf("pn532: ping: %w", err)
	}
	return nil
}

// Diagnose runs self-test numTst with its parameters and returns the
// result bytes. Test 0x00 echoes params back (communication line test);
// test 0x06 checks that an ISO 14443-4 card is still present.
func (d *Dev) Diagnose(ctx context.Context, numTst byte, params []byte) ([]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.call(ctx, CmdDiagnose, append([]byte{numTst}, params...), MaxFrameData, d.o.ResponseTimeout)
}

// SAMConfiguration sets the SAM mode (1 = normal, no SAM).
func (d *Dev) SAMConfiguration(ctx context.Context, mode, timeout byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, err := d.call(ctx, CmdSAMConfiguration, []byte{mode, timeout, 0x01}, 0, d.o.ResponseTimeout)
	return err
}

// SetParameters writes the chip's flags byte (0x10 automatic RATS,
// 0x04 automatic ATR_RES, …).
func (d *Dev) SetParameters(ctx context.Context, flags byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, err := d.call(ctx, CmdSetParameters, []byte{flags}, 0, d.o.ResponseTimeout)
	return err
}

// ReadRegister reads the registers at the given 16-bit addresses.
func (d *Dev) ReadRegister(ctx context.Context, addrs ...uint16) ([]byte, error) {
	p := make([]byte, 0, 2*len(addrs))
	for _, a := range addrs {
		p = append(p, byte(a>>8), byte(a))
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	r, err := d.call(ctx, CmdReadRegister, p, len(addrs), d.o.ResponseTimeout)
	if err != nil {
		return nil, err
	}
	if len(r) != len(addrs) {
		return nil, fmt.Errorf("read register: %w", ErrResponse)
	}
	return r, nil
}

// Register is one address/value pair for WriteRegister.
type Register struct {
	Addr  uint16
	Value byte
}

// WriteRegister writes registers in one command.
func (d *Dev) WriteRegister(ctx context.Context, regs ...Register) error {
	p := make([]byte, 0, 3*len(regs))
	for _, r := range regs {
		p = append(p, byte(r.Addr>>8), byte(r.Addr), r.Value)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	_, err := d.call(ctx, CmdWriteRegister, p, 0, d.o.ResponseTimeout)
	return err
}

// RFField turns the RF field on or off (RFConfiguration item 1).
func (d *Dev) RFField(ctx context.Context, on bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.setField(ctx, on)
}

func (d *Dev) setField(ctx context.Context, on bool) error {
	v := byte(0)
	if on {
		v = 1
	}
	if err := d.rfConfig(ctx, 0x01, v); err != nil {
		return err
	}
	if !on {
		// Cards lose power: whatever was active is gone.
		d.dropTarget()
	}
	d.field = on
	return nil
}

// SetTimings sets the ATR_RES and retry timeouts (RFConfiguration item 2);
// code n means 100 µs × 2^(n−1).
func (d *Dev) SetTimings(ctx context.Context, atrRes, retry byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.rfConfig(ctx, 0x02, 0x00, atrRes, retry)
}

// SetMaxRetries sets MxRtyATR, MxRtyPSL and MxRtyPassiveActivation
// (RFConfiguration item 5; 0xFF = forever).
func (d *Dev) SetMaxRetries(ctx context.Context, atr, psl, passive byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.rfConfig(ctx, 0x05, atr, psl, passive)
}

func (d *Dev) rfConfig(ctx context.Context, item byte, data ...byte) error {
	_, err := d.call(ctx, CmdRFConfiguration, append([]byte{item}, data...), 0, d.o.ResponseTimeout)
	return err
}

// PowerDown puts the chip to sleep; it wakes on the next command (the
// driver sends the wake-up first).
func (d *Dev) PowerDown(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	// Wake on HSU, SPI, I²C and RF-level detector.
	r, err := d.call(ctx, CmdPowerDown, []byte{0xF0}, 1, d.o.ResponseTimeout)
	if err != nil {
		return err
	}
	if len(r) < 1 {
		return fmt.Errorf("power down: %w", ErrResponse)
	}
	if r[0]&0x3F != 0 {
		return &StatusError{Cmd: CmdPowerDown, Code: r[0] & 0x3F}
	}
	d.asleep = true
	d.field = false
	d.dropTarget()
	return nil
}

// Release runs InRelease for target tg (0 = all).
func (d *Dev) Release(ctx context.Context, tg byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.statusCmd(ctx, CmdInRelease, tg)
}

// Deselect runs InDeselect for target tg (0 = all).
func (d *Dev) Deselect(ctx context.Context, tg byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.statusCmd(ctx, CmdInDeselect, tg)
}

func (d *Dev) statusCmd(ctx context.Context, cmd, tg byte) error {
	r, err := d.call(ctx, cmd, []byte{tg}, 1, d.o.ResponseTimeout)
	if err != nil {
		return err
	}
	if len(r) < 1 {
		return fmt.Errorf("command 0x%02X: %w", cmd, ErrResponse)
	}
	if tg == 0 || tg == 1 {
		d.dropTarget()
	}
	if r[0]&0x3F != 0 {
		return &StatusError{Cmd: cmd, Code: r[0] & 0x3F}
	}
	return nil
}
