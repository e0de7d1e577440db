package st7789sim

import (
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"sync"
	"time"

	"periph.io/x/conn/v3"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/pin"
	"periph.io/x/conn/v3/spi"

	"tpe/drivers/st7789"
)

// ErrTooLong is returned by the port for a transfer over MaxTxSize, as Linux
// spidev answers EMSGSIZE.
var ErrTooLong = errors.New("st7789sim: transfer longer than the port's maximum")

// Opts describes the emulated glass. nil means a 240×320 IPS panel.
type Opts struct {
	// Width and Height of the glass in its native portrait orientation.
	Width, Height int
	// ColOffset and RowOffset place the glass in frame memory; zero means
	// the usual place (52,40 for 135×240, else 0,0).
	ColOffset, RowOffset int
	// TN glass shows true colours without inversion; IPS glass (default)
	// needs INVON.
	TN bool
	// BGR glass has its sub-pixels wired blue-green-red: colours are true
	// only when MADCTL has BGR set too.
	BGR bool
	// MaxTxSize is the longest transfer the port accepts; default 4096.
	MaxTxSize int
}

// Stats counts what reached the controller.
type Stats struct {
	Bytes     int64 // every byte on MOSI, commands included
	Commands  int64 // bytes sent with DC low
	Pixels    int64 // pixels stored in frame memory
	Transfers int64 // SPI transactions
	MaxTx     int   // longest transaction seen
}

// Controller is the emulated chip. It implements spi.Port; DC, RST and
// Backlight give its pins. All methods are safe for concurrent use.
type Controller struct {
	mu    sync.Mutex
	o     Opts
	ram   []uint16 // RAMWidth × RAMHeight, row major
	stats Stats
	viol  []error

	dcHigh  bool
	inReset bool
	blUsed  bool
	blOn    bool

	asleep, dispOn, invOn bool
	madctl, colmod        byte
	xs, xe, ys, ye        int
	x, y                  int // memory write pointer (logical)
	cmd                   byte
	params                []byte
	writing               bool // RAMWR/RAMWRC data phase
	pix                   []byte
	ready                 time.Time // no command before this (reset, SLPOUT)
	slpoutAfter           time.Time // no SLPOUT before this
	connected             bool

	dc, rst, bl *Pin
}

// New returns a powered controller, as after power-on: asleep, display off,
// frame memory full of noise.
func New(opts *Opts) *Controller {
	o := Opts{}
	if opts != nil {
		o = *opts
	}
	if o.Width == 0 && o.Height == 0 {
		o.Width, o.Height = 240, 320
	}
	if o.ColOffset == 0 && o.RowOffset == 0 && o.Width == 135 && o.Height == 240 {
		o.ColOffset, o.RowOffset = 52, 40
	}
	if o.MaxTxSize <= 0 {
		o.MaxTxSize = 4096
	}
	c := &Controller{o: o, ram: make([]uint16, st7789.RAMWidth*st7789.RAMHeight)}
	// Power-up frame memory is undefined; make it visibly so.
	seed := uint32(0x2545F491)
	for i := range c.ram {
		seed ^= seed << 13
		seed ^= seed >> 17
		seed ^= seed << 5
		c.ram[i] = uint16(seed)
	}
	c.reset()
	// Power came up long before the host opened the port.
	c.ready, c.slpoutAfter = time.Time{}, time.Time{}
	c.dc = &Pin{name: "ST7789SIM_DC", num: 0, c: c, role: roleDC}
	c.rst = &Pin{name: "ST7789SIM_RST", num: 1, c: c, role: roleRST, level: gpio.High}
	c.bl = &Pin{name: "ST7789SIM_BL", num: 2, c: c, role: roleBL}
	return c
}

// reset puts the registers in their reset state (datasheet §9.1.2); frame
// memory is kept, as on the chip.
func (c *Controller) reset() {
	c.asleep, c.dispOn, c.invOn = true, false, false
	c.madctl, c.colmod = 0, st7789.Colmod18
	c.xs, c.xe, c.ys, c.ye = 0, st7789.RAMWidth-1, 0, st7789.RAMHeight-1
	c.cmd, c.params, c.writing, c.pix = 0, nil, false, nil
	now := time.Now()
	c.ready = now.Add(5 * time.Millisecond)
	c.slpoutAfter = now.Add(120 * time.Millisecond)
}

// DC is the data/command pin: low for command bytes.
func (c *Controller) DC() gpio.PinOut { return c.dc }

// RST is the active-low hardware reset pin.
func (c *Controller) RST() gpio.PinOut { return c.rst }

// Backlight is the backlight enable pin. Until it is driven the backlight
// counts as wired on.
func (c *Controller) Backlight() gpio.PinOut { return c.bl }

// String implements spi.Port.
func (c *Controller) String() string { return "st7789sim" }

