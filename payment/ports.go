package payment

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Gateway is the acquirer (payment/gateway in production). The gateway has no
// idempotency key: implementations ask Lookup before any retry of a Sale.
type Gateway interface {
	// Sale authorises and captures a card-present payment, or forwards an
	// offline approval when req.Offline is set. A decline is a result with
	// Approved false, not an error. ErrGatewayUnavailable (wrapped) means the
	// request certainly did not reach the gateway; any other error leaves the
	// outcome unknown and the caller must Lookup the order.
	Sale(ctx context.Context, req SaleRequest) (GatewayResult, error)
	// Lookup returns what the gateway knows of an order, ErrNotFound if nothing.
	Lookup(ctx context.Context, orderID string) (GatewayResult, error)
	// Void cancels an approved payment (reversal) before settlement.
	Void(ctx context.Context, gatewayID string, a Amount) (GatewayResult, error)
	// Refund gives back part or all of a payment; repeated refunds add up.
	Refund(ctx context.Context, gatewayID string, a Amount) (GatewayResult, error)
	// Record returns the gateway's own record of one transaction (card,
	// wallet or link): its status and how much of it was refunded. It is
	// how an operation whose answer was lost is settled. ErrNotFound if the
	// gateway has no such transaction.
	Record(ctx context.Context, gatewayID string) (GatewayResult, error)
	// Ping reports whether the gateway answers.
	Ping(ctx context.Context) error
}

// AdviceBatcher is a Gateway that also takes offline approvals in batches
// (an extension of ours, docs/gateway.md "Batched advices"). The offline
// forwarder uses it when AdviceBatchMax says the gateway offers batches,
// and sends one Sale per advice otherwise.
type AdviceBatcher interface {
	// AdviceBatchMax is how many advices one SaleBatch may carry; 0 when
	// the gateway offers no batches.
	AdviceBatchMax(ctx context.Context) int
	// SaleBatch forwards offline approvals (SaleRequest.Offline) in one
	// request and returns one AdviceResult per request, in order. An error
	// wrapping ErrGatewayUnavailable means no advice reached the gateway;
	// any other error leaves every advice's outcome unknown: each order
	// must be looked up, never resent blindly.
	SaleBatch(ctx context.Context, reqs []SaleRequest) ([]AdviceResult, error)
}

// AdviceResult is the gateway's answer to one advice of a batch: its
// verdict (a decline is a result), or Err when that advice's outcome is
// unknown and its order must be looked up.
type AdviceResult struct {
	Result GatewayResult
	Err    error
}

// SaleRequest is one card-present authorisation.
type SaleRequest struct {
	OrderID    string
	Amount     Amount
	Card       CardData
	Offline    bool      // forwarding an approval the terminal gave offline
	CapturedAt time.Time // when the card was read
	Reference  string
	// PIN is the cardholder's online PIN, enciphered on the terminal, when
	// one was entered (card CVM online_pin, or after a soft decline).
	PIN *PINBlock
}

// PINBlock is an online PIN as it travels to the gateway: an ISO 9564-1
// format 4 block enciphered under the AES DUKPT PIN-encryption key of KSN
// (ANSI X9.24-3-2017). The clear PIN never leaves the terminal's memory.
type PINBlock struct {
	Block Secret   // 16 bytes; prints and marshals redacted
	KSN   [12]byte // initial key ID (8 bytes) + transaction counter (4)
}

// Decline classes a GatewayResult or WalletResult may carry; the cashier
// message and the customer display depend on them.
const (
	DeclineGeneric           = "declined"
	DeclineInsufficientFunds = "insufficient_funds"
	DeclineExpiredCard       = "expired_card"
	DeclineDoNotHonour       = "do_not_honour"
	DeclineInvalidCard       = "invalid_card"
	DeclineIssuerUnavailable = "issuer_unavailable"
	DeclineDuplicate         = "duplicate"
	DeclineFraud             = "suspected_fraud"
	DeclineIncorrectPIN      = "incorrect_pin"      // PayXpert 055: the PIN may be tried again
	DeclinePINTriesExceeded  = "pin_tries_exceeded" // PayXpert 075: no more PIN tries on this card
	// DeclinePINRequired is a soft decline (PayXpert 065, 077; Mastercard 65,
	// Visa 1A): the issuer wants the cardholder's PIN (PSD2 strong customer
	// authentication). The terminal asks for the PIN and resubmits the same
	// payment as a new attempt, without a second tap.
	DeclinePINRequired = "pin_required"
)

