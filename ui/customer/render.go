package customer

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/skip2/go-qrcode"
	"golang.org/x/image/font"

	"tpe/payment"
)

// Render draws f at size (240×320 and 240×240 are the panels we ship;
// layouts scale with the shorter side and stay legible down to about
// 128×128). The image is always exactly size. It never fails: a QR payload
// that cannot be drawn with whole-pixel modules shows "code unavailable"
// rather than a code no phone can read.
func Render(f Frame, size image.Point) *image.RGBA {
	size = image.Pt(max(size.X, 1), max(size.Y, 1))
	t := textsFor(f.Lang)
	var c *canvas
	switch f.Screen {
	case Amount:
		c = newCanvas(size, white)
		top := c.header(f.Merchant)
		amt := c.fit(bold, 54, c.amount(f, bold, 54), float64(c.w)-16*c.u)
		c.stack(top, float64(c.h),
			c.label(c.face(regular, 16), t.amountLabel, grey),
			c.label(amt, c.amount(f, bold, 54), ink),
			c.icon(0.30, func(cx, cy, s float64) {
				c.circle(cx, cy, s/2, paleBlue)
				c.contactless(cx+s*0.04, cy, s*0.62, blue)
			}),
			c.wrapped(c.face(bold, 22), t.present, ink),
			c.label(c.face(regular, 16), t.presentSub, grey),
		)
	case Processing:
		c = newCanvas(size, white)
		top := c.header(f.Merchant)
		amt := c.fit(bold, 40, c.amount(f, bold, 40), float64(c.w)-16*c.u)
		c.stack(top, float64(c.h),
			c.label(amt, c.amount(f, bold, 40), ink),
			c.icon(0.26, func(cx, cy, s float64) { c.spinner(cx, cy, s*0.40, blue, white, 0) }),
			c.wrapped(c.face(bold, 22), t.processing, ink),
			c.label(c.face(regular, 16), t.processingSub, grey),
		)
	case Approved, OfflineApproved:
		c = newCanvas(size, green)
		items := []item{}
		if f.Screen == OfflineApproved {
			items = append(items, c.badge(c.face(bold, 14), t.offlineBadge, amber, ink))
		}
		items = append(items,
			c.icon(0.28, func(cx, cy, s float64) {
				c.circle(cx, cy, s/2, white)
				c.check(cx, cy, s, green)
			}),
			c.wrapped(c.face(bold, 24), t.approved, white),
			c.label(c.fit(bold, 40, c.amount(f, bold, 40), float64(c.w)-16*c.u), c.amount(f, bold, 40), white),
			c.label(c.face(medium, 19), t.thanks, color.RGBA{0xD5, 0xF2, 0xDF, 0xFF}),
		)
		c.stack(c.merchantLine(f.Merchant, color.RGBA{0xBF, 0xE6, 0xCC, 0xFF}), float64(c.h), items...)
	case Declined:
		c = newCanvas(size, red)
		reason := t.reasons[0]
		if f.Reason >= 0 && int(f.Reason) < len(t.reasons) {
			reason = t.reasons[f.Reason]
		}
		c.stack(c.merchantLine(f.Merchant, color.RGBA{0xF5, 0xC6, 0xC8, 0xFF}), float64(c.h),
			c.icon(0.28, func(cx, cy, s float64) {
				c.circle(cx, cy, s/2, white)
				c.cross(cx, cy, s, red)
			}),
			c.wrapped(c.face(bold, 24), t.title(f.Reason), white),
			c.wrapped(c.face(medium, 19), reason, white),
			c.label(c.fit(medium, 24, c.amount(f, medium, 24), float64(c.w)-16*c.u), c.amount(f, medium, 24), color.RGBA{0xF8, 0xD7, 0xD8, 0xFF}),
		)
	case QR:
		c = newCanvas(size, white)
		c.qrScreen(f, t)
	case EnterPIN:
		c = newCanvas(size, white)
		top := c.header(f.Merchant)
		amt := c.fit(bold, 44, c.amount(f, bold, 44), float64(c.w)-16*c.u)
		c.stack(top, float64(c.h),
			c.label(c.face(regular, 16), t.amountLabel, grey),
			c.label(amt, c.amount(f, bold, 44), ink),
			c.icon(0.22, func(cx, cy, s float64) {
				// four masked digits, as the pad shows them
				for i := range 4 {
					c.circle(cx+(float64(i)-1.5)*s*0.42, cy, s*0.14, blue)
				}
			}),
			c.headline(bold, 24, 20, t.enterPIN, ink),
			c.wrapped(c.face(regular, 15), t.enterPINSub, grey),
		)
	case RemoveCard:
		c = newCanvas(size, blue)
		c.stack(c.merchantLine(f.Merchant, skyBlue), float64(c.h),
			c.icon(0.36, func(cx, cy, s float64) {
				c.card(cx, cy+s*0.16, s*0.78, white, blue)
				th := s * 0.07
				c.line(cx, cy-s*0.20, cx, cy-s*0.48, th, white)
				c.line(cx-s*0.12, cy-s*0.36, cx, cy-s*0.48, th, white)
				c.line(cx+s*0.12, cy-s*0.36, cx, cy-s*0.48, th, white)
			}),
			c.wrapped(c.face(bold, 25), t.removeCard, white),
			c.label(c.face(regular, 17), t.removeCardSub, color.RGBA{0xD6, 0xE6, 0xF8, 0xFF}),
		)
	case LinkSent:
		c = newCanvas(size, white)
		top := c.header(f.Merchant)
		items := []item{
			c.icon(0.26, func(cx, cy, s float64) {
				c.circle(cx, cy, s/2, paleBlue)
				c.envelope(cx, cy, s*0.52, blue)
			}),
			c.wrapped(c.face(bold, 22), t.linkSent, ink),
		}
		if e := maskEmail(f.Email); e != "" {
			items = append(items, c.label(c.fit(medium, 16, e, float64(c.w)-16*c.u), e, ink))
		}
		items = append(items,
			c.label(c.fit(bold, 30, c.amount(f, bold, 30), float64(c.w)-16*c.u), c.amount(f, bold, 30), blue),
			c.label(c.face(regular, 16), t.linkSentSub, grey))
		c.stack(top, float64(c.h), items...)
	default: // Idle and anything unknown: the welcome screen is always safe
		c = newCanvas(size, navy)
		items := []item{}
		if f.Merchant != "" {
			items = append(items, c.label(c.fit(medium, 20, f.Merchant, float64(c.w)-20*c.u), f.Merchant, white))
		}
		items = append(items,
			c.icon(0.34, func(cx, cy, s float64) {
				c.circle(cx, cy, s/2, color.RGBA{0x1B, 0x41, 0x6E, 0xFF})
				c.contactless(cx+s*0.04, cy, s*0.60, white)
			}),
			c.label(c.fit(bold, 36, t.welcome, float64(c.w)-20*c.u), t.welcome, white),
			c.label(c.face(regular, 17), t.welcomeSub, skyBlue),
			c.badge(c.face(medium, 14), t.payHere, color.RGBA{0x1B, 0x41, 0x6E, 0xFF}, white),
		)
		c.stack(0, float64(c.h), items...)
	}
	return c.img
}

