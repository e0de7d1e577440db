package printertest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"tpe/device/printer"
)

// Fake is an in-memory printer. Set its switches to make Print fail the way
// a real printer does; Printed lists what it printed.
type Fake struct {
	mu        sync.Mutex
	paperOut  bool
	coverOpen bool
	// paperOutAfter, when > 0, is the number of lines left on the roll.
	linesLeft int
	printed   []printer.Receipt
	halted    bool
}

// NewFake returns a ready printer with a full roll.
func NewFake() *Fake { return &Fake{linesLeft: -1} }

// PaperOut empties (true) or reloads (false) the roll.
func (f *Fake) PaperOut(out bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.paperOut = out
	if !out {
		f.linesLeft = -1
	}
}

// CoverOpen opens or closes the cover.
func (f *Fake) CoverOpen(open bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.coverOpen = open
}

// PaperOutAfter makes the roll run out after n more lines: the next receipt
// longer than that fails mid-print with ErrPaperOut.
func (f *Fake) PaperOutAfter(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.linesLeft = n
	f.paperOut = false
}

// Printed returns the receipts printed completely, oldest first.
func (f *Fake) Printed() []printer.Receipt {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]printer.Receipt(nil), f.printed...)
}

// Last returns the last receipt printed and whether there is one.
func (f *Fake) Last() (printer.Receipt, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.printed) == 0 {
		return printer.Receipt{}, false
	}
	return f.printed[len(f.printed)-1], true
}

func (f *Fake) status() printer.Status {
	return printer.Status{Online: !f.paperOut && !f.coverOpen, PaperOut: f.paperOut, CoverOpen: f.coverOpen}
}

// Print records r, or fails like a printer: before printing when it is not
// ready, mid-print when the roll runs out.
func (f *Fake) Print(ctx context.Context, r printer.Receipt) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.status().Err(); err != nil {
		return err
	}
	if f.linesLeft >= 0 {
		if len(r.Lines) > f.linesLeft {
			f.linesLeft = 0
			f.paperOut = true
			return printer.ErrPaperOut
		}
		f.linesLeft -= len(r.Lines)
	}
	f.printed = append(f.printed, r)
	return nil
}

// Status reports the switches.
func (f *Fake) Status(context.Context) (printer.Status, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.status(), nil
}

func (f *Fake) String() string { return "printertest.Fake" }

// Halt marks the printer halted; it keeps answering.
func (f *Fake) Halt() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.halted = true
	return nil
}

// Control is what Conformance needs to drive a printer into its failure
// states.
type Control interface {
	PaperOut(bool)
	CoverOpen(bool)
	// PaperOutAfter makes the roll run out part-way through the next
	// receipt of about n lines (implementations pick their unit).
	PaperOutAfter(lines int)
}

// Sample is a receipt using every kind of line.
func Sample() printer.Receipt {
	return printer.Receipt{Lines: []printer.Line{
		{Text: "CONFORMANCE", Align: printer.Center, Bold: true, Wide: true},
		{Text: "Left"}, {Text: "Centre", Align: printer.Center}, {Text: "Right", Align: printer.Right},
		{Rule: true},
		{Text: "MONTANT", Right: "12,50 €", Bold: true, Tall: true},
		{Text: strings.Repeat("long text wraps ", 8)},
		{Text: "Underlined", Underline: true},
		{},
		{QR: "https://tpe.example/r/conformance"},
		{Barcode: "TPE0001"},
		{Text: "END", Align: printer.Center},
	}}
}

// Conformance checks the printer.Printer contract on p driven by c: a ready
// printer prints and reports Online; paper out and cover open are refused
// before printing with ErrPaperOut / ErrCoverOpen and reported by Status;
// a roll running out mid-receipt returns ErrPaperOut; reloading recovers;
// a cancelled context is honoured.
func Conformance(t *testing.T, p printer.Printer, c Control) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if p.String() == "" {
		t.Error("String() is empty")
	}
	st, err := p.Status(ctx)
	if err != nil || !st.Online || st.Err() != nil {
		t.Fatalf("fresh printer: Status = %+v, %v; want online, nil", st, err)
	}
	if err := p.Print(ctx, Sample()); err != nil {
		t.Fatalf("Print on a ready printer: %v", err)
	}
	c.PaperOut(true)
	st, err = p.Status(ctx)
	if err != nil || !st.PaperOut || !errors.Is(st.Err(), printer.ErrPaperOut) {
		t.Errorf("paper out: Status = %+v, %v; want PaperOut", st, err)
	}
	if err := p.Print(ctx, Sample()); !errors.Is(err, printer.ErrPaperOut) {
		t.Errorf("Print with paper out: got %v, want ErrPaperOut", err)
	}
	c.PaperOut(false)
	c.CoverOpen(true)
	st, err = p.Status(ctx)
	if err != nil || !st.CoverOpen || !errors.Is(st.Err(), printer.ErrCoverOpen) {
		t.Errorf("cover open: Status = %+v, %v; want CoverOpen", st, err)
	}
	if err := p.Print(ctx, Sample()); !errors.Is(err, printer.ErrCoverOpen) {
		t.Errorf("Print with cover open: got %v, want ErrCoverOpen", err)
	}
	c.CoverOpen(false)
	c.PaperOutAfter(3)
	if err := p.Print(ctx, Sample()); !errors.Is(err, printer.ErrPaperOut) {
		t.Errorf("paper running out mid-print: got %v, want ErrPaperOut", err)
	}
	c.PaperOut(false)
	if err := p.Print(ctx, Sample()); err != nil {
		t.Errorf("Print after reloading paper: %v", err)
	}
	cctx, ccancel := context.WithCancel(ctx)
	ccancel()
	if err := p.Print(cctx, Sample()); !errors.Is(err, context.Canceled) {
		t.Errorf("Print with a cancelled context: got %v, want context.Canceled", err)
	}
}
