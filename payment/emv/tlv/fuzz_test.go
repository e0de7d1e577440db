package tlv

import (
	"bytes"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{ppseFCI, visaFCI, "70 81 04 5F34 01 01", "00 FF 9F02 06 000000000100", "77 0E 82 02 0040 94 08 08010100 10010300",
		"80 0E 78 00 08 02 02 00 10 01 04 00 18 01 02 01"} {
		f.Add(h(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := Parse(b)
		if err != nil {
			return
		}
		// A successful parse re-encodes to something that parses to the same objects.
		l2, err := Parse(l.Bytes())
		if err != nil {
			t.Fatalf("re-encoded data does not parse: %v", err)
		}
		if !bytes.Equal(l.Bytes(), l2.Bytes()) {
			t.Fatal("re-encoding is not stable")
		}
		_ = l.String()
		_ = l.LogValue().Resolve()
	})
}

func FuzzParseDOL(f *testing.F) {
	f.Add(h("9F66 04 9F02 06 9F03 06 9F1A 02 95 05 5F2A 02 9A 03 9C 01 9F37 04 9F4E 14"))
	f.Add(h("9F02 06 9F03 06 9F1A 02 95 05 5F2A 02 9A 03 9C 01 9F37 04 9F35 01 9F45 02 9F4C 08 9F34 03"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDOL(b)
		if err != nil {
			return
		}
		data := d.Build(func(Tag) ([]byte, bool) { return []byte{1, 2, 3}, true })
		if len(data) != d.DataLen() || len(data) > MaxDOLData {
			t.Fatalf("built %d bytes, want %d (max %d)", len(data), d.DataLen(), MaxDOLData)
		}
	})
}
