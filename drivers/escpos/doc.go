// Package escpos drives ESC/POS thermal receipt printers (Epson TM-T20/T88
// class, generic 58 mm printers) and implements device/printer.Printer.
//
// It follows the Epson ESC/POS Application Programming Guide for the receipt
// subset: ESC @ initialise, ESC t code page (CP858 with € at 0xD5 or WPC1252
// with € at 0x80 — the factory CP437 has no euro), ESC a justification,
// ESC E emphasis, ESC - underline, GS ! character size, LF and ESC d feeds,
// GS ( k QR codes (model 2, module size, error level, store, print), GS k
// CODE128 and EAN-13 barcodes (function B), GS v 0 raster images and GS V
// cuts. Layout turns a printer.Receipt into that stream for a Profile:
// Paper58 (384 dots, 32 columns of Font A 12×24) or Paper80 (576 dots, 48
// columns), wrapping long text on word boundaries and putting Right-aligned
// amounts on the same row.
//
// Status uses the real-time requests DLE EOT 1, 2, 4 (and 3 on error), which
// printers answer immediately even with a full buffer: paper end, near end,
// cover open and errors map to printer.ErrPaperOut, ErrCoverOpen, ErrFault
// and ErrOffline. Print asks before sending — no receipt is started on a
// printer that cannot finish it — and after, so a roll that ran out in the
// middle of a receipt returns ErrPaperOut and the payment side marks the
// receipt unprinted. A printer that does not answer within StatusTimeout is
// reported offline (ErrNoReply wraps printer.ErrOffline).
//
// Wiring. A Dev takes any io.ReadWriter; cmd opens and closes it:
//
//	port, err := serialport.Open("/dev/ttyUSB0", &serialport.Opts{Baud: 19200})
//	p := escpos.New(port, &escpos.Opts{Profile: escpos.Paper58, Name: port.String()})
//
// or, for a USB printer handled by the kernel's usblp driver:
//
//	f, err := escpos.OpenFile("/dev/usb/lp0")
//	p := escpos.New(f, &escpos.Opts{NoStatus: !escpos.SupportsDeadline(f)})
//
// usblp reads never time out, so status is only asked where reads can.
// The virtual printer in escpossim speaks the same protocol behind a PTY.
package escpos
