package pn532

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"

	"tpe/device/nfc"
)

// Opts configures a Dev. nil means defaults.
type Opts struct {
	// Logger receives debug traces of commands (never APDU contents);
	// discarded by default.
	Logger *slog.Logger
	// AckTimeout bounds the wait for the chip's ACK. The chip answers within
	// 15 ms; the default 250 ms leaves room for USB-serial adapters and a
	// busy host. On HSU the tty rounds waits to 100 ms steps. It only costs
	// time when the chip is absent.
	AckTimeout time.Duration
	// ResponseTimeout bounds the wait for a response to a chip-only command
	// (default 500 ms).
	ResponseTimeout time.Duration
	// CardTimeout bounds the wait for a response that involves the card:
	// InListPassiveTarget and InDataExchange (default 3 s, enough for a
	// card asking for waiting-time extensions during GENERATE AC).
	CardTimeout time.Duration
	// PollInterval is the pause between two InListPassiveTarget while
	// Detect waits for a card (default 50 ms).
	PollInterval time.Duration
	// PassiveRetries is MxRtyPassiveActivation: how many times the chip
	// retries activation per InListPassiveTarget (default 1; 0xFF would
	// make the chip wait forever).
	PassiveRetries byte
	// SPISpeed is the SPI clock (default 1 MHz; the PN532 allows 5 MHz).
	SPISpeed physic.Frequency
	// SPISoftwareLSB forces software bit reversal even if the SPI port
	// claims to support spi.LSBFirst.
	SPISoftwareLSB bool
	// I2CAddr overrides the I²C address (default 0x24).
	I2CAddr uint16
	// BusPoll is the status polling period on I²C and SPI (default 1 ms;
	// libnfc uses 5–10 ms).
	BusPoll time.Duration
}