// TxnStatus is where a transaction stands at the gateway. The zero value
// means the answer did not say.
type TxnStatus string

const (
	TxnApproved TxnStatus = "approved" // authorised or captured, nothing given back
	TxnDeclined TxnStatus = "declined"
	TxnVoided   TxnStatus = "voided"   // cancelled (reversed) after approval
	TxnRefunded TxnStatus = "refunded" // partly or fully: see GatewayResult.Refunded
	TxnPending  TxnStatus = "pending"  // wallet or link not paid yet
)

// GatewayResult is the gateway's answer.
type GatewayResult struct {
	// Approved is the request's own result. For a Lookup or Record it says
	// the sale was approved once; Status says whether it still stands.
	Approved  bool
	Status    TxnStatus
	Refunded  int64  // minor units refunded so far (Lookup, Record)
	Code      string // gateway result code, "000" = success
	Message   string
	Decline   string // one of the Decline constants when not approved
	GatewayID string // the gateway's transaction ID
	AuthCode  string
	Amount    Amount
}

// CardReader reads one contactless card: it waits for a card, runs the EMV
// kernel and returns the outcome (payment's adapter over device/nfc and
// payment/emv in production).
type CardReader interface {
	ReadCard(ctx context.Context, req CardRequest) (CardResult, error)
}

// CardRequest is what the kernel needs from the transaction.
type CardRequest struct {
	Amount Amount
	Refund bool
	At     time.Time
	// ForceOnline asks the card for an online cryptogram whatever the
	// floor limit: the terminal prefers the issuer's answer and can reach it.
	ForceOnline bool
}

// Journal is the durable store of transactions (offline.Store in production).
// Save returns only once the state is on disk: the service acts after it.
type Journal interface {
	Save(ctx context.Context, t *Transaction) error
	// Update reads payment id, lets edit change it and saves the result, in
	// one journal transaction: edit sees the latest record and no other
	// write comes between. An error from edit aborts with nothing written
	// and is returned as is. It returns the saved payment.
	Update(ctx context.Context, id string, edit func(*Transaction) error) (*Transaction, error)
	Get(ctx context.Context, id string) (*Transaction, error)
	List(ctx context.Context, q Query) ([]*Transaction, error)
	// Exposure sums the offline approvals not yet forwarded.
	Exposure(ctx context.Context) (Exposure, error)
	// Batch returns the number of the open batch.
	Batch(ctx context.Context) (int, error)
	// CloseBatch closes the open batch and opens the next one.
	CloseBatch(ctx context.Context, at time.Time) (closed int, err error)
}

// Query filters a List. Zero fields do not filter. Results are newest first.
type Query struct {
	Status    Status
	Method    Method
	Reference string
	Since     time.Time // created at or after
	Until     time.Time // created before
	// Batch: payments counted in this batch (their sale).
	Batch int
	// MovedIn: payments that moved money in this batch — their sale
	// counts in it, or a refund of theirs does (Transaction.MovedIn): what
	// the batch's X and Z reports total.
	MovedIn int
	States  []State
	// Email is part of the customer's e-mail address, compared without
	// regard to case: "dupont" finds Jean.Dupont@example.com.
	Email string
	// Search is part of the customer's e-mail address or of the reference,
	// without regard to case: the cashier's one search box.
	Search string
	// MinAmount and MaxAmount bound the amount, minor units, inclusive.
	MinAmount, MaxAmount int64
	Limit                int
}

// Match reports whether t passes q's filters (Limit aside); every Journal
// filters with it so that all implementations agree.
func (q Query) Match(t *Transaction) bool {
	return (q.Status == "" || t.State.Status() == q.Status) &&
		(q.Method == "" || t.Method == q.Method) &&
		(q.Reference == "" || t.Reference == q.Reference) &&
		(q.Since.IsZero() || !t.CreatedAt.Before(q.Since)) &&
		(q.Until.IsZero() || t.CreatedAt.Before(q.Until)) &&
		(q.Batch == 0 || t.Batch == q.Batch) &&
		(q.MovedIn == 0 || t.MovedIn(q.MovedIn)) &&
		(len(q.States) == 0 || slices.Contains(q.States, t.State)) &&
		(q.Email == "" || containsFold(t.Email, q.Email)) &&
		(q.Search == "" || containsFold(t.Email, q.Search) || containsFold(t.Reference, q.Search)) &&
		(q.MinAmount == 0 || t.Amount.Minor >= q.MinAmount) &&
		(q.MaxAmount == 0 || t.Amount.Minor <= q.MaxAmount)
}

