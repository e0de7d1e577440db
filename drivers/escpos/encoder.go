package escpos

import (
	"fmt"
	"image"
	"image/color"
)

// Profile is a printer model's paper geometry.
type Profile struct {
	Name string
	Dots int // printable width in dots at 203 dpi
	Cols int // Font A (12×24) columns
}

var (
	// Paper58 is a 58 mm roll: 48 mm printable, 384 dots, 32 columns.
	Paper58 = Profile{Name: "58mm", Dots: 384, Cols: 32}
	// Paper80 is an 80 mm roll: 72 mm printable, 576 dots, 48 columns.
	Paper80 = Profile{Name: "80mm", Dots: 576, Cols: 48}
)

// ProfileFor returns the profile of a paper width in millimetres (58 or 80).
func ProfileFor(mm int) (Profile, error) {
	switch mm {
	case 58:
		return Paper58, nil
	case 80:
		return Paper80, nil
	}
	return Profile{}, fmt.Errorf("escpos: unsupported paper width %d mm (want 58 or 80)", mm)
}

// Encoder builds an ESC/POS byte stream. Methods append to the stream and
// return the encoder so calls chain; methods that can refuse their input
// return an error and append nothing.
type Encoder struct {
	b    []byte
	page CodePage
}

// NewEncoder returns an encoder whose text is encoded in page.
func NewEncoder(page CodePage) *Encoder {
	if page.cm == nil {
		page = CP858
	}
	return &Encoder{page: page}
}

// Bytes returns the stream built so far.
func (e *Encoder) Bytes() []byte { return e.b }

// Reset empties the stream, keeping the buffer.
func (e *Encoder) Reset() { e.b = e.b[:0] }

// Raw appends bytes as they are.
func (e *Encoder) Raw(b ...byte) *Encoder { e.b = append(e.b, b...); return e }

// Init resets the printer (ESC @) and selects the encoder's code page (ESC t).
func (e *Encoder) Init() *Encoder {
	return e.Raw(ESC, '@', ESC, 't', e.page.N)
}

// Align sets the justification (ESC a): 0 left, 1 centre, 2 right.
func (e *Encoder) Align(n int) *Encoder { return e.Raw(ESC, 'a', byte(min(max(n, 0), 2))) }

// Bold turns emphasis on or off (ESC E).
func (e *Encoder) Bold(on bool) *Encoder { return e.Raw(ESC, 'E', b2n(on)) }

// Underline sets the underline thickness (ESC -): 0 off, 1 or 2 dots.
func (e *Encoder) Underline(dots int) *Encoder { return e.Raw(ESC, '-', byte(min(max(dots, 0), 2))) }

// Size sets the character magnification (GS !), 1 to 8 each way.
func (e *Encoder) Size(w, h int) *Encoder {
	w, h = min(max(w, 1), 8), min(max(h, 1), 8)
	return e.Raw(GS, '!', byte((w-1)<<4|(h-1)))
}

// Text appends s encoded in the code page; it does not end the line.
func (e *Encoder) Text(s string) *Encoder { e.b = append(e.b, e.page.Encode(s)...); return e }

// Line appends s and a line feed.
func (e *Encoder) Line(s string) *Encoder { return e.Text(s).LF() }

// LF prints the line buffer and feeds one line.
func (e *Encoder) LF() *Encoder { return e.Raw(LF) }

// Feed prints and feeds n lines (ESC d).
func (e *Encoder) Feed(n int) *Encoder { return e.Raw(ESC, 'd', byte(min(max(n, 0), 255))) }

// Cut feeds feed dots past the print head and cuts (GS V 65/66 n).
func (e *Encoder) Cut(partial bool, feed int) *Encoder {
	m := byte(CutFeedFull)
	if partial {
		m = CutFeedPartial
	}
	return e.Raw(GS, 'V', m, byte(min(max(feed, 0), 255)))
}

// QROpts are the GS ( k settings of a QR symbol.
type QROpts struct {
	Module int  // dots per module, 1–16; 0 means 6
	Level  byte // QRLevelL…QRLevelH; 0 means M
}

// maxQR is the largest QR payload (model 2, version 40, level L, bytes).
const maxQR = 2953

// QR prints data as a model 2 QR code: select model, module size, error
// level, store, print — the sequence of the Epson manual and python-escpos.
func (e *Encoder) QR(data string, o QROpts) error {
	if len(data) == 0 {
		return fmt.Errorf("%w: empty", ErrQRTooLong)
	}
	if len(data) > maxQR {
		return fmt.Errorf("%w: %d bytes, max %d", ErrQRTooLong, len(data), maxQR)
	}
	if o.Module == 0 {
		o.Module = 6
	}
	if o.Level < QRLevelL || o.Level > QRLevelH {
		o.Level = QRLevelM
	}
	n := len(data) + 3
	e.Raw(GS, '(', 'k', 4, 0, 49, 65, QRModel2, 0)
	e.Raw(GS, '(', 'k', 3, 0, 49, 67, byte(min(max(o.Module, 1), 16)))
	e.Raw(GS, '(', 'k', 3, 0, 49, 69, o.Level)
	e.Raw(GS, '(', 'k', byte(n), byte(n>>8), 49, 80, 48)
	e.b = append(e.b, data...)
	e.Raw(GS, '(', 'k', 3, 0, 49, 81, 48)
	return nil
}

