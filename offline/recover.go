package offline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"tpe/payment"
)

// Report is what boot recovery did.
type Report struct {
	// Cancelled payments were waiting for the customer when the terminal stopped.
	Cancelled []string `json:"cancelled,omitempty"`
	// Failed payments had read a card but never reached the gateway.
	Failed []string `json:"failed,omitempty"`
	// Reversed payments were approved at the gateway although the cashier
	// never saw it: they were voided (card) or cancelled or refunded
	// (wallet) so the customer is not charged.
	Reversed []string `json:"reversed,omitempty"`
	// Declined payments were found declined at the gateway.
	Declined []string `json:"declined,omitempty"`
	// Pending payments could not be resolved (gateway unreachable, a void
	// refused): they stay as they are and the next Recover tries again.
	Pending []string `json:"pending,omitempty"`
	// Reprint are recent approved or declined payments whose receipt was
	// not printed (power cut or paper out while printing).
	Reprint []string `json:"reprint,omitempty"`
	// Settled operations (refunds, voids, wallet payments) had an outcome
	// the terminal never received: the gateway's record settled them.
	Settled []string `json:"settled,omitempty"`
	// Queued is the number of offline approvals waiting to be forwarded.
	Queued int `json:"queued"`
}

// Done reports whether nothing is left to resolve.
func (r Report) Done() bool { return len(r.Pending) == 0 }

// reprintWindow is how many of the newest transactions Recover checks for
// an unprinted receipt: a power cut interrupts at most the last few.
const reprintWindow = 16

// Recover resolves the payments a power cut interrupted. It runs at boot,
// before the terminal sells. gw may be nil (no network configured): then
// payments that need the gateway stay pending. wallets reverses wallet
// payments owed a reversal; nil (no wallets configured) leaves them
// pending. The error is nil unless the journal itself failed; unresolved
// payments are listed in Report.Pending.
func Recover(ctx context.Context, st *Store, gw payment.Gateway, wallets payment.WalletReverser) (Report, error) {
	var r Report
	txns, err := st.inFlight(ctx)
	if err != nil {
		return r, fmt.Errorf("offline: recovery: %w", err)
	}
	for _, t := range txns {
		if err := recoverOne(ctx, st, gw, wallets, t, &r); err != nil {
			return r, fmt.Errorf("offline: recovering %s: %w", t.ID, err)
		}
	}
	recent, err := st.List(ctx, payment.Query{Limit: reprintWindow})
	if err != nil {
		return r, fmt.Errorf("offline: recovery: %w", err)
	}
	for _, t := range recent {
		if !t.ReceiptPrinted && t.Method == payment.MethodCard &&
			(t.State.Approved() || t.State == payment.StateDeclined) {
			r.Reprint = append(r.Reprint, t.ID)
		}
	}
	e, err := st.Exposure(ctx)
	if err != nil {
		return r, fmt.Errorf("offline: recovery: %w", err)
	}
	r.Queued = e.Count
	st.log.Info("boot recovery", "cancelled", len(r.Cancelled), "failed", len(r.Failed),
		"reversed", len(r.Reversed), "pending", len(r.Pending), "queued", r.Queued)
	return r, nil
}

