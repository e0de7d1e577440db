package paylink

import (
	"context"
	"fmt"
	"time"

	"tpe/payment"
)

// Lister lists journaled payments (*payment.Service).
type Lister interface {
	List(ctx context.Context, q payment.Query) ([]*payment.Transaction, error)
}

// Filter selects links for the terminal's list and the API.
type Filter struct {
	Status string    // pending, paid, expired, cancelled, failed; empty: all
	Since  time.Time // created at or after; zero: no bound
	Until  time.Time // created before; zero: no bound
	Limit  int       // at most this many, newest first; 0: all
}

// states maps a link status to the journal states it covers.
var states = map[string][]payment.State{
	StatusPending:   {payment.StateCreated, payment.StateAwaitingCustomer},
	StatusPaid:      {payment.StateApproved, payment.StatePartiallyRefunded, payment.StateRefunded},
	StatusExpired:   {payment.StateExpired},
	StatusCancelled: {payment.StateCancelled},
	"failed":        {payment.StateFailed},
}

// StatusOf is the link status of a pay-by-link payment in the journal.
func StatusOf(t *payment.Transaction) string {
	for s, sts := range states {
		for _, st := range sts {
			if t.State == st {
				return s
			}
		}
	}
	return string(t.State.Status())
}

// List returns the pay-by-link payments matching f, newest first. The
// journal filters by method, states and date; Until and Limit apply here.
func List(ctx context.Context, l Lister, f Filter) ([]*payment.Transaction, error) {
	q := payment.Query{Method: payment.MethodPayLink, Since: f.Since}
	if f.Status != "" {
		sts, ok := states[f.Status]
		if !ok {
			return nil, fmt.Errorf("%w: link status %q (pending, paid, expired, cancelled, failed)", payment.ErrInvalidRequest, f.Status)
		}
		q.States = sts
	}
	if f.Until.IsZero() {
		q.Limit = f.Limit
	}
	txns, err := l.List(ctx, q)
	if err != nil {
		return nil, err
	}
	out := txns[:0]
	for _, t := range txns {
		if !f.Until.IsZero() && !t.CreatedAt.Before(f.Until) {
			continue
		}
		out = append(out, t)
		if f.Limit > 0 && len(out) == f.Limit {
			break
		}
	}
	return out, nil
}
