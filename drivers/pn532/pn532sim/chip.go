package pn532sim

import (
	"context"
	"crypto/rand"
	"log/slog"
	"sync"
	"time"

	"tpe/device/nfc"
	"tpe/drivers/pn532"
)

// Opts configures a Chip. nil means defaults.
type Opts struct {
	// Baud is the HSU line speed used for pacing (default 115200).
	Baud int
	// Pace makes the HSU side take the wire time of every byte at Baud,
	// 10 bits per byte (8N1), in both directions: received frames are
	// processed when their last byte would have arrived, sent bytes are
	// released no earlier than they would have left the UART.
	Pace bool
	// Firmware is what GetFirmwareVersion reports (default PN532 v1.6,
	// support 0x07 — like real chips, so host libraries enable every type).
	Firmware pn532.Firmware
	// Logger gets one debug line per command; discarded by default.
	Logger *slog.Logger
}

// Fault is a one-shot misbehaviour injected with Chip.Inject.
type Fault int

const (
	// FaultIgnoreFrame drops the next host frame as if it never arrived
	// (no ACK, no response).
	FaultIgnoreFrame Fault = iota + 1
	// FaultCorruptResponse sends the next response with a bad checksum;
	// a NACK gets the good copy.
	FaultCorruptResponse
	// FaultTruncateResponse sends only the first half of the next response.
	FaultTruncateResponse
	// FaultDropResponse acknowledges the next command but never sends its
	// response (until NACKed).
	FaultDropResponse
	// FaultGarbage sends line noise before the next ACK.
	FaultGarbage
)

// Stats counts what crossed the host interface.
type Stats struct {
	// RxBytes and TxBytes are bytes received from and sent to the host.
	RxBytes, TxBytes int64
	// Frames, ACKs and NACKs count host information frames, aborts and
	// resend requests.
	Frames, ACKs, NACKs int64
	// Commands counts commands executed, by command code.
	Commands map[byte]int
	// Late adds up how far after their wire time paced bytes actually left
	// (scheduler lag); a diagnostic for timing measurements.
	Late time.Duration
}

type power int

const (
	lowVbat power = iota
	normal
	powerDown
)

// Chip is an emulated PN532: the command set a payment reader and libnfc
// use, over HSU (ServeHSU), I²C (I2C) or SPI (SPI). Its field holds at most
// one card, placed and removed at any time from any goroutine.
type Chip struct {
	o   Opts
	log *slog.Logger

	mu        sync.Mutex
	power     power
	regs      map[uint16]byte
	params    byte
	sam       byte
	field     bool
	retries   [3]byte
	timings   [3]byte
	baud      int
	nextBaud  int
	card      *placed
	changed   chan struct{} // closed and replaced on Place/Remove
	active    *placed       // activated target (Tg 1)
	chainIn   []byte        // host-chained C-APDU so far
	chainOut  []byte        // R-APDU bytes still to send (MI)
	faults    []Fault
	silent    bool
	delay     time.Duration
	stats     Stats
	lastResp  []byte
	cmdCancel context.CancelFunc
}

type placed struct {
	card   nfc.Card
	t      nfc.Target
	halted bool
	ctx    context.Context
	cancel context.CancelFunc
}

// DefaultTarget is used for cards that do not describe themselves: a
// random 4-byte UID starting with 08 (as phones use), ATQA 00 04,
// SAK 20 (ISO 14443-4), ATS 05 78 80 70 02 (FSCI 8: 256-byte frames).
func DefaultTarget() nfc.Target {
	uid := make([]byte, 4)
	rand.Read(uid)
	uid[0] = 0x08
	return nfc.Target{UID: uid, ATQA: [2]byte{0x00, 0x04}, SAK: 0x20, ATS: []byte{0x05, 0x78, 0x80, 0x70, 0x02}}
}