// item is one row of a vertical stack: its height and how to draw it with
// its top at y.
type item struct {
	h    float64
	draw func(y float64)
	flex bool // icons grow into spare room
}

// stack lays items out between top and bottom with equal gaps.
func (c *canvas) stack(top, bottom float64, items ...item) {
	total := 0.0
	for _, it := range items {
		total += it.h
	}
	gap := (bottom - top - total) / float64(len(items)+1)
	if gap < 2*c.u {
		// Too tall: shrink the icons first.
		over := total + 2*c.u*float64(len(items)+1) - (bottom - top)
		for i, it := range items {
			if it.flex && over > 0 {
				cut := math.Min(over, it.h*0.5)
				items[i].h -= cut
				over -= cut
			}
		}
		total = 0
		for _, it := range items {
			total += it.h
		}
		gap = math.Max((bottom-top-total)/float64(len(items)+1), 0)
	}
	y := top + gap
	for _, it := range items {
		it.draw(y)
		y += it.h + gap
	}
}

func lineBox(f font.Face) (asc, h float64) {
	m := f.Metrics()
	return fix(m.Ascent), fix(m.Ascent + m.Descent)
}

func (c *canvas) label(f font.Face, s string, col color.Color) item {
	asc, h := lineBox(f)
	return item{h: h, draw: func(y float64) { c.text(f, s, float64(c.w)/2, y+asc, col) }}
}

// headline is s on one line, shrunk from px down to minPx if need be, or
// wrapped at px when even minPx is too wide: on a 240×240 glass "Saisissez
// votre code" on two lines pushed the line under it to the bottom edge.
func (c *canvas) headline(id fontID, px, minPx float64, s string, col color.Color) item {
	maxW := float64(c.w) - 20*c.u
	if f := c.face(id, minPx); width(f, printable(f, s)) <= maxW {
		return c.label(c.fit(id, px, s, maxW), s, col)
	}
	return c.wrapped(c.face(id, px), s, col)
}

func (c *canvas) wrapped(f font.Face, s string, col color.Color) item {
	asc, h := lineBox(f)
	lines := wrap(f, printable(f, s), float64(c.w)-20*c.u)
	lh := fix(f.Metrics().Height) * 1.05
	return item{h: h + lh*float64(len(lines)-1), draw: func(y float64) {
		for i, l := range lines {
			c.text(f, l, float64(c.w)/2, y+asc+lh*float64(i), col)
		}
	}}
}

