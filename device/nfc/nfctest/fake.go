package nfctest

import (
	"context"
	"fmt"
	"sync"

	"tpe/device/nfc"
)

// Control moves cards in and out of a reader's field.
type Control interface {
	// Present puts card, described by t, in the field (replacing any card).
	Present(t nfc.Target, card nfc.Card)
	// Remove takes the card out of the field.
	Remove()
}

// Reader is an in-memory nfc.Reader whose field is driven by Present and
// Remove. It is safe for concurrent use.
type Reader struct {
	mu      sync.Mutex
	cur     *fakeCard
	changed chan struct{}
	halted  bool
}

var (
	_ nfc.Reader = (*Reader)(nil)
	_ Control    = (*Reader)(nil)
)

// NewReader returns an empty reader.
func NewReader() *Reader { return &Reader{changed: make(chan struct{})} }

type fakeCard struct {
	r      *Reader
	t      nfc.Target
	card   nfc.Card
	ctx    context.Context
	cancel context.CancelFunc
	taken  bool
}

// Present puts card in the field.
func (r *Reader) Present(t nfc.Target, card nfc.Card) {
	ctx, cancel := context.WithCancel(context.Background())
	r.mu.Lock()
	defer r.mu.Unlock()
	r.removeLocked()
	r.cur = &fakeCard{r: r, t: t, card: card, ctx: ctx, cancel: cancel}
}

// Remove takes the card out.
func (r *Reader) Remove() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.removeLocked()
}

func (r *Reader) removeLocked() {
	if r.cur != nil {
		r.cur.cancel()
	}
	r.cur = nil
	close(r.changed)
	r.changed = make(chan struct{})
}

// Detect waits for a card. A card already returned by Detect is handed out
// again only after a new Present, like a real reader whose released card
// stays halted.
func (r *Reader) Detect(ctx context.Context) (nfc.Card, error) {
	for {
		r.mu.Lock()
		r.halted = false
		c, ch := r.cur, r.changed
		if c != nil && !c.taken {
			c.taken = true
			r.mu.Unlock()
			return &fakeHandle{c: c}, nil
		}
		if c != nil && c.taken {
			// Re-activate the same card as a fresh handle: a real reader
			// cycles its field and finds it again.
			n := &fakeCard{r: r, t: c.t, card: c.card, ctx: c.ctx, cancel: c.cancel, taken: true}
			r.cur = n
			r.mu.Unlock()
			return &fakeHandle{c: n}, nil
		}
		r.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("nfctest: detect: %w (%w)", nfc.ErrNoCard, ctx.Err())
		case <-ch:
		}
	}
}

// String names the fake.
func (r *Reader) String() string { return "nfctest.Reader" }

// Halt "turns the field off": the card in it is deactivated.
func (r *Reader) Halt() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.halted = true
	if r.cur != nil {
		r.cur = &fakeCard{r: r, t: r.cur.t, card: r.cur.card, ctx: r.cur.ctx, cancel: r.cur.cancel}
	}
	return nil
}

type fakeHandle struct{ c *fakeCard }

func (h *fakeHandle) Target() nfc.Target { return h.c.t }

func (h *fakeHandle) Transceive(ctx context.Context, capdu []byte) ([]byte, error) {
	r := h.c.r
	r.mu.Lock()
	live := r.cur == h.c && !r.halted
	r.mu.Unlock()
	if !live {
		return nil, fmt.Errorf("nfctest: transceive: %w", nfc.ErrCardRemoved)
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(h.c.ctx, cancel)
	defer stop()
	resp, err := h.c.card.Transceive(cctx, append([]byte(nil), capdu...))
	if h.c.ctx.Err() != nil {
		return nil, fmt.Errorf("nfctest: transceive: %w", nfc.ErrCardRemoved)
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("nfctest: transceive: %w", ctx.Err())
	}
	if err != nil {
		return nil, fmt.Errorf("nfctest: transceive: %w: %w", nfc.ErrTimeout, err)
	}
	if len(resp) < 2 {
		return nil, fmt.Errorf("nfctest: transceive: response without status word: %w", nfc.ErrReader)
	}
	return resp, nil
}