func (o *Opts) withDefaults() Opts {
	var c Opts
	if o != nil {
		c = *o
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.AckTimeout <= 0 {
		c.AckTimeout = 250 * time.Millisecond
	}
	if c.ResponseTimeout <= 0 {
		c.ResponseTimeout = 500 * time.Millisecond
	}
	if c.CardTimeout <= 0 {
		c.CardTimeout = 3 * time.Second
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 50 * time.Millisecond
	}
	if c.PassiveRetries == 0 {
		c.PassiveRetries = 1
	}
	if c.SPISpeed <= 0 {
		c.SPISpeed = physic.MegaHertz
	}
	if c.I2CAddr == 0 {
		c.I2CAddr = I2CAddr
	}
	if c.BusPoll <= 0 {
		c.BusPoll = time.Millisecond
	}
	return c
}

// Firmware is the answer to GetFirmwareVersion.
type Firmware struct {
	IC, Ver, Rev, Support byte
}

func (f Firmware) String() string {
	return fmt.Sprintf("PN5%02x v%d.%d (support 0x%02x)", f.IC, f.Ver, f.Rev, f.Support)
}

// Dev is a PN532 driven over HSU, I²C or SPI. It implements nfc.Reader.
// Methods are safe for concurrent use; the chip runs one command at a time.
type Dev struct {
	mu     sync.Mutex
	t      transport
	o      Opts
	log    *slog.Logger
	fw     Firmware
	asleep bool   // PowerDown sent: wake before the next command
	dirty  bool   // a frame was lost: drain before the next command
	field  bool   // RF field believed on
	gen    uint64 // bumped whenever the active target goes away
	active bool   // target 1 is activated
}

var _ nfc.Reader = (*Dev)(nil)

// NewHSU drives a PN532 on a serial line (115200 8N1 by default); rw is
// usually a *serialport.Port. Reads from rw must time out (return an error
// with Timeout() true) rather than block forever. The chip is woken up,
// put in normal mode and checked with GetFirmwareVersion.
func NewHSU(ctx context.Context, rw io.ReadWriter, o *Opts) (*Dev, error) {
	return newDev(ctx, newHSU(rw), o)
}

// NewI2C drives a PN532 on an I²C bus at address 0x24.
func NewI2C(ctx context.Context, bus i2c.Bus, o *Opts) (*Dev, error) {
	opts := o.withDefaults()
	return newDev(ctx, &i2cT{bus: bus, addr: opts.I2CAddr, poll: opts.BusPoll}, &opts)
}

// NewSPI drives a PN532 on an SPI port (mode 0, LSB first).
func NewSPI(ctx context.Context, port spi.Port, o *Opts) (*Dev, error) {
	opts := o.withDefaults()
	t, err := connectSPI(port, opts.SPISpeed, opts.SPISoftwareLSB)
	if err != nil {
		return nil, err
	}
	t.poll = opts.BusPoll
	return newDev(ctx, t, &opts)
}

func newDev(ctx context.Context, t transport, o *Opts) (*Dev, error) {
	opts := o.withDefaults()
	d := &Dev{t: t, o: opts, log: opts.Logger, asleep: true}
	if err := d.init(ctx); err != nil {
		return nil, fmt.Errorf("pn532: initialising on %s: %w", t, err)
	}
	return d, nil
}

// init follows the power-on sequence every host library uses: wake-up,
// SAMConfiguration (leaves LowVbat), then identify the chip, enable
// automatic RATS so ISO-DEP cards come up ready for APDUs, bound the
// activation retries so InListPassiveTarget returns, field off until Detect.
func (d *Dev) init(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, err := d.call(ctx, CmdSAMConfiguration, []byte{0x01, 0x14, 0x01}, 0, d.o.ResponseTimeout); err != nil {
		return fmt.Errorf("sam configuration: %w", err)
	}
	r, err := d.call(ctx, CmdGetFirmwareVersion, nil, 4, d.o.ResponseTimeout)
	if err != nil {
		return fmt.Errorf("get firmware version: %w", err)
	}
	if len(r) < 4 {
		return fmt.Errorf("get firmware version: %w", ErrResponse)
	}
	d.fw = Firmware{r[0], r[1], r[2], r[3]}
	if _, err := d.call(ctx, CmdSetParameters, []byte{0x14}, 0, d.o.ResponseTimeout); err != nil {
		return fmt.Errorf("set parameters: %w", err)
	}
	if err := d.rfConfig(ctx, 0x05, 0xFF, 0x01, d.o.PassiveRetries); err != nil {
		return fmt.Errorf("setting retries: %w", err)
	}
	if err := d.rfConfig(ctx, 0x01, 0x00); err != nil {
		return fmt.Errorf("field off: %w", err)
	}
	d.field = false
	d.log.Debug("pn532 ready", "transport", d.t.String(), "firmware", d.fw.String())
	return nil
}

// String names the chip and its bus.
func (d *Dev) String() string { return "pn532 " + d.t.String() }

// Firmware returns what GetFirmwareVersion reported at initialisation.
func (d *Dev) Firmware() Firmware { return d.fw }

// Halt releases any target and turns the RF field off. The Dev stays
// usable: the next Detect turns the field back on.
func (d *Dev) Halt() error {
	ctx, cancel := context.WithTimeout(context.Background(), d.o.ResponseTimeout+d.o.AckTimeout*2)
	defer cancel()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.dropTarget()
	var errs []error
	if _, err := d.call(ctx, CmdInRelease, []byte{0x00}, 1, d.o.ResponseTimeout); err != nil {
		errs = append(errs, err)
	}
	if err := d.rfConfig(ctx, 0x01, 0x00); err != nil {
		errs = append(errs, err)
	}
	d.field = false
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("pn532: halt: %w", err)
	}
	return nil
}

func (d *Dev) dropTarget() {
	if d.active {
		d.active = false
	}
	d.gen++
}