// containsFold is strings.Contains without regard to (Unicode) case.
func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// Exposure is the terminal's offline risk: approvals not yet forwarded.
type Exposure struct {
	Count  int
	Total  int64 // minor units, terminal currency
	Oldest time.Time
}

// Wallets runs QR wallet payments (payment/alipayplus in production).
type Wallets interface {
	// Pay runs one wallet payment to its end. With req.BuyerCode empty the
	// terminal presents a QR (MPM): update is called with the payload to
	// show; otherwise it charges the customer's code (CPM). Cancelling ctx
	// cancels the payment at the gateway before Pay returns.
	Pay(ctx context.Context, req WalletRequest, update func(WalletUpdate)) (WalletResult, error)
	Refund(ctx context.Context, gatewayID string, a Amount) (GatewayResult, error)
}

// WalletReverser gives back a wallet payment the terminal ended without
// knowing whether the customer paid: a cancel the gateway never confirmed
// (Transaction.ReversalPending on a wallet payment). A wallet payment
// lives on the gateway's wallet side (Connect2Pay), which the card API's
// Gateway.Void does not serve, so recovery reverses it through this port
// (payment/alipayplus in production); card sales keep Gateway.Void.
type WalletReverser interface {
	// Reverse gives back in full the wallet transaction gatewayID, of
	// amount a. It reads the transaction first (Alipay+: inquire before
	// cancel) and cancels an attempt still in process, refunds what is
	// left of one that was paid, and sends nothing for one that charged
	// nothing or was already given back. Approved means the customer owes
	// nothing on it any more; a refusal is a result (Approved false), to
	// try again from a fresh read. ErrRecordMismatch (wrapped): the
	// gateway's transaction is not this payment, and a person must look.
	// Any other error leaves the outcome unknown: the caller settles it
	// from Gateway.Record, never by resending.
	Reverse(ctx context.Context, gatewayID string, a Amount) (GatewayResult, error)
}

// WalletRequest is one wallet payment.
type WalletRequest struct {
	OrderID   string
	Amount    Amount
	BuyerCode string
	Lang      string
}

// WalletUpdate is progress of a wallet payment.
type WalletUpdate struct {
	QR       string
	ExpireAt time.Time
	Wallet   string
	// GatewayID is the wallet transaction at the gateway, once known: a
	// payment interrupted by a crash is settled from its record.
	GatewayID string
}

// WalletResult is how a wallet payment ended.
type WalletResult struct {
	Approved     bool
	Expired      bool
	Cancelled    bool
	Wallet       string
	GatewayID    string
	Code         string
	Message      string
	Decline      string
	ExchangeRate string // wallet currency per terminal currency, when known
}

// Links sends and tracks pay-by-e-mail links (payment/paylink in production).
type Links interface {
	Create(ctx context.Context, req LinkRequest) (Link, error)
	Status(ctx context.Context, linkID string) (LinkState, error)
	Cancel(ctx context.Context, linkID string) error
	Resend(ctx context.Context, linkID, email string) error
	// Refund gives back part or all of a paid link (Connect2Pay refund).
	Refund(ctx context.Context, gatewayID string, a Amount) (GatewayResult, error)
}

// LinkRequest is one payment link to e-mail.
type LinkRequest struct {
	OrderID string
	Amount  Amount
	Email   string
	Lang    string
	// Prepared, when set, is called with the link once the gateway holds
	// the payment and before the e-mail goes: the service journals the link
	// there, so a crash never leaves a payable link the terminal does not
	// know. An error withdraws the link and fails Create.
	Prepared func(Link) error
}

// Link is a sent payment link.
type Link struct {
	ID       string
	URL      string
	ExpireAt time.Time
}

// LinkState is where a link stands at the gateway.
type LinkState struct {
	Status    string // pending, paid, expired, cancelled
	GatewayID string
	Code      string
}

// Notifier e-mails receipts and reports.
type Notifier interface {
	SendReceipt(ctx context.Context, to string, t *Transaction, text string) error
	SendReport(ctx context.Context, r Report, text string) error
}