func recoverOne(ctx context.Context, st *Store, gw payment.Gateway, wallets payment.WalletReverser, t *payment.Transaction, r *Report) error {
	now := st.o.Now()
	save := func(to payment.State, code payment.ReasonCode, reason string) error {
		if code != "" {
			t.Code = code
		}
		if to != t.State {
			if err := t.Transition(to, now, reason); err != nil {
				return err
			}
		}
		return st.Save(ctx, t)
	}
	if op := t.Pending; op != nil && op.Kind != payment.OpCancel {
		return recoverOperation(ctx, st, gw, t, r)
	}
	switch t.State {
	case payment.StateCreated, payment.StateAwaitingCustomer:
		if t.Method == payment.MethodPayLink && t.State == payment.StateAwaitingCustomer {
			return nil // the link lives at the gateway; RefreshLinks follows it (and a cancel pending on it)
		}
		if t.Method == payment.MethodAlipayPlus && t.GatewayID != "" {
			return recoverWallet(ctx, st, gw, t, r, save)
		}
		r.Cancelled = append(r.Cancelled, t.ID)
		return save(payment.StateCancelled, payment.ReasonInterrupted, "interrupted: the terminal restarted")
	case payment.StateCardRead, payment.StateAwaitingPIN:
		// Journalled before any request leaves: the gateway never saw it
		// (awaiting_pin after a soft decline: the earlier attempt was
		// declined, the new one's order ID never sent).
		r.Failed = append(r.Failed, t.ID)
		return save(payment.StateFailed, payment.ReasonInterrupted, "interrupted before the bank was asked")
	case payment.StateAuthorising:
		return recoverAuthorising(ctx, st, gw, t, r, save)
	}
	if t.ReversalPending && t.Method == payment.MethodAlipayPlus {
		return recoverWalletReversal(ctx, st, gw, wallets, t, r)
	}
	if t.ReversalPending {
		return recoverReversal(ctx, st, gw, t, r)
	}
	return nil
}

// recoverAuthorising resolves an authorisation in flight at the power cut.
// The cashier never saw its outcome, so an approval is reversed.
func recoverAuthorising(ctx context.Context, st *Store, gw payment.Gateway, t *payment.Transaction, r *Report,
	save func(payment.State, payment.ReasonCode, string) error) error {
	res, err := lookup(ctx, gw, t.OrderID)
	switch {
	case errors.Is(err, payment.ErrNotFound):
		r.Failed = append(r.Failed, t.ID)
		return save(payment.StateFailed, payment.ReasonInterrupted, "interrupted; the bank never received it")
	case err != nil:
		st.log.Warn("recovery: gateway unreachable, will retry", "txn_id", t.ID, "err", err)
		r.Pending = append(r.Pending, t.ID)
		return nil
	case !res.Approved:
		t.GatewayID, t.Result = res.GatewayID, res.Code
		r.Declined = append(r.Declined, t.ID)
		return save(payment.StateDeclined, payment.DeclineCode(res.Decline), "declined (found at restart)")
	case res.Status == payment.TxnVoided:
		// Approved, then voided at the gateway: nothing is charged.
		t.GatewayID, t.Result = res.GatewayID, res.Code
		r.Failed = append(r.Failed, t.ID)
		return save(payment.StateFailed, payment.ReasonInterrupted, "approved then voided at the bank while the terminal restarted; nothing charged")
	}
	t.GatewayID, t.AuthCode, t.Result = res.GatewayID, res.AuthCode, res.Code
	// Recorded approved, with the reversal owed, before voiding: a crash
	// during the void leaves a record the next recovery finishes.
	t.ReversalPending = true
	if err := save(payment.StateApproved, "", "approved at the bank while the terminal restarted"); err != nil {
		return err
	}
	return recoverReversal(ctx, st, gw, t, r)
}

// recoverReversal voids a card sale whose outcome the terminal never had,
// if the gateway approved it.
func recoverReversal(ctx context.Context, st *Store, gw payment.Gateway, t *payment.Transaction, r *Report) error {
	now := st.o.Now()
	gatewayID := t.GatewayID
	if t.State != payment.StateApproved {
		res, err := lookup(ctx, gw, t.OrderID)
		switch {
		case errors.Is(err, payment.ErrNotFound) || err == nil && (!res.Approved || res.Status == payment.TxnVoided):
			t.ReversalPending = false
			t.UpdatedAt = now
			r.Failed = append(r.Failed, t.ID)
			return st.Save(ctx, t)
		case err != nil:
			r.Pending = append(r.Pending, t.ID)
			return nil
		}
		gatewayID = res.GatewayID
		t.GatewayID = res.GatewayID
	}
	if gw == nil {
		r.Pending = append(r.Pending, t.ID)
		return nil
	}
	vctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	res, err := gw.Void(vctx, gatewayID, t.Amount)
	cancel()
	if err != nil || !res.Approved {
		st.log.Warn("recovery: reversal not done, will retry", "txn_id", t.ID, "err", err, "code", res.Code)
		r.Pending = append(r.Pending, t.ID)
		return nil
	}
	t.ReversalPending = false
	if t.State == payment.StateApproved {
		t.Code = payment.ReasonInterrupted
		if err := t.Transition(payment.StateReversed, now, "reversed: approved while the terminal restarted"); err != nil {
			return err
		}
	} else {
		t.Reason = "reversed at the bank after an unknown outcome"
		t.UpdatedAt = now
	}
	r.Reversed = append(r.Reversed, t.ID)
	return st.Save(ctx, t)
}

