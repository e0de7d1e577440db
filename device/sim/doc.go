// Package sim assembles a complete simulated terminal for tpe-sim and the
// tests: every peripheral is an emulated chip wired to its real driver
// through a PTY or a fake bus, so the simulator exercises the same code
// paths as the hardware.
//
// NFC: NewNFC runs a pn532sim chip on the master side of a PTY and the
// pn532 driver on the slave side, through serialport (tarm/serial), exactly
// like a PN532 board on a USB-serial adapter. Present puts a card (a virtual
// EMV card of payment/emv/cardsim, or any nfc.Card) in the field.
//
// Printer: NewPrinter runs escpossim on a PTY behind the escpos driver; the
// virtual paper is kept as images (Last, All) and the paper-out and cover
// switches answer DLE EOT as a real printer does.
//
// Display: NewDisplay drives an st7789sim controller through the st7789
// driver over a fake SPI port and fake DC/RST/backlight pins; Snapshot is
// what the glass shows.
//
// Scanner: NewScanner writes codes on a PTY read by the scanner driver;
// ScanWhenAsked waits until the terminal is reading, as a customer waits to
// be asked for their phone.
//
// The shop around the chips (virtual cards, wallets, network switch, mail
// relay) is assembled by cmd/tpe-sim, which may import the payment-side
// simulators this package must not.
package sim
