package st7789

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"log/slog"
	"sync"
	"time"

	"periph.io/x/conn/v3"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"

	"tpe/device/display"
)

var _ display.Screen = (*Dev)(nil)

// Rotation turns the picture on the glass, clockwise.
type Rotation int

// Rotations, with the MADCTL value each one needs (tinygo st7789 Configure).
const (
	Rot0   Rotation = 0
	Rot90  Rotation = 90
	Rot180 Rotation = 180
	Rot270 Rotation = 270
)

// madctl returns the MADCTL bits that give rotation r.
func (r Rotation) madctl() (byte, bool) {
	switch r {
	case Rot0:
		return 0x00, true
	case Rot90:
		return MadctlMX | MadctlMV, true
	case Rot180:
		return MadctlMX | MadctlMY, true
	case Rot270:
		return MadctlMY | MadctlMV, true
	}
	return 0, false
}

// DefaultMaxTxSize is Linux spidev's default bufsiz: larger transfers fail
// with EMSGSIZE.
const DefaultMaxTxSize = 4096

// Opts configures a Dev. The zero value is a 240×320 IPS panel upright, on
// SPI mode 0 at 24 MHz.
type Opts struct {
	// Width and Height are the glass size in its native portrait
	// orientation: 240×320 (default), 240×240 or 135×240.
	Width, Height int
	// ColOffset and RowOffset place the glass in the 240×320 frame memory
	// at rotation 0. Zero means the usual place for the size: 0,0 for
	// 240×240 and 240×320, 52,40 for 135×240.
	ColOffset, RowOffset int
	// Rotation turns the picture clockwise: 0, 90, 180 or 270.
	Rotation Rotation
	// BGR is for glass wired blue-green-red.
	BGR bool
	// NoInvert leaves colour inversion off; only for TN glass. IPS glass
	// (nearly every ST7789 module) shows a negative without INVON.
	NoInvert bool
	// Frequency is the SPI clock; default 24 MHz (the controller's write
	// cycle allows 62.5 MHz, long wires do not).
	Frequency physic.Frequency
	// Mode is the SPI mode; use spi.Mode3 on boards without a CS pin.
	Mode spi.Mode
	// MaxTxSize caps one SPI transfer; zero means the port's own limit, or
	// DefaultMaxTxSize if the port states none.
	MaxTxSize int
	// Logger gets debug lines for init and updates; discard by default.
	Logger *slog.Logger
}

// Dev is an ST7789 panel. Its methods are safe for concurrent use.
type Dev struct {
	mu     sync.Mutex
	c      spi.Conn
	name   string
	dc     gpio.PinOut
	rst    gpio.PinOut
	bl     gpio.PinOut
	o      Opts
	w, h   int // logical size after rotation
	xoff   int // logical → frame-memory offsets for this rotation
	yoff   int
	maxTx  int
	log    *slog.Logger
	shadow []byte // RGB565 big endian: what the glass shows
	next   []byte // frame being prepared
	valid  bool   // shadow matches the glass
	buf    []byte // one SPI transfer
	halted bool
	sent   int64
}