// recoverWalletReversal gives back a wallet payment whose cancel the
// gateway never confirmed, if the customer paid it (or can still pay it).
// The gateway's record of the wallet transaction decides; the reversal
// goes through the wallet's own port (its Connect2Pay cancel or refund),
// which the card API's void does not serve. A reversal whose answer was
// lost is found in the record at the next round, never sent again.
func recoverWalletReversal(ctx context.Context, st *Store, gw payment.Gateway, wallets payment.WalletReverser,
	t *payment.Transaction, r *Report) error {
	done := func(reason string, list *[]string) error {
		t.ReversalPending = false
		t.Reason = reason
		t.UpdatedAt = st.o.Now()
		*list = append(*list, t.ID)
		return st.Save(ctx, t)
	}
	if t.GatewayID == "" {
		// The wallet attempt's ID never came back (its start was lost):
		// the order says whether one was made.
		res, err := lookup(ctx, gw, t.OrderID)
		switch {
		case errors.Is(err, payment.ErrNotFound):
			return done("the wallet payment never reached the bank; nothing charged", &r.Failed)
		case err != nil:
			r.Pending = append(r.Pending, t.ID)
			return nil
		}
		t.GatewayID = res.GatewayID
	}
	rec, err := gatewayRecord(ctx, gw, t.GatewayID)
	switch {
	case errors.Is(err, payment.ErrNotFound):
		return done("the wallet payment never reached the bank; nothing charged", &r.Failed)
	case err != nil:
		st.log.Warn("recovery: wallet payment record unreadable, will retry", "txn_id", t.ID, "err", err)
		r.Pending = append(r.Pending, t.ID)
		return nil
	case rec.Status == payment.TxnVoided:
		return done("the wallet payment was cancelled at the bank; nothing charged", &r.Failed)
	case rec.Status == payment.TxnRefunded && rec.Refunded >= t.Amount.Minor:
		// An earlier reversal whose answer was lost.
		return done(walletReversed, &r.Reversed)
	case rec.Status != payment.TxnPending && !rec.Approved:
		return done("the wallet payment was not made; nothing charged", &r.Failed)
	case wallets == nil:
		st.log.Warn("recovery: a wallet payment is owed a reversal but no wallets are configured", "txn_id", t.ID)
		r.Pending = append(r.Pending, t.ID)
		return nil
	}
	vctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	res, err := wallets.Reverse(vctx, t.GatewayID, t.Amount)
	cancel()
	switch {
	case errors.Is(err, payment.ErrRecordMismatch):
		// A person must look: logged, kept owed, never guessed.
		st.log.Error("recovery: the wallet transaction disagrees with the journal", "txn_id", t.ID, "err", err)
		r.Pending = append(r.Pending, t.ID)
		return nil
	case err != nil || !res.Approved:
		st.log.Warn("recovery: wallet reversal not done, will retry", "txn_id", t.ID, "err", err, "code", res.Code)
		r.Pending = append(r.Pending, t.ID)
		return nil
	case res.Status != payment.TxnRefunded:
		// Cancelled while still payable (or found ended unpaid): the
		// customer never paid it.
		return done("cancelled at the bank before the customer paid; nothing charged", &r.Reversed)
	}
	return done(walletReversed, &r.Reversed)
}

// walletReversed is the reason a reversed wallet payment keeps.
const walletReversed = "paid while the cancel went unconfirmed; given back to the customer"

