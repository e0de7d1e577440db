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

// StatusOf is the link status of a pay-by-link payment in the journal.
func StatusOf(t *payment.Transaction) string { return string(payment.LinkStatusOf(t)) }

// List returns the pay-by-link payments matching f, newest first, filtered
// by the journal (payment.Query.Match).
func List(ctx context.Context, l Lister, f Filter) ([]*payment.Transaction, error) {
	q := payment.Query{Method: payment.MethodPayLink, Since: f.Since, Until: f.Until, Limit: f.Limit}
	if f.Status != "" {
		st, ok := payment.ParseLinkStatus(f.Status)
		if !ok {
			return nil, fmt.Errorf("%w: link status %q (pending, paid, expired, cancelled, failed)", payment.ErrInvalidRequest, f.Status)
		}
		q.States = st.States()
	}
	return l.List(ctx, q)
}
