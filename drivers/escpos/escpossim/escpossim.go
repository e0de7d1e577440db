package escpossim

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"maps"
	"os"
	"sync"
	"time"

	"tpe/drivers/escpos"
)

const (
	// maxCmd is the largest command kept whole; longer ones (a huge image
	// from a confused encoder) are skipped by their length as they stream.
	maxCmd = 1 << 20
	// maxPaper bounds one receipt, in dots (about 2.5 m of paper).
	maxPaper = 20000
	// maxKept is how many cut receipts the printer remembers, and
	// maxKeptDots how much paper in all: the oldest go first.
	maxKept     = 32
	maxKeptDots = 60000
	// defaultSpacing is the ESC 2 line spacing, 1/6 inch at 180 dpi as on
	// Epson heads: 30 dots.
	defaultSpacing = 30
	// margin is the unprinted edge on each side of the printable width:
	// 58 mm rolls have 384 of 464 dots printable, 80 mm rolls 576 of 640.
	margin58, margin80 = 40, 32
)

// Opts configures the virtual printer.
type Opts struct {
	// Dots is the printable width: 384 (58 mm) or 576 (80 mm); 0 means 576.
	Dots int
	// OnCut, when set, is called after each cut with the number of
	// receipts cut so far (the simulator refreshes its paper view).
	OnCut  func(n int)
	Logger *slog.Logger
}

// Stats counts what the printer saw.
type Stats struct {
	Bytes      int // bytes received
	Commands   int // commands parsed (text bytes excluded)
	Unknown    int // commands not in the table, skipped as ESC/GS/FS x
	Unrendered int // known commands this emulator does not draw, skipped by length
	Cuts       int
	Status     int // real-time status requests answered
	// Skipped counts the unknown and unrendered commands by name ("ESC p",
	// "GS ( E", "FS C"): which commands a stream needs that the emulator
	// does not draw.
	Skipped map[string]int
}

// Printer is a virtual ESC/POS receipt printer. It is safe for concurrent
// use: one goroutine feeds it while others read the paper and flip the
// paper and cover switches.
type Printer struct {
	mu    sync.Mutex
	o     Opts
	dots  int
	log   *slog.Logger
	buf   []byte
	skip  int
	a     attrs
	line  []item
	lineW int
	qr    struct {
		data   []byte
		module int
		level  byte
		// the last symbol encoded, its data and level
		symbol      [][]bool
		symbolData  []byte
		symbolLevel byte
	}
	bc struct {
		height, module, hri int
		fontB               bool
	}
	gfx  *bitmap // GS ( L / GS 8 L print buffer graphics
	tabs []int   // ESC D tab stops in columns; nil means every 8

	cur  *paper
	done []*paper
	cuts int

	paperOut, coverOpen, nearEnd, fault bool
	paperLeft                           int // dots left on the roll, -1 unlimited

	stats Stats
}

// attrs is the character and layout state ESC @ resets.
type attrs struct {
	fontB, bold, reverse bool
	underline            int
	w, h                 int
	align                int
	page                 byte
	spacing              int
	charSpacing          int
	// Layout (layout.go): upside-down (ESC {) and 90° rotation (ESC V),
	// left margin (GS L) and print area width (GS W) in dots, 0 meaning
	// to the paper's edge, and the motion units of GS P, 0 meaning one dot.
	upsideDown, rot90 bool
	leftMargin, areaW int
	motionX, motionY  int
}

func defaultAttrs() attrs {
	return attrs{w: 1, h: 1, spacing: defaultSpacing, page: escpos.PageCP437}
}

// New returns a printer with a full roll, cover closed.
func New(o *Opts) *Printer {
	var opts Opts
	if o != nil {
		opts = *o
	}
	if opts.Dots <= 0 {
		opts.Dots = escpos.Paper80.Dots
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	p := &Printer{o: opts, dots: opts.Dots, log: opts.Logger, paperLeft: -1}
	p.reset()
	p.cur = newPaper(p.dots)
	return p
}

func (p *Printer) reset() {
	p.a = defaultAttrs()
	p.tabs = nil
	p.line, p.lineW = p.line[:0], 0
	p.qr.data, p.qr.module, p.qr.level = nil, 3, escpos.QRLevelL
	p.bc.height, p.bc.module, p.bc.hri, p.bc.fontB = 162, 3, 0, false
}

// Dots is the printable width.
func (p *Printer) Dots() int { return p.dots }

// SetPaperOut empties (true) or reloads (false) the roll.
func (p *Printer) SetPaperOut(out bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.paperOut = out
	if !out {
		p.paperLeft = -1
	}
}

// SetCoverOpen opens or closes the cover. Nothing prints while it is open.
func (p *Printer) SetCoverOpen(open bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.coverOpen = open
}

// SetNearEnd sets the roll near-end sensor.
func (p *Printer) SetNearEnd(near bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.nearEnd = near
}

// SetFault sets a mechanical error (cutter jam).
func (p *Printer) SetFault(f bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fault = f
}

// PaperOutAfter makes the roll run out after dots more dots of paper: the
// way to test a receipt interrupted mid-print.
func (p *Printer) PaperOutAfter(dots int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.paperLeft = max(dots, 0)
	p.paperOut = false
}

// Stats returns the counters so far.
func (p *Printer) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.stats
	st.Skipped = maps.Clone(p.stats.Skipped)
	return st
}

