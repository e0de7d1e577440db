package pn532_test

import (
	"context"
	"testing"

	"tpe/device/nfc"
	"tpe/device/nfc/nfctest"
	"tpe/drivers/pn532"
	"tpe/drivers/pn532/pn532sim"
)

type chipControl struct{ c *pn532sim.Chip }

func (c chipControl) Present(t nfc.Target, card nfc.Card) { c.c.Place(pn532sim.WithTarget(card, t)) }
func (c chipControl) Remove()                             { c.c.Remove() }

func TestConformanceHSU(t *testing.T) {
	nfctest.Conformance(t, func(t *testing.T) (nfc.Reader, nfctest.Control) {
		r := newHSU(t, nil, testOpts())
		return r.dev, chipControl{r.chip}
	})
}

func newI2C(t testing.TB) (*pn532.Dev, *pn532sim.Chip) {
	chip := pn532sim.New(nil)
	bus := chip.I2C()
	t.Cleanup(func() { bus.Close() })
	dev, err := pn532.NewI2C(context.Background(), bus, testOpts())
	if err != nil {
		t.Fatalf("NewI2C: %v", err)
	}
	return dev, chip
}

func newSPI(t testing.TB, rejectLSB bool) (*pn532.Dev, *pn532sim.Chip) {
	chip := pn532sim.New(nil)
	port := chip.SPI(&pn532sim.SPIOpts{RejectLSBFirst: rejectLSB})
	t.Cleanup(func() { port.Close() })
	dev, err := pn532.NewSPI(context.Background(), port, testOpts())
	if err != nil {
		t.Fatalf("NewSPI: %v", err)
	}
	return dev, chip
}

func TestConformanceI2C(t *testing.T) {
	nfctest.Conformance(t, func(t *testing.T) (nfc.Reader, nfctest.Control) {
		dev, chip := newI2C(t)
		return dev, chipControl{chip}
	})
}

func TestConformanceSPI(t *testing.T) {
	for _, tc := range []struct {
		name   string
		reject bool
	}{{"HardwareLSBFirst", false}, {"SoftwareBitReversal", true}} {
		t.Run(tc.name, func(t *testing.T) {
			nfctest.Conformance(t, func(t *testing.T) (nfc.Reader, nfctest.Control) {
				dev, chip := newSPI(t, tc.reject)
				return dev, chipControl{chip}
			})
		})
	}
}
