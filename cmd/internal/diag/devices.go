package diag

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"time"

	"tpe/device/display"
	"tpe/device/nfc"
	"tpe/device/printer"
	"tpe/device/scanner"
)

// NFC is the contactless reader under test.
type NFC struct {
	Reader nfc.Reader
	// Firmware reads the chip's firmware version; nil skips the check.
	Firmware func(ctx context.Context) (string, error)
	// Field switches the RF field; nil skips the check.
	Field func(ctx context.Context, on bool) error
	// Tap puts a test card in the field: the emulator places a virtual card,
	// on a real terminal it asks the technician to tap one. Nil skips card
	// detection.
	Tap func(ctx context.Context) error
	// CardWait bounds the wait for the card; default 15 s.
	CardWait time.Duration
	// Where says how it is wired, for the fixes ("uart /dev/ttyS0").
	Where string
}

// selectPPSE is SELECT 2PAY.SYS.DDF01 (EMV Book B, Table 3-1).
var selectPPSE = []byte{0x00, 0xA4, 0x04, 0x00, 0x0E, '2', 'P', 'A', 'Y', '.', 'S', 'Y', 'S', '.', 'D', 'D', 'F', '0', '1', 0x00}

func (n *NFC) run(ctx context.Context) []Result {
	var out []Result
	fixWire := fmt.Sprintf("check the reader's power and wiring (%s); on UART enable it (enable_uart=1) and disable the serial console; set the PN532's mode switches to the bus in hardware.nfc.bus", n.Where)
	firmwareOK := true
	if n.Firmware != nil {
		out = append(out, timed("nfc firmware", func() Result {
			c, cancel := context.WithTimeout(ctx, 3*time.Second)
			defer cancel()
			v, err := n.Firmware(c)
			if err != nil {
				firmwareOK = false
				return fail(err, fixWire)
			}
			return pass("%s on %s", v, n.Reader)
		}))
	}
	if !firmwareOK {
		out = append(out, Result{Check: "nfc field", Status: Skip, Detail: "reader does not answer"},
			Result{Check: "nfc card detection", Status: Skip, Detail: "reader does not answer"})
		return out
	}
	if n.Field != nil {
		out = append(out, timed("nfc field", func() Result {
			c, cancel := context.WithTimeout(ctx, 3*time.Second)
			defer cancel()
			if err := n.Field(c, true); err != nil {
				return fail(fmt.Errorf("turning the field on: %w", err), "the chip answers but refuses RF commands: power-cycle the reader; if it persists, replace it")
			}
			if err := n.Field(c, false); err != nil {
				return fail(fmt.Errorf("turning the field off: %w", err), "power-cycle the reader; if it persists, replace it")
			}
			return pass("RF field on and off")
		}))
	}
	if n.Tap == nil {
		out = append(out, Result{Check: "nfc card detection", Status: Skip, Detail: "no test card (pass --tap to tap one)"})
		return out
	}
	out = append(out, timed("nfc card detection", func() Result {
		wait := n.CardWait
		if wait <= 0 {
			wait = 15 * time.Second
		}
		c, cancel := context.WithTimeout(ctx, wait)
		defer cancel()
		if err := n.Tap(c); err != nil {
			return fail(err, "tap a contactless test card flat on the reader's logo")
		}
		card, err := n.Reader.Detect(c)
		if err != nil {
			return fail(err, "no card seen: hold the test card flat on the logo for 2 s; if none is ever seen, check the antenna cable and that nothing metallic is under the reader")
		}
		defer n.Reader.Halt()
		r, err := card.Transceive(c, selectPPSE)
		if err != nil {
			return fail(fmt.Errorf("card found but the APDU exchange failed: %w", err), "hold the card still during the test; if it keeps failing, check the antenna tuning or replace the reader")
		}
		if len(r) < 2 || !bytes.Equal(r[len(r)-2:], []byte{0x90, 0x00}) {
			return Result{Status: Warn, Detail: fmt.Sprintf("card answered SELECT PPSE with %X", r[max(0, len(r)-2):]), Fix: "use a contactless payment test card"}
		}
		return pass("card detected, PPSE selected (9000)")
	}))
	return out
}

// Printer is the receipt printer under test.
type Printer struct {
	Printer printer.Printer
	// TestPage prints the diagnostic page (with TestCode as a QR for the
	// scanner check); false only reads the status.
	TestPage bool
	TestCode string
	Lines    []printer.Line // extra lines (terminal ID, date)
	Where    string
}

func (p *Printer) run(ctx context.Context) []Result {
	var out []Result
	ready := true
	out = append(out, timed("printer status", func() Result {
		c, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		st, err := p.Printer.Status(c)
		if err == nil {
			err = st.Err()
		}
		switch {
		case errors.Is(err, printer.ErrPaperOut):
			ready = false
			return fail(err, "load a new paper roll (thermal side out) and close the cover")
		case errors.Is(err, printer.ErrCoverOpen):
			ready = false
			return fail(err, "close the printer cover firmly until it clicks")
		case errors.Is(err, printer.ErrFault):
			ready = false
			return fail(err, "power-cycle the printer; clear any paper jam at the cutter; if it persists, replace the printer")
		case err != nil:
			ready = false
			return fail(err, fmt.Sprintf("check the printer is on and its cable (%s); check hardware.printer.port and baud in tpe.toml", p.Where))
		case st.PaperLow:
			return Result{Status: Warn, Detail: "paper low", Fix: "put a spare roll next to the terminal"}
		}
		return pass("online, paper ok (%s)", p.Printer)
	}))
	if !p.TestPage {
		return append(out, Result{Check: "printer test page", Status: Skip, Detail: "not asked (--print)"})
	}
	if !ready {
		return append(out, Result{Check: "printer test page", Status: Skip, Detail: "printer not ready"})
	}
	out = append(out, timed("printer test page", func() Result {
		c, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		r := printer.Receipt{Lines: append([]printer.Line{
			{Text: "TPE DIAGNOSTIC", Align: printer.Center, Bold: true, Wide: true},
			{Rule: true},
		}, p.Lines...)}
		if p.TestCode != "" {
			r.Lines = append(r.Lines, printer.Line{Text: "scanner test code:", Align: printer.Center}, printer.Line{QR: p.TestCode, Align: printer.Center})
		}
		r.Lines = append(r.Lines, printer.Line{Rule: true}, printer.Line{Text: "ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 éèàç€", Align: printer.Center})
		if err := p.Printer.Print(c, r); err != nil {
			return fail(err, "the page did not finish: check paper, cover and cable, then run diag again")
		}
		return pass("test page printed: check it is sharp, complete and cut")
	}))
	return out
}

