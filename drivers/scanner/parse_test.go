package scanner

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// FuzzParser feeds arbitrary bytes in arbitrary chunks: the parser must
// never panic, and only emit printable codes within MaxLen that appear
// as such in the input; every refusal is a *CodeError with a length.
func FuzzParser(f *testing.F) {
	f.Add([]byte("281012345678901234\r\n"), uint8(3))
	f.Add([]byte("\x02]Q1https://qr.alipay.com/bax03070lgsbxpqdytk9006d\x03\r"), uint8(7))
	f.Add([]byte("\x00\xff\x13noise\r6288001234567890123\r"), uint8(1))
	f.Add(bytes.Repeat([]byte("9"), 600), uint8(50))
	f.Add([]byte("\r\r\n\n"), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		p := parser{term: []byte("\r\n"), prefix: []byte("\x02"), suffix: []byte("\x03"), maxLen: 64, timeout: time.Second}
		var got []string
		emit := func(code string, err error) {
			if err != nil {
				var ce *CodeError
				if !errors.As(err, &ce) || ce.Len <= 0 {
					t.Fatalf("bad error %v", err)
				}
				return
			}
			if code == "" || len(code) > 64 {
				t.Fatalf("code of %d bytes", len(code))
			}
			for _, c := range []byte(code) {
				if c < 0x20 || c > 0x7E {
					t.Fatalf("unprintable byte %#x in code %q", c, code)
				}
			}
			got = append(got, code)
		}
		input := data
		defer func() {
			for _, c := range got {
				if !bytes.Contains(input, []byte(c)) {
					t.Fatalf("code %q is not in the input", c)
				}
			}
		}()
		now := time.Unix(0, 0)
		n := int(chunk)%17 + 1
		for len(data) > 0 {
			k := min(n, len(data))
			p.feed(data[:k], now, emit)
			data = data[k:]
			now = now.Add(time.Duration(chunk) * 10 * time.Millisecond) // sometimes past the timeout
		}
	})
}

func TestParserAccounting(t *testing.T) {
	p := parser{term: []byte("\r"), maxLen: 4, timeout: time.Second}
	var out []string
	emit := func(code string, err error) {
		if err != nil {
			out = append(out, err.Error())
			return
		}
		out = append(out, code)
	}
	p.feed([]byte("12\r12345\r\r1\x002\r"), time.Unix(0, 0), emit)
	want := []string{"12", "scanner: code too long (5 bytes)", "scanner: garbled code (3 bytes)"}
	if len(out) != len(want) {
		t.Fatalf("got %q, want %q", out, want)
	}
	for i := range want {
		if out[i] != want[i] {
			t.Fatalf("got %q, want %q", out, want)
		}
	}
}
