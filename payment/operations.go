package payment

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Money-moving operations on a recorded payment: refunds, voids and the
// cancel of a payment link. Each one follows the same rule as a sale:
//
//  1. its intent is journaled (Transaction.Pending, with its own attempt ID)
//     in the same journal transaction that checks the payment allows it —
//     one operation per payment at a time, the refundable remainder checked
//     there, so two refunds racing cannot both pass;
//  2. only then is the gateway asked;
//  3. a clear answer settles it; a lost answer leaves it pending, settled
//     later from the gateway's own record (Record), never resent.

// opTimeout bounds one gateway request of an operation. Once it may have
// left, the request is not cancelled with the caller: the answer is awaited.
const opTimeout = 60 * time.Second

// Refund gives back part of an approved payment, a at most what remains.
// It answers the payment refunded, or — when the gateway's answer was lost
// and its record could not be read — the payment in state refund_pending
// with an error matching ErrOutcomeUnknown.
func (s *Service) Refund(ctx context.Context, id string, a Amount) (*Transaction, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return s.refund(ctx, id, a)
}

// RefundRest refunds what remains of payment id, as Refund does; the
// remainder is read in the journal transaction that records the refund.
func (s *Service) RefundRest(ctx context.Context, id string) (*Transaction, error) {
	return s.refund(ctx, id, Amount{})
}

// refund runs a refund of a, or of what remains when a.Minor is zero.
func (s *Service) refund(ctx context.Context, id string, a Amount) (*Transaction, error) {
	var refund func(context.Context, string, Amount) (GatewayResult, error)
	t, err := s.begin(ctx, id, func(t *Transaction, _ int) error {
		if a.Currency == "" {
			a.Currency = t.Amount.Currency
		}
		if a.Currency != t.Amount.Currency {
			return fmt.Errorf("%w: payment in %s, refund in %s", ErrCurrencyMismatch, t.Amount.Currency, a.Currency)
		}
		switch t.State {
		case StateApproved, StateForwarded, StatePartiallyRefunded:
		case StateOfflineApproved:
			return fmt.Errorf("%w: it was approved offline and is not yet sent to the bank; void it instead", ErrNotRefundable)
		case StateRefunded:
			return fmt.Errorf("%w: it is already refunded in full", ErrNotRefundable)
		default:
			return fmt.Errorf("%w: payment is %s", ErrNotRefundable, t.State.Status())
		}
		if a.Minor == 0 {
			a.Minor = t.Refundable()
		}
		if a.Minor == 0 {
			return fmt.Errorf("%w: nothing remains to refund", ErrNotRefundable)
		}
		if a.Minor > t.Refundable() {
			return fmt.Errorf("%w: %s asked, %s refundable", ErrRefundExceeds, a, Amount{t.Refundable(), a.Currency})
		}
		var err error
		if refund, err = s.refunder(t.Method); err != nil {
			return err
		}
		return s.intend(t, OpRefund, a, StateRefundPending)
	})
	if err != nil {
		return nil, err
	}
	s.running(t.Pending.ID, true)
	defer s.running(t.Pending.ID, false)
	gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), opTimeout)
	defer cancel()
	gr, err := refund(gctx, t.GatewayID, a)
	t, err = s.settleAnswer(gctx, t, gr, err)
	if err != nil {
		return t, err
	}
	// The customer leaves with a refund receipt (CREDIT); a printer
	// problem leaves it reprintable and the refund stands.
	if s.o.Receipts.Printer != nil && t.State != StateRefundPending {
		if err := s.PrintRefund(ctx, t.ID, t.Refunds[len(t.Refunds)-1].ID, CustomerCopy); err != nil {
			s.log.Warn("refund receipt not printed", "txn_id", t.ID, "err", err)
		}
	}
	return t, nil
}

// refunder is the port that refunds payments of method m.
func (s *Service) refunder(m Method) (func(context.Context, string, Amount) (GatewayResult, error), error) {
	switch {
	case m == MethodAlipayPlus && s.o.Wallet.Wallets != nil:
		return s.o.Wallet.Wallets.Refund, nil
	case m == MethodPayLink && s.o.Links != nil:
		return s.o.Links.Refund, nil
	case m == MethodCard && s.o.Card.Gateway != nil:
		return s.o.Card.Gateway.Refund, nil
	}
	return nil, fmt.Errorf("%w: no %s refunds on this terminal", ErrNotSupported, m)
}