// New initialises the panel on port p: reset, sleep out, RGB565, rotation,
// inversion, a black frame, display on, backlight on. dc is required; rst and
// bl may be nil (or gpio.INVALID) when the board ties them. It takes about
// 135 ms, the datasheet's wait between reset and sleep out.
func New(p spi.Port, dc, rst, bl gpio.PinOut, opts *Opts) (*Dev, error) {
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
	if o.Frequency == 0 {
		o.Frequency = 24 * physic.MegaHertz
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	mad, ok := o.Rotation.madctl()
	if !ok || o.Width <= 0 || o.Height <= 0 || o.ColOffset < 0 || o.RowOffset < 0 ||
		o.ColOffset+o.Width > RAMWidth || o.RowOffset+o.Height > RAMHeight {
		return nil, fmt.Errorf("%w: %dx%d at %d,%d rotation %d", ErrGeometry, o.Width, o.Height, o.ColOffset, o.RowOffset, o.Rotation)
	}
	if dc == nil || dc == gpio.INVALID {
		return nil, fmt.Errorf("%w: a DC pin is required", ErrGeometry)
	}
	if rst == gpio.INVALID {
		rst = nil
	}
	if bl == gpio.INVALID {
		bl = nil
	}
	c, err := p.Connect(o.Frequency, o.Mode, 8)
	if err != nil {
		return nil, &BusError{Op: "connecting " + p.String(), Err: err}
	}
	d := &Dev{c: c, name: p.String(), dc: dc, rst: rst, bl: bl, o: o, log: o.Logger}
	d.geometry()
	d.maxTx = o.MaxTxSize
	if d.maxTx <= 0 {
		if l, ok := c.(conn.Limits); ok {
			d.maxTx = l.MaxTxSize()
		}
	}
	if d.maxTx <= 0 {
		d.maxTx = DefaultMaxTxSize
	}
	d.maxTx &^= 1 // whole pixels per transfer
	if d.maxTx < 2 {
		d.maxTx = 2
	}
	d.buf = make([]byte, 0, d.maxTx)
	d.shadow = make([]byte, d.w*d.h*2)
	d.next = make([]byte, d.w*d.h*2)
	if o.BGR {
		mad |= MadctlBGR
	}
	if err := d.init(mad); err != nil {
		return nil, err
	}
	return d, nil
}

// geometry derives the logical size and the frame-memory offsets. The
// controller mirrors addresses across the whole 240×320 memory, so glass
// smaller than the memory moves when mirrored: 240×240 needs 80 rows at 180°
// and 80 columns at 270° (tinygo, Adafruit ST7789 drivers).
func (d *Dev) geometry() {
	o := d.o
	w, h, c0, r0 := o.Width, o.Height, o.ColOffset, o.RowOffset
	switch o.Rotation {
	case Rot0:
		d.w, d.h, d.xoff, d.yoff = w, h, c0, r0
	case Rot90:
		d.w, d.h, d.xoff, d.yoff = h, w, r0, RAMWidth-w-c0
	case Rot180:
		d.w, d.h, d.xoff, d.yoff = w, h, RAMWidth-w-c0, RAMHeight-h-r0
	case Rot270:
		d.w, d.h, d.xoff, d.yoff = h, w, RAMHeight-h-r0, c0
	}
}

func (d *Dev) init(mad byte) error {
	if d.bl != nil {
		// Dark until the first black frame is in memory: power-up RAM is noise.
		if err := d.bl.Out(gpio.Low); err != nil {
			return &BusError{Op: "backlight pin", Err: err}
		}
	}
	type step struct {
		cmd    byte
		params []byte
		wait   time.Duration
	}
	var steps []step
	if d.rst != nil {
		// §7.4: a low pulse of at least 10 µs; SLPOUT may follow 120 ms
		// after the release. A hardware reset makes SWRESET redundant.
		for _, l := range []gpio.Level{gpio.High, gpio.Low, gpio.High} {
			if err := d.rst.Out(l); err != nil {
				return &BusError{Op: "reset pin", Err: err}
			}
			time.Sleep(time.Millisecond)
		}
		time.Sleep(120 * time.Millisecond)
	} else {
		// §9.1.2: SLPOUT may follow SWRESET after 120 ms.
		steps = append(steps, step{SWRESET, nil, 120 * time.Millisecond})
	}
	steps = append(steps,
		step{SLPOUT, nil, 10 * time.Millisecond}, // §9.1.12: 5 ms before the next command
		step{COLMOD, []byte{Colmod16}, 0},
		step{MADCTL, []byte{mad}, 0},
		step{PORCTRL, []byte{0x0C, 0x0C, 0x00, 0x33, 0x33}, 0}, // reset values, stated for clones
		step{FRCTRL2, []byte{0x0F}, 0},                         // 60 Hz
	)
	if d.o.NoInvert {
		steps = append(steps, step{INVOFF, nil, 0})
	} else {
		steps = append(steps, step{INVON, nil, 0})
	}
	for _, s := range steps {
		if err := d.command(s.cmd, s.params...); err != nil {
			return err
		}
		time.Sleep(s.wait)
	}
	// A black frame before DISPON so the customer never sees power-up noise.
	clear(d.next)
	if err := d.sendRect(context.Background(), image.Rect(0, 0, d.w, d.h)); err != nil {
		return err
	}
	d.shadow, d.next = d.next, d.shadow
	d.valid = true
	if err := d.command(NORON); err != nil {
		return err
	}
	if err := d.command(DISPON); err != nil {
		return err
	}
	if d.bl != nil {
		if err := d.bl.Out(gpio.High); err != nil {
			return &BusError{Op: "backlight pin", Err: err}
		}
	}
	d.log.Debug("st7789 ready", "port", d.name, "width", d.w, "height", d.h, "rotation", int(d.o.Rotation), "max_tx", d.maxTx)
	return nil
}

// command sends one command byte (DC low) and its parameters (DC high).
func (d *Dev) command(cmd byte, params ...byte) error {
	if err := d.dc.Out(gpio.Low); err != nil {
		return &BusError{Op: "DC pin", Err: err}
	}
	if err := d.c.Tx([]byte{cmd}, nil); err != nil {
		return &BusError{Op: fmt.Sprintf("command %02X", cmd), Err: err}
	}
	d.sent++
	if len(params) == 0 {
		return nil
	}
	return d.data(params, fmt.Sprintf("parameters of %02X", cmd))
}

func (d *Dev) data(b []byte, op string) error {
	if err := d.dc.Out(gpio.High); err != nil {
		return &BusError{Op: "DC pin", Err: err}
	}
	if err := d.c.Tx(b, nil); err != nil {
		return &BusError{Op: op, Err: err}
	}
	d.sent += int64(len(b))
	return nil
}

// String names the panel and its port.
func (d *Dev) String() string {
	return fmt.Sprintf("st7789(%s, %dx%d, rotation %d)", d.name, d.o.Width, d.o.Height, d.o.Rotation)
}

// Bounds is the visible area after rotation.
func (d *Dev) Bounds() image.Rectangle { return image.Rect(0, 0, d.w, d.h) }

// BytesSent is the number of bytes written on the SPI bus since New,
// commands included.
func (d *Dev) BytesSent() int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.sent
}

