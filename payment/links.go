// Pay-by-link follow-up: the link statuses a merchant filters on, re-sending
// a pending link, and recording what the gateway says of a link.

package payment

import (
	"context"
	"errors"
	"fmt"
)

var (
	// ErrNotALink is a link operation (resend) asked of a card or wallet
	// payment.
	ErrNotALink = errors.New("payment: not a payment link")
	// ErrLinkNotPending is a link that can no longer be paid (paid,
	// expired, cancelled, failed) or whose cancel is under way: it is not
	// re-sent.
	ErrLinkNotPending = errors.New("payment: payment link is no longer pending")
	// ErrLinkNotSent is a link e-mail the relay (or the gateway behind the
	// link) did not accept; the link itself is unchanged and still payable.
	ErrLinkNotSent = errors.New("payment: payment link e-mail not sent")
)

// LinkStatus is where a payment link stands for the merchant.
type LinkStatus string

const (
	LinkPending   LinkStatus = "pending"
	LinkPaid      LinkStatus = "paid"
	LinkExpired   LinkStatus = "expired"
	LinkCancelled LinkStatus = "cancelled"
	// LinkFailed is a link that was never sent (ReasonLinkNotSent).
	LinkFailed LinkStatus = "failed"
)

// LinkStatuses lists the link statuses in the order a merchant reads them.
var LinkStatuses = []LinkStatus{LinkPending, LinkPaid, LinkExpired, LinkCancelled, LinkFailed}

// linkStates maps a link status to the journal states it covers. A paid
// link stays paid once (partly) refunded: the customer did pay.
var linkStates = map[LinkStatus][]State{
	LinkPending:   {StateCreated, StateAwaitingCustomer},
	LinkPaid:      {StateApproved, StatePartiallyRefunded, StateRefunded, StateRefundPending, StateVoidPending, StateReversed},
	LinkExpired:   {StateExpired},
	LinkCancelled: {StateCancelled},
	LinkFailed:    {StateFailed},
}

// ParseLinkStatus validates a link status filter.
func ParseLinkStatus(s string) (LinkStatus, bool) {
	if _, ok := linkStates[LinkStatus(s)]; ok {
		return LinkStatus(s), true
	}
	return "", false
}

// States is the journal states a link in status l is in (Query.States).
func (l LinkStatus) States() []State { return append([]State(nil), linkStates[l]...) }

// LinkStatusOf is the link status of a pay-by-link payment; "" for any
// other payment.
func LinkStatusOf(t *Transaction) LinkStatus {
	if t.Method != MethodPayLink {
		return ""
	}
	for _, l := range LinkStatuses {
		for _, st := range linkStates[l] {
			if t.State == st {
				return l
			}
		}
	}
	return LinkFailed
}

// Resend e-mails a pending link again: the same link (same URL, same
// expiry), to email when given, else to the address it was sent to. The
// payment counts the resends and, with a new address, keeps it as the
// customer's. A link the gateway already knows paid, expired or cancelled
// is recorded as such and answers ErrLinkNotPending.
func (s *Service) Resend(ctx context.Context, id, email string) (*Transaction, error) {
	t, err := s.o.Journal.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if t.Method != MethodPayLink {
		return t, fmt.Errorf("%w: %s is a %s payment", ErrNotALink, id, t.Method)
	}
	if s.o.Links == nil {
		return t, fmt.Errorf("%w: payment links are not configured", ErrNotSupported)
	}
	if email == "" {
		email = t.Email
	} else if err := ValidateEmail(email); err != nil {
		return t, err
	}
	if err := resendable(t); err != nil {
		return t, err
	}
	if err := s.o.Links.Resend(ctx, t.LinkID, email); err != nil {
		// The customer may have paid (or the link lapsed) since the last
		// refresh: the gateway's status says so, and the journal learns it.
		if st, serr := s.o.Links.Status(ctx, t.LinkID); serr == nil && st.Status != string(LinkPending) {
			if now, rerr := s.applyLinkState(ctx, t, st, ""); rerr == nil {
				t = now
			}
			return t, fmt.Errorf("%w: the link is %s", ErrLinkNotPending, st.Status)
		}
		return t, fmt.Errorf("%w: %w", ErrLinkNotSent, err)
	}
	at := s.o.Now()
	saved, err := s.o.Journal.Update(ctx, id, func(t *Transaction) error {
		t.Resends++
		t.ResentAt, t.UpdatedAt = at, at
		t.Email = email
		return nil
	})
	if err != nil {
		// The mail went; only the count is missing. Say so rather than
		// pretend nothing happened.
		return t, fmt.Errorf("payment: link re-sent but not recorded: %w", err)
	}
	s.log.Info("payment link re-sent", "txn_id", id, "resends", saved.Resends)
	s.publish(EventLinkResent, saved, "")
	return saved, nil
}

