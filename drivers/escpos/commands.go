package escpos

// Control bytes and command prefixes of ESC/POS (Epson ESC/POS Application
// Programming Guide, "Command reference"). The emulator in escpossim uses the
// same names, so driver and emulator cannot disagree on a byte.
const (
	HT  = 0x09
	LF  = 0x0A
	FF  = 0x0C
	CR  = 0x0D
	DLE = 0x10
	EOT = 0x04
	ENQ = 0x05
	DC4 = 0x14
	CAN = 0x18
	ESC = 0x1B
	FS  = 0x1C
	GS  = 0x1D
)

// Real-time status requests: DLE EOT n. Each answers one byte whose bits 1
// and 4 are always set and bits 0 and 7 always clear (StatusFixed).
const (
	StatusPrinter = 1 // bit 3: offline
	StatusOffline = 2 // offline cause: bit 2 cover open, bit 5 stopped by paper end, bit 6 error
	StatusErrors  = 3 // bit 3 autocutter error, bit 5 unrecoverable, bit 6 auto-recoverable
	StatusPaper   = 4 // roll sensor: bits 2-3 near end, bits 5-6 paper end
)

// Status byte bits, per request.
const (
	StatusFixed     = 0x12 // always set in every status byte
	StatusFixedMask = 0x93 // bits that must read StatusFixed

	StPrinterOffline = 0x08

	StOfflineCoverOpen = 0x04
	StOfflineFeedSw    = 0x08
	StOfflinePaperEnd  = 0x20
	StOfflineError     = 0x40

	StErrorCutter        = 0x08
	StErrorUnrecoverable = 0x20
	StErrorAutoRecover   = 0x40

	StPaperNearEnd = 0x0C
	StPaperEnd     = 0x60
)

// Code page numbers for ESC t n (Epson default character code tables).
const (
	PageCP437      = 0
	PageCP850      = 2
	PageWPC1252    = 16
	PageCP866      = 17
	PageCP852      = 18
	PageCP858      = 19
	PageISO8859_15 = 40
)

// Barcode systems for GS k m n d… (function B).
const (
	BarcodeUPCA    = 65
	BarcodeUPCE    = 66
	BarcodeEAN13   = 67
	BarcodeEAN8    = 68
	BarcodeCODE39  = 69
	BarcodeITF     = 70
	BarcodeCODABAR = 71
	BarcodeCODE93  = 72
	BarcodeCODE128 = 73
)

// QR error correction levels for GS ( k cn=49 fn=69.
const (
	QRLevelL = 48
	QRLevelM = 49
	QRLevelQ = 50
	QRLevelH = 51
)

// QR models for GS ( k cn=49 fn=65.
const (
	QRModel1     = 49
	QRModel2     = 50
	QRModelMicro = 51
)

// Cut modes for GS V.
const (
	CutFull        = 0
	CutPartial     = 1
	CutFeedFull    = 65 // GS V 65 n: feed n dots then full cut
	CutFeedPartial = 66 // GS V 66 n: feed n dots then partial cut
)

// Print mode bits of GS ! n: high nibble width-1, low nibble height-1.
const (
	SizeDoubleWidth  = 0x10
	SizeDoubleHeight = 0x01
)
