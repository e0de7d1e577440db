package offline

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"tpe/payment"
)

func linkTxn(n int, at time.Time, email string, minor int64) *payment.Transaction {
	tx := cardTxn(n, at)
	tx.Card, tx.Method, tx.Email, tx.Amount.Minor = nil, payment.MethodPayLink, email, minor
	return tx
}

// TestLinksFilteredAndKeptUntilPurged: the journal filters links with
// payment.Query.Match (e-mail, amounts, date range, link status), across
// days and batches; a pending link is never purged, a finished one stays
// listed until its batch is closed and the retention has passed.
func TestLinksFilteredAndKeptUntilPurged(t *testing.T) {
	st, _ := newStore(t)
	ctx := context.Background()
	day := 24 * time.Hour
	pending := linkTxn(1, t0, "Jean.Dupont@example.com", 1500)
	saveNew(t, st, pending)
	walk(t, st, pending, payment.StateAwaitingCustomer)
	expired := linkTxn(2, t0.Add(day), "marie@example.com", 6400)
	saveNew(t, st, expired)
	walk(t, st, expired, payment.StateAwaitingCustomer, payment.StateExpired)
	paid := linkTxn(3, t0.Add(2*day), "paul@example.org", 2500)
	saveNew(t, st, paid)
	walk(t, st, paid, payment.StateAwaitingCustomer, payment.StateApproved)
	card := cardTxn(4, t0.Add(2*day))
	saveNew(t, st, card)

	ids := func(q payment.Query) []string {
		t.Helper()
		q.Method = payment.MethodPayLink
		txns, err := st.List(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, tx := range txns {
			out = append(out, tx.ID)
		}
		return out
	}
	for _, c := range []struct {
		name string
		q    payment.Query
		want []string
	}{
		{"all days", payment.Query{}, []string{paid.ID, expired.ID, pending.ID}},
		{"e-mail part, any case", payment.Query{Email: "DUPONT"}, []string{pending.ID}},
		{"search in reference or e-mail", payment.Query{Search: "example.com"}, []string{expired.ID, pending.ID}},
		{"amount range", payment.Query{MinAmount: 2000, MaxAmount: 6400}, []string{paid.ID, expired.ID}},
		{"date range", payment.Query{Since: t0.Add(day), Until: t0.Add(2 * day)}, []string{expired.ID}},
		{"paid", payment.Query{States: payment.LinkPaid.States()}, []string{paid.ID}},
		{"pending", payment.Query{States: payment.LinkPending.States()}, []string{pending.ID}},
	} {
		if got := ids(c.q); !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}

	st.CloseBatch(ctx, t0.Add(3*day))
	late := t0.Add(400 * day)
	if n, err := st.Purge(ctx, late); err != nil || n != 2 {
		t.Fatalf("purge: %d, %v; want the expired and paid links (the card payment is still running)", n, err)
	}
	if got := ids(payment.Query{}); !slices.Equal(got, []string{pending.ID}) {
		t.Errorf("after the purge: got %v, want the pending link only (still payable)", got)
	}
	if _, err := st.Get(ctx, paid.ID); !errors.Is(err, payment.ErrNotFound) {
		t.Errorf("paid link past retention: %v", err)
	}
}