// BarcodeOpts are the GS h / GS w / GS H settings of a barcode.
type BarcodeOpts struct {
	Height int // dots, 1–255; 0 means 80
	Module int // narrowest bar in dots, 2–6; 0 means 2
	HRI    int // human-readable text: 0 none, 1 above, 2 below (default when 0 is not forced), 3 both
	NoHRI  bool
}

func (e *Encoder) barcodeSetup(o BarcodeOpts) {
	if o.Height == 0 {
		o.Height = 80
	}
	if o.Module == 0 {
		o.Module = 2
	}
	hri := o.HRI
	if hri == 0 && !o.NoHRI {
		hri = 2
	}
	e.Raw(GS, 'h', byte(min(max(o.Height, 1), 255)), GS, 'w', byte(min(max(o.Module, 1), 6)), GS, 'H', byte(hri))
}

// Code128 prints data as CODE128 code set B (printable ASCII), or code set C
// when data is an even number of digits (half as wide).
func (e *Encoder) Code128(data string, o BarcodeOpts) error {
	if len(data) == 0 || len(data) > 253 {
		return fmt.Errorf("%w: code128 needs 1 to 253 characters", ErrBarcode)
	}
	payload := []byte("{B" + data)
	if digits(data) && len(data)%2 == 0 {
		payload = []byte("{C")
		for i := 0; i < len(data); i += 2 {
			payload = append(payload, (data[i]-'0')*10+data[i+1]-'0')
		}
	} else {
		for i := 0; i < len(data); i++ {
			if data[i] < 0x20 || data[i] > 0x7e {
				return fmt.Errorf("%w: code128 set B takes printable ASCII", ErrBarcode)
			}
		}
	}
	e.barcodeSetup(o)
	e.Raw(GS, 'k', BarcodeCODE128, byte(len(payload)))
	e.b = append(e.b, payload...)
	return nil
}

// EAN13 prints a 12- or 13-digit EAN-13; the printer computes or checks the
// check digit, so a wrong thirteenth digit is refused here.
func (e *Encoder) EAN13(data string, o BarcodeOpts) error {
	if !digits(data) || len(data) != 12 && len(data) != 13 {
		return fmt.Errorf("%w: ean13 needs 12 or 13 digits", ErrBarcode)
	}
	if len(data) == 13 && EANCheck(data[:12]) != data[12] {
		return fmt.Errorf("%w: ean13 check digit", ErrBarcode)
	}
	e.barcodeSetup(o)
	e.Raw(GS, 'k', BarcodeEAN13, 12)
	e.b = append(e.b, data[:12]...)
	return nil
}

// EANCheck is the EAN/UPC check digit of the digits given.
func EANCheck(d string) byte {
	sum := 0
	for i := range len(d) {
		w := 1
		if (len(d)-i)%2 == 1 {
			w = 3
		}
		sum += int(d[i]-'0') * w
	}
	return byte('0' + (10-sum%10)%10)
}

// Raster prints img with GS v 0, thresholded at mid-grey. It must be at most
// maxDots wide.
func (e *Encoder) Raster(img image.Image, maxDots int) error {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > maxDots {
		return fmt.Errorf("%w: %d dots, paper has %d", ErrImageTooWide, w, maxDots)
	}
	if w == 0 || h == 0 {
		return nil
	}
	// GS v 0 limits height to 2303 dots on most models: print in bands.
	x := (w + 7) / 8
	for y0 := 0; y0 < h; y0 += 1024 {
		rows := min(1024, h-y0)
		e.Raw(GS, 'v', '0', 0, byte(x), byte(x>>8), byte(rows), byte(rows>>8))
		for y := y0; y < y0+rows; y++ {
			for bx := range x {
				var v byte
				for bit := range 8 {
					px := bx*8 + bit
					if px < w && dark(img.At(b.Min.X+px, b.Min.Y+y)) {
						v |= 0x80 >> bit
					}
				}
				e.b = append(e.b, v)
			}
		}
	}
	return nil
}

func dark(c color.Color) bool {
	g := color.GrayModel.Convert(c).(color.Gray)
	_, _, _, a := c.RGBA()
	return a > 0x7fff && g.Y < 128
}

func digits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

func b2n(b bool) byte {
	if b {
		return 1
	}
	return 0
}
