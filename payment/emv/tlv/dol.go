package tlv

import (
	"fmt"
	"strings"
)

// DOLEntry is one (tag, length) pair of a Data Object List.
type DOLEntry struct {
	Tag Tag
	Len int
}

// DOL is a Data Object List (PDOL 9F38, CDOL1 8C, DDOL 9F49...).
type DOL []DOLEntry

// MaxDOLData bounds the data a DOL may ask for: it must fit one short APDU.
const MaxDOLData = 252

// ParseDOL decodes a Data Object List: tags and lengths, no values.
func ParseDOL(b []byte) (DOL, error) {
	var d DOL
	total := 0
	for off := 0; off < len(b); {
		t, tn, err := ReadTag(b[off:])
		if err != nil {
			return nil, &DecodeError{Offset: off, Err: err}
		}
		n, ln, err := ReadLength(b[off+tn:])
		if err != nil {
			return nil, &DecodeError{Offset: off, Err: err}
		}
		total += n
		if total > MaxDOLData {
			return nil, &DecodeError{Offset: off, Err: ErrDOLTooLong}
		}
		d = append(d, DOLEntry{Tag: t, Len: n})
		off += tn + ln
	}
	return d, nil
}

// DataLen is the number of bytes Build produces.
func (d DOL) DataLen() int {
	n := 0
	for _, e := range d {
		n += e.Len
	}
	return n
}

// Has reports whether the DOL asks for t.
func (d DOL) Has(t Tag) bool {
	for _, e := range d {
		if e.Tag == t {
			return true
		}
	}
	return false
}

// Build concatenates the values get returns for each entry, fitted to the
// entry's length by Fit. A tag get does not know, or a constructed tag, is
// zero-filled (Book 3 §5.4).
func (d DOL) Build(get func(Tag) ([]byte, bool)) []byte {
	out := make([]byte, 0, d.DataLen())
	for _, e := range d {
		v, ok := get(e.Tag)
		if !ok || e.Tag.Constructed() {
			out = append(out, make([]byte, e.Len)...)
			continue
		}
		out = append(out, Fit(e.Tag, v, e.Len)...)
	}
	return out
}

// Split cuts DOL data back into values, by tag; data must be DataLen long.
func (d DOL) Split(data []byte) (map[Tag][]byte, error) {
	if len(data) != d.DataLen() {
		return nil, fmt.Errorf("tlv: dol data is %d bytes, want %d", len(data), d.DataLen())
	}
	m := make(map[Tag][]byte, len(d))
	off := 0
	for _, e := range d {
		m[e.Tag] = data[off : off+e.Len]
		off += e.Len
	}
	return m, nil
}

// Fit truncates or pads v to n bytes following the format of t.
func Fit(t Tag, v []byte, n int) []byte {
	f := Lookup(t).Format
	out := make([]byte, n)
	switch {
	case len(v) == n:
		copy(out, v)
	case len(v) > n && f == FormatN:
		copy(out, v[len(v)-n:])
	case len(v) > n:
		copy(out, v[:n])
	case f == FormatN:
		copy(out[n-len(v):], v)
	case f == FormatCN:
		copy(out, v)
		for i := len(v); i < n; i++ {
			out[i] = 0xFF
		}
	default:
		copy(out, v)
	}
	return out
}

// String shows the list as the books do: "9F66(4) 9F02(6)".
func (d DOL) String() string {
	var sb strings.Builder
	for i, e := range d {
		if i > 0 {
			sb.WriteByte(' ')
		}
		fmt.Fprintf(&sb, "%s(%d)", e.Tag, e.Len)
	}
	return sb.String()
}