// Write feeds stream bytes to the printer, discarding status answers.
func (p *Printer) Write(b []byte) (int, error) {
	p.Feed(b)
	return len(b), nil
}

// Feed feeds stream bytes and returns the answers to the status requests
// among them, in order.
func (p *Printer) Feed(b []byte) []byte {
	p.mu.Lock()
	reply, cut := p.feed(b)
	cuts := p.cuts
	p.mu.Unlock()
	if cut && p.o.OnCut != nil {
		p.o.OnCut(cuts)
	}
	return reply
}

// Serve reads the stream from rw (the device side of a PTY) and writes the
// status answers back until ctx ends or rw closes. Reads are polled with a
// deadline when rw supports one, so ctx is honoured.
func (p *Printer) Serve(ctx context.Context, rw io.ReadWriter) error {
	d, _ := rw.(interface{ SetReadDeadline(time.Time) error })
	buf := make([]byte, 4096)
	for ctx.Err() == nil {
		if d != nil {
			d.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		}
		n, err := rw.Read(buf)
		if n > 0 {
			if reply := p.Feed(buf[:n]); len(reply) > 0 {
				if _, werr := rw.Write(reply); werr != nil {
					return werr
				}
			}
		}
		var te interface{ Timeout() bool }
		switch {
		case err == nil:
		case errors.As(err, &te) && te.Timeout():
		case errors.Is(err, io.EOF), errors.Is(err, os.ErrClosed):
			return nil
		default:
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
	return nil
}

func (p *Printer) feed(b []byte) (reply []byte, cut bool) {
	p.stats.Bytes += len(b)
	if p.skip > 0 {
		k := min(p.skip, len(b))
		p.skip -= k
		b = b[k:]
	}
	p.buf = append(p.buf, b...)
	i := 0
	for i < len(p.buf) {
		rest := p.buf[i:]
		n := cmdLen(rest)
		if n == needMore || n > len(rest) {
			if n > maxCmd || (n == needMore && len(rest) > maxCmd) {
				// Too big to keep: skip it by its length as it streams.
				p.stats.Unrendered++
				if n > 0 {
					p.skip = n - len(rest)
				}
				i = len(p.buf)
			}
			break
		}
		r, c := p.exec(rest[:n])
		reply = append(reply, r...)
		cut = cut || c
		i += n
	}
	p.buf = append(p.buf[:0], p.buf[i:]...)
	return reply, cut
}

// exec runs one complete command or character.
func (p *Printer) exec(c []byte) (reply []byte, cut bool) {
	switch c[0] {
	case escpos.ESC, escpos.GS, escpos.FS, escpos.DLE:
		p.stats.Commands++
	}
	switch c[0] {
	case escpos.LF:
		p.printLine()
	case escpos.FF:
		p.printLine()
	case escpos.HT:
		p.tab()
	case escpos.CR, escpos.CAN, 0:
	case escpos.ESC:
		if len(c) == 2 && c[1] == 'v' { // paper sensor status (older models)
			p.stats.Status++
			return []byte{p.sensorByte()}, false
		}
		return nil, p.esc(c)
	case escpos.GS:
		return p.gs(c)
	case escpos.FS:
		p.skipped(c, false)
	case escpos.DLE:
		return p.dle(c), false
	default:
		if c[0] < 0x20 {
			return nil, false
		}
		p.char(c[0])
	}
	return nil, false
}

func (p *Printer) esc(c []byte) (cut bool) {
	if len(c) < 2 {
		return false
	}
	var n byte
	if len(c) > 2 {
		n = c[2]
	}
	switch c[1] {
	case '@':
		p.reset()
	case '!':
		p.a.fontB = n&0x01 != 0
		p.a.bold = n&0x08 != 0
		p.a.h = 1 + int(n>>4&1)
		p.a.w = 1 + int(n>>5&1)
		p.a.underline = int(n >> 7 & 1)
	case 'E', 'G':
		p.a.bold = n&1 != 0
	case '-':
		p.a.underline = int(n % 48)
		if p.a.underline > 2 {
			p.a.underline = 0
		}
	case 'a':
		p.a.align = int(n % 48)
		if p.a.align > 2 {
			p.a.align = 0
		}
	case 'M':
		p.a.fontB = n%48 == 1
	case 't':
		p.a.page = n
	case '2':
		p.a.spacing = defaultSpacing
	case '3':
		p.a.spacing = p.vunits(int(n))
	case '+': // n/360 inch, python-escpos line_spacing(n, divisor=360)
		p.a.spacing = int(n) * headDPI / 360
	case 'A': // n/60 inch, python-escpos line_spacing(n, divisor=60)
		p.a.spacing = int(n) * headDPI / 60
	case ' ':
		p.a.charSpacing = p.hunits(int(n))
	case 'd':
		if len(p.line) > 0 {
			p.printLine()
		}
		p.advance(int(n) * p.a.spacing)
	case 'J':
		p.flushLine(p.vunits(int(n)))
	case '$':
		p.moveTo(p.hunits(int(c[2]) | int(c[3])<<8))
	case '\\':
		p.moveTo(p.lineW + p.hunits(int(int16(uint16(c[2])|uint16(c[3])<<8))))
	case '{':
		p.a.upsideDown = n&1 != 0
	case 'V':
		p.a.rot90 = n%48 == 1 || n%48 == 2
	case 'i', 'm':
		p.printLineIfAny()
		p.cut(c[1] == 'i' || c[1] == 'm')
		return true
	case '*':
		p.columnImage(c)
	case 'D':
		p.tabs = make([]int, 0, len(c))
		for _, t := range c[2 : len(c)-1] {
			if len(p.tabs) > 0 && int(t) <= p.tabs[len(p.tabs)-1] {
				break // stops must ascend; the rest is ignored
			}
			p.tabs = append(p.tabs, int(t))
		}
	case 'p', 'c', '=', 'r', 'R', 'U', 'L', 'S', 'T', 'W', '<', 'v', 'u', 'K', 'e', '%', '?', 'B', 'I', 'j', 'n', '&', '(', 'Z', escpos.FF:
		// Known, not drawn: drawer kick, panel keys, page mode, colour,
		// international sets, user characters, buzzer, 2D codes by ESC Z.
		p.skipped(c, false)
	default:
		p.skipped(c, true)
	}
	return false
}

func (p *Printer) gs(c []byte) (reply []byte, cut bool) {
	var n byte
	if len(c) > 2 {
		n = c[2]
	}
	switch c[1] {
	case '!':
		p.a.w = 1 + int(n>>4&7)
		p.a.h = 1 + int(n&7)
	case 'B':
		p.a.reverse = n&1 != 0
	case 'h':
		p.bc.height = max(int(n), 1)
	case 'w':
		if n >= 1 && n <= 6 {
			p.bc.module = int(n)
		}
	case 'H':
		p.bc.hri = int(n % 48 & 3)
	case 'f':
		p.bc.fontB = n%48 == 1
	case 'V':
		p.printLineIfAny()
		if len(c) == 4 {
			p.advance(int(c[3]))
		}
		p.cut(n == 1 || n == 49 || n == 66 || n == 98 || n == 104)
		return nil, true
	case 'k':
		p.barcode(c)
	case 'v':
		if n == '0' || n == 0 {
			p.raster(c)
		} else {
			p.stats.Unrendered++
		}
	case '(':
		p.gsParen(c[2], c[5:])
	case '8':
		if n == 'L' {
			p.graphics(c[7:])
		} else {
			p.stats.Unrendered++
		}
	case 'r':
		p.stats.Status++
		if n == 1 || n == 49 {
			return []byte{p.sensorByte()}, false
		}
		return []byte{0}, false
	case 'L':
		p.a.leftMargin = p.hunits(int(c[2]) | int(c[3])<<8)
	case 'W':
		p.a.areaW = p.hunits(int(c[2]) | int(c[3])<<8)
	case 'P':
		// The units apply to the commands that follow: margins and
		// positions already set keep their dots.
		p.a.motionX, p.a.motionY = int(c[2]), int(c[3])
	default:
		p.skipped(c, gsLen(c) == 2 && c[1] != ':' && c[1] != 'c')
	}
	return nil, false
}

func (p *Printer) gsParen(fn byte, params []byte) {
	switch fn {
	case 'k':
		if len(params) >= 2 && params[0] == 49 {
			p.qrCommand(params[1:])
			return
		}
	case 'L':
		p.graphics(params)
		return
	}
	p.stats.Unrendered++
}

// dle answers real-time status requests (DLE EOT n).
func (p *Printer) dle(c []byte) []byte {
	if len(c) < 3 || c[1] != escpos.EOT {
		p.stats.Unrendered++
		return nil
	}
	p.stats.Status++
	out := p.paperOut || p.paperLeft == 0
	b := byte(escpos.StatusFixed)
	switch c[2] {
	case escpos.StatusPrinter:
		if out || p.coverOpen || p.fault {
			b |= escpos.StPrinterOffline
		}
	case escpos.StatusOffline:
		if p.coverOpen {
			b |= escpos.StOfflineCoverOpen
		}
		if out {
			b |= escpos.StOfflinePaperEnd
		}
		if p.fault {
			b |= escpos.StOfflineError
		}
	case escpos.StatusErrors:
		if p.fault {
			b |= escpos.StErrorCutter | escpos.StErrorUnrecoverable
		}
	case escpos.StatusPaper:
		if p.nearEnd || out {
			b |= escpos.StPaperNearEnd
		}
		if out {
			b |= escpos.StPaperEnd
		}
	default:
		return nil
	}
	return []byte{b}
}

func (p *Printer) sensorByte() byte {
	var b byte
	if p.nearEnd {
		b |= 0x03
	}
	if p.paperOut || p.paperLeft == 0 {
		b |= 0x0C
	}
	return b
}

// canPrint is false while the cover is open or the roll is empty: the
// stream is still parsed (and status answered) but nothing reaches paper.
func (p *Printer) canPrint() bool {
	return !p.coverOpen && !p.paperOut && p.paperLeft != 0 && !p.fault
}

// PNG encodes img as PNG.
func PNG(img image.Image) ([]byte, error) {
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Receipts returns the receipts cut so far (at most the last 32), oldest
// first.
func (p *Printer) Receipts() []image.Image {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]image.Image, len(p.done))
	for i, r := range p.done {
		out[i] = r.image(p.margin())
	}
	return out
}

// Last returns the last receipt cut, or what is on the paper since the last
// cut when nothing was cut yet; nil when nothing was printed.
func (p *Printer) Last() image.Image {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.done); n > 0 {
		return p.done[n-1].image(p.margin())
	}
	if p.cur.h == 0 {
		return nil
	}
	return p.cur.image(p.margin())
}