// call runs one command: send the frame, wait for the ACK, wait for the
// response and check that it answers this command. d.mu must be held.
//
// Recovery rules, in order: no ACK → drain, wake, send again once; response
// corrupted or cut → NACK (the chip resends) up to twice; still nothing →
// abort the command with an ACK and drain, so the next command starts on a
// clean line (stale frames from an earlier command are also skipped by
// their response code).
func (d *Dev) call(ctx context.Context, cmd byte, params []byte, maxResp int, timeout time.Duration) ([]byte, error) {
	if len(params)+2 > MaxFrameData {
		return nil, ErrTooLong
	}
	frame := AppendFrame(nil, TFIHost, append([]byte{cmd}, params...))
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		if d.dirty {
			d.t.drain()
			d.dirty = false
		}
		if d.asleep || attempt > 0 {
			if err := d.t.wake(ctx); err != nil {
				return nil, err
			}
			d.asleep = false
		}
		if err = d.t.send(ctx, frame); err != nil {
			return nil, fmt.Errorf("pn532: sending command 0x%02X: %w", cmd, err)
		}
		err = d.waitAck(ctx)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			d.abort()
			return nil, ctx.Err()
		}
		d.dirty = true
		d.log.Debug("pn532 no ack", "cmd", cmd, "attempt", attempt, "err", err)
	}
	if err != nil {
		return nil, fmt.Errorf("command 0x%02X: %w", cmd, ErrNoAck)
	}
	return d.waitResponse(ctx, cmd, maxResp, timeout)
}

func (d *Dev) waitAck(ctx context.Context) error {
	deadline := time.Now().Add(d.o.AckTimeout)
	for {
		f, err := d.t.recv(ctx, deadline, 6)
		switch {
		case err == nil && f.Type == FrameACK:
			return nil
		case err == nil:
			// A stale response from an aborted command: skip it.
			continue
		case errors.Is(err, errWait), ctx.Err() != nil:
			return err
		case errors.Is(err, ErrChecksum), errors.Is(err, ErrLengthChecksum),
			errors.Is(err, ErrFrameLength), errors.Is(err, ErrShortFrame):
			continue
		default:
			return err
		}
	}
}

func (d *Dev) waitResponse(ctx context.Context, cmd byte, maxResp int, timeout time.Duration) ([]byte, error) {
	nacks := 0
	deadline := time.Now().Add(timeout)
	for {
		f, err := d.t.recv(ctx, deadline, maxResp+1)
		if err != nil {
			if ctx.Err() != nil {
				d.abort()
				return nil, ctx.Err()
			}
			corrupt := errors.Is(err, ErrChecksum) || errors.Is(err, ErrLengthChecksum) ||
				errors.Is(err, ErrFrameLength) || errors.Is(err, ErrShortFrame)
			if (corrupt || errors.Is(err, errWait)) && nacks < 2 {
				nacks++
				d.log.Debug("pn532 nack", "cmd", cmd, "err", err)
				if err := d.t.send(ctx, NACK()); err != nil {
					return nil, err
				}
				deadline = time.Now().Add(d.o.AckTimeout + d.o.ResponseTimeout)
				continue
			}
			d.abort()
			if corrupt || errors.Is(err, errWait) {
				return nil, fmt.Errorf("command 0x%02X: %w (last: %v)", cmd, ErrNoResponse, err)
			}
			return nil, fmt.Errorf("pn532: reading response to 0x%02X: %w", cmd, err)
		}
		switch f.Type {
		case FrameError:
			return nil, fmt.Errorf("command 0x%02X: %w", cmd, ErrSyntax)
		case FrameACK, FrameNACK:
			continue
		}
		if f.TFI != TFIChip || len(f.Data) == 0 || f.Data[0] != cmd+1 {
			d.log.Debug("pn532 skipping stale frame", "cmd", cmd)
			continue
		}
		return f.Data[1:], nil
	}
}

// abort sends an ACK, which makes the chip drop the running command, and
// marks the line for draining before the next command.
func (d *Dev) abort() {
	ctx, cancel := context.WithTimeout(context.Background(), d.o.AckTimeout)
	defer cancel()
	_ = d.t.send(ctx, ACK())
	d.dirty = true
}
