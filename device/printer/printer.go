package printer

import (
	"context"
	"errors"
)

// Printer prints receipt documents.
type Printer interface {
	// Print lays out and prints r. It returns ErrPaperOut, ErrCoverOpen… when
	// the printer cannot finish; the receipt must then be considered unprinted.
	Print(ctx context.Context, r Receipt) error
	// Status reports the printer's state; a nil error means ready.
	Status(ctx context.Context) (Status, error)
	String() string
	Halt() error
}

// Status is the printer's real-time state.
type Status struct {
	Online    bool
	PaperOut  bool
	PaperLow  bool
	CoverOpen bool
	Error     bool // mechanical, cutter or unrecoverable error
}

// Err maps a status to the first blocking error, nil when the printer can print.
func (s Status) Err() error {
	switch {
	case s.CoverOpen:
		return ErrCoverOpen
	case s.PaperOut:
		return ErrPaperOut
	case s.Error:
		return ErrFault
	case !s.Online:
		return ErrOffline
	}
	return nil
}

// Align is the horizontal alignment of a line.
type Align int

const (
	Left Align = iota
	Center
	Right
)

// Line is one element of a receipt. Exactly one of the content fields is set:
// Text (optionally with Right, printed flush right on the same row), QR,
// Barcode, or Rule (a separator). An empty Line is a blank line.
type Line struct {
	Text      string
	Right     string // printed flush right on the same row as Text
	Align     Align
	Bold      bool
	Underline bool
	Wide      bool // double width
	Tall      bool // double height
	QR        string
	Barcode   string // CODE128 content
	Rule      bool
}

// Receipt is a printable document. Drivers cut the paper after it.
type Receipt struct {
	Lines []Line
}

var (
	ErrPaperOut  = errors.New("printer: paper out")
	ErrCoverOpen = errors.New("printer: cover open")
	ErrFault     = errors.New("printer: hardware fault")
	ErrOffline   = errors.New("printer: offline")
)
