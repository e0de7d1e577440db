package pn532

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"tpe/device/nfc"
)

func hx(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// Frames as libnfc and a real PN532 exchange them (research note
// hardware-emv.md §1.1, §1.3, §2.2).
var goldenFrames = []struct {
	name string
	wire string
	tfi  byte
	data string
}{
	{"GetFirmwareVersion", "00 00 FF 02 FE D4 02 2A 00", TFIHost, "02"},
	{"FirmwareReply", "00 00 FF 06 FA D5 03 32 01 06 07 E8 00", TFIChip, "03 32 01 06 07"},
	{"SAMConfiguration", "00 00 FF 03 FD D4 14 01 17 00", TFIHost, "14 01"},
	{"DiagnoseLibnfc", "00 00 FF 09 F7 D4 00 00 6C 69 62 6E 66 63 BE 00", TFIHost, "00 00 6C 69 62 6E 66 63"},
	{"ReadRegister", "00 00 FF 0C F4 D4 06 63 02 63 03 63 0D 63 38 63 3D B0 00", TFIHost, "06 63 02 63 03 63 0D 63 38 63 3D"},
	{"InfiniteRetries", "00 00 FF 06 FA D4 32 05 FF FF FF F8 00", TFIHost, "32 05 FF FF FF"},
	{"ListTarget", "00 00 FF 04 FC D4 4A 01 00 E1 00", TFIHost, "4A 01 00"},
	{"TargetVisa", "00 00 FF 11 EF D5 4B 01 01 00 04 20 04 08 34 B9 83 05 78 80 70 02 CF 00", TFIChip, "4B 01 01 00 04 20 04 08 34 B9 83 05 78 80 70 02"},
	{"NoTarget", "00 00 FF 03 FD D5 4B 00 E0 00", TFIChip, "4B 00"},
	{"SelectPPSE", "00 00 FF 17 E9 D4 40 01 00 A4 04 00 0E 32 50 41 59 2E 53 59 53 2E 44 44 46 30 31 00 8F 00", TFIHost, "40 01 00 A4 04 00 0E 32 50 41 59 2E 53 59 53 2E 44 44 46 30 31 00"},
	{"SW9000", "00 00 FF 05 FB D5 41 00 90 00 5A 00", TFIChip, "41 00 90 00"},
	{"CardGone", "00 00 FF 03 FD D5 41 01 E9 00", TFIChip, "41 01"},
	{"PowerDown", "00 00 FF 03 FD D4 16 F0 26 00", TFIHost, "16 F0"},
}

func TestGoldenFrames(t *testing.T) {
	for _, g := range goldenFrames {
		t.Run(g.name, func(t *testing.T) {
			wire := hx(g.wire)
			if got := AppendFrame(nil, g.tfi, hx(g.data)); !bytes.Equal(got, wire) {
				t.Errorf("AppendFrame: got % X, want % X", got, wire)
			}
			f, n, err := ParseFrame(wire)
			if err != nil || n != len(wire) {
				t.Fatalf("ParseFrame: n=%d err=%v", n, err)
			}
			if f.Type != FrameInfo || f.TFI != g.tfi || !bytes.Equal(f.Data, hx(g.data)) || f.Extended {
				t.Errorf("ParseFrame: got %+v", f)
			}
		})
	}
}

func TestControlFrames(t *testing.T) {
	for _, tc := range []struct {
		wire []byte
		typ  FrameType
	}{
		{ACK(), FrameACK}, {NACK(), FrameNACK}, {ErrorFrame(), FrameError},
		// Glued to noise and a wake-up preamble.
		{append(hx("55 55 00 00 00 13"), ACK()...), FrameACK},
	} {
		f, n, err := ParseFrame(tc.wire)
		if err != nil || f.Type != tc.typ || n != len(tc.wire) {
			t.Errorf("% X: got %v n=%d err=%v, want %v", tc.wire, f.Type, n, err, tc.typ)
		}
	}
}

func TestExtendedFrame(t *testing.T) {
	// nfcpy's 262-byte Diagnose: LEN 265 needs an extended frame.
	data := make([]byte, 264)
	for i := range data[2:] {
		data[2+i] = byte(i)
	}
	w := AppendFrame(nil, TFIHost, data)
	if !bytes.Equal(w[:8], hx("00 00 FF FF FF 01 09 F6")) {
		t.Fatalf("header % X", w[:8])
	}
	f, n, err := ParseFrame(w)
	if err != nil || n != len(w) || !f.Extended || !bytes.Equal(f.Data, data) {
		t.Fatalf("got ext=%v n=%d err=%v", f.Extended, n, err)
	}
	// One byte more than the chip's buffer.
	big := AppendFrame(nil, TFIHost, make([]byte, MaxFrameData))
	if _, _, err := ParseFrame(big); !errors.Is(err, ErrFrameLength) {
		t.Fatalf("oversized: got %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	good := hx("00 00 FF 06 FA D5 03 32 01 06 07 E8 00")
	badDCS := append([]byte(nil), good...)
	badDCS[11] ^= 1
	badLCS := append([]byte(nil), good...)
	badLCS[4] ^= 1
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"Empty", nil, ErrShortFrame},
		{"OnlyPreamble", hx("00 00"), ErrShortFrame},
		{"Truncated", good[:9], ErrShortFrame},
		{"BadDCS", badDCS, ErrChecksum},
		{"BadLCS", badLCS, ErrLengthChecksum},
		{"ZeroLength", hx("00 00 FF 00 00 00"), ErrFrameLength},
		{"ExtTruncated", hx("00 00 FF FF FF 01"), ErrShortFrame},
		{"ExtBadLCS", hx("00 00 FF FF FF 01 09 F7 D4"), ErrLengthChecksum},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, n, err := ParseFrame(tc.b)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if !errors.Is(err, nfc.ErrReader) {
				t.Errorf("%v does not wrap nfc.ErrReader", err)
			}
			if n < 0 || n > len(tc.b) {
				t.Fatalf("n=%d out of range", n)
			}
		})
	}
	// After a bad frame, skipping n bytes finds the next good one.
	stream := append(append([]byte(nil), badDCS...), good...)
	_, n, err := ParseFrame(stream)
	if !errors.Is(err, ErrChecksum) {
		t.Fatal(err)
	}
	f, _, err := ParseFrame(stream[n:])
	if err != nil || f.Data[0] != 0x03 {
		t.Fatalf("resync: %v %+v", err, f)
	}
}

