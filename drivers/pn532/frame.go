package pn532

// Frame identifiers (UM0701-02 §6.2.1).
const (
	// TFIHost marks frames from the host controller to the PN532.
	TFIHost = 0xD4
	// TFIChip marks frames from the PN532 to the host controller.
	TFIChip = 0xD5
	// tfiError is the one data byte of the application-level error frame.
	tfiError = 0x7F
)

// Command codes (UM0701-02 §7). A response carries the command code + 1.
const (
	CmdDiagnose            = 0x00
	CmdGetFirmwareVersion  = 0x02
	CmdGetGeneralStatus    = 0x04
	CmdReadRegister        = 0x06
	CmdWriteRegister       = 0x08
	CmdSetSerialBaudRate   = 0x10
	CmdSetParameters       = 0x12
	CmdSAMConfiguration    = 0x14
	CmdPowerDown           = 0x16
	CmdRFConfiguration     = 0x32
	CmdInDataExchange      = 0x40
	CmdInCommunicateThru   = 0x42
	CmdInDeselect          = 0x44
	CmdInListPassiveTarget = 0x4A
	CmdInRelease           = 0x52
	CmdInSelect            = 0x54
	CmdInAutoPoll          = 0x60
)

// MaxFrameData is the largest LEN (TFI + data bytes) a PN532 accepts: its
// internal buffer holds 265 bytes (AN10449 §2; nfcpy's 262-byte Diagnose).
const MaxFrameData = 265

// maxNormalData is the largest LEN of a normal frame; anything longer needs
// an extended frame.
const maxNormalData = 255

// FrameType tells the kinds of frames apart.
type FrameType uint8

const (
	// FrameInfo is a normal or extended information frame.
	FrameInfo FrameType = iota
	// FrameACK acknowledges a host frame (or, from the host, aborts the
	// running command).
	FrameACK
	// FrameNACK asks the PN532 to send its last response again.
	FrameNACK
	// FrameError is the PN532's "syntax error" frame (data 7F).
	FrameError
)

func (t FrameType) String() string {
	switch t {
	case FrameInfo:
		return "info"
	case FrameACK:
		return "ack"
	case FrameNACK:
		return "nack"
	case FrameError:
		return "error"
	}
	return "unknown"
}

// Frame is one decoded frame.
type Frame struct {
	Type FrameType
	// Extended is true for information frames with the 00 FF FF FF header.
	Extended bool
	// TFI is D4 or D5 for information frames.
	TFI byte
	// Data is PD0…PDn: the command or response code and its parameters.
	Data []byte
}

var (
	ackFrame   = []byte{0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00}
	nackFrame  = []byte{0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00}
	errorFrame = []byte{0x00, 0x00, 0xFF, 0x01, 0xFF, tfiError, 0x81, 0x00}
)

// ACK returns the 6-byte ACK frame.
func ACK() []byte { return append([]byte(nil), ackFrame...) }

// NACK returns the 6-byte NACK frame.
func NACK() []byte { return append([]byte(nil), nackFrame...) }

// ErrorFrame returns the 8-byte application-level error frame.
func ErrorFrame() []byte { return append([]byte(nil), errorFrame...) }

// AppendFrame appends an information frame carrying tfi and data to dst,
// preamble and postamble included. It uses the extended format when
// TFI + data do not fit in a normal frame. It panics when data exceeds what
// any frame can carry — callers size their data, this is a programming error.
func AppendFrame(dst []byte, tfi byte, data []byte) []byte {
	n := len(data) + 1
	if n > 0xFFFF {
		panic("pn532: frame data too long")
	}
	dst = append(dst, 0x00, 0x00, 0xFF)
	if n <= maxNormalData {
		dst = append(dst, byte(n), byte(-n))
	} else {
		hi, lo := byte(n>>8), byte(n)
		dst = append(dst, 0xFF, 0xFF, hi, lo, -(hi + lo))
	}
	sum := tfi
	dst = append(dst, tfi)
	for _, b := range data {
		sum += b
	}
	dst = append(dst, data...)
	return append(dst, -sum, 0x00)
}

// ParseFrame decodes the first frame in b. Bytes before the start code 00 FF
// (preambles, wake-up bytes, line noise) are skipped. It returns the frame
// and how many bytes of b it used, the postamble included when present.
//
// On ErrShortFrame, b holds the beginning of a frame; n is how many leading
// bytes can be dropped, and the caller should read more. On any other error,
// n is how far to skip to look for the next start code. Frame.Data aliases b.
func ParseFrame(b []byte) (f Frame, n int, err error) {
	start := -1
	for i := 0; i+1 < len(b); i++ {
		if b[i] == 0x00 && b[i+1] == 0xFF {
			start = i
			break
		}
	}
	if start < 0 {
		// Keep a trailing 00: it may be the first half of a start code.
		if len(b) > 0 && b[len(b)-1] == 0x00 {
			return Frame{}, len(b) - 1, ErrShortFrame
		}
		return Frame{}, len(b), ErrShortFrame
	}
	p := b[start+2:]
	skip := start + 2 // on a bad header, resume after this start code
	if len(p) < 2 {
		return Frame{}, start, ErrShortFrame
	}
	switch {
	case p[0] == 0x00 && p[1] == 0xFF:
		return Frame{Type: FrameACK}, start + 4 + postamble(b[start+4:]), nil
	case p[0] == 0xFF && p[1] == 0x00:
		return Frame{Type: FrameNACK}, start + 4 + postamble(b[start+4:]), nil
	}
	var length, hdr int
	ext := false
	if p[0] == 0xFF && p[1] == 0xFF {
		if len(p) < 5 {
			return Frame{}, start, ErrShortFrame
		}
		if p[2]+p[3]+p[4] != 0 {
			return Frame{}, skip, ErrLengthChecksum
		}
		length, hdr, ext = int(p[2])<<8|int(p[3]), 5, true
	} else {
		if p[0]+p[1] != 0 {
			return Frame{}, skip, ErrLengthChecksum
		}
		length, hdr = int(p[0]), 2
	}
	if length == 0 || length > MaxFrameData {
		return Frame{}, skip, ErrFrameLength
	}
	body := p[hdr:]
	if len(body) < length+1 {
		return Frame{}, start, ErrShortFrame
	}
	var sum byte
	for _, c := range body[:length+1] {
		sum += c
	}
	if sum != 0 {
		return Frame{}, skip, ErrChecksum
	}
	end := start + 2 + hdr + length + 1
	end += postamble(b[end:])
	tfi := body[0]
	if length == 1 && tfi == tfiError && !ext {
		return Frame{Type: FrameError}, end, nil
	}
	return Frame{Type: FrameInfo, Extended: ext, TFI: tfi, Data: body[1:length]}, end, nil
}

func postamble(rest []byte) int {
	if len(rest) > 0 && rest[0] == 0x00 {
		return 1
	}
	return 0
}