// icon reserves a square of frac × the shorter side (less if room is short).
func (c *canvas) icon(frac float64, draw func(cx, cy, s float64)) item {
	s := frac * float64(min(c.w, c.h))
	it := item{h: s, flex: true}
	it.draw = func(y float64) {}
	p := &it
	p.draw = func(y float64) { draw(float64(c.w)/2, y+p.h/2, p.h) }
	return it
}

// badge is a pill with text.
func (c *canvas) badge(f font.Face, s string, bg, fg color.RGBA) item {
	asc, h := lineBox(f)
	pad := 6 * c.u
	return item{h: h + 2*pad, draw: func(y float64) {
		w := width(f, printable(f, s)) + 4*pad
		cx := float64(c.w) / 2
		c.roundRect(cx-w/2, y, cx+w/2, y+h+2*pad, (h+2*pad)/2, bg)
		c.text(f, s, cx, y+pad+asc, fg)
	}}
}

// header draws the merchant bar of the white screens and returns its
// bottom; without a merchant name there is no bar.
func (c *canvas) header(merchant string) float64 {
	if merchant == "" {
		return 0
	}
	h := 30 * c.u
	c.rect(0, 0, float64(c.w), h, navy)
	f := c.fit(medium, 15, merchant, float64(c.w)-16*c.u)
	asc, fh := lineBox(f)
	c.text(f, merchant, float64(c.w)/2, (h-fh)/2+asc, white)
	return h
}

// merchantLine writes the merchant name small at the top of the coloured
// screens and returns where the content starts.
func (c *canvas) merchantLine(merchant string, col color.Color) float64 {
	if merchant == "" {
		return 0
	}
	f := c.fit(medium, 14, merchant, float64(c.w)-16*c.u)
	asc, h := lineBox(f)
	c.text(f, merchant, float64(c.w)/2, 8*c.u+asc, col)
	return 8*c.u + h
}

// amount formats f.Amount for f.Lang; if the font lacks the currency
// symbol (₩, ฿, ₱) it writes the ISO code instead.
func (c *canvas) amount(f Frame, id fontID, px float64) string {
	a := f.Amount
	if a.Currency == "" {
		return ""
	}
	s := printable(nil, a.Format(f.Lang))
	if hasGlyphs(c.face(id, px), s) {
		return s
	}
	exp, ok := payment.CurrencyExponent(a.Currency)
	if !ok {
		exp = 2
	}
	m := a.Minor
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	digits := strconv.FormatInt(m, 10)
	for len(digits) <= exp {
		digits = "0" + digits
	}
	whole, frac := digits[:len(digits)-exp], digits[len(digits)-exp:]
	sep, dec := ",", "."
	if f.Lang != "en" {
		sep, dec = "\u00a0", ","
	}
	var b strings.Builder
	for i, d := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(d)
	}
	num := b.String()
	if frac != "" {
		num += dec + frac
	}
	if f.Lang != "en" {
		return sign + num + "\u00a0" + a.Currency
	}
	return sign + a.Currency + "\u00a0" + num
}

