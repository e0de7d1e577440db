package cardsim

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tpe/payment/emv/tlv"
)

func TestProfilesAndNew(t *testing.T) {
	want := []string{"amex", "blocked", "cb-visa", "expired", "maestro", "malformed-record", "mastercard", "mastercard-chip-pin",
		"no-ppse", "phone-cdcvm", "phone-mastercard", "visa-chip-pin", "visa-credit", "visa-debit"}
	ps := Profiles()
	if len(ps) != len(want) {
		t.Fatalf("got %d profiles, want %d", len(ps), len(want))
	}
	for i, p := range ps {
		if p.Name != want[i] || p.PAN == "" || p.Expect == "" || len(p.Expiry) != 6 {
			t.Errorf("profile %d: %+v", i, p)
		}
		if !luhn(p.PAN) {
			t.Errorf("%s: test PAN fails Luhn", p.Name)
		}
	}
	if _, err := New("nope"); !errors.Is(err, ErrUnknownProfile) {
		t.Errorf("got %v, want ErrUnknownProfile", err)
	}
}

func luhn(pan string) bool {
	sum := 0
	for i := range len(pan) {
		d := int(pan[len(pan)-1-i] - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

func TestCAKeysDeterministic(t *testing.T) {
	a, b := CAKeys(), CAKeys()
	if len(a) != 4 || a[0].Key.N.Cmp(b[0].Key.N) != 0 || a[0].Key.E != 3 || a[0].Index != CAIndex {
		t.Fatalf("CA table: %d entries", len(a))
	}
	if a[0].Key.N.BitLen() != caBits {
		t.Errorf("CA key has %d bits, want %d", a[0].Key.N.BitLen(), caBits)
	}
	// Same key in every process: a terminal config may pin it. The digest
	// changes only if the generation scheme changes (then update docs).
	sum := sha256.Sum256(a[0].Key.N.Bytes())
	t.Logf("CA modulus sha256 %x", sum[:8])
	k := key("ca", caBits)
	m := make([]byte, k.size())
	m[1] = 0x42
	s := k.sign(m)
	back := new(big.Int).Exp(new(big.Int).SetBytes(s), big.NewInt(3), k.pub.N)
	if !bytes.Equal(back.FillBytes(make([]byte, k.size())), m) {
		t.Error("private and public operation do not round-trip")
	}
}

func apdu(t *testing.T, c *Card, hexCmd string) ([]byte, uint16) {
	t.Helper()
	cmd, _ := hex.DecodeString(hexCmd)
	r, err := c.Transceive(context.Background(), cmd)
	if err != nil || len(r) < 2 {
		t.Fatalf("%s: %x %v", hexCmd, r, err)
	}
	return r[:len(r)-2], uint16(r[len(r)-2])<<8 | uint16(r[len(r)-1])
}

func TestCardAPDUs(t *testing.T) {
	c, _ := New("mastercard")
	tests := []struct {
		name string
		cmd  string
		sw   uint16
	}{
		{"gpo before select", "80A8000002830000", 0x6985},
		{"unknown instruction", "00CA9F3600", 0x6D00},
		{"select ppse", "00A404000E325041592E5359532E444446303100", 0x9000},
		{"select unknown aid", "00A4040007A000000099999900", 0x6A82},
		{"select by partial aid", "00A4040005A00000000400", 0x9000},
		{"gac before gpo", "80AE80002B" + strings.Repeat("00", 43) + "00", 0x6985},
		{"gpo with wrong pdol data", "80A80000048302000000", 0x6700},
		{"gpo", "80A8000002830000", 0x9000},
		{"read record bad p2", "00B2010800", 0x6A86},
		{"read record missing", "00B2050C00", 0x6A83},
		{"read record", "00B2010C00", 0x9000},
		{"gac wrong length", "80AE8000020000", 0x6700},
		{"inconsistent lc", "80A800000A830000", 0x6700},
	}
	for _, tt := range tests {
		if _, sw := apdu(t, c, tt.cmd); sw != tt.sw {
			t.Errorf("%s: got %04X, want %04X", tt.name, sw, tt.sw)
		}
	}
}

func TestATCIncrements(t *testing.T) {
	c, _ := New("visa-credit")
	apdu(t, c, "00A4040007A000000003101000")
	start := c.ATC()
	gpo := "80A80000238321" + "36008080" + "000000001000" + "000000000000" + "0250" + "0000000000" + "0978" + "261126" + "00" + "01020304" + "00"
	for i := 1; i <= 3; i++ {
		data, sw := apdu(t, c, gpo)
		if sw != 0x9000 {
			t.Fatalf("gpo: %04X", sw)
		}
		l, _ := tlv.Parse(data)
		atc := l.Value(0x9F36)
		if got := uint16(atc[0])<<8 | uint16(atc[1]); got != start+uint16(i) || c.ATC() != got {
			t.Errorf("gpo %d: atc %d, want %d", i, got, start+uint16(i))
		}
	}
}

func TestVerifyARQCErrors(t *testing.T) {
	if err := VerifyARQC("4761739001010119", 1, []byte{0x9F}); !errors.Is(err, ErrICCData) {
		t.Errorf("malformed: got %v", err)
	}
	if err := VerifyARQC("4761739001010119", 1, tlv.Encode(0x9F26, make([]byte, 8))); !errors.Is(err, ErrICCData) {
		t.Errorf("incomplete: got %v", err)
	}
	vals := map[tlv.Tag][]byte{}
	var icc []byte
	for _, tg := range acTags {
		n := acLens[tg]
		if n == 0 {
			n = 7
		}
		vals[tg] = bytes.Repeat([]byte{0x01}, n)
		icc = tlv.Append(icc, tg, vals[tg])
	}
	ac := computeAC("4761739001010119", 1, vals)
	good := tlv.Append(bytes.Clone(icc), 0x9F26, ac)
	if err := VerifyARQC("4761739001010119", 1, good); err != nil {
		t.Errorf("good: %v", err)
	}
	if err := VerifyARQC("4761739001010119", 2, good); !errors.Is(err, ErrCryptogram) {
		t.Errorf("other psn: got %v", err)
	}
	if err := VerifyARQC("47617390", 1, good); !errors.Is(err, ErrICCData) {
		t.Errorf("short pan: got %v", err)
	}
	if err := VerifyARQC("4761739001010119", 1, good); err != nil && bytes.Contains([]byte(err.Error()), []byte("4761")) {
		t.Error("error leaks the pan")
	}
}

func TestScriptMatching(t *testing.T) {
	s, err := ParseScript([]byte(`{"name":"t","uid":"04AABB","apdus":[
		{"command":"00A4040000","response":"9000"},
		{"command":"80A8*","response":"6985"},
		{"command":"80A80000","response":"9000"},
		{"command":"00 B2 01 0C 00","response":"70 00 90 00"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ cmd, want string }{
		{"00A4040000", "9000"},
		{"00A404000000", "6d00"}, // exact entries match exactly
		{"80A8000002830000", "6985"},
		{"80A80000", "6985"}, // first match wins over the later exact entry
		{"00B2010C00", "70009000"},
		{"80", "6d00"},
	}
	for _, tt := range tests {
		cmd, _ := hex.DecodeString(tt.cmd)
		r, err := s.Transceive(context.Background(), cmd)
		if err != nil || hex.EncodeToString(r) != tt.want {
			t.Errorf("%s: got %x %v, want %s", tt.cmd, r, err, tt.want)
		}
	}
	if s.Name != "t" || !bytes.Equal(s.UID, []byte{0x04, 0xAA, 0xBB}) {
		t.Errorf("name/uid: %s %x", s.Name, s.UID)
	}
}

func TestScriptErrors(t *testing.T) {
	for name, js := range map[string]string{
		"not json":        `{`,
		"unknown field":   `{"name":"x","apdus":[],"extra":1}`,
		"bad command hex": `{"apdus":[{"command":"ZZ","response":"9000"}]}`,
		"no status word":  `{"apdus":[{"command":"00","response":"90"}]}`,
		"bad uid":         `{"uid":"XYZ","apdus":[]}`,
	} {
		if _, err := ParseScript([]byte(js)); !errors.Is(err, ErrScript) {
			t.Errorf("%s: got %v, want ErrScript", name, err)
		}
	}
	if _, err := LoadScript(filepath.Join(t.TempDir(), "missing.card.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: got %v", err)
	}
}

func TestTestdataScriptsLoad(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.card.json")
	if len(files) < 3 {
		t.Fatalf("only %d scripted cards in testdata", len(files))
	}
	for _, f := range files {
		if _, err := LoadScript(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestTransceiveHonoursContext(t *testing.T) {
	c, _ := New("visa-credit")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Transceive(ctx, []byte{0, 0xA4, 4, 0}); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v", err)
	}
}
