package payment

import (
	"slices"
	"time"
)

// Method is how the customer pays.
type Method string

const (
	MethodCard       Method = "card"
	MethodAlipayPlus Method = "alipayplus"
	MethodPayLink    Method = "paylink"
)

// ParseMethod validates a method name.
func ParseMethod(s string) (Method, error) {
	switch m := Method(s); m {
	case MethodCard, MethodAlipayPlus, MethodPayLink:
		return m, nil
	}
	return "", ErrUnknownMethod
}

// OfflinePolicy is the cashier's or cash register's choice for one payment.
type OfflinePolicy string

const (
	PreferOnline  OfflinePolicy = "prefer_online"  // online; offline within limits if the gateway is unreachable
	RequireOnline OfflinePolicy = "require_online" // never offline
	ForceOffline  OfflinePolicy = "force_offline"  // offline within limits without trying the gateway
)

// ParseOfflinePolicy validates a policy name; "" means PreferOnline.
func ParseOfflinePolicy(s string) (OfflinePolicy, error) {
	switch p := OfflinePolicy(s); p {
	case "":
		return PreferOnline, nil
	case PreferOnline, RequireOnline, ForceOffline:
		return p, nil
	}
	return "", ErrUnknownPolicy
}

// State is a transaction's place in its life cycle.
type State string

const (
	StateCreated          State = "created"
	StateAwaitingCustomer State = "awaiting_customer" // card to tap, QR to scan, link to pay
	StateCardRead         State = "card_read"
	StateAuthorising      State = "authorising"
	// StateAwaitingPIN: the card or the issuer (a soft decline) wants the
	// cardholder's online PIN; the terminal waits for it on its PIN pad.
	StateAwaitingPIN       State = "awaiting_pin"
	StateApproved          State = "approved"
	StateDeclined          State = "declined"
	StateOfflineApproved   State = "offline_approved" // approved on the terminal, queued for the gateway
	StateForwarded         State = "forwarded"        // an offline approval the gateway accepted
	StateForwardDeclined   State = "forward_declined" // an offline approval the issuer declined later: the merchant must act
	StateCancelled         State = "cancelled"
	StateFailed            State = "failed"
	StateExpired           State = "expired"
	StateReversed          State = "reversed" // voided after approval
	StateRefunded          State = "refunded"
	StatePartiallyRefunded State = "partially_refunded"
	// StateRefundPending: a refund is journaled (Transaction.Pending) and the
	// gateway may have acted on it; it settles from the gateway's answer or,
	// when that answer was lost, from the gateway's own record.
	StateRefundPending State = "refund_pending"
	// StateVoidPending is the same for a void of an approved sale.
	StateVoidPending State = "void_pending"
)

// transitions is the whole state machine: each state and where it may go.
// Anything not listed is illegal.
var transitions = map[State][]State{
	StateCreated:          {StateAwaitingCustomer, StateCancelled, StateFailed},
	StateAwaitingCustomer: {StateCardRead, StateAuthorising, StateApproved, StateDeclined, StateCancelled, StateFailed, StateExpired},
	StateCardRead:         {StateAuthorising, StateAwaitingPIN, StateOfflineApproved, StateDeclined, StateCancelled, StateFailed},
	StateAwaitingPIN:      {StateAuthorising, StateCancelled, StateFailed},
	// Authorising → awaiting_pin is a soft decline (PSD2): the issuer
	// wants the PIN and the same payment is resubmitted as a new attempt.
	StateAuthorising: {StateApproved, StateDeclined, StateOfflineApproved, StateFailed, StateCancelled, StateExpired, StateAwaitingPIN},
	// Refunds and voids go through their pending state (journaled intent);
	// the direct move to reversed is boot recovery's reversal of a sale the
	// cashier never saw approved (Transaction.ReversalPending).
	StateApproved:          {StateRefundPending, StateVoidPending, StateReversed},
	StateOfflineApproved:   {StateForwarded, StateForwardDeclined, StateReversed},
	StateForwarded:         {StateRefundPending, StateVoidPending, StateReversed},
	StatePartiallyRefunded: {StateRefundPending},
	// A pending operation settles forward, or back to the state it left
	// (Operation.From) when the gateway certainly did not act.
	StateRefundPending:   {StatePartiallyRefunded, StateRefunded, StateApproved, StateForwarded},
	StateVoidPending:     {StateReversed, StateApproved, StateForwarded},
	StateDeclined:        nil,
	StateForwardDeclined: nil,
	StateCancelled:       nil,
	StateFailed:          nil,
	StateExpired:         nil,
	StateReversed:        nil,
	StateRefunded:        nil,
}

