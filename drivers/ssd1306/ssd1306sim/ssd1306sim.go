package ssd1306sim

import (
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"sync"

	"periph.io/x/conn/v3"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/pin"
	"periph.io/x/conn/v3/spi"

	"tpe/drivers/ssd1306"
)

// ErrNACK is what the bus answers for an address nobody holds.
var ErrNACK = errors.New("ssd1306sim: no device at this I²C address")

// Opts describes the emulated module. nil means 128×64 at 0x3C.
type Opts struct {
	Width, Height int
	Addr          uint16
}

// Stats counts what reached the controller.
type Stats struct {
	Bytes     int64 // every byte, control and command bytes included
	DataBytes int64 // GDDRAM bytes written
	Transfers int64
}

// Controller is the emulated chip.
type Controller struct {
	mu    sync.Mutex
	o     Opts
	ram   [8 * 128]byte
	stats Stats

	on, inverted, entireOn, pump bool
	segRemap, comDec             bool
	mux                          int
	mode                         byte
	c0, c1, p0, p1, col, page    int
	cmd                          []byte

	dcHigh, inReset bool
	dc, rst         *Pin
}

// New returns a powered controller: display off, GDDRAM noise.
func New(opts *Opts) *Controller {
	o := Opts{}
	if opts != nil {
		o = *opts
	}
	if o.Width == 0 {
		o.Width, o.Height = 128, 64
	}
	if o.Addr == 0 {
		o.Addr = 0x3C
	}
	c := &Controller{o: o}
	s := uint32(0x9E3779B9)
	for i := range c.ram {
		s ^= s << 13
		s ^= s >> 17
		s ^= s << 5
		c.ram[i] = byte(s)
	}
	c.reset()
	c.dc = &Pin{name: "SSD1306SIM_DC", c: c}
	c.rst = &Pin{name: "SSD1306SIM_RES", c: c, rst: true, level: gpio.High}
	return c
}

// reset: §8.9 power-on state.
func (c *Controller) reset() {
	c.on, c.inverted, c.entireOn, c.pump = false, false, false, false
	c.segRemap, c.comDec = false, false
	c.mux, c.mode = 63, 0x02
	c.c0, c.c1, c.p0, c.p1, c.col, c.page = 0, 127, 0, 7, 0, 0
	c.cmd = c.cmd[:0]
}

// params is the number of parameter bytes after a command (table 9-1).
func params(op byte) int {
	switch op {
	case 0x81, 0x8D, 0xA8, 0xD3, 0xD5, 0xD9, 0xDA, 0xDB, 0x20:
		return 1
	case 0x21, 0x22, 0xA3:
		return 2
	case 0x29, 0x2A:
		return 5
	case 0x26, 0x27:
		return 6
	}
	return 0
}

func (c *Controller) command(b byte) {
	c.stats.Bytes++
	c.cmd = append(c.cmd, b)
	if len(c.cmd) <= params(c.cmd[0]) {
		return
	}
	p := c.cmd
	c.cmd = c.cmd[:0]
	switch op := p[0]; {
	case op == ssd1306.DisplayOn:
		c.on = true
	case op == ssd1306.DisplayOff:
		c.on = false
	case op == ssd1306.NormalDisplay:
		c.inverted = false
	case op == ssd1306.InvertDisplay:
		c.inverted = true
	case op == 0xA4 || op == 0xA5:
		c.entireOn = op == 0xA5
	case op == ssd1306.SegRemapOff || op == ssd1306.SegRemapOn:
		c.segRemap = op == ssd1306.SegRemapOn
	case op == ssd1306.ComScanInc || op == ssd1306.ComScanDec:
		c.comDec = op == ssd1306.ComScanDec
	case op == ssd1306.ChargePump:
		c.pump = p[1]&0x04 != 0
	case op == ssd1306.SetMultiplex:
		c.mux = int(p[1] & 0x3F)
	case op == ssd1306.SetMemoryMode:
		c.mode = p[1] & 0x03
	case op == ssd1306.SetColumnAddr:
		c.c0, c.c1 = int(p[1]&0x7F), int(p[2]&0x7F)
		c.col = c.c0
	case op == ssd1306.SetPageAddr:
		c.p0, c.p1 = int(p[1]&0x07), int(p[2]&0x07)
		c.page = c.p0
	case op <= 0x0F: // page mode: lower column nibble
		c.col = c.col&0xF0 | int(op)
	case op >= 0x10 && op <= 0x1F:
		c.col = c.col&0x0F | int(op&0x0F)<<4
	case op >= 0xB0 && op <= 0xB7:
		c.page = int(op & 0x07)
	}
}

func (c *Controller) data(b byte) {
	c.stats.Bytes++
	c.stats.DataBytes++
	if c.col < 128 && c.page < 8 {
		c.ram[c.page*128+c.col] = b
	}
	switch c.mode {
	case 0x00: // horizontal
		if c.col++; c.col > c.c1 {
			c.col = c.c0
			if c.page++; c.page > c.p1 {
				c.page = c.p0
			}
		}
	case 0x01: // vertical
		if c.page++; c.page > c.p1 {
			c.page = c.p0
			if c.col++; c.col > c.c1 {
				c.col = c.c0
			}
		}
	default: // page
		if c.col++; c.col > c.c1 {
			c.col = c.c0
		}
	}
}

