// Package sim assembles a complete simulated terminal for tpe-sim and the
// tests: every peripheral is an emulated chip wired to its real driver
// through a PTY or a fake bus, so the simulator exercises the same code
// paths as the hardware.
//
// NFC: NewNFC runs a pn532sim chip on the master side of a PTY and the
// pn532 driver on the slave side, through serialport (tarm/serial), exactly
// like a PN532 board on a USB-serial adapter. Present puts a card (a virtual
// EMV card of payment/emv/cardsim, or any nfc.Card) in the field.
package sim
