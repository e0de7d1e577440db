// Package escpossim is a virtual ESC/POS receipt printer: it reads the byte
// stream any ESC/POS encoder produces (this module's driver, python-escpos,
// receiptline, vendor drivers) and prints it on virtual thermal paper.
//
// The parser is a state machine over the Epson ESC/POS command reference. It
// knows the length of every standard command, including the ones it does
// not draw and the variable ones (GS ( k and GS ( L with pL pH, GS 8 L with
// a 32-bit length, ESC * and GS v 0 image sizes, NUL-terminated GS k
// function A, FS q NV images), so an unsupported command is skipped whole
// and its parameters never print as text; Stats counts what was skipped,
// by command name in Stats.Skipped, and the log names each the first time.
// Commands split across reads are reassembled.
//
// It draws Font A (12×24) and Font B (9×17) cells rasterised from Go Mono
// and thresholded like a thermal head, bold, underline, reverse, character
// sizes 1–8, justification, the ESC t code pages (CP437, CP850, CP852,
// CP858, CP866, WPC1252, ISO-8859-15, and page 1's graphics), box-drawing
// and block characters edge to edge (boxdraw.go), the horizontal layout of
// a line (layout.go: left margin GS L, print area width GS W, absolute and
// relative positions ESC $ and ESC \, tab stops ESC D + HT, character
// spacing ESC SP, motion units GS P), line spacing ESC 2 / ESC 3,
// upside-down lines ESC { and characters turned 90° ESC V, ESC * column
// images, GS v 0 rasters,
// GS ( L / GS 8 L graphics (receiptline), QR codes re-encoded from the
// stored data with the requested module size and error level, CODE128,
// EAN-13 and UPC-A barcodes with their human-readable line, and cuts (a
// solid mark for a full cut, dashed with a bridge for a partial one). Paper
// width is 384 dots (58 mm) or 576 dots (80 mm) at 203 dpi.
//
// It answers DLE EOT 1–4, GS r 1 and ESC v status requests from its switches:
// SetPaperOut, SetCoverOpen, SetNearEnd, SetFault, and PaperOutAfter to run
// the roll out in the middle of a receipt. While the cover is open or the
// roll is empty nothing reaches the paper, but status is still answered.
//
// Wiring in the simulator (device/sim) and tests:
//
//	pty, _ := ptysim.NewPTY()
//	sim := escpossim.New(&escpossim.Opts{Dots: 384})
//	go sim.Serve(ctx, pty.Master)
//	port, _ := serialport.Open(pty.Name(), nil)
//	dev := escpos.New(port, &escpos.Opts{Profile: escpos.Paper58})
//	dev.Print(ctx, receipt)
//	png, _ := sim.LastPNG()
package escpossim
