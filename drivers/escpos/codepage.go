package escpos

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// CodePage is a character code table the printer selects with ESC t n.
// Receipts need the euro sign, which rules out the factory default CP437.
type CodePage struct {
	Name string
	N    byte // ESC t n
	cm   *charmap.Charmap
}

var (
	// CP858 is CP850 with € at 0xD5 (Epson table 19).
	CP858 = CodePage{"CP858", PageCP858, charmap.CodePage858}
	// WPC1252 is Windows-1252 with € at 0x80 (Epson table 16).
	WPC1252 = CodePage{"WPC1252", PageWPC1252, charmap.Windows1252}
)

// Table returns the character table ESC t n selects, nil when unknown.
// The emulator decodes with it.
func Table(n byte) *charmap.Charmap {
	switch n {
	case PageCP437:
		return charmap.CodePage437
	case PageCP850:
		return charmap.CodePage850
	case PageWPC1252:
		return charmap.Windows1252
	case PageCP866:
		return charmap.CodePage866
	case PageCP852:
		return charmap.CodePage852
	case PageCP858:
		return charmap.CodePage858
	case PageISO8859_15:
		return charmap.ISO8859_15
	}
	return nil
}

// substitutes are runes money formatting and typography produce that the
// printer tables lack, with what a receipt prints instead.
var substitutes = strings.NewReplacer(
	"\u00a0", " ", "\u202f", " ", "\u2009", " ", "\u2007", " ",
	"\u2018", "'", "\u2019", "'", "\u201c", "\"", "\u201d", "\"",
	"\u2013", "-", "\u2014", "-", "\u2026", "...", "\u2022", "*",
)

// Encode converts s to the bytes of code page c. Runes the table lacks
// lose their accent when they have one (ł → l is not possible, ő → o is) and
// become '?' otherwise. Control characters are dropped: text never carries
// commands.
func (c CodePage) Encode(s string) []byte {
	s = substitutes.Replace(s)
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			continue
		}
		if r < 0x80 {
			out = append(out, byte(r))
			continue
		}
		if b, ok := c.cm.EncodeRune(r); ok {
			out = append(out, b)
			continue
		}
		out = append(out, fallback(c.cm, r))
	}
	return out
}

// fallback prints the base letter of a character the table lacks: NFD puts
// the base first and the combining marks after it, so only the first rune counts.
func fallback(cm *charmap.Charmap, r rune) byte {
	d, _ := utf8.DecodeRuneInString(norm.NFD.String(string(r)))
	if d < 0x80 {
		return byte(d)
	}
	if b, ok := cm.EncodeRune(d); ok {
		return b
	}
	return '?'
}