// New returns a chip in its power-on state (LowVbat: the host must wake it).
func New(o *Opts) *Chip {
	var opts Opts
	if o != nil {
		opts = *o
	}
	if opts.Baud == 0 {
		opts.Baud = 115200
	}
	if opts.Firmware == (pn532.Firmware{}) {
		opts.Firmware = pn532.Firmware{IC: 0x32, Ver: 1, Rev: 6, Support: 0x07}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Chip{
		o:       opts,
		log:     opts.Logger,
		regs:    map[uint16]byte{},
		params:  0x14,
		retries: [3]byte{0xFF, 0x01, 0xFF},
		timings: [3]byte{0x00, 0x0B, 0x0A},
		baud:    opts.Baud,
		changed: make(chan struct{}),
		stats:   Stats{Commands: map[byte]int{}},
	}
}

// WithTarget gives a card an activation description (UID, ATQA, SAK, ATS).
func WithTarget(c nfc.Card, t nfc.Target) nfc.Card { return targeted{c, t} }

type targeted struct {
	nfc.Card
	t nfc.Target
}

func (t targeted) Target() nfc.Target { return t.t }

// Place puts a card in the field, replacing any card there. If card
// implements nfc.TargetInfo its description is used, else DefaultTarget.
// Place and Remove are safe from any goroutine.
func (c *Chip) Place(card nfc.Card) {
	t := DefaultTarget()
	if ti, ok := card.(nfc.TargetInfo); ok {
		t = ti.Target()
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &placed{card: card, t: t, ctx: ctx, cancel: cancel}
	c.mu.Lock()
	c.removeLocked()
	c.card = p
	c.mu.Unlock()
}

// Remove takes the card out of the field. An exchange in progress fails
// with status 01 (timeout), as when a real card leaves.
func (c *Chip) Remove() {
	c.mu.Lock()
	c.removeLocked()
	c.mu.Unlock()
}

func (c *Chip) removeLocked() {
	if c.card != nil {
		c.card.cancel()
	}
	// c.active keeps pointing at the departed card: the chip does not know
	// it left until an exchange times out.
	c.card = nil
	c.chainIn, c.chainOut = nil, nil
	close(c.changed)
	c.changed = make(chan struct{})
}

// Inject queues one-shot faults, applied in order to the next frames.
func (c *Chip) Inject(f ...Fault) {
	c.mu.Lock()
	c.faults = append(c.faults, f...)
	c.mu.Unlock()
}

// SetSilent makes the chip ignore everything (unplugged, wrong speed).
func (c *Chip) SetSilent(s bool) {
	c.mu.Lock()
	c.silent = s
	c.mu.Unlock()
}

// SetResponseDelay delays every response (not the ACK) by d.
func (c *Chip) SetResponseDelay(d time.Duration) {
	c.mu.Lock()
	c.delay = d
	c.mu.Unlock()
}

// Stats returns a copy of the counters.
func (c *Chip) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Commands = make(map[byte]int, len(c.stats.Commands))
	for k, v := range c.stats.Commands {
		s.Commands[k] = v
	}
	return s
}

// ResetStats zeroes the counters.
func (c *Chip) ResetStats() {
	c.mu.Lock()
	c.stats = Stats{Commands: map[byte]int{}}
	c.mu.Unlock()
}

// Register returns the value stored at a register address.
func (c *Chip) Register(addr uint16) byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.regs[addr]
}

// Field reports whether the RF field is on.
func (c *Chip) Field() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.field
}

// Awake reports whether the chip is in normal mode (not LowVbat/PowerDown).
func (c *Chip) Awake() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.power == normal
}

// Baud is the current HSU speed (changed by SetSerialBaudRate).
func (c *Chip) Baud() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.baud
}

func (c *Chip) takeFault(f Fault) bool {
	for i, g := range c.faults {
		if g == f {
			c.faults = append(c.faults[:i:i], c.faults[i+1:]...)
			return true
		}
	}
	return false
}
