package tlv

import (
	"bytes"
	"encoding/hex"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func h(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// Real PPSE answer (proxmark3 trace hf_visa_apple_normal), SW removed.
const ppseFCI = "6F 2A 84 0E 32 50 41 59 2E 53 59 53 2E 44 44 46 30 31 A5 18 BF 0C 15 61 13 4F 07 A0 00 00 00 03 10 10 87 01 01 9F 0A 04 00 01 01 01"

// Real Visa SELECT AID answer from the same trace.
const visaFCI = "6F 42 84 07 A0 00 00 00 03 10 10 A5 37 9F 38 1B 9F 66 04 9F 02 06 9F 03 06 9F 1A 02 95 05 5F 2A 02 9A 03 9C 01 9F 37 04 9F 4E 14 BF 0C 16 9F 5A 05 31 09 78 08 26 BF 63 04 DF 20 01 80 9F 0A 04 00 01 01 01"

func TestReadTag(t *testing.T) {
	tests := []struct {
		in  string
		tag Tag
		n   int
		err error
	}{
		{"5A", 0x5A, 1, nil},
		{"9F02", 0x9F02, 2, nil},
		{"BF0C", 0xBF0C, 2, nil},
		{"DF8117", 0xDF8117, 3, nil},
		{"DF81", 0, 0, ErrTruncated},
		{"9F", 0, 0, ErrTruncated},
		{"DF818101", 0, 0, ErrTagTooLong},
		{"", 0, 0, ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			tag, n, err := ReadTag(h(tt.in))
			if !errors.Is(err, tt.err) || tag != tt.tag || n != tt.n {
				t.Errorf("got %v %d %v, want %v %d %v", tag, n, err, tt.tag, tt.n, tt.err)
			}
		})
	}
}

func TestReadLength(t *testing.T) {
	tests := []struct {
		in  string
		v   int
		n   int
		err error
	}{
		{"00", 0, 1, nil},
		{"7F", 127, 1, nil},
		{"8180", 128, 2, nil},
		{"81FF", 255, 2, nil},
		{"820100", 256, 3, nil},
		{"83010000", 65536, 4, nil},
		{"80", 0, 0, ErrIndefiniteLength},
		{"84 01000000", 0, 0, ErrLengthTooLong},
		{"82 01", 0, 0, ErrTruncated},
		{"", 0, 0, ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			v, n, err := ReadLength(h(tt.in))
			if !errors.Is(err, tt.err) || v != tt.v || n != tt.n {
				t.Errorf("got %d %d %v, want %d %d %v", v, n, err, tt.v, tt.n, tt.err)
			}
		})
	}
}

func TestAppendLengthRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 255, 256, 65535, 65536} {
		b := AppendLength(nil, n)
		v, ln, err := ReadLength(b)
		if err != nil || v != n || ln != len(b) {
			t.Errorf("length %d: got %d %d %v", n, v, ln, err)
		}
	}
}

func TestParseRealFCI(t *testing.T) {
	l, err := Parse(h(visaFCI))
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(l.Value(0x84)); got != "a0000000031010" {
		t.Errorf("84: got %s", got)
	}
	pdol, err := ParseDOL(l.Value(0x9F38))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := pdol.String(), "9F66(4) 9F02(6) 9F03(6) 9F1A(2) 95(5) 5F2A(2) 9A(3) 9C(1) 9F37(4) 9F4E(20)"; got != want {
		t.Errorf("pdol: got %s, want %s", got, want)
	}
	if pdol.DataLen() != 53 {
		t.Errorf("pdol len: got %d, want 53", pdol.DataLen())
	}
	if got := l.Value(0xDF20); !bytes.Equal(got, []byte{0x80}) {
		t.Errorf("DF20 inside BF63: got %x", got)
	}
	if !bytes.Equal(l.Bytes(), h(visaFCI)) {
		t.Error("re-encoding differs from the card's bytes")
	}
	p, err := Parse(h(ppseFCI))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Value(0x87); !bytes.Equal(got, []byte{1}) {
		t.Errorf("priority: got %x", got)
	}
}