func TestParseTargetA(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    string
		uid  string
		ats  string
		err  bool
	}{
		{"Visa4", "01 00 04 20 04 08 34 B9 83 05 78 80 70 02", "08 34 B9 83", "05 78 80 70 02", false},
		{"Ultralight7", "01 00 44 00 07 04 16 C6 C2 D7 38 81", "04 16 C6 C2 D7 38 81", "", false},
		{"Triple10", "01 00 84 20 0A 01 02 03 04 05 06 07 08 09 0A 02 80", "01 02 03 04 05 06 07 08 09 0A", "02 80", false},
		{"BadUIDLen", "01 00 04 20 05 01 02 03 04 05", "", "", true},
		{"ShortUID", "01 00 04 20 04 08 34", "", "", true},
		{"BadATSLen", "01 00 04 20 04 08 34 B9 83 09 78", "", "", true},
		{"Short", "01 00", "", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tg, n, err := ParseTargetA(hx(tc.b))
			if tc.err {
				if !errors.Is(err, ErrTarget) {
					t.Fatalf("got %v, want ErrTarget", err)
				}
				return
			}
			if err != nil || n != len(hx(tc.b)) {
				t.Fatalf("n=%d err=%v", n, err)
			}
			if !bytes.Equal(tg.UID, hx(tc.uid)) || !bytes.Equal(tg.ATS, hx(tc.ats)) || tg.Tg != 1 {
				t.Fatalf("got %+v", tg)
			}
		})
	}
}

func TestReverseBits(t *testing.T) {
	got := reverseBits([]byte{0x01, 0x02, 0x03, 0x80, 0xD4})
	if want := []byte{0x80, 0x40, 0xC0, 0x01, 0x2B}; !bytes.Equal(got, want) {
		t.Fatalf("got % X, want % X", got, want)
	}
}

func FuzzParseFrame(f *testing.F) {
	for _, g := range goldenFrames {
		f.Add(hx(g.wire))
	}
	f.Add(ACK())
	f.Add(NACK())
	f.Add(ErrorFrame())
	f.Add(AppendFrame(nil, TFIHost, make([]byte, 300)))
	f.Add(hx("55 55 00 00 00 00 FF FF FF 01 09 F6"))
	f.Fuzz(func(t *testing.T, b []byte) {
		f, n, err := ParseFrame(b)
		if n < 0 || n > len(b) {
			t.Fatalf("n=%d for %d bytes", n, len(b))
		}
		if err != nil {
			if !errors.Is(err, nfc.ErrReader) {
				t.Fatalf("untyped error %v", err)
			}
			if !errors.Is(err, ErrShortFrame) && n == 0 {
				t.Fatal("a bad frame must let the caller make progress")
			}
			return
		}
		if n == 0 {
			t.Fatal("frame parsed from zero bytes")
		}
		if f.Type == FrameInfo {
			// Re-encoding what was parsed parses back to the same thing.
			w := AppendFrame(nil, f.TFI, f.Data)
			g, m, err := ParseFrame(w)
			if err != nil || m != len(w) || !bytes.Equal(g.Data, f.Data) || g.TFI != f.TFI {
				t.Fatalf("round trip: %v", err)
			}
			if _, _, err := ParseTargetA(f.Data); err != nil && !errors.Is(err, ErrTarget) {
				t.Fatalf("target parse: untyped %v", err)
			}
		}
	})
}
