package ssd1306

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"log/slog"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"

	"tpe/device/display"
)

var _ display.Screen = (*Dev)(nil)

// Commands used by the driver (datasheet §9, table 9-1). Exported for the
// emulator in ssd1306sim.
const (
	SetContrast      = 0x81
	EntireOnResume   = 0xA4
	NormalDisplay    = 0xA6
	InvertDisplay    = 0xA7
	DisplayOff       = 0xAE
	DisplayOn        = 0xAF
	SetMemoryMode    = 0x20 // 00 horizontal, 01 vertical, 02 page
	SetColumnAddr    = 0x21 // start, end
	SetPageAddr      = 0x22 // start, end
	SetStartLine     = 0x40 // 40h–7Fh
	SegRemapOff      = 0xA0 // column 0 is SEG0
	SegRemapOn       = 0xA1 // column 127 is SEG0
	SetMultiplex     = 0xA8
	ComScanInc       = 0xC0
	ComScanDec       = 0xC8
	SetDisplayOffset = 0xD3
	SetClockDiv      = 0xD5
	SetPrecharge     = 0xD9
	SetComPins       = 0xDA
	SetVcomDetect    = 0xDB
	ChargePump       = 0x8D // 14h on, 10h off
	DeactivateScroll = 0x2E
)

// I²C control bytes (§8.1.5.2).
const (
	ControlCommand = 0x00
	ControlData    = 0x40
)

var (
	// ErrGeometry means an unsupported panel size.
	ErrGeometry = errors.New("ssd1306: panel must be 128x64 or 128x32")
	// ErrHalted means Show was called after Halt.
	ErrHalted = errors.New("ssd1306: display halted")
	// ErrNoImage means Show was given a nil image.
	ErrNoImage = errors.New("ssd1306: nil image")
)

// BusError is a failed bus or pin operation; it matches display.ErrDisplay.
type BusError struct {
	Op  string
	Err error
}

func (e *BusError) Error() string { return "ssd1306: " + e.Op + ": " + e.Err.Error() }

// Unwrap returns the bus error.
func (e *BusError) Unwrap() error { return e.Err }

// Is matches display.ErrDisplay.
func (e *BusError) Is(target error) bool { return target == display.ErrDisplay }

// Opts configures a Dev. nil means 128×64, upright.
type Opts struct {
	Width, Height int // 128×64 (default) or 128×32
	// Rotated turns the picture 180° (module mounted upside down).
	Rotated bool
	// Frequency is the SPI clock (default 8 MHz) or the I²C speed (default:
	// leave the bus as it is).
	Frequency physic.Frequency
	// Logger gets debug lines; discarded by default.
	Logger *slog.Logger
}

// transport sends command or data bytes.
type transport interface {
	cmd(b ...byte) error
	data(b []byte) error
	String() string
}

type spiTransport struct {
	c  spi.Conn
	dc gpio.PinOut
	n  string
}

func (t *spiTransport) String() string { return t.n }
func (t *spiTransport) cmd(b ...byte) error {
	if err := t.dc.Out(gpio.Low); err != nil {
		return &BusError{Op: "DC pin", Err: err}
	}
	if err := t.c.Tx(b, nil); err != nil {
		return &BusError{Op: fmt.Sprintf("command %02X", b[0]), Err: err}
	}
	return nil
}
func (t *spiTransport) data(b []byte) error {
	if err := t.dc.Out(gpio.High); err != nil {
		return &BusError{Op: "DC pin", Err: err}
	}
	for len(b) > 0 { // spidev's 4096-byte limit; a 128×64 frame is 1024
		n := min(len(b), 4096)
		if err := t.c.Tx(b[:n], nil); err != nil {
			return &BusError{Op: "display data", Err: err}
		}
		b = b[n:]
	}
	return nil
}

type i2cTransport struct {
	b    i2c.Bus
	addr uint16
	buf  []byte
}