// Display is the customer display under test.
type Display struct {
	Screen display.Screen
	// Verify compares what the glass shows with the pattern (emulator);
	// nil means the technician looks at it.
	Verify func(pattern image.Image) error
	Where  string
}

// TestPattern is colour bars with a white frame: every sub-pixel and the
// panel's edges (a wrong offset or rotation shows at once).
func TestPattern(b image.Rectangle) *image.RGBA {
	img := image.NewRGBA(b)
	bars := []color.RGBA{{255, 255, 255, 255}, {255, 255, 0, 255}, {0, 255, 255, 255}, {0, 255, 0, 255},
		{255, 0, 255, 255}, {255, 0, 0, 255}, {0, 0, 255, 255}, {0, 0, 0, 255}}
	w := b.Dx()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := bars[min(len(bars)-1, (x-b.Min.X)*len(bars)/w)]
			if x == b.Min.X || y == b.Min.Y || x == b.Max.X-1 || y == b.Max.Y-1 {
				c = color.RGBA{255, 255, 255, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func (d *Display) run(ctx context.Context) []Result {
	return []Result{timed("display test pattern", func() Result {
		c, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		pat := TestPattern(d.Screen.Bounds())
		if err := d.Screen.Show(c, pat); err != nil {
			return fail(err, fmt.Sprintf("check SPI is enabled (dtparam=spi=on in config.txt) and the wiring (%s): DC and RESET pins as in tpe.toml", d.Where))
		}
		if d.Verify != nil {
			if err := d.Verify(pat); err != nil {
				return fail(err, "the panel shows something else than sent: check hardware.display width/height/rotation against the panel")
			}
			return pass("colour bars shown and read back from the glass (%dx%d)", pat.Bounds().Dx(), pat.Bounds().Dy())
		}
		return Result{Status: Pass, Detail: "colour bars sent: check 8 bars white→black with a white frame on every edge",
			Fix: "if bars are missing, shifted or mirrored, fix hardware.display.rotation or the panel size"}
	})}
}

// Scanner is the barcode scanner under test.
type Scanner struct {
	Scanner scanner.Scanner
	// Code is what must be read (printed on the test page).
	Code string
	// Feed presents Code to the scanner: the emulator scans it; on a real
	// terminal the technician scans the test page. Nil skips reading.
	Feed  func(ctx context.Context) error
	Wait  time.Duration // default 20 s
	Where string
}

// scannerGrace is how long the scanner read may still report its own
// failure once the test code cannot be fed.
const scannerGrace = 2 * time.Second

func (s *Scanner) run(ctx context.Context) []Result {
	return []Result{timed("scanner read", func() Result {
		if s.Feed == nil {
			return Result{Status: Skip, Detail: "no test code to scan (pass --print --scan)"}
		}
		wait := s.Wait
		if wait <= 0 {
			wait = 20 * time.Second
		}
		c, cancel := context.WithTimeout(ctx, wait)
		defer cancel()
		type res struct {
			code string
			err  error
		}
		got := make(chan res, 1)
		go func() {
			code, err := s.Scanner.Scan(c)
			got <- res{code, err}
		}()
		fed := make(chan error, 1)
		go func() { fed <- s.Feed(c) }()
		var r res
		select {
		case r = <-got:
		case err := <-fed:
			if err != nil {
				// Nothing will be scanned; the scanner's own error, if it
				// has one (unplugged), is the better diagnosis: give it a
				// moment to say so before giving up on it (cancelling at
				// once raced it on a busy machine).
				grace := time.NewTimer(scannerGrace)
				select {
				case r = <-got:
				case <-grace.C:
					cancel()
					r = <-got
				}
				grace.Stop()
				if !errors.Is(r.err, scanner.ErrUnplugged) {
					return fail(err, "scan the QR code printed on the test page")
				}
			} else {
				r = <-got
			}
		}
		cancel()
		switch {
		case errors.Is(r.err, scanner.ErrUnplugged):
			return fail(r.err, fmt.Sprintf("plug the scanner's USB cable back in (%s); check `ls -l /dev/tpe-scanner` (udev rule 99-tpe.rules)", s.Where))
		case r.err != nil:
			return fail(r.err, fmt.Sprintf("no code read: check the scanner beeps when scanning; set it to serial (CDC) mode with the terminator in hardware.scanner; port %s", s.Where))
		case r.code != s.Code:
			return fail(fmt.Errorf("read %q, want the test code", r.code), "check hardware.scanner prefix/suffix/terminator match the scanner's settings")
		}
		return pass("test code read back")
	})}
}
