// Package nfctest checks implementations of device/nfc: Conformance is the
// behaviour every nfc.Reader must show (waiting for a card, ctx ending the
// wait, APDU exchange of any length, card removal, re-detection), and Reader
// is an in-memory reader for tests of code that consumes nfc.Reader.
//
// Run the suite against an implementation by giving it a constructor that
// returns the reader and a Control to move cards in and out of its field:
//
//	nfctest.Conformance(t, func(t *testing.T) (nfc.Reader, nfctest.Control) {
//		r := nfctest.NewReader()
//		return r, r
//	})
package nfctest