// countdown is "4:32", rounded up so it shows 0:01 until the last second.
func countdown(d time.Duration) string {
	s := int((d + time.Second - 1) / time.Second)
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// maskEmail keeps the first letter of the local part and the domain:
// "jean.dupont@example.com" → "j•••@example.com". The customer recognises
// the address; a passer-by does not learn it.
func maskEmail(e string) string {
	at := strings.LastIndexByte(e, '@')
	if at < 1 {
		return ""
	}
	r := []rune(e[:at])
	return string(r[0]) + "•••" + e[at:]
}

// qrScreen lays out the Alipay+ screen: amount, instruction, the code as
// large as fits with whole-pixel modules, accepted wallets, countdown.
func (c *canvas) qrScreen(f Frame, t *texts) {
	W, H := float64(c.w), float64(c.h)
	compact := H < 1.2*W // 240×240: one line above, one below, bigger code
	margin := 5 * c.u
	amt := c.amount(f, bold, 28)
	y := margin
	if amt != "" {
		fc := c.fit(bold, 28, amt, W-16*c.u)
		asc, h := lineBox(fc)
		c.text(fc, amt, W/2, y+asc, ink)
		y += h
	}
	if !compact {
		fc := c.fit(medium, 16, t.scan, W-16*c.u)
		asc, h := lineBox(fc)
		c.text(fc, t.scan, W/2, y+asc, blue)
		y += h
	}
	top := y

	bottom := H - margin
	cdFace := c.face(bold, 16)
	casc, ch := lineBox(cdFace)
	cdCol := grey
	if f.Remaining <= 30*time.Second {
		cdCol = red
	}
	walletFace := c.face(medium, 13)
	wasc, wh := lineBox(walletFace)
	if compact {
		// "Alipay+ · wallets…    4:32" on one line.
		cd := ""
		if f.Remaining > 0 {
			cd = countdown(f.Remaining)
			w := width(cdFace, cd)
			c.textAt(cdFace, cd, W-8*c.u-w, bottom-ch+casc, cdCol)
		}
		room := W - 16*c.u - width(cdFace, cd) - 8*c.u
		line := c.walletsLines(walletFace, f.Wallets, room, 1)
		c.walletLine(walletFace, line[0], 8*c.u+width(walletFace, line[0])/2, bottom-ch+casc)
		bottom -= math.Max(ch, wh) + 2*c.u
	} else {
		if f.Remaining > 0 {
			c.text(cdFace, t.expiresIn+" "+countdown(f.Remaining), W/2, bottom-ch+casc, cdCol)
			bottom -= ch + 2*c.u
		}
		lines := c.walletsLines(walletFace, f.Wallets, W-12*c.u, 2)
		lh := fix(walletFace.Metrics().Height)
		for i := len(lines) - 1; i >= 0; i-- {
			c.walletLine(walletFace, lines[i], W/2, bottom-wh+wasc)
			bottom -= lh
		}
	}

	bits, ok := qrBits(f.QRPayload, int(math.Min(W, bottom-top)))
	if !ok {
		fc := c.face(bold, 18)
		asc, _ := lineBox(fc)
		c.text(fc, t.qrUnavailable, W/2, (top+bottom)/2+asc/2, red)
		return
	}
	n := len(bits)
	mod := int(math.Min(W, bottom-top)) / (n + 8)
	side := mod * n
	x0 := (c.w - side) / 2
	y0 := int(top) + (int(bottom-top)-side)/2
	for j, row := range bits {
		for i, on := range row {
			if !on {
				continue
			}
			for dy := 0; dy < mod; dy++ {
				off := c.img.PixOffset(x0+i*mod, y0+j*mod+dy)
				px := c.img.Pix[off : off+4*mod]
				for k := 0; k < len(px); k += 4 {
					px[k], px[k+1], px[k+2] = 0, 0, 0
				}
			}
		}
	}
}

// qrBits encodes payload with the error correction that gives the largest
// modules in a square of side pixels (quiet zone of 4 modules included,
// ISO/IEC 18004 §6.3.8), preferring the stronger level on a tie. A screen
// is not a sticker: it does not get torn or dirty, so level L is acceptable
// when it buys a pixel per module.
func qrBits(payload string, side int) ([][]bool, bool) {
	if payload == "" {
		return nil, false
	}
	var best [][]bool
	bestMod := 0
	for _, lvl := range []qrcode.RecoveryLevel{qrcode.Medium, qrcode.Low} {
		q, err := qrcode.New(payload, lvl)
		if err != nil {
			continue
		}
		q.DisableBorder = true
		b := q.Bitmap()
		if m := side / (len(b) + 8); m > bestMod {
			best, bestMod = b, m
		}
	}
	return best, bestMod >= 1
}

// walletsLines lays out "Alipay+ · name · name" in at most maxLines lines
// of width w, never splitting a wallet name, ending with "…" when cut.
func (c *canvas) walletsLines(f font.Face, wallets []string, w float64, maxLines int) []string {
	s := alipayPlus
	for _, n := range wallets {
		s += " · " + strings.ReplaceAll(n, " ", "\u00a0")
	}
	lines := wrap(f, s, w)
	if len(lines) > maxLines {
		lines = lines[:maxLines]
		last := lines[maxLines-1]
		for width(f, last+" …") > w && strings.Contains(last, " ") {
			last = last[:strings.LastIndexByte(last, ' ')]
		}
		lines[maxLines-1] = strings.TrimSuffix(last, " ·") + " …"
	}
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, "· ")
	}
	return lines
}

// alipayPlus is the network's display name, in its brand colour on screen.
var alipayPlus = payment.WalletName(payment.WalletAlipayPlus)

// walletLine writes a wallets line with "Alipay+" in its brand colour.
func (c *canvas) walletLine(f font.Face, s string, cx, baseline float64) {
	s = printable(f, s)
	x := cx - width(f, s)/2
	if rest, ok := strings.CutPrefix(s, alipayPlus); ok {
		c.textAt(f, alipayPlus, x, baseline, alipayRed)
		c.textAt(f, rest, x+width(f, alipayPlus), baseline, grey)
		return
	}
	c.textAt(f, s, x, baseline, grey)
}

func (c *canvas) textAt(f font.Face, s string, x, baseline float64, col color.Color) {
	w := width(f, s)
	c.text(f, s, x+w/2, baseline, col)
}
