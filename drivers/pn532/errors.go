package pn532

import (
	"errors"
	"fmt"

	"tpe/device/nfc"
)

// kindError is a sentinel that also matches one of the device/nfc errors, so
// that callers holding only the nfc contract can still classify it.
type kindError struct {
	msg  string
	kind error
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

var (
	// ErrShortFrame means the bytes end before the frame does.
	ErrShortFrame error = &kindError{"pn532: truncated frame", nfc.ErrReader}
	// ErrLengthChecksum means LEN + LCS is not zero.
	ErrLengthChecksum error = &kindError{"pn532: bad frame length checksum", nfc.ErrReader}
	// ErrChecksum means TFI + data + DCS is not zero.
	ErrChecksum error = &kindError{"pn532: bad frame checksum", nfc.ErrReader}
	// ErrFrameLength means LEN is zero or larger than the chip's buffer.
	ErrFrameLength error = &kindError{"pn532: bad frame length", nfc.ErrReader}
	// ErrNoAck means the chip did not acknowledge a command, even after a
	// retry with a wake-up: it is absent, unpowered or on another speed.
	ErrNoAck error = &kindError{"pn532: chip did not acknowledge", nfc.ErrReader}
	// ErrNoResponse means the chip acknowledged a command but never sent a
	// usable response.
	ErrNoResponse error = &kindError{"pn532: chip did not answer", nfc.ErrReader}
	// ErrSyntax means the chip answered with its error frame: it could not
	// parse or does not know the command.
	ErrSyntax error = &kindError{"pn532: chip rejected the command (error frame)", nfc.ErrReader}
	// ErrResponse means a response was shorter or shaped differently than the
	// command's definition.
	ErrResponse error = &kindError{"pn532: malformed response", nfc.ErrReader}
	// ErrTarget means the target data of InListPassiveTarget is malformed.
	ErrTarget error = &kindError{"pn532: malformed target data", nfc.ErrReader}
	// ErrTooLong means a command does not fit in the chip's buffer.
	ErrTooLong = errors.New("pn532: data too long")
	// ErrBusy means Ping found the chip running another command: a health
	// check never queues behind a card poll or an APDU exchange.
	ErrBusy = errors.New("pn532: busy with another command")
)

// Status codes of InDataExchange, InCommunicateThru, InDeselect, InRelease
// (UM0701-02 §7.1 table 14).
const (
	StatusTimeout         = 0x01
	StatusCRC             = 0x02
	StatusParity          = 0x03
	StatusBitCount        = 0x04
	StatusFraming         = 0x05
	StatusCollision       = 0x06
	StatusBufferSmall     = 0x07
	StatusRFBuffer        = 0x09
	StatusRFField         = 0x0A
	StatusRFProtocol      = 0x0B
	StatusOverheat        = 0x0D
	StatusBufferOverflow  = 0x0E
	StatusInvalidParam    = 0x10
	StatusDEPCommand      = 0x12
	StatusInvalidFrame    = 0x13
	StatusMifareAuth      = 0x14
	StatusBCC             = 0x23
	StatusDEPState        = 0x25
	StatusNotAllowed      = 0x26
	StatusWrongContext    = 0x27
	StatusReleased        = 0x29
	StatusCardIDMismatch  = 0x2A
	StatusCardDisappeared = 0x2B
	StatusNFCID3          = 0x2C
	StatusOverCurrent     = 0x2D
	StatusNADMissing      = 0x2E
)

var statusText = map[byte]string{
	StatusTimeout:         "target did not answer",
	StatusCRC:             "crc error",
	StatusParity:          "parity error",
	StatusBitCount:        "erroneous bit count",
	StatusFraming:         "framing error",
	StatusCollision:       "bit collision",
	StatusBufferSmall:     "communication buffer too small",
	StatusRFBuffer:        "rf buffer overflow",
	StatusRFField:         "rf field not switched on in time",
	StatusRFProtocol:      "rf protocol error",
	StatusOverheat:        "overheating",
	StatusBufferOverflow:  "internal buffer overflow",
	StatusInvalidParam:    "invalid parameter",
	StatusDEPCommand:      "unknown dep command",
	StatusInvalidFrame:    "invalid received frame",
	StatusMifareAuth:      "mifare authentication error",
	StatusBCC:             "wrong uid check byte",
	StatusDEPState:        "invalid dep state",
	StatusNotAllowed:      "operation not allowed",
	StatusWrongContext:    "command not acceptable in context",
	StatusReleased:        "target released",
	StatusCardIDMismatch:  "card id mismatch",
	StatusCardDisappeared: "card disappeared",
	StatusNFCID3:          "nfcid3 mismatch",
	StatusOverCurrent:     "over-current",
	StatusNADMissing:      "nad missing",
}

// StatusError is a non-zero status byte returned by the chip.
type StatusError struct {
	// Cmd is the command that failed.
	Cmd byte
	// Code is the status byte's error code (bits 0–5).
	Code byte
}

func (e *StatusError) Error() string {
	t := statusText[e.Code]
	if t == "" {
		t = "unknown error"
	}
	return fmt.Sprintf("pn532: command 0x%02X status 0x%02X (%s)", e.Cmd, e.Code, t)
}

// Is lets errors.Is match the device/nfc error a status means: a target
// that did not answer is nfc.ErrTimeout, a released or vanished one is
// nfc.ErrCardRemoved.
func (e *StatusError) Is(target error) bool {
	switch target {
	case nfc.ErrTimeout:
		return e.Code == StatusTimeout
	case nfc.ErrCardRemoved:
		return e.Code == StatusReleased || e.Code == StatusCardDisappeared
	}
	return false
}