// Void reverses an approved payment before its batch closes (supervisor).
// An offline approval not yet forwarded is simply not sent. Once the Z
// report counted the sale, a void would change the closed batch's figures:
// the sale is refunded instead, and the refund counts in the open batch.
// The batch is checked under the batch lock with the intent's write, and a
// close waits for a void in flight (closeBatch), so a void never lands
// behind its batch's Z report.
func (s *Service) Void(ctx context.Context, id string) (*Transaction, error) {
	local := false
	t, err := s.begin(ctx, id, func(t *Transaction, open int) error {
		if t.Batch != open && (t.State == StateOfflineApproved || t.State == StateApproved || t.State == StateForwarded) {
			if t.State == StateOfflineApproved {
				return fmt.Errorf("%w: its batch %d is closed; refund it once it is sent to the bank", ErrNotCancellable, t.Batch)
			}
			return fmt.Errorf("%w: its batch %d is closed; refund it instead", ErrNotCancellable, t.Batch)
		}
		switch t.State {
		case StateOfflineApproved:
			// Nothing reached the gateway: voiding is the terminal's own
			// decision (the forwarder reverses it should it cross a
			// forward in flight).
			local = true
			t.Code = ReasonVoided
			return t.Transition(StateReversed, s.o.Now(), "voided before it was sent to the bank")
		case StateApproved, StateForwarded:
		case StateRefunded, StatePartiallyRefunded:
			return fmt.Errorf("%w: it was refunded", ErrNotCancellable)
		default:
			return fmt.Errorf("%w: payment is %s", ErrNotCancellable, t.State.Status())
		}
		if t.Method != MethodCard {
			return fmt.Errorf("%w: %s payments are refunded, not voided", ErrNotCancellable, t.Method)
		}
		if s.o.Card.Gateway == nil {
			return fmt.Errorf("%w: no gateway configured", ErrNotSupported)
		}
		return s.intend(t, OpVoid, t.Amount, StateVoidPending)
	})
	if err != nil {
		return nil, err
	}
	if local {
		s.publish(EventReversed, t, "voided")
		return t, nil
	}
	s.running(t.Pending.ID, true)
	defer s.running(t.Pending.ID, false)
	gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), opTimeout)
	defer cancel()
	gr, err := s.o.Card.Gateway.Void(gctx, t.GatewayID, t.Amount)
	return s.settleAnswer(gctx, t, gr, err)
}

// begin runs check on the latest journaled copy of payment id and, if it
// passes, journals what it changed, in one journal transaction. A payment
// that already carries a pending operation is refused first. check gets
// the open batch, read under the batch lock (recordInOpenBatch): no batch
// closes between the check and the write.
func (s *Service) begin(ctx context.Context, id string, check func(t *Transaction, open int) error) (*Transaction, error) {
	t, err := s.recordInOpenBatch(ctx, id, func(t *Transaction, open int) error {
		if op := t.Pending; op != nil {
			if op.Unknown {
				return fmt.Errorf("%w: the outcome of %s %s is being checked with the bank", ErrOperationInProgress, op.Kind, op.ID)
			}
			return fmt.Errorf("%w: %s %s is running", ErrOperationInProgress, op.Kind, op.ID)
		}
		return check(t, open)
	})
	if err != nil {
		return nil, err
	}
	if t.Pending != nil {
		s.log.Info("operation journaled", "txn_id", t.ID, "op_id", t.Pending.ID, "op", t.Pending.Kind, "amount_minor", t.Pending.Amount.Minor)
	}
	return t, nil
}

// intend records op as t's pending operation and moves t to its pending
// state (if any): the journaled intent.
func (s *Service) intend(t *Transaction, kind OpKind, a Amount, pending State) error {
	prefix := map[OpKind]string{OpRefund: "rfd_", OpVoid: "vd_", OpCancel: "cnl_"}[kind]
	op := &Operation{ID: newID(prefix), Kind: kind, Amount: a, At: s.o.Now(), From: t.State}
	if pending != "" {
		if err := t.Transition(pending, op.At, ""); err != nil {
			return err
		}
	}
	t.Pending = op
	return nil
}

