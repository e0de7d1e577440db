// Package nfc is the contract between the payment flow and a contactless
// reader: a Reader finds a card in its field, a Card exchanges ISO 7816-4
// APDUs with it (ISO/IEC 14443-4 below, handled by the reader).
//
// Implementations: drivers/pn532 (real chip and its emulator) and the fakes in
// nfctest. Every implementation must pass nfctest.Conformance.
package nfc