// Connect implements spi.Port.
func (c *Controller) Connect(f physic.Frequency, mode spi.Mode, bits int) (spi.Conn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.connected {
		return nil, errors.New("st7789sim: Connect called twice")
	}
	if bits != 8 {
		return nil, fmt.Errorf("st7789sim: %d bits per word, the controller takes 8", bits)
	}
	if m := mode &^ (spi.NoCS | spi.HalfDuplex); m != spi.Mode0 && m != spi.Mode3 {
		return nil, fmt.Errorf("st7789sim: SPI %s, the controller samples on the rising edge (mode 0 or 3)", mode)
	}
	if f > 62500*physic.KiloHertz {
		c.viol = append(c.viol, fmt.Errorf("st7789sim: clock %s above the 62.5 MHz write cycle", f))
	}
	c.connected = true
	return &spiConn{c: c}, nil
}

type spiConn struct{ c *Controller }

func (s *spiConn) String() string      { return "st7789sim" }
func (s *spiConn) Duplex() conn.Duplex { return conn.Full }
func (s *spiConn) MaxTxSize() int      { return s.c.o.MaxTxSize }

func (s *spiConn) Tx(w, r []byte) error {
	if r != nil && len(r) != len(w) {
		return errors.New("st7789sim: full duplex transfer needs len(r) == len(w)")
	}
	if len(w) > s.c.o.MaxTxSize {
		return fmt.Errorf("%w: %d bytes, maximum %d", ErrTooLong, len(w), s.c.o.MaxTxSize)
	}
	clear(r) // the controller does not drive MISO in write mode
	s.c.receive(w)
	return nil
}

func (s *spiConn) TxPackets(p []spi.Packet) error {
	for _, pk := range p {
		if err := s.Tx(pk.W, pk.R); err != nil {
			return err
		}
	}
	return nil
}

// receive decodes one chip-select-low transaction.
func (c *Controller) receive(w []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stats.Transfers++
	c.stats.Bytes += int64(len(w))
	c.stats.MaxTx = max(c.stats.MaxTx, len(w))
	if c.inReset {
		return
	}
	if !c.dcHigh {
		for _, b := range w {
			c.command(b)
		}
		return
	}
	if c.writing {
		c.pixels(w)
		return
	}
	for _, b := range w {
		c.param(b)
	}
}

func (c *Controller) command(b byte) {
	c.stats.Commands++
	now := time.Now()
	if now.Before(c.ready) {
		c.viol = append(c.viol, fmt.Errorf("st7789sim: command %02X %v after reset or SLPOUT, datasheet asks 5 ms", b, now.Sub(c.ready.Add(-5*time.Millisecond))))
	}
	c.cmd, c.params, c.writing, c.pix = b, c.params[:0], false, c.pix[:0]
	switch b {
	case st7789.SWRESET:
		c.reset()
	case st7789.SLPIN:
		c.asleep = true
		c.slpoutAfter = now.Add(120 * time.Millisecond)
	case st7789.SLPOUT:
		if now.Before(c.slpoutAfter) {
			c.viol = append(c.viol, errors.New("st7789sim: SLPOUT less than 120 ms after reset or SLPIN"))
		}
		c.asleep = false
		c.ready = now.Add(5 * time.Millisecond)
	case st7789.INVON:
		c.invOn = true
	case st7789.INVOFF:
		c.invOn = false
	case st7789.DISPON:
		c.dispOn = true
	case st7789.DISPOFF:
		c.dispOn = false
	case st7789.RAMWR:
		c.x, c.y = c.xs, c.ys
		c.writing = true
	case st7789.RAMWRC:
		c.writing = true
	}
}

func (c *Controller) param(b byte) {
	c.params = append(c.params, b)
	p := c.params
	switch c.cmd {
	case st7789.CASET, st7789.RASET:
		if len(p) != 4 {
			return
		}
		s, e := int(p[0])<<8|int(p[1]), int(p[2])<<8|int(p[3])
		if c.cmd == st7789.CASET {
			c.xs, c.xe = s, e
		} else {
			c.ys, c.ye = s, e
		}
		if s > e {
			c.viol = append(c.viol, fmt.Errorf("st7789sim: %02X start %d after end %d", c.cmd, s, e))
		}
	case st7789.MADCTL:
		if len(p) == 1 {
			c.madctl = b
		}
	case st7789.COLMOD:
		if len(p) == 1 {
			c.colmod = b
		}
	}
}

// pixels stores pixel data at the write pointer, which runs left to right
// then top to bottom inside the CASET/RASET window and wraps to its start.
func (c *Controller) pixels(w []byte) {
	size := 2
	if c.colmod&0x07 == 0x06 {
		size = 3
	} else if c.colmod&0x07 != 0x05 {
		c.viol = append(c.viol, fmt.Errorf("st7789sim: pixel data in unsupported COLMOD %02X", c.colmod))
		return
	}
	for len(w) > 0 {
		n := min(size-len(c.pix), len(w))
		c.pix = append(c.pix, w[:n]...)
		w = w[n:]
		if len(c.pix) < size {
			return
		}
		var v uint16
		if size == 2 {
			v = uint16(c.pix[0])<<8 | uint16(c.pix[1])
		} else { // RGB666, six high bits of each byte
			v = uint16(c.pix[0]>>3)<<11 | uint16(c.pix[1]>>2)<<5 | uint16(c.pix[2]>>3)
		}
		c.pix = c.pix[:0]
		c.store(v)
	}
}