// Show puts img on the glass, img.Bounds().Min at the top-left corner; what
// img does not cover is black. Only the rectangle that changed since the last
// Show is sent. ctx is checked between SPI transfers.
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
	d.convert(img)
	return d.push(ctx)
}

// push sends what differs between d.next and the glass, then makes d.next
// the glass.
func (d *Dev) push(ctx context.Context) error {
	r := image.Rect(0, 0, d.w, d.h)
	if d.valid {
		r = d.changed()
		if r.Empty() {
			return nil
		}
	}
	before := d.sent
	if err := d.sendRect(ctx, r); err != nil {
		// The glass holds part of the frame: resend everything next time.
		d.valid = false
		return err
	}
	d.shadow, d.next = d.next, d.shadow
	d.valid = true
	d.log.Debug("st7789 update", "rect", r.String(), "bytes", d.sent-before)
	return nil
}

// convert writes img as RGB565 into d.next.
func (d *Dev) convert(img image.Image) {
	clear(d.next)
	b := img.Bounds()
	w := min(b.Dx(), d.w)
	h := min(b.Dy(), d.h)
	if rgba, ok := img.(*image.RGBA); ok {
		for y := 0; y < h; y++ {
			src := rgba.Pix[rgba.PixOffset(b.Min.X, b.Min.Y+y):]
			dst := d.next[y*d.w*2:]
			for x := 0; x < w; x++ {
				s := src[x*4 : x*4+3 : x*4+3]
				v := uint16(s[0]>>3)<<11 | uint16(s[1]>>2)<<5 | uint16(s[2]>>3)
				dst[x*2] = byte(v >> 8)
				dst[x*2+1] = byte(v)
			}
		}
		return
	}
	for y := 0; y < h; y++ {
		dst := d.next[y*d.w*2:]
		for x := 0; x < w; x++ {
			v := RGB565(img.At(b.Min.X+x, b.Min.Y+y))
			dst[x*2] = byte(v >> 8)
			dst[x*2+1] = byte(v)
		}
	}
}

