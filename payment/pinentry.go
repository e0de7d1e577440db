package payment

import (
	"context"
	"fmt"
	"time"

	"tpe/payment/emv"
	"tpe/payment/pin"
)

// CVMOnlinePIN is CardData.CVM when the cardholder's PIN goes online to
// the issuer: the card asked for it, or the issuer soft-declined without
// it and the PIN was entered for the new attempt.
const CVMOnlinePIN = string(emv.CVMOnlinePIN)

// PINCipher enciphers online PINs under the terminal's AES DUKPT key
// (offline.Store in production).
type PINCipher interface {
	// PINReady returns nil when a PIN can be enciphered now, else an error
	// matching ErrPINUnavailable that says why (no key injected, key life
	// ended): the customer is not asked for a PIN the terminal cannot send.
	PINReady(ctx context.Context) error
	// EncipherPIN advances the DUKPT transaction counter durably — before
	// the key is derived, so a power cut never reuses a KSN — and returns
	// the ISO 9564-1 format 4 block of p for pan under that transaction's
	// PIN-encryption key, with its KSN. It keeps nothing of p.
	EncipherPIN(ctx context.Context, p pin.PIN, pan string) (PINBlock, error)
}

// pinEntry is what the PIN pad sends a payment awaiting a PIN: the PIN,
// or the customer's cancel.
type pinEntry struct {
	pin    pin.PIN
	cancel bool
}

// EnterPIN gives payment id, which is awaiting a PIN, the cardholder's PIN.
// The service owns p from here: it enciphers it at once and wipes it, and
// wipes it as well when the payment does not want it (ErrNotAwaitingPIN).
// The payment's outcome follows in events.
//
// A PIN that is not 4 to 12 digits is refused with pin.ErrPIN and the
// payment keeps waiting.
func (s *Service) EnterPIN(id string, p pin.PIN) error {
	if !wellFormed(p) {
		p.Wipe()
		return pin.ErrPIN
	}
	if err := s.sendPIN(id, pinEntry{pin: p}); err != nil {
		p.Wipe()
		return err
	}
	return nil
}

// CancelPIN is the customer's cancel at the PIN pad: the payment ends
// cancelled (pin_cancelled), with nothing sent to the bank.
func (s *Service) CancelPIN(id string) error { return s.sendPIN(id, pinEntry{cancel: true}) }

// AwaitingPIN lists the payments waiting for a PIN now (at most one: the
// card reader serves one payment at a time).
func (s *Service) AwaitingPIN() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id, f := range s.active {
		if f.pin != nil {
			ids = append(ids, id)
		}
	}
	return ids
}

func (s *Service) sendPIN(id string, e pinEntry) error {
	s.mu.Lock()
	var ch chan pinEntry
	if f := s.active[id]; f != nil {
		ch = f.pin
	}
	s.mu.Unlock()
	if ch == nil {
		return fmt.Errorf("%w: %s", ErrNotAwaitingPIN, id)
	}
	select {
	case ch <- e:
		return nil
	default: // a PIN or a cancel is already on its way
		return fmt.Errorf("%w: %s already has its answer", ErrNotAwaitingPIN, id)
	}
}

// awaitPIN opens (or closes, ch nil) payment id's PIN entry.
func (s *Service) awaitPIN(id string, ch chan pinEntry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.active[id]; f != nil {
		f.pin = ch
	}
}

// askPIN moves t to awaiting_pin, waits for the PIN and enciphers it. It
// returns the block with t journaled in state authorising, ready to go to
// the gateway; or nil once it has ended the payment (cancelled at the pad
// or by the cashier, no PIN in time, no PIN key).
func (s *Service) askPIN(ctx context.Context, t *Transaction) *PINBlock {
	ready := ErrPINUnavailable
	if s.o.Card.PINs != nil {
		ready = s.o.Card.PINs.PINReady(ctx)
	}
	if ready != nil {
		s.end(t, StateFailed, EventFailed, ReasonPINUnavailable, "online PIN needed and not available: "+ready.Error())
		return nil
	}
	entries := make(chan pinEntry, 1)
	s.awaitPIN(t.ID, entries)
	defer s.awaitPIN(t.ID, nil)
	if s.step(t, StateAwaitingPIN, EventPINRequired, "") != nil {
		return nil
	}
	timer := time.NewTimer(s.o.PINTimeout)
	defer timer.Stop()
	var e pinEntry
	select {
	case e = <-entries:
	case <-ctx.Done():
		s.endCancelled(t, ctx, ReasonTimeout, "")
		return nil
	case <-timer.C:
		s.end(t, StateCancelled, EventCancelled, ReasonTimeout, "no PIN entered in time")
		return nil
	}
	s.awaitPIN(t.ID, nil)
	if e.cancel {
		s.end(t, StateCancelled, EventCancelled, ReasonPINCancelled, "PIN entry cancelled by the customer")
		return nil
	}
	block, err := s.o.Card.PINs.EncipherPIN(ctx, e.pin, t.Card.PAN.Digits())
	e.pin.Wipe()
	if err != nil {
		// The errors of the cipher never hold the PIN or the PAN.
		s.log.Error("PIN not enciphered", "txn_id", t.ID, "err", err)
		s.end(t, StateFailed, EventFailed, ReasonPINUnavailable, "PIN not enciphered: "+err.Error())
		return nil
	}
	t.Card.CVM = CVMOnlinePIN
	if s.step(t, StateAuthorising, EventAuthorising, "PIN entered") != nil {
		return nil
	}
	return &block
}

// wellFormed checks p is 4 to 12 digits without copying it into a string
// that could not be wiped.
func wellFormed(p pin.PIN) bool {
	if len(p) < 4 || len(p) > 12 {
		return false
	}
	for _, c := range p {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