// settleAnswer applies the gateway's answer to t's pending operation.
// ErrGatewayUnavailable means the request never left: the operation is
// dropped. Any other error leaves the outcome unknown: the operation is
// marked so, then settled from the gateway's record if it can be read now.
func (s *Service) settleAnswer(ctx context.Context, t *Transaction, gr GatewayResult, err error) (*Transaction, error) {
	op := *t.Pending
	switch {
	case err == nil && gr.Approved:
		return s.settle(ctx, t.ID, op, func(t *Transaction, open int) error {
			return completeOperation(t, op, op.Amount.Minor, gr.GatewayID, s.o.Now(), open)
		})
	case err == nil:
		// A clear refusal: the gateway did nothing.
		if serr := s.drop(ctx, t.ID, op); serr != nil {
			return nil, serr
		}
		sentinel := ErrNotRefundable
		if op.Kind == OpVoid {
			sentinel = ErrNotCancellable
		}
		return nil, fmt.Errorf("%w: the bank refused the %s (%s %s)", sentinel, op.Kind, gr.Code, gr.Message)
	case errors.Is(err, ErrGatewayUnavailable):
		if serr := s.drop(ctx, t.ID, op); serr != nil {
			return nil, serr
		}
		return nil, fmt.Errorf("payment: %s not sent: %w", op.Kind, err)
	}
	s.log.Warn("operation outcome unknown, asking the gateway's record", "txn_id", t.ID, "op_id", op.ID, "op", op.Kind, "err", err)
	t, uerr := s.markUnknown(ctx, t.ID, op)
	if uerr != nil {
		return nil, uerr
	}
	ev := EventRefundPending
	if op.Kind == OpVoid {
		ev = EventVoidPending
	}
	s.publish(ev, t, "")
	settled, rerr := s.Resolve(ctx, t.ID)
	if rerr == nil && settled.Pending == nil {
		if !made(settled, op) {
			return settled, fmt.Errorf("%w: the bank's record shows the %s was not made; it can be asked again", ErrOperationDropped, op.Kind)
		}
		return settled, nil
	}
	return t, fmt.Errorf("%w: %s %s of %s: the bank's answer was lost; it will be settled from the bank's record", ErrOutcomeUnknown, op.Kind, op.ID, t.ID)
}

// settle journals the end of operation op on payment id and tells
// subscribers. edit gets the open batch (recordInOpenBatch): a refund
// counts in the batch open when it is recorded, whatever its payment's.
func (s *Service) settle(ctx context.Context, id string, op Operation, edit func(t *Transaction, open int) error) (*Transaction, error) {
	t, err := s.recordInOpenBatch(context.WithoutCancel(ctx), id, func(t *Transaction, open int) error {
		if err := stillPending(t, op); err != nil {
			return err
		}
		return edit(t, open)
	})
	if err != nil {
		s.log.Error("journal write failed", "txn_id", id, "op_id", op.ID, "err", err)
		return nil, fmt.Errorf("payment: recording the end of %s %s: %w", op.Kind, op.ID, err)
	}
	s.log.Info("operation settled", "txn_id", id, "op_id", op.ID, "op", op.Kind, "state", t.State)
	switch {
	case !made(t, op):
		s.publish(EventOperationSettled, t, "")
	case op.Kind == OpVoid:
		s.publish(EventReversed, t, "voided")
	case op.Kind == OpRefund:
		s.publish(EventRefunded, t, "")
	default:
		s.publish(EventOperationSettled, t, "")
	}
	return t, nil
}

// drop journals that op did not happen: the payment is as it was.
func (s *Service) drop(ctx context.Context, id string, op Operation) error {
	_, err := s.settle(ctx, id, op, func(t *Transaction, _ int) error { return dropOperation(t, op, s.o.Now()) })
	return err
}