// RGB565 quantises c the way the panel stores it (alpha-premultiplied over
// black, as image.Image colours are).
func RGB565(c color.Color) uint16 {
	r, g, b, _ := c.RGBA()
	return uint16(r>>11)<<11 | uint16(g>>10)<<5 | uint16(b>>11)
}

// changed is the smallest rectangle covering every pixel of d.next that
// differs from d.shadow.
func (d *Dev) changed() image.Rectangle {
	stride := d.w * 2
	y0, y1 := -1, -1
	for y := 0; y < d.h; y++ {
		if string(d.next[y*stride:(y+1)*stride]) != string(d.shadow[y*stride:(y+1)*stride]) {
			if y0 < 0 {
				y0 = y
			}
			y1 = y + 1
		}
	}
	if y0 < 0 {
		return image.Rectangle{}
	}
	x0, x1 := d.w, 0
	for y := y0; y < y1; y++ {
		row, old := d.next[y*stride:(y+1)*stride], d.shadow[y*stride:(y+1)*stride]
		for x := 0; x < x0; x++ {
			if row[2*x] != old[2*x] || row[2*x+1] != old[2*x+1] {
				x0 = x
				break
			}
		}
		for x := d.w - 1; x >= x1; x-- {
			if row[2*x] != old[2*x] || row[2*x+1] != old[2*x+1] {
				x1 = x + 1
				break
			}
		}
	}
	return image.Rect(x0, y0, x1, y1)
}

// sendRect sets the window to r (logical coordinates) and writes its pixels
// from d.next in transfers of at most d.maxTx bytes.
func (d *Dev) sendRect(ctx context.Context, r image.Rectangle) error {
	x0, x1 := r.Min.X+d.xoff, r.Max.X-1+d.xoff
	y0, y1 := r.Min.Y+d.yoff, r.Max.Y-1+d.yoff
	if err := d.command(CASET, byte(x0>>8), byte(x0), byte(x1>>8), byte(x1)); err != nil {
		return err
	}
	if err := d.command(RASET, byte(y0>>8), byte(y0), byte(y1>>8), byte(y1)); err != nil {
		return err
	}
	if err := d.command(RAMWR); err != nil {
		return err
	}
	if err := d.dc.Out(gpio.High); err != nil {
		return &BusError{Op: "DC pin", Err: err}
	}
	stride := d.w * 2
	flush := func() error {
		if len(d.buf) == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := d.c.Tx(d.buf, nil); err != nil {
			return &BusError{Op: "RAMWR pixels", Err: err}
		}
		d.sent += int64(len(d.buf))
		d.buf = d.buf[:0]
		return nil
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := d.next[y*stride+r.Min.X*2 : y*stride+r.Max.X*2]
		for len(row) > 0 {
			n := copy(d.buf[len(d.buf):cap(d.buf)], row)
			d.buf = d.buf[:len(d.buf)+n]
			row = row[n:]
			if len(d.buf) == cap(d.buf) {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

// Halt turns the display off and puts the controller to sleep, backlight
// off. Show then returns ErrHalted.
func (d *Dev) Halt() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.halted {
		return nil
	}
	d.halted = true
	if d.bl != nil {
		if err := d.bl.Out(gpio.Low); err != nil {
			return &BusError{Op: "backlight pin", Err: err}
		}
	}
	if err := d.command(DISPOFF); err != nil {
		return err
	}
	return d.command(SLPIN)
}
