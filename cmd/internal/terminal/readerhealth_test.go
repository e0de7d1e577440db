package terminal

import (
	"context"
	"strings"
	"testing"
	"time"

	"tpe/device/nfc"
	"tpe/device/sim"
	"tpe/drivers/pn532"
	"tpe/payment"
)

// waitingPayment is a card read that polls the reader until ctx ends, as a
// payment does while the customer has not tapped yet.
type waitingPayment struct{ r nfc.Reader }

func (w waitingPayment) ReadCard(ctx context.Context, _ payment.CardRequest) (payment.CardResult, error) {
	_, err := w.r.Detect(ctx)
	return payment.CardResult{}, err
}

func TestReaderHealthAsksTheChip(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	n, err := sim.NewNFC(ctx, &sim.NFCOpts{Driver: &pn532.Opts{PollInterval: 5 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	h := newReaderHealth(n.Reader())
	chip := n.Chip()
	pings := func() int { return chip.Stats().Commands[pn532.CmdGetFirmwareVersion] }

	chip.ResetStats()
	if got := h.state(ctx); got != "ok" {
		t.Errorf("answering chip: got %q, want ok", got)
	}
	if pings() != 1 {
		t.Errorf("chip asked %d times, want 1", pings())
	}

	// A payment waits for a card: the health check does not talk to the chip.
	cards := h.guard(waitingPayment{n.Reader()})
	pctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { cards.ReadCard(pctx, payment.CardRequest{}); close(done) }()
	for chip.Stats().Commands[pn532.CmdInListPassiveTarget] == 0 {
		time.Sleep(time.Millisecond)
	}
	chip.ResetStats()
	for range 3 {
		if got := h.state(ctx); got != "ok" {
			t.Errorf("during a payment: got %q, want the last answer ok", got)
		}
	}
	if pings() != 0 {
		t.Errorf("chip asked %d times during a payment, want 0", pings())
	}
	stop()
	<-done

	// An unplugged reader is reported within the ping's timeout.
	chip.SetSilent(true)
	h.timeout = 2 * time.Second
	if got := h.state(ctx); got == "ok" || !strings.Contains(got, "pn532") {
		t.Errorf("silent chip: got %q, want the driver's error", got)
	}
	chip.SetSilent(false)
	if got := h.state(ctx); got != "ok" {
		t.Errorf("chip back: got %q, want ok", got)
	}
}
