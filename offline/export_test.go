package offline

import (
	"testing"

	"tpe/payment"
)

// FillQueued records n offline approvals in one commit, for the external
// benchmarks; amountICC lets them carry ICC data a gateway checks.
func FillQueued(tb testing.TB, st *Store, n int, card func(i int, t *payment.Transaction)) {
	tb.Helper()
	fill(tb, st, n, func(int) payment.State { return payment.StateOfflineApproved }, card)
}