// markUnknown journals that op may have reached the gateway and no answer
// came: from now on only the gateway's record settles it.
func (s *Service) markUnknown(ctx context.Context, id string, op Operation) (*Transaction, error) {
	t, err := s.o.Journal.Update(context.WithoutCancel(ctx), id, func(t *Transaction) error {
		if err := stillPending(t, op); err != nil {
			return err
		}
		t.Pending.Unknown = true
		t.UpdatedAt = s.o.Now()
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("payment: recording the unknown outcome of %s %s: %w", op.Kind, op.ID, err)
	}
	return t, nil
}

// stillPending refuses to settle op on t once another write settled it.
func stillPending(t *Transaction, op Operation) error {
	if t.Pending == nil || t.Pending.ID != op.ID {
		return fmt.Errorf("%w: operation %s is no longer pending", ErrOperationInProgress, op.ID)
	}
	return nil
}

// Resolve settles payment id's pending refund or void from the gateway's
// own record. It answers the payment as journaled afterwards; Pending is
// still set when the record does not settle it yet.
func (s *Service) Resolve(ctx context.Context, id string) (*Transaction, error) {
	t, err := s.o.Journal.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if t.Pending == nil || t.Pending.Kind == OpCancel {
		return t, nil
	}
	if s.o.Card.Gateway == nil {
		return t, fmt.Errorf("%w: no gateway configured", ErrGatewayUnavailable)
	}
	rec, err := s.o.Card.Gateway.Record(ctx, t.GatewayID)
	if err != nil {
		return t, fmt.Errorf("payment: reading the bank's record of %s: %w", t.ID, err)
	}
	op := *t.Pending
	var done bool
	t, err = s.settle(ctx, id, op, func(t *Transaction, open int) error {
		var err error
		done, err = SettleFromRecord(t, rec, s.o.Now(), open)
		if err == nil && !done {
			return errNotYet
		}
		return err
	})
	if errors.Is(err, errNotYet) {
		return s.o.Journal.Get(ctx, id)
	}
	return t, err
}

// errNotYet aborts a journal update when the record settles nothing.
var errNotYet = errors.New("payment: not settled yet")

// SettleFromRecord settles t's pending refund or void from the gateway's
// record of the payment (rec, from Gateway.Record): the refunded amount and
// the status say whether the operation happened. It reports whether the
// operation is settled; t is changed only then. A record that contradicts
// the terminal (less refunded than the terminal recorded) is an error: a
// person must look. open is the batch open as t is recorded: a refund
// settled now counts in it (Refund.Batch). The caller reads it and writes
// t under the batch lock's read side (the service's, which is the
// journal's when it is a BatchLocker), so that no Z report is being
// totalled meanwhile.
func SettleFromRecord(t *Transaction, rec GatewayResult, now time.Time, open int) (bool, error) {
	op := t.Pending
	if op == nil {
		return true, nil
	}
	switch op.Kind {
	case OpRefund:
		delta := rec.Refunded - t.Refunded()
		switch {
		case rec.Status == "" && rec.Refunded == 0:
			return false, nil // the record says nothing of refunds
		case delta < 0:
			return false, fmt.Errorf("%w: the bank records %s refunded, the terminal %s", ErrRecordMismatch,
				Amount{rec.Refunded, t.Amount.Currency}, Amount{t.Refunded(), t.Amount.Currency})
		case delta == 0:
			return true, dropOperation(t, *op, now)
		}
		// The gateway has refunded more than the terminal knew: that is
		// this refund (one operation at a time), whatever the amount asked.
		return true, completeOperation(t, *op, min(delta, t.Amount.Minor-t.Refunded()), "", now, open)
	case OpVoid:
		switch rec.Status {
		case TxnVoided:
			return true, completeOperation(t, *op, op.Amount.Minor, "", now, open)
		case TxnApproved, TxnRefunded:
			return true, dropOperation(t, *op, now)
		}
	}
	return false, nil
}

// completeOperation records that op happened at the gateway; a refund
// counts in batch open, the batch open as it is recorded.
func completeOperation(t *Transaction, op Operation, minor int64, gatewayID string, now time.Time, open int) error {
	t.Pending = nil
	switch op.Kind {
	case OpRefund:
		t.Refunds = append(t.Refunds, Refund{ID: op.ID, Amount: Amount{minor, op.Amount.Currency}, GatewayID: gatewayID, At: now, Batch: open})
		to := StatePartiallyRefunded
		if t.Refundable() == 0 {
			to = StateRefunded
		}
		return t.Transition(to, now, "")
	case OpVoid:
		t.Code = ReasonVoided
		return t.Transition(StateReversed, now, "voided")
	}
	t.Code = ReasonCancelledByCashier
	return t.Transition(StateCancelled, now, "cancelled by the cashier")
}

// made reports whether t, as settled, shows op done: the refund it
// became, or the state a void or cancel ends in.
func made(t *Transaction, op Operation) bool {
	switch op.Kind {
	case OpRefund:
		for _, r := range t.Refunds {
			if r.ID == op.ID {
				return true
			}
		}
		return false
	case OpVoid:
		return t.State == StateReversed
	}
	return t.State == StateCancelled
}

// dropOperation records that op did not happen: the payment is as before.
func dropOperation(t *Transaction, op Operation, now time.Time) error {
	t.Pending = nil
	if t.State == op.From {
		t.UpdatedAt = now
		return nil
	}
	return t.Transition(op.From, now, "")
}