// String implements i2c.Bus and spi.Port.
func (c *Controller) String() string { return "ssd1306sim" }

// Tx implements i2c.Bus: control byte(s) then commands or data (§8.1.5.2).
func (c *Controller) Tx(addr uint16, w, r []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if addr != c.o.Addr {
		return fmt.Errorf("%w: %#x", ErrNACK, addr)
	}
	if len(r) > 0 {
		clear(r)
		r[0] = 0x03 // status byte: display off, ID of an SSD1306 as periph reads it
	}
	c.stats.Transfers++
	for i := 0; i < len(w); {
		ctrl := w[i]
		c.stats.Bytes++
		i++
		isData := ctrl&0x40 != 0
		if ctrl&0x80 == 0 { // Co = 0: the rest is all commands or all data
			for ; i < len(w); i++ {
				if isData {
					c.data(w[i])
				} else {
					c.command(w[i])
				}
			}
			break
		}
		if i < len(w) { // Co = 1: one byte, then another control byte
			if isData {
				c.data(w[i])
			} else {
				c.command(w[i])
			}
			i++
		}
	}
	return nil
}

// SetSpeed implements i2c.Bus; the chip takes up to 400 kHz.
func (c *Controller) SetSpeed(f physic.Frequency) error {
	if f > 400*physic.KiloHertz {
		return fmt.Errorf("ssd1306sim: %s above the 400 kHz fast mode", f)
	}
	return nil
}

// Connect implements spi.Port.
func (c *Controller) Connect(f physic.Frequency, mode spi.Mode, bits int) (spi.Conn, error) {
	if bits != 8 || mode&3 != spi.Mode0 && mode&3 != spi.Mode3 {
		return nil, fmt.Errorf("ssd1306sim: SPI %s with %d bits, the chip takes mode 0 or 3, 8 bits", mode, bits)
	}
	if f > 10*physic.MegaHertz {
		return nil, fmt.Errorf("ssd1306sim: %s above the 10 MHz serial clock", f)
	}
	return &spiConn{c}, nil
}

type spiConn struct{ c *Controller }

func (s *spiConn) String() string      { return "ssd1306sim" }
func (s *spiConn) Duplex() conn.Duplex { return conn.Full }
func (s *spiConn) TxPackets(p []spi.Packet) error {
	return errors.New("ssd1306sim: TxPackets not supported")
}
func (s *spiConn) Tx(w, r []byte) error {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(r)
	c.stats.Transfers++
	if c.inReset {
		return nil
	}
	for _, b := range w {
		if c.dcHigh {
			c.data(b)
		} else {
			c.command(b)
		}
	}
	return nil
}

// DC is the SPI data/command pin.
func (c *Controller) DC() gpio.PinOut { return c.dc }

// RST is the active-low reset pin.
func (c *Controller) RST() gpio.PinOut { return c.rst }

// Snapshot is the glass: white where lit, black elsewhere; all black while
// the display is off or the charge pump is off.
func (c *Controller) Snapshot() *image.Gray {
	c.mu.Lock()
	defer c.mu.Unlock()
	w, h := c.o.Width, c.o.Height
	img := image.NewGray(image.Rect(0, 0, w, h))
	if !c.on || !c.pump {
		return img
	}
	for y := 0; y < h && y <= c.mux; y++ {
		for x := 0; x < w; x++ {
			col, row := x, y
			if !c.segRemap {
				col = w - 1 - x
			}
			if !c.comDec {
				row = c.mux - y
			}
			lit := c.ram[(row/8)*128+col]>>(row%8)&1 == 1
			if c.entireOn || lit != c.inverted {
				img.Pix[y*img.Stride+x] = 0xFF
			}
		}
	}
	return img
}

// WritePNG encodes Snapshot as PNG.
func (c *Controller) WritePNG(w io.Writer) error { return png.Encode(w, c.Snapshot()) }

// Stats returns the counters.
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

// Pin is a controller input driven by the host.
type Pin struct {
	name  string
	c     *Controller
	rst   bool
	level gpio.Level
}

var _ gpio.PinOut = (*Pin)(nil)

func (p *Pin) String() string   { return p.name }
func (p *Pin) Halt() error      { return nil }
func (p *Pin) Name() string     { return p.name }
func (p *Pin) Number() int      { return -1 }
func (p *Pin) Function() string { return "Out" }
func (p *Pin) Func() pin.Func   { return gpio.OUT }

// PWM is refused.
func (p *Pin) PWM(gpio.Duty, physic.Frequency) error {
	return errors.New("ssd1306sim: PWM not supported on " + p.name)
}

// Out drives the pin.
func (p *Pin) Out(l gpio.Level) error {
	c := p.c
	c.mu.Lock()
	defer c.mu.Unlock()
	prev := p.level
	p.level = l
	if !p.rst {
		c.dcHigh = bool(l)
		return nil
	}
	if l == gpio.Low {
		c.inReset = true
	} else if prev == gpio.Low {
		c.inReset = false
		c.reset()
	}
	return nil
}