// CanTransition reports whether from → to is legal.
func CanTransition(from, to State) bool {
	return slices.Contains(transitions[from], to)
}

// Final reports whether nothing more can happen to a transaction in s.
func (s State) Final() bool {
	next, known := transitions[s]
	return known && len(next) == 0
}

// Approved reports whether the money is (or will be) the merchant's.
func (s State) Approved() bool {
	switch s {
	case StateApproved, StateOfflineApproved, StateForwarded, StatePartiallyRefunded, StateRefunded,
		StateRefundPending, StateVoidPending:
		return true
	}
	return false
}

// Status is the coarse state a cash register sees (API "status").
type Status string

const (
	StatusPending           Status = "pending"
	StatusProcessing        Status = "processing"
	StatusApproved          Status = "approved"
	StatusDeclined          Status = "declined"
	StatusCancelled         Status = "cancelled"
	StatusFailed            Status = "failed"
	StatusExpired           Status = "expired"
	StatusRefunded          Status = "refunded"
	StatusPartiallyRefunded Status = "partially_refunded"
	StatusRefundPending     Status = "refund_pending"
	StatusVoidPending       Status = "void_pending"
)

// Status maps the detailed state to the API status.
func (s State) Status() Status {
	switch s {
	case StateCreated, StateAwaitingCustomer, StateAwaitingPIN:
		return StatusPending
	case StateCardRead, StateAuthorising:
		return StatusProcessing
	case StateApproved, StateOfflineApproved, StateForwarded:
		return StatusApproved
	case StateDeclined, StateForwardDeclined:
		return StatusDeclined
	case StateCancelled, StateReversed:
		return StatusCancelled
	case StateExpired:
		return StatusExpired
	case StateRefunded:
		return StatusRefunded
	case StatePartiallyRefunded:
		return StatusPartiallyRefunded
	case StateRefundPending:
		return StatusRefundPending
	case StateVoidPending:
		return StatusVoidPending
	}
	return StatusFailed
}

// ParseStatus validates an API status filter.
func ParseStatus(s string) (Status, bool) {
	switch st := Status(s); st {
	case StatusPending, StatusProcessing, StatusApproved, StatusDeclined, StatusCancelled,
		StatusFailed, StatusExpired, StatusRefunded, StatusPartiallyRefunded, StatusRefundPending, StatusVoidPending:
		return st, true
	}
	return "", false
}

// Transaction is one payment and everything that happened to it.
type Transaction struct {
	ID        string        `json:"id"`
	OrderID   string        `json:"order_id"` // unique at the gateway; the key for de-duplication
	Reference string        `json:"reference,omitempty"`
	Method    Method        `json:"method"`
	State     State         `json:"state"`
	Amount    Amount        `json:"amount"`
	Policy    OfflinePolicy `json:"offline_policy"`
	// Batch is the batch the payment is counted in: the one open when its
	// money was received. A payment link paid after the batch it was
	// created in closed moves to the batch open when the payment is
	// recorded, so that paying it never changes a closed batch's totals
	// (its Z report); CreatedBatch then keeps the batch it was created in.
	Batch        int `json:"batch"`
	CreatedBatch int `json:"created_batch,omitempty"`

	// Sequence is the terminal's transaction number, printed as "TRANS." on
	// receipts as French card receipts do. The journal allocates it in the
	// write that first records the payment (1, 2, 3… per terminal, never
	// reused, even after a purge); 0 until then.
	Sequence uint64 `json:"sequence,omitempty"`

	Card   *CardData `json:"card,omitempty"` // sensitive fields never marshal
	Wallet string    `json:"wallet,omitempty"`
	// ExchangeRate is the wallet currency per terminal currency the wallet
	// applied (Alipay+), when the gateway returns one; printed on receipts.
	ExchangeRate string    `json:"exchange_rate,omitempty"`
	Email        string    `json:"email,omitempty"`
	LinkURL      string    `json:"link_url,omitempty"`
	LinkID       string    `json:"link_id,omitempty"`
	QR           string    `json:"qr,omitempty"` // Alipay+ order code shown to the customer
	ExpireAt     time.Time `json:"expire_at,omitzero"`
	// Resends counts the times a pending link was e-mailed again;
	// ResentAt is the last one.
	Resends  int       `json:"resends,omitempty"`
	ResentAt time.Time `json:"resent_at,omitzero"`

	GatewayID string `json:"gateway_id,omitempty"`
	AuthCode  string `json:"auth_code,omitempty"`
	Result    string `json:"result,omitempty"` // gateway result code, "000" = success
	Offline   bool   `json:"offline"`
	Forwarded bool   `json:"forwarded"`
	// Code is why the payment was declined, failed or ended without a sale
	// (ReasonCode); Reason is the free-text detail, for logs only.
	Code   ReasonCode `json:"reason_code,omitempty"`
	Reason string     `json:"reason,omitempty"`

	// Attempts are the earlier authorisations of this payment that the
	// issuer soft-declined (PSD2: PIN required); OrderID is the current
	// attempt's. Each attempt has its own order ID, journaled before the
	// gateway hears of it.
	Attempts []Attempt `json:"attempts,omitempty"`

	Refunds []Refund `json:"refunds,omitempty"`
	// Pending is the money-moving operation journaled on this payment and
	// not yet settled (refund, void, cancel at the gateway): at most one at
	// a time.
	Pending *Operation `json:"pending,omitempty"`

	ReceiptPrinted bool `json:"receipt_printed"` // false after a paper-out: reprintable
	// ReversalPending marks a sale whose outcome the gateway never gave (or
	// a wallet payment whose cancel it never confirmed): if it turns out
	// approved, recovery reverses it (Gateway.Void for a card,
	// WalletReverser for a wallet).
	ReversalPending bool `json:"reversal_pending,omitempty"`

	Cashier   string    `json:"cashier,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	History   []Step    `json:"history"`
}

// Step is one recorded state change.
type Step struct {
	State  State     `json:"state"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason,omitempty"`
}

