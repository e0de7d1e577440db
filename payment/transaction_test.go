package payment

import (
	"errors"
	"testing"
	"time"
)

var allStates = []State{
	StateCreated, StateAwaitingCustomer, StateCardRead, StateAuthorising, StateApproved,
	StateDeclined, StateOfflineApproved, StateForwarded, StateForwardDeclined, StateCancelled,
	StateFailed, StateExpired, StateReversed, StateRefunded, StatePartiallyRefunded,
	StateRefundPending, StateVoidPending,
}

// legal is the state machine written out independently of the transitions
// table, so a slip in either shows up.
var legal = map[[2]State]bool{
	{StateCreated, StateAwaitingCustomer}: true, {StateCreated, StateCancelled}: true, {StateCreated, StateFailed}: true,
	{StateAwaitingCustomer, StateCardRead}: true, {StateAwaitingCustomer, StateAuthorising}: true,
	{StateAwaitingCustomer, StateApproved}: true, {StateAwaitingCustomer, StateDeclined}: true,
	{StateAwaitingCustomer, StateCancelled}: true, {StateAwaitingCustomer, StateFailed}: true,
	{StateAwaitingCustomer, StateExpired}: true,
	{StateCardRead, StateAuthorising}:     true, {StateCardRead, StateOfflineApproved}: true,
	{StateCardRead, StateDeclined}: true, {StateCardRead, StateCancelled}: true, {StateCardRead, StateFailed}: true,
	{StateAuthorising, StateApproved}: true, {StateAuthorising, StateDeclined}: true,
	{StateAuthorising, StateOfflineApproved}: true, {StateAuthorising, StateFailed}: true,
	{StateAuthorising, StateCancelled}: true, {StateAuthorising, StateExpired}: true,
	{StateApproved, StateRefundPending}: true, {StateApproved, StateVoidPending}: true, {StateApproved, StateReversed}: true,
	{StateOfflineApproved, StateForwarded}: true, {StateOfflineApproved, StateForwardDeclined}: true,
	{StateOfflineApproved, StateReversed}: true,
	{StateForwarded, StateRefundPending}:  true, {StateForwarded, StateVoidPending}: true, {StateForwarded, StateReversed}: true,
	{StatePartiallyRefunded, StateRefundPending}: true,
	// A refund or void settles forward, or back where it started.
	{StateRefundPending, StatePartiallyRefunded}: true, {StateRefundPending, StateRefunded}: true,
	{StateRefundPending, StateApproved}: true, {StateRefundPending, StateForwarded}: true,
	{StateVoidPending, StateReversed}: true, {StateVoidPending, StateApproved}: true, {StateVoidPending, StateForwarded}: true,
}

func TestEveryTransition(t *testing.T) {
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	for _, from := range allStates {
		for _, to := range allStates {
			tx := &Transaction{State: from}
			err := tx.Transition(to, at, "why")
			if legal[[2]State{from, to}] {
				if err != nil {
					t.Errorf("%s → %s: %v, want legal", from, to, err)
					continue
				}
				if tx.State != to || len(tx.History) != 1 || tx.History[0].At != at || tx.Reason != "why" {
					t.Errorf("%s → %s: transaction not updated: %+v", from, to, tx)
				}
				continue
			}
			var te *TransitionError
			if !errors.As(err, &te) || te.From != from || te.To != to {
				t.Errorf("%s → %s: got %v, want *TransitionError", from, to, err)
			}
			if tx.State != from || len(tx.History) != 0 {
				t.Errorf("%s → %s: illegal move changed the transaction", from, to)
			}
		}
	}
}

func TestFinalStatesAndStatus(t *testing.T) {
	final := map[State]bool{StateDeclined: true, StateForwardDeclined: true, StateCancelled: true,
		StateFailed: true, StateExpired: true, StateReversed: true, StateRefunded: true}
	status := map[State]Status{
		StateCreated: StatusPending, StateAwaitingCustomer: StatusPending, StateCardRead: StatusProcessing,
		StateAuthorising: StatusProcessing, StateApproved: StatusApproved, StateOfflineApproved: StatusApproved,
		StateForwarded: StatusApproved, StateDeclined: StatusDeclined, StateForwardDeclined: StatusDeclined,
		StateCancelled: StatusCancelled, StateReversed: StatusCancelled, StateFailed: StatusFailed,
		StateExpired: StatusExpired, StateRefunded: StatusRefunded, StatePartiallyRefunded: StatusPartiallyRefunded,
		StateRefundPending: StatusRefundPending, StateVoidPending: StatusVoidPending,
	}
	for _, s := range allStates {
		if s.Final() != final[s] {
			t.Errorf("%s.Final() = %v", s, s.Final())
		}
		if s.Status() != status[s] {
			t.Errorf("%s.Status() = %s, want %s", s, s.Status(), status[s])
		}
	}
}

func TestRefundable(t *testing.T) {
	tx := &Transaction{State: StateApproved, Amount: Amount{1000, "EUR"}}
	tx.Refunds = []Refund{{Amount: Amount{300, "EUR"}}, {Amount: Amount{200, "EUR"}}}
	if got := tx.Refundable(); got != 500 {
		t.Errorf("Refundable = %d, want 500", got)
	}
	tx.State = StateDeclined
	if got := tx.Refundable(); got != 0 {
		t.Errorf("declined Refundable = %d, want 0", got)
	}
}

func TestOrderIDsAreUnique(t *testing.T) {
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	seen := map[string]bool{}
	for range 10000 {
		id := NewOrderID("T0000001", at) // same millisecond: randomness must separate them
		if seen[id] {
			t.Fatalf("duplicate order ID %s", id)
		}
		if len(id) > 46-8 {
			t.Fatalf("order ID %s longer than 38 with an 8-character terminal ID", id)
		}
		seen[id] = true
	}
}

func TestParse(t *testing.T) {
	if _, err := ParseMethod("cheque"); !errors.Is(err, ErrUnknownMethod) {
		t.Errorf("ParseMethod(cheque) = %v", err)
	}
	if p, err := ParseOfflinePolicy(""); err != nil || p != PreferOnline {
		t.Errorf(`ParseOfflinePolicy("") = %v %v`, p, err)
	}
	if _, err := ParseOfflinePolicy("maybe"); !errors.Is(err, ErrUnknownPolicy) {
		t.Errorf("ParseOfflinePolicy(maybe) = %v", err)
	}
}