func (c *Controller) store(v uint16) {
	col, row := c.x, c.y
	if c.madctl&st7789.MadctlMV != 0 {
		col, row = row, col
	}
	if c.madctl&st7789.MadctlMX != 0 {
		col = st7789.RAMWidth - 1 - col
	}
	if c.madctl&st7789.MadctlMY != 0 {
		row = st7789.RAMHeight - 1 - row
	}
	if col >= 0 && col < st7789.RAMWidth && row >= 0 && row < st7789.RAMHeight {
		c.ram[row*st7789.RAMWidth+col] = v
		c.stats.Pixels++
	}
	c.x++
	if c.x > c.xe {
		c.x = c.xs
		c.y++
		if c.y > c.ye {
			c.y = c.ys
		}
	}
}

// Snapshot is what the glass shows, turned the way MADCTL turns the
// picture: width and height swap when MADCTL has MV.
func (c *Controller) Snapshot() *image.RGBA {
	c.mu.Lock()
	defer c.mu.Unlock()
	w, h := c.o.Width, c.o.Height
	mv := c.madctl&st7789.MadctlMV != 0
	if mv {
		w, h = h, w
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	if c.asleep || !c.dispOn || (c.blUsed && !c.blOn) {
		for i := 3; i < len(img.Pix); i += 4 {
			img.Pix[i] = 0xFF
		}
		return img
	}
	negative := c.invOn == c.o.TN
	bgr := (c.madctl&st7789.MadctlBGR != 0) != c.o.BGR
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			col, row := x, y
			if mv {
				col, row = row, col
			}
			if c.madctl&st7789.MadctlMX != 0 {
				col = c.o.Width - 1 - col
			}
			if c.madctl&st7789.MadctlMY != 0 {
				row = c.o.Height - 1 - row
			}
			v := c.ram[(row+c.o.RowOffset)*st7789.RAMWidth+col+c.o.ColOffset]
			if negative {
				v = ^v
			}
			r5, g6, b5 := v>>11, (v>>5)&0x3F, v&0x1F
			if bgr {
				r5, b5 = b5, r5
			}
			i := img.PixOffset(x, y)
			img.Pix[i] = byte(r5<<3 | r5>>2)
			img.Pix[i+1] = byte(g6<<2 | g6>>4)
			img.Pix[i+2] = byte(b5<<3 | b5>>2)
			img.Pix[i+3] = 0xFF
		}
	}
	return img
}

// WritePNG encodes Snapshot as PNG.
func (c *Controller) WritePNG(w io.Writer) error {
	return png.Encode(w, c.Snapshot())
}

// Stats returns the counters since New or the last ResetStats.
func (c *Controller) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

// ResetStats zeroes the counters.
func (c *Controller) ResetStats() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stats = Stats{}
}

// Violations lists the datasheet rules the host broke, oldest first.
func (c *Controller) Violations() []error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]error(nil), c.viol...)
}

// State is the controller's register state, for tests and diagnostics.
type State struct {
	Asleep, DisplayOn, Inverted, Backlight bool
	MADCTL, COLMOD                         byte
}

// State returns the current register state.
func (c *Controller) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return State{Asleep: c.asleep, DisplayOn: c.dispOn, Inverted: c.invOn,
		Backlight: !c.blUsed || c.blOn, MADCTL: c.madctl, COLMOD: c.colmod}
}

const (
	roleDC = iota
	roleRST
	roleBL
)

// Pin is one of the controller's input pins, driven by the host as a
// gpio.PinOut.
type Pin struct {
	name  string
	num   int
	c     *Controller
	role  int
	level gpio.Level
}

var _ gpio.PinOut = (*Pin)(nil)

func (p *Pin) String() string   { return p.name }
func (p *Pin) Halt() error      { return nil }
func (p *Pin) Name() string     { return p.name }
func (p *Pin) Number() int      { return p.num }
func (p *Pin) Function() string { return "Out/" + p.Read().String() }
func (p *Pin) Func() pin.Func   { return gpio.OUT }

// PWM is refused: the emulated board has no PWM on these pins.
func (p *Pin) PWM(gpio.Duty, physic.Frequency) error {
	return errors.New("st7789sim: PWM not supported on " + p.name)
}

// Read returns the level the host drives.
func (p *Pin) Read() gpio.Level {
	p.c.mu.Lock()
	defer p.c.mu.Unlock()
	return p.level
}

// Out drives the pin; the controller reacts as the chip would.
func (p *Pin) Out(l gpio.Level) error {
	c := p.c
	c.mu.Lock()
	defer c.mu.Unlock()
	prev := p.level
	p.level = l
	switch p.role {
	case roleDC:
		c.dcHigh = bool(l)
	case roleRST:
		if l == gpio.Low {
			c.inReset = true
		} else if prev == gpio.Low {
			// Released: registers back to defaults, memory kept (§9.1.2).
			c.inReset = false
			c.reset()
		}
	case roleBL:
		c.blUsed, c.blOn = true, bool(l)
	}
	return nil
}
