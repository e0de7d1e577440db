package tlv

import (
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
)

// MaxDepth bounds template nesting. Real cards nest at most 4 deep
// (6F > A5 > BF0C > 61); a hostile card must not exhaust the stack.
const MaxDepth = 8

// Tag is a BER-TLV tag of 1 to 3 bytes, stored big-endian in the low bytes:
// Tag(0x9F02) is "9F02".
type Tag uint32

// Constructed reports whether the tag marks a template holding other objects.
func (t Tag) Constructed() bool { return t.first()&0x20 != 0 }

func (t Tag) first() byte {
	switch {
	case t > 0xFFFF:
		return byte(t >> 16)
	case t > 0xFF:
		return byte(t >> 8)
	}
	return byte(t)
}

// Bytes is the tag's encoding.
func (t Tag) Bytes() []byte { return t.append(nil) }

func (t Tag) append(dst []byte) []byte {
	switch {
	case t > 0xFFFF:
		return append(dst, byte(t>>16), byte(t>>8), byte(t))
	case t > 0xFF:
		return append(dst, byte(t>>8), byte(t))
	}
	return append(dst, byte(t))
}

// String is the tag in upper-case hex, as the EMV books write it.
func (t Tag) String() string { return strings.ToUpper(hex.EncodeToString(t.Bytes())) }

// Name is the dictionary name of the tag, or "" when unknown.
func (t Tag) Name() string { return Lookup(t).Name }

// Object is one decoded data object. Value is the raw value; for a
// constructed tag Children holds its decoded content as well.
type Object struct {
	Tag      Tag
	Value    []byte
	Children List
}

// Bytes re-encodes the object.
func (o Object) Bytes() []byte { return Append(nil, o.Tag, o.Value) }

// LogValue shows the tag and, unless the tag is sensitive, the value.
func (o Object) LogValue() slog.Value { return slog.GroupValue(o.attr()) }

func (o Object) attr() slog.Attr {
	key := o.Tag.String()
	if o.Tag.Constructed() && o.Children != nil {
		return slog.Attr{Key: key, Value: o.Children.LogValue()}
	}
	if Lookup(o.Tag).Sensitive {
		return slog.String(key, fmt.Sprintf("[redacted %d bytes]", len(o.Value)))
	}
	return slog.String(key, strings.ToUpper(hex.EncodeToString(o.Value)))
}

// List is a sequence of decoded objects, in card order.
type List []Object

// Find returns the first object with tag t, searching templates depth-first.
func (l List) Find(t Tag) (Object, bool) {
	for _, o := range l {
		if o.Tag == t {
			return o, true
		}
		if o.Children != nil {
			if f, ok := o.Children.Find(t); ok {
				return f, true
			}
		}
	}
	return Object{}, false
}

// Value returns the value of the first object with tag t, or nil.
func (l List) Value(t Tag) []byte {
	o, _ := l.Find(t)
	return o.Value
}

// Bytes re-encodes the list.
func (l List) Bytes() []byte {
	var b []byte
	for _, o := range l {
		b = Append(b, o.Tag, o.Value)
	}
	return b
}

// LogValue logs each tag; sensitive values are replaced by their length.
func (l List) LogValue() slog.Value {
	attrs := make([]slog.Attr, 0, len(l))
	for _, o := range l {
		attrs = append(attrs, o.attr())
	}
	return slog.GroupValue(attrs...)
}

// String lists the tags and lengths only, so %v never prints card data.
func (l List) String() string {
	var sb strings.Builder
	for i, o := range l {
		if i > 0 {
			sb.WriteByte(' ')
		}
		fmt.Fprintf(&sb, "%s(%d)", o.Tag, len(o.Value))
	}
	return sb.String()
}

// Parse decodes every object in b, descending into templates. Padding bytes
// 00 and FF between objects are skipped.
func Parse(b []byte) (List, error) { return parse(b, 0, 0) }

func parse(b []byte, base, depth int) (List, error) {
	if depth > MaxDepth {
		return nil, &DecodeError{Offset: base, Err: ErrTooDeep}
	}
	var l List
	for off := 0; off < len(b); {
		if b[off] == 0x00 || b[off] == 0xFF {
			off++
			continue
		}
		tag, tn, err := ReadTag(b[off:])
		if err != nil {
			return nil, &DecodeError{Offset: base + off, Err: err}
		}
		vlen, ln, err := ReadLength(b[off+tn:])
		if err != nil {
			return nil, &DecodeError{Offset: base + off, Err: err}
		}
		start := off + tn + ln
		if vlen > len(b)-start {
			return nil, &DecodeError{Offset: base + off, Err: ErrTruncated}
		}
		o := Object{Tag: tag, Value: b[start : start+vlen : start+vlen]}
		if tag.Constructed() {
			c, err := parse(o.Value, base+start, depth+1)
			if err != nil {
				return nil, err
			}
			if c == nil {
				c = List{}
			}
			o.Children = c
		}
		l = append(l, o)
		off = start + vlen
	}
	return l, nil
}

// ReadTag decodes the tag at the start of b and returns it with its size.
func ReadTag(b []byte) (Tag, int, error) {
	if len(b) == 0 {
		return 0, 0, ErrTruncated
	}
	t := Tag(b[0])
	if b[0]&0x1F != 0x1F {
		return t, 1, nil
	}
	for i := 1; ; i++ {
		if i >= len(b) {
			return 0, 0, ErrTruncated
		}
		if i >= 3 {
			return 0, 0, ErrTagTooLong
		}
		t = t<<8 | Tag(b[i])
		if b[i]&0x80 == 0 {
			return t, i + 1, nil
		}
	}
}

// ReadLength decodes the length at the start of b and returns it with the
// size of the length field.
func ReadLength(b []byte) (int, int, error) {
	if len(b) == 0 {
		return 0, 0, ErrTruncated
	}
	if b[0] < 0x80 {
		return int(b[0]), 1, nil
	}
	if b[0] == 0x80 {
		return 0, 0, ErrIndefiniteLength
	}
	n := int(b[0] & 0x7F)
	if n > 3 {
		return 0, 0, ErrLengthTooLong
	}
	if len(b) < 1+n {
		return 0, 0, ErrTruncated
	}
	v := 0
	for _, c := range b[1 : 1+n] {
		v = v<<8 | int(c)
	}
	return v, 1 + n, nil
}

// AppendLength appends the BER encoding of length n.
func AppendLength(dst []byte, n int) []byte {
	switch {
	case n < 0x80:
		return append(dst, byte(n))
	case n <= 0xFF:
		return append(dst, 0x81, byte(n))
	case n <= 0xFFFF:
		return append(dst, 0x82, byte(n>>8), byte(n))
	}
	return append(dst, 0x83, byte(n>>16), byte(n>>8), byte(n))
}

// Append appends the encoding of one object.
func Append(dst []byte, t Tag, v []byte) []byte {
	dst = t.append(dst)
	dst = AppendLength(dst, len(v))
	return append(dst, v...)
}

// Encode returns the encoding of one object.
func Encode(t Tag, v []byte) []byte { return Append(nil, t, v) }
