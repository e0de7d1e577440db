package escpos

import (
	"errors"
	"fmt"

	"tpe/device/printer"
)

var errPrinterOffline = printer.ErrOffline

var (
	// ErrNoReply means the printer did not answer a status request in time;
	// it wraps printer.ErrOffline.
	ErrNoReply = fmt.Errorf("escpos: no answer to status request: %w", errPrinterOffline)
	// ErrBarcode is returned for barcode content the symbology cannot encode.
	ErrBarcode = errors.New("escpos: barcode content not encodable")
	// ErrQRTooLong is returned for a QR payload beyond what GS ( k stores.
	ErrQRTooLong = errors.New("escpos: qr payload too long")
	// ErrImageTooWide is returned for a raster image wider than the paper.
	ErrImageTooWide = errors.New("escpos: image wider than the paper")
)

// StatusError is a status byte that does not have the fixed bits of a DLE
// EOT answer: the line is out of step or the device is no ESC/POS printer.
type StatusError struct {
	Request int
	Got     byte
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("escpos: bad status byte %#02x for DLE EOT %d", e.Got, e.Request)
}