// recoverOperation settles a refund or void journaled on t from the
// gateway's record of the payment: the intent was written, then the
// terminal stopped or the answer was lost. Nothing is resent.
func recoverOperation(ctx context.Context, st *Store, gw payment.Gateway, t *payment.Transaction, r *Report) error {
	op := *t.Pending
	rec, err := gatewayRecord(ctx, gw, t.GatewayID)
	if err != nil {
		st.log.Warn("recovery: gateway record unreadable, will retry", "txn_id", t.ID, "op_id", op.ID, "err", err)
		r.Pending = append(r.Pending, t.ID)
		return nil
	}
	settled := false
	// A refund settled now counts in the batch open now (Refund.Batch),
	// read under the batch lock the service closes batches under: it
	// lands in a Z report being totalled or in the next batch.
	st.batchMu.RLock()
	open, err := st.Batch(ctx)
	if err == nil {
		_, err = st.Update(ctx, t.ID, func(t *payment.Transaction) error {
			if t.Pending == nil || t.Pending.ID != op.ID {
				return errSettledMeanwhile
			}
			var err error
			if settled, err = payment.SettleFromRecord(t, rec, st.o.Now(), open); err == nil && !settled {
				return errSettledMeanwhile
			}
			return err
		})
	}
	st.batchMu.RUnlock()
	switch {
	case errors.Is(err, errSettledMeanwhile) && !settled:
		r.Pending = append(r.Pending, t.ID)
		return nil
	case errors.Is(err, payment.ErrRecordMismatch):
		// A person must look: logged, kept pending, never guessed.
		st.log.Error("recovery: the gateway's record disagrees with the journal", "txn_id", t.ID, "op_id", op.ID, "err", err)
		r.Pending = append(r.Pending, t.ID)
		return nil
	case err != nil:
		return err
	}
	r.Settled = append(r.Settled, t.ID)
	return nil
}

// errSettledMeanwhile aborts a journal update that has nothing to settle.
var errSettledMeanwhile = errors.New("offline: nothing to settle")

// recoverWallet settles a wallet payment that was waiting for the customer
// when the terminal stopped (or whose cancel the gateway never confirmed)
// from the gateway's record of its wallet transaction: the customer may
// have paid meanwhile, so it is never simply cancelled.
func recoverWallet(ctx context.Context, st *Store, gw payment.Gateway, t *payment.Transaction, r *Report,
	save func(payment.State, payment.ReasonCode, string) error) error {
	rec, err := gatewayRecord(ctx, gw, t.GatewayID)
	t.Pending = nil
	switch {
	case errors.Is(err, payment.ErrNotFound):
		r.Cancelled = append(r.Cancelled, t.ID)
		return save(payment.StateCancelled, payment.ReasonInterrupted, "interrupted: the terminal restarted")
	case err != nil:
		st.log.Warn("recovery: wallet payment unresolved, will retry", "txn_id", t.ID, "err", err)
		r.Pending = append(r.Pending, t.ID)
		return nil
	}
	switch rec.Status {
	case payment.TxnPending:
		// The order code can still be paid until it expires at the
		// gateway: ask again later.
		r.Pending = append(r.Pending, t.ID)
		return nil
	case payment.TxnApproved, payment.TxnRefunded:
		t.AuthCode, t.Result = rec.GatewayID, rec.Code
		r.Settled = append(r.Settled, t.ID)
		return save(payment.StateApproved, "", "paid by the customer while the terminal restarted")
	}
	t.Result = rec.Code
	r.Cancelled = append(r.Cancelled, t.ID)
	return save(payment.StateCancelled, payment.ReasonInterrupted, "interrupted: the wallet payment was not made")
}

func gatewayRecord(ctx context.Context, gw payment.Gateway, gatewayID string) (payment.GatewayResult, error) {
	if gw == nil {
		return payment.GatewayResult{}, fmt.Errorf("%w: no gateway configured", payment.ErrGatewayUnavailable)
	}
	if gatewayID == "" {
		return payment.GatewayResult{}, fmt.Errorf("%w: no gateway transaction ID", payment.ErrNotFound)
	}
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return gw.Record(rctx, gatewayID)
}

func lookup(ctx context.Context, gw payment.Gateway, orderID string) (payment.GatewayResult, error) {
	if gw == nil {
		return payment.GatewayResult{}, fmt.Errorf("%w: no gateway configured", payment.ErrGatewayUnavailable)
	}
	lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return gw.Lookup(lctx, orderID)
}