func TestParseRules(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // String() of the top level, or "" on error
		err  error
	}{
		{"padding 00 and FF between objects", "00 5F2A 02 0978 FF FF 9C 01 00 00", "5F2A(2) 9C(1)", nil},
		{"empty", "", "", nil},
		{"long form 81", "70 81 04 5F34 01 01", "70(4)", nil},
		{"empty template", "70 00", "70(0)", nil},
		{"value overruns", "5A 08 4761", "", ErrTruncated},
		{"child overruns parent", "70 04 5A 08 4761", "", ErrTruncated},
		{"indefinite length", "70 80 5A 01 00 00 00", "", ErrIndefiniteLength},
		{"tag cut", "9F", "", ErrTruncated},
		{"length missing", "9F02", "", ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Parse(h(tt.in))
			if !errors.Is(err, tt.err) {
				t.Fatalf("got err %v, want %v", err, tt.err)
			}
			if err != nil {
				var de *DecodeError
				if !errors.As(err, &de) {
					t.Fatalf("got %T, want *DecodeError", err)
				}
				return
			}
			if got := l.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseDepthBound(t *testing.T) {
	b := []byte{0x5A, 0x00}
	for range MaxDepth + 2 {
		b = Append(nil, 0x70, b)
	}
	if _, err := Parse(b); !errors.Is(err, ErrTooDeep) {
		t.Errorf("got %v, want ErrTooDeep", err)
	}
}

func TestDecodeErrorOffset(t *testing.T) {
	_, err := Parse(h("9C 01 00 70 04 5A 08 4761"))
	var de *DecodeError
	if !errors.As(err, &de) || de.Offset != 5 {
		t.Fatalf("got %v, want offset 5", err)
	}
}

func TestFit(t *testing.T) {
	tests := []struct {
		name string
		tag  Tag
		v    string
		n    int
		want string
	}{
		{"n left pad", 0x9F02, "0100", 6, "000000000100"},
		{"n truncate keeps rightmost", 0x9F02, "11 22 33 44 55 66 77", 6, "223344556677"},
		{"cn right pad FF", 0x5A, "4761", 4, "4761FFFF"},
		{"cn truncate leftmost", 0x5A, "47617390", 2, "4761"},
		{"b right pad 00", 0x9F66, "36", 4, "36000000"},
		{"b truncate leftmost", 0x9F37, "0102030405", 4, "01020304"},
		{"ans right pad 00", 0x9F4E, "41", 3, "410000"},
		{"exact", 0x9C, "00", 1, "00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.ToUpper(hex.EncodeToString(Fit(tt.tag, h(tt.v), tt.n))); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestDOLBuildAndSplit(t *testing.T) {
	d, err := ParseDOL(h("9F66 04 9F02 06 9F37 04 DF8117 01 70 02 9F5F 03"))
	if err != nil {
		t.Fatal(err)
	}
	vals := map[Tag][]byte{0x9F66: h("36004080"), 0x9F02: h("0100"), 0x9F37: h("01020304"), 0x70: h("AAAA")}
	got := d.Build(func(t Tag) ([]byte, bool) { v, ok := vals[t]; return v, ok })
	want := h("36004080 000000000100 01020304 00 0000 000000")
	if !bytes.Equal(got, want) {
		t.Fatalf("got %X, want %X", got, want)
	}
	m, err := d.Split(got)
	if err != nil || !bytes.Equal(m[0x9F37], h("01020304")) {
		t.Errorf("split: got %X %v", m[0x9F37], err)
	}
	if _, err := d.Split(got[1:]); err == nil {
		t.Error("split of short data: want error")
	}
}

func TestParseDOLErrors(t *testing.T) {
	if _, err := ParseDOL(h("9F66")); !errors.Is(err, ErrTruncated) {
		t.Errorf("got %v, want ErrTruncated", err)
	}
	if _, err := ParseDOL(h("9F4E 81FF 9F4E 10")); !errors.Is(err, ErrDOLTooLong) {
		t.Errorf("got %v, want ErrDOLTooLong", err)
	}
}

func TestBCD(t *testing.T) {
	if got := hex.EncodeToString(EncodeN(123456, 6)); got != "000000123456" {
		t.Errorf("EncodeN: got %s", got)
	}
	if v, ok := DecodeN(h("000000123456")); !ok || v != 123456 {
		t.Errorf("DecodeN: got %d %v", v, ok)
	}
	if _, ok := DecodeN(h("1A")); ok {
		t.Error("DecodeN(1A): want not ok")
	}
	if d, ok := DecodeCN(h("4761739001010119FF")); !ok || d != "4761739001010119" {
		t.Errorf("DecodeCN: got %s %v", d, ok)
	}
	if d, ok := DecodeCN(h("476173900101011F")); !ok || d != "476173900101011" {
		t.Errorf("DecodeCN odd: got %s %v", d, ok)
	}
	if _, ok := DecodeCN(h("F1")); ok {
		t.Error("DecodeCN digit after pad: want not ok")
	}
}

func TestLogValueRedacts(t *testing.T) {
	rec := Encode(0x70, append(append(Encode(0x5A, h("4761739001010119")), Encode(0x57, h("4761739001010119D22122010000000000000F"))...), Encode(0x5F24, h("221231"))...))
	l, err := Parse(rec)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("record", "tlv", l)
	out := buf.String()
	for _, secret := range []string{"4761739001010119", "476173"} {
		if strings.Contains(out, secret) {
			t.Errorf("log shows %q: %s", secret, out)
		}
	}
	if !strings.Contains(out, "221231") || !strings.Contains(out, "redacted 8 bytes") {
		t.Errorf("log lost non-sensitive data or the mask: %s", out)
	}
	if s := l.String(); strings.Contains(s, "4761") {
		t.Errorf("String shows PAN: %s", s)
	}
}
