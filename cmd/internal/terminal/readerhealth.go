package terminal

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"tpe/device/nfc"
	"tpe/drivers/pn532"
	"tpe/payment"
)

// readerPingTimeout bounds the health question to the card reader: a chip
// that does not acknowledge within it is reported, never waited for.
const readerPingTimeout = time.Second

// pinger is a reader that can be asked whether it answers (pn532.Dev).
type pinger interface {
	Ping(ctx context.Context) error
}

// readerHealth answers /v1/health for the card reader by asking the chip.
// While a payment reads a card it does not ask and repeats its last answer:
// a health poll from the cash register must never delay an APDU exchange.
type readerHealth struct {
	reader  nfc.Reader
	timeout time.Duration
	busy    atomic.Int32 // payments between waiting for a card and the kernel's end

	mu   sync.Mutex // one question at a time; guards last
	last string
}

func newReaderHealth(r nfc.Reader) *readerHealth {
	// The reader answered GetFirmwareVersion when it was opened.
	return &readerHealth{reader: r, timeout: readerPingTimeout, last: "ok"}
}

// state is "ok" or what is wrong with the reader.
func (h *readerHealth) state(ctx context.Context) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	p, ok := h.reader.(pinger)
	if !ok || h.busy.Load() > 0 {
		return h.last
	}
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	err := p.Ping(ctx)
	if errors.Is(err, pn532.ErrBusy) {
		return h.last
	}
	h.last = stateOf(err)
	return h.last
}

// guard marks the reader busy while cards reads a card.
func (h *readerHealth) guard(cards payment.CardReader) payment.CardReader {
	return guardedCards{cards, h}
}

type guardedCards struct {
	payment.CardReader
	h *readerHealth
}

func (g guardedCards) ReadCard(ctx context.Context, req payment.CardRequest) (payment.CardResult, error) {
	g.h.busy.Add(1)
	defer g.h.busy.Add(-1)
	return g.CardReader.ReadCard(ctx, req)
}