func resendable(t *Transaction) error {
	if t.State != StateAwaitingCustomer {
		return fmt.Errorf("%w: the link is %s", ErrLinkNotPending, LinkStatusOf(t))
	}
	if t.Pending != nil {
		return fmt.Errorf("%w: its cancel is under way", ErrLinkNotPending)
	}
	return nil
}

// RefreshLink asks the gateway where one pending link stands and records a
// change at once (the cashier opening the links, a cash register asking
// for one): a paid link shows as paid without waiting for RefreshLinks.
// Anything but a pending link is returned as journaled.
func (s *Service) RefreshLink(ctx context.Context, id string) (*Transaction, error) {
	t, err := s.o.Journal.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if s.o.Links == nil || t.Method != MethodPayLink || t.State != StateAwaitingCustomer || t.Pending != nil {
		return t, nil
	}
	// With the gateway known unreachable, asking would only make the
	// caller wait: the journaled state is the answer until it is back.
	if s.o.Online != nil && !s.o.Online() {
		return t, nil
	}
	st, err := s.o.Links.Status(ctx, t.LinkID)
	if err != nil {
		return t, fmt.Errorf("payment: reading the link status: %w", err)
	}
	return s.applyLinkState(ctx, t, st, "")
}

// applyLinkState records a link's paid, expired or cancelled status at the
// gateway and returns the payment as journaled. The change is made in one
// journal transaction on the latest record, so two refreshes racing (the
// periodic one, a cash register's GET, the cashier's screen) record it —
// and tell of it, a receipt and a merchant notice — once. settledOp is
// the ID of a cancel nobody runs any more that the status settles; any
// other operation pending on the link leaves it alone.
func (s *Service) applyLinkState(ctx context.Context, t *Transaction, st LinkState, settledOp string) (*Transaction, error) {
	var (
		to     State
		ev     EventType
		code   ReasonCode
		reason string
	)
	switch LinkStatus(st.Status) {
	case LinkPaid:
		to, ev, reason = StateApproved, EventApproved, "paid by link"
	case LinkExpired:
		to, ev, code, reason = StateExpired, EventExpired, ReasonNotPaidInTime, "link expired unpaid"
	case LinkCancelled:
		to, ev, code, reason = StateCancelled, EventCancelled, ReasonCancelledByCashier, "link cancelled"
	default: // still pending, or a status this terminal does not know: nothing to record
		return t, nil
	}
	moved := false
	record := func(cur *Transaction, open int) error {
		if cur.State != StateAwaitingCustomer {
			return nil // recorded by another refresh already
		}
		if cur.Pending != nil {
			if cur.Pending.ID != settledOp {
				return nil
			}
			cur.Pending = nil
		}
		cur.GatewayID, cur.Result = st.GatewayID, st.Code
		why := reason
		if to == StateApproved {
			cur.AuthCode = st.GatewayID
			if open > cur.Batch {
				why = fmt.Sprintf("%s; counted in batch %d, created in closed batch %d", reason, open, cur.Batch)
				cur.CreatedBatch, cur.Batch = cur.Batch, open
			}
		} else {
			cur.Code = code
		}
		moved = true
		return cur.Transition(to, s.o.Now(), why)
	}
	var saved *Transaction
	var err error
	if to == StateApproved {
		saved, err = s.recordInOpenBatch(ctx, t.ID, record)
	} else {
		saved, err = s.o.Journal.Update(ctx, t.ID, func(cur *Transaction) error { return record(cur, 0) })
	}
	if err != nil {
		return nil, fmt.Errorf("payment: recording the link %s: %w", st.Status, err)
	}
	if moved {
		s.log.Info("payment step", "txn_id", saved.ID, "state", to, "amount_minor", saved.Amount.Minor, "reason", reason)
		s.publish(ev, saved, reason)
		if to == StateApproved {
			s.emailReceipt(saved)
		}
	}
	return saved, nil
}

// recordInOpenBatch records money received on payment id in the batch
// open now: a link paid after its batch was closed (its Z report printed)
// joins the open batch in the journal write that records it paid, so the
// closed batch's totals stay what its report said. edit gets the open
// batch, read under batchMu's read lock and held until the write is done:
// a close meanwhile either counts the payment in its Z report or leaves it
// to the next batch.
func (s *Service) recordInOpenBatch(ctx context.Context, id string, edit func(cur *Transaction, open int) error) (*Transaction, error) {
	s.batchMu.RLock()
	defer s.batchMu.RUnlock()
	open, err := s.o.Journal.Batch(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the open batch: %w", err)
	}
	return s.o.Journal.Update(ctx, id, func(cur *Transaction) error { return edit(cur, open) })
}

// EventLinkResent: a pending link was e-mailed again (Service.Resend).
const EventLinkResent EventType = "payment.link_resent"