// LastPNG is Last encoded as PNG; nil without error when nothing printed.
func (p *Printer) LastPNG() ([]byte, error) {
	img := p.Last()
	if img == nil {
		return nil, nil
	}
	return PNG(img)
}

// Paper returns everything printed and kept, receipts stacked with their
// cut marks, and the uncut paper after them.
func (p *Printer) Paper() image.Image {
	p.mu.Lock()
	defer p.mu.Unlock()
	var imgs []*image.Paletted
	for _, r := range p.done {
		imgs = append(imgs, r.image(p.margin()))
	}
	if p.cur.h > 0 || len(imgs) == 0 {
		imgs = append(imgs, p.cur.image(p.margin()))
	}
	return stack(imgs)
}

func (p *Printer) margin() int {
	if p.dots <= escpos.Paper58.Dots {
		return margin58
	}
	return margin80
}

// Render runs stream through a fresh printer dots wide and returns the
// paper and the counters: what `tpectl sim printer render` does.
func Render(stream []byte, dots int) (image.Image, Stats) {
	p := New(&Opts{Dots: dots})
	p.Feed(stream)
	p.mu.Lock()
	p.printLineIfAny()
	p.mu.Unlock()
	return p.Paper(), p.Stats()
}

var palette = color.Palette{
	color.RGBA{0xfb, 0xfa, 0xf6, 0xff}, // thermal paper
	color.RGBA{0x1c, 0x1c, 0x22, 0xff}, // printed dot
	color.RGBA{0xa0, 0xa0, 0xa0, 0xff}, // cut mark
	color.RGBA{0xe6, 0xe4, 0xde, 0xff}, // paper edge shadow
}