// Attempt is one authorisation of a payment that did not end it: the
// issuer soft-declined it and asked for the PIN (never an approval, so
// nothing was charged under OrderID).
type Attempt struct {
	OrderID   string    `json:"order_id"`
	GatewayID string    `json:"gateway_id,omitempty"`
	Result    string    `json:"result,omitempty"` // gateway result code (065, 077…)
	Decline   string    `json:"decline"`          // decline class, pin_required
	At        time.Time `json:"at"`
}

// Refund is one (partial) refund of a transaction.
type Refund struct {
	ID        string    `json:"id"`
	Amount    Amount    `json:"amount"`
	GatewayID string    `json:"gateway_id,omitempty"`
	At        time.Time `json:"at"`
}

// OpKind is what a pending operation does at the gateway.
type OpKind string

const (
	OpRefund OpKind = "refund"
	OpVoid   OpKind = "void"
	// OpCancel withdraws a payment still waiting for the customer (a
	// payment link, a wallet QR) at the gateway.
	OpCancel OpKind = "cancel"
)

// Operation is a money-moving request journaled before the gateway hears of
// it. Its ID is the attempt's own: the refund it becomes keeps it.
type Operation struct {
	ID     string    `json:"id"`
	Kind   OpKind    `json:"kind"`
	Amount Amount    `json:"amount"`
	At     time.Time `json:"at"`
	// From is the state the payment returns to when the gateway did not act.
	From State `json:"from"`
	// Unknown is set once the request may have reached the gateway and no
	// answer came back: only the gateway's record can settle it now.
	Unknown bool `json:"unknown,omitempty"`
}

// Transition moves t to state `to`, recording when and why. It refuses
// illegal moves with a *TransitionError and leaves t unchanged.
func (t *Transaction) Transition(to State, at time.Time, reason string) error {
	if !CanTransition(t.State, to) {
		return &TransitionError{From: t.State, To: to}
	}
	t.State = to
	t.UpdatedAt = at
	if reason != "" {
		t.Reason = reason
	}
	t.History = append(t.History, Step{State: to, At: at, Reason: reason})
	return nil
}

// Refunded is the sum already refunded.
func (t *Transaction) Refunded() int64 {
	var n int64
	for _, r := range t.Refunds {
		n += r.Amount.Minor
	}
	return n
}

// Refundable is what can still be refunded.
func (t *Transaction) Refundable() int64 {
	if !t.State.Approved() {
		return 0
	}
	return t.Amount.Minor - t.Refunded()
}

// Clone returns a deep copy, so readers never share slices with the service.
func (t *Transaction) Clone() *Transaction {
	c := *t
	if t.Card != nil {
		card := *t.Card
		c.Card = &card
	}
	c.Refunds = slices.Clone(t.Refunds)
	c.Attempts = slices.Clone(t.Attempts)
	if t.Pending != nil {
		op := *t.Pending
		c.Pending = &op
	}
	c.History = slices.Clone(t.History)
	return &c
}