func (t *i2cTransport) String() string { return fmt.Sprintf("%s@%#x", t.b, t.addr) }
func (t *i2cTransport) cmd(b ...byte) error {
	t.buf = append(append(t.buf[:0], ControlCommand), b...)
	if err := t.b.Tx(t.addr, t.buf, nil); err != nil {
		return &BusError{Op: fmt.Sprintf("command %02X", b[0]), Err: err}
	}
	return nil
}
func (t *i2cTransport) data(b []byte) error {
	for len(b) > 0 {
		n := min(len(b), 1024)
		t.buf = append(append(t.buf[:0], ControlData), b[:n]...)
		if err := t.b.Tx(t.addr, t.buf, nil); err != nil {
			return &BusError{Op: "display data", Err: err}
		}
		b = b[n:]
	}
	return nil
}

// Dev is an SSD1306 module.
type Dev struct {
	mu     sync.Mutex
	t      transport
	o      Opts
	log    *slog.Logger
	pages  int
	shadow []byte // pages × width, as GDDRAM holds it
	next   []byte
	valid  bool
	halted bool
}

// NewSPI initialises a module on SPI with a D/C pin; rst may be nil.
func NewSPI(p spi.Port, dc, rst gpio.PinOut, opts *Opts) (*Dev, error) {
	o := defaults(opts)
	if dc == nil || dc == gpio.INVALID {
		return nil, fmt.Errorf("%w: a DC pin is required on SPI", ErrGeometry)
	}
	f := o.Frequency
	if f == 0 {
		f = 8 * physic.MegaHertz
	}
	c, err := p.Connect(f, spi.Mode0, 8)
	if err != nil {
		return nil, &BusError{Op: "connecting " + p.String(), Err: err}
	}
	if rst != nil && rst != gpio.INVALID {
		// §8.9: RES# low at least 3 µs.
		for _, l := range []gpio.Level{gpio.High, gpio.Low, gpio.High} {
			if err := rst.Out(l); err != nil {
				return nil, &BusError{Op: "reset pin", Err: err}
			}
			time.Sleep(time.Millisecond)
		}
	}
	return newDev(&spiTransport{c: c, dc: dc, n: p.String()}, o)
}

// NewI2C initialises a module on bus at addr (0x3C or 0x3D).
func NewI2C(b i2c.Bus, addr uint16, opts *Opts) (*Dev, error) {
	o := defaults(opts)
	if o.Frequency != 0 {
		if err := b.SetSpeed(o.Frequency); err != nil {
			return nil, &BusError{Op: "setting I²C speed", Err: err}
		}
	}
	return newDev(&i2cTransport{b: b, addr: addr}, o)
}

