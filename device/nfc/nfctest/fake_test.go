package nfctest

import (
	"testing"

	"tpe/device/nfc"
)

func TestFakeConformance(t *testing.T) {
	Conformance(t, func(t *testing.T) (nfc.Reader, Control) {
		r := NewReader()
		return r, r
	})
}