func defaults(opts *Opts) Opts {
	o := Opts{}
	if opts != nil {
		o = *opts
	}
	if o.Width == 0 && o.Height == 0 {
		o.Width, o.Height = 128, 64
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

func newDev(t transport, o Opts) (*Dev, error) {
	if o.Width != 128 || (o.Height != 64 && o.Height != 32) {
		return nil, fmt.Errorf("%w: %dx%d", ErrGeometry, o.Width, o.Height)
	}
	d := &Dev{t: t, o: o, log: o.Logger, pages: o.Height / 8}
	d.shadow = make([]byte, d.pages*o.Width)
	d.next = make([]byte, d.pages*o.Width)
	seg, com := byte(SegRemapOn), byte(ComScanDec)
	if o.Rotated {
		seg, com = SegRemapOff, ComScanInc
	}
	comPins := byte(0x12) // alternative COM pins, 128×64
	if o.Height == 32 {
		comPins = 0x02
	}
	init := [][]byte{
		{DisplayOff},
		{SetDisplayOffset, 0x00},
		{SetStartLine},
		{seg},
		{com},
		{SetComPins, comPins},
		{SetContrast, 0xFF},
		{EntireOnResume},
		{NormalDisplay},
		{SetClockDiv, 0xF0},
		{ChargePump, 0x14},
		{SetPrecharge, 0xF1},
		{SetVcomDetect, 0x40},
		{DeactivateScroll},
		{SetMultiplex, byte(o.Height - 1)},
		{SetMemoryMode, 0x00},
	}
	for _, c := range init {
		if err := t.cmd(c...); err != nil {
			return nil, err
		}
	}
	// A dark frame before the panel lights: GDDRAM powers up with noise.
	if err := d.send(image.Rect(0, 0, o.Width, d.pages)); err != nil {
		return nil, err
	}
	d.valid = true
	if err := t.cmd(DisplayOn); err != nil {
		return nil, err
	}
	d.log.Debug("ssd1306 ready", "bus", t.String(), "width", o.Width, "height", o.Height)
	return d, nil
}

// String names the module and its bus.
func (d *Dev) String() string {
	return fmt.Sprintf("ssd1306(%s, %dx%d)", d.t, d.o.Width, d.o.Height)
}

// Bounds is the visible area.
func (d *Dev) Bounds() image.Rectangle { return image.Rect(0, 0, d.o.Width, d.o.Height) }

// Show lights the pixels where img is light (luminance ≥ 50 %), img's
// top-left corner at the screen's; only the changed pages and columns are
// sent.
func (d *Dev) Show(ctx context.Context, img image.Image) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.halted {
		return ErrHalted
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if img == nil {
		return ErrNoImage
	}
	clear(d.next)
	b := img.Bounds()
	for y := 0; y < min(b.Dy(), d.o.Height); y++ {
		for x := 0; x < min(b.Dx(), d.o.Width); x++ {
			if Lit(img.At(b.Min.X+x, b.Min.Y+y)) {
				d.next[(y/8)*d.o.Width+x] |= 1 << (y % 8)
			}
		}
	}
	r := image.Rect(0, 0, d.o.Width, d.pages) // in columns × pages
	if d.valid {
		r = d.changed()
		if r.Empty() {
			return nil
		}
	}
	if err := d.send(r); err != nil {
		d.valid = false
		return err
	}
	d.shadow, d.next = d.next, d.shadow
	d.valid = true
	return nil
}

// Lit reports whether c shows as a lit pixel: Rec. 601 luminance at least
// half, over black.
func Lit(c color.Color) bool {
	return color.GrayModel.Convert(c).(color.Gray).Y >= 0x80
}

// changed is the window, in columns × pages, covering every changed byte.
func (d *Dev) changed() image.Rectangle {
	w := d.o.Width
	r := image.Rectangle{Min: image.Pt(w, d.pages)}
	for p := 0; p < d.pages; p++ {
		for x := 0; x < w; x++ {
			if d.next[p*w+x] != d.shadow[p*w+x] {
				r.Min.X, r.Max.X = min(r.Min.X, x), max(r.Max.X, x+1)
				r.Min.Y, r.Max.Y = min(r.Min.Y, p), max(r.Max.Y, p+1)
			}
		}
	}
	if r.Max.X == 0 {
		return image.Rectangle{}
	}
	return r
}

// send writes the window r (columns × pages) of d.next in horizontal
// addressing mode.
func (d *Dev) send(r image.Rectangle) error {
	if err := d.t.cmd(SetColumnAddr, byte(r.Min.X), byte(r.Max.X-1)); err != nil {
		return err
	}
	if err := d.t.cmd(SetPageAddr, byte(r.Min.Y), byte(r.Max.Y-1)); err != nil {
		return err
	}
	buf := make([]byte, 0, r.Dx()*r.Dy())
	for p := r.Min.Y; p < r.Max.Y; p++ {
		buf = append(buf, d.next[p*d.o.Width+r.Min.X:p*d.o.Width+r.Max.X]...)
	}
	return d.t.data(buf)
}

// Halt turns the panel off (sleep, §10.1.12).
func (d *Dev) Halt() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.halted {
		return nil
	}
	d.halted = true
	return d.t.cmd(DisplayOff)
}
