package payment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"tpe/device/printer"
	"tpe/device/scanner"
)

// Merchant is who the terminal sells for; it heads every receipt.
type Merchant struct {
	Name       string
	Address    string
	City       string
	ID         string // merchant ID at the acquirer
	Contract   string // merchant contract number (French receipts: "CONTRAT")
	TerminalID string
	MCC        string
	Country    string // ISO 3166 alpha-2
}

// Opts configures a Service. Journal is required; every other port may be nil,
// and the methods needing it then answer ErrNotSupported. The ports are
// grouped by the flow that uses them: Card, Wallet, Links, Receipts.
type Opts struct {
	Merchant Merchant
	Currency string // the terminal's currency (ISO 4217); default EUR
	Lang     string // receipts and messages: fr or en; default fr
	// MaxAmount is the largest payment accepted (minor units); default 1 000 000,00.
	MaxAmount int64

	Journal  Journal
	Card     CardPorts
	Wallet   WalletPorts
	Links    Links
	Receipts ReceiptPorts

	Offline OfflineLimits
	// CardTimeout is how long the terminal waits for a card; default 60 s.
	CardTimeout time.Duration
	// PINTimeout is how long the terminal waits for the cardholder's PIN;
	// default 30 s.
	PINTimeout time.Duration
	// Online reports whether the gateway is believed reachable
	// (Connectivity.Online in production); nil means always. When it is,
	// prefer_online payments ask the card for an online cryptogram even
	// under the floor limit; when it is not, the card may approve offline.
	Online func() bool

	Now    func() time.Time
	Logger *slog.Logger
}

// CardPorts take contactless card payments: the reader runs the card, the
// gateway authorises it. The gateway also voids and refunds card payments
// and answers its record of any payment when an operation's outcome was lost
// (Resolve).
type CardPorts struct {
	Reader  CardReader
	Gateway Gateway
	// PINs enciphers online PINs (the terminal's DUKPT key); nil: a card
	// that needs an online PIN fails with pin_unavailable.
	PINs PINCipher
}

// WalletPorts take Alipay+ payments: Wallets talks to the wallet network;
// Scanner reads a customer's payment code (CPM). The service is the
// scanner's only reader: screens follow EventWaitingCode.
type WalletPorts struct {
	Wallets Wallets
	Scanner scanner.Scanner
}

// ReceiptPorts hand receipts and batch reports to people: Printer prints
// them, Notifier e-mails them.
type ReceiptPorts struct {
	Printer  printer.Printer
	Notifier Notifier
	// EmailCustomer sends a receipt to the customer's e-mail after a
	// payment when the payment has one.
	EmailCustomer bool
}

// Service runs payments. Its methods are safe for concurrent use; each
// payment runs in its own goroutine and reports through events.
type Service struct {
	o   Opts
	log *slog.Logger
	bus bus

	ctx    context.Context // ends when Close is called
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	active map[string]*flow // payments still running, by ID
	ops    map[string]bool  // IDs of the operations this process is running

	// readerMu guards readerHolder, the ID of the card payment the reader
	// serves ("" when free: one card payment at a time). It is also held
	// while a card payment's outcome is written (step), so that the reader
	// is free the moment the outcome can be read: a cash register that
	// sees a payment end and starts the next one never meets
	// terminal_busy, and the next payment cannot start before the outcome
	// (an offline approval counted in the offline limits) is recorded.
	readerMu     sync.Mutex
	readerHolder string

	// batchMu keeps a batch's close whole: CloseBatch holds it while it
	// checks no payment runs, totals the batch and closes it; a new
	// payment (Pay, until it is running) and a payment that chooses its
	// batch when it is recorded (a link paid after its batch closed,
	// applyLinkState) read the open batch and record themselves in it
	// under the read lock. A payment is counted either in the Z report of
	// its batch or in the next batch, never in a closed batch after its
	// report. Refunds, voids and cancels journal their intent and record
	// their end under the read lock too (begin, settle): a refund counts
	// in the Z report of the batch open when it is recorded, or in the
	// next. It is the journal's own lock when the journal has one
	// (BatchLocker), so that the journal's other writers (the offline
	// forwarder settling a refund from the gateway's record) take it too.
	batchMu *sync.RWMutex
}

// BatchLocker is a journal that shares its batch lock: the service holds
// it for writing while it totals a batch and closes it, and whoever
// records money in the open batch outside the service (the offline
// forwarder and recovery settling a refund whose answer was lost) holds it
// for reading while it reads the open batch and writes.
type BatchLocker interface {
	BatchLock() *sync.RWMutex
}

// gatewayReachable is the service's belief about the gateway (Opts.Online,
// a Connectivity kept by every gateway call and a probe): prefer_online
// payments go online as soon as the gateway answers again.
func (s *Service) gatewayReachable() bool {
	return s.o.Card.Gateway != nil && (s.o.Online == nil || s.o.Online())
}

// flow is one running payment.
type flow struct {
	cancel context.CancelFunc
	done   chan struct{}
	pin    chan pinEntry // set while the payment awaits a PIN
}

// New checks o and returns a Service ready to take payments.
func New(o Opts) (*Service, error) {
	if o.Journal == nil {
		return nil, errors.New("payment: a journal is required")
	}
	if o.Currency == "" {
		o.Currency = "EUR"
	}
	if !KnownCurrency(o.Currency) {
		return nil, fmt.Errorf("%w: %q", ErrUnknownCurrency, o.Currency)
	}
	if o.Lang == "" {
		o.Lang = "fr"
	}
	if o.MaxAmount == 0 {
		o.MaxAmount = 100_000_000
	}
	if o.CardTimeout == 0 {
		o.CardTimeout = 60 * time.Second
	}
	if o.PINTimeout == 0 {
		o.PINTimeout = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Service{o: o, log: o.Logger, active: map[string]*flow{}, ops: map[string]bool{}, batchMu: new(sync.RWMutex)}
	if bl, ok := o.Journal.(BatchLocker); ok {
		s.batchMu = bl.BatchLock()
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// Close cancels running payments and waits for them to record how they ended.
func (s *Service) Close() error {
	s.cancel()
	s.wg.Wait()
	return nil
}

// Wait blocks until no payment is running (tests, orderly shutdown).
func (s *Service) Wait() { s.wg.Wait() }

// Merchant is who the terminal sells for.
func (s *Service) Merchant() Merchant { return s.o.Merchant }

// Currency is the terminal's currency.
func (s *Service) Currency() string { return s.o.Currency }

// Subscribe returns a channel of every event from now on, and a func to stop.
func (s *Service) Subscribe(buffer int) (<-chan Event, func()) { return s.bus.subscribe(buffer) }

// Request is one payment to take.
type Request struct {
	Amount    Amount
	Method    Method
	Reference string // the cash register's reference, free text
	Email     string // required for paylink, optional receipt address otherwise
	Policy    OfflinePolicy
	BuyerCode string // Alipay+ CPM: the customer's payment code; empty = show a QR
	// ScanCode reads the customer's payment code with the scanner (Alipay+
	// CPM) instead of showing a QR.
	ScanCode bool
	Cashier  string
}

// Validate reports the first problem with r, for the API and the UI.
func (s *Service) Validate(r Request) error {
	if err := r.Amount.Validate(); err != nil {
		return err
	}
	if r.Amount.Currency != s.o.Currency {
		return fmt.Errorf("%w: this terminal takes %s, not %s", ErrCurrencyNotAccepted, s.o.Currency, r.Amount.Currency)
	}
	if r.Amount.Minor > s.o.MaxAmount {
		return fmt.Errorf("%w: %s is above this terminal's maximum of %s", ErrAmountTooLarge,
			r.Amount, Amount{s.o.MaxAmount, s.o.Currency})
	}
	if _, err := ParseMethod(string(r.Method)); err != nil {
		return fmt.Errorf("%w: %q", err, r.Method)
	}
	if _, err := ParseOfflinePolicy(string(r.Policy)); err != nil {
		return fmt.Errorf("%w: %q", err, r.Policy)
	}
	if len(r.Reference) > 64 {
		return fmt.Errorf("%w: reference is longer than 64 characters", ErrInvalidRequest)
	}
	if err := printable("reference", r.Reference); err != nil {
		return err
	}
	if r.Email != "" || r.Method == MethodPayLink {
		if err := ValidateEmail(r.Email); err != nil {
			return err
		}
	}
	if r.ScanCode && (r.Method != MethodAlipayPlus || s.o.Wallet.Scanner == nil || r.BuyerCode != "") {
		return fmt.Errorf("%w: scanning a payment code needs an Alipay+ payment, a scanner and no buyer code", ErrInvalidRequest)
	}
	if r.Method != MethodCard && r.Policy == ForceOffline {
		return fmt.Errorf("%w: %s payments are online only", ErrOfflineRefused, r.Method)
	}
	switch {
	case r.Method == MethodCard && s.o.Card.Reader == nil,
		r.Method == MethodAlipayPlus && s.o.Wallet.Wallets == nil,
		r.Method == MethodPayLink && s.o.Links == nil:
		return fmt.Errorf("%w: no %s payments on this terminal", ErrNotSupported, r.Method)
	}
	return nil
}

// printable refuses text that receipts, e-mails and the cash register's
// logs cannot carry as it is: invalid UTF-8 or control characters (a
// newline in a reference would forge a receipt or log line).
func printable(field, v string) error {
	if !utf8.ValidString(v) {
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalidRequest, field)
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w: %s contains a control character (U+%04X)", ErrInvalidRequest, field, r)
		}
	}
	return nil
}

// ValidateEmail accepts one plain address (local@domain.tld).
func ValidateEmail(e string) error {
	if err := printable("e-mail address", e); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidEmail, err)
	}
	at := strings.LastIndexByte(e, '@')
	if e == "" || len(e) > 254 || at < 1 || at == len(e)-1 ||
		!strings.Contains(e[at+1:], ".") || strings.ContainsAny(e, " <>,;\"\r\n\t") {
		return fmt.Errorf("%w: %q is not an e-mail address", ErrInvalidEmail, e)
	}
	return nil
}

// Pay validates r, records the payment and starts it. It returns at once with
// the payment in state created; events and Get follow it to its end.
func (s *Service) Pay(ctx context.Context, r Request) (*Transaction, error) {
	if err := s.Validate(r); err != nil {
		return nil, err
	}
	r.Policy, _ = ParseOfflinePolicy(string(r.Policy))
	id := newID("pay_")
	if r.Method == MethodCard {
		s.readerMu.Lock()
		busy := s.readerHolder != ""
		if !busy {
			s.readerHolder = id
		}
		s.readerMu.Unlock()
		if busy {
			return nil, ErrBusy
		}
	}
	// The payment takes the open batch and is running before a close can
	// total that batch (batchMu): a close then waits for it (ErrBusy), or
	// it is created in the next batch.
	s.batchMu.RLock()
	batch, err := s.o.Journal.Batch(ctx)
	if err != nil {
		s.batchMu.RUnlock()
		s.releaseReader(id)
		return nil, fmt.Errorf("payment: reading the open batch: %w", err)
	}
	now := s.o.Now()
	t := &Transaction{
		ID: id, OrderID: NewOrderID(s.o.Merchant.TerminalID, now),
		Reference: r.Reference, Method: r.Method, State: StateCreated, Amount: r.Amount,
		Policy: r.Policy, Batch: batch, Email: r.Email, Cashier: r.Cashier,
		CreatedAt: now, UpdatedAt: now, History: []Step{{State: StateCreated, At: now}},
	}
	if err := s.o.Journal.Save(ctx, t); err != nil {
		s.batchMu.RUnlock()
		s.releaseReader(id)
		return nil, fmt.Errorf("payment: recording the new payment: %w", err)
	}
	fctx, cancel := context.WithCancel(s.ctx)
	f := &flow{cancel: cancel, done: make(chan struct{})}
	s.mu.Lock()
	s.active[t.ID] = f
	s.mu.Unlock()
	s.batchMu.RUnlock()
	s.publish(EventCreated, t, "")
	snapshot := t.Clone()
	// The reader is released when the card payment's outcome is recorded
	// (step), or here when the flow ends without one; releaseReader frees
	// it only for this payment, never under the next one.
	release := func() { s.releaseReader(t.ID) }
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(f.done)
		defer cancel()
		defer func() {
			s.mu.Lock()
			delete(s.active, t.ID)
			s.mu.Unlock()
			release()
		}()
		switch r.Method {
		case MethodCard:
			s.runCard(fctx, t)
		case MethodAlipayPlus:
			s.runWallet(fctx, t, r.BuyerCode, r.ScanCode)
		case MethodPayLink:
			s.runLink(fctx, t)
		}
	}()
	return snapshot, nil
}

// releaseReader frees the card reader if payment id holds it.
func (s *Service) releaseReader(id string) {
	s.readerMu.Lock()
	if s.readerHolder == id {
		s.readerHolder = ""
	}
	s.readerMu.Unlock()
}

// outcome reports whether a payment in state to has its outcome: neither
// waiting (for a card, a PIN, a customer) nor being processed.
func outcome(to State) bool {
	st := to.Status()
	return st != StatusPending && st != StatusProcessing
}

// end moves t to a final state (or an approval) for reason code, detail
// being the free text for logs.
func (s *Service) end(t *Transaction, to State, ev EventType, code ReasonCode, detail string) error {
	t.Code = code
	if detail == "" {
		detail = string(code)
	}
	return s.step(t, to, ev, detail)
}

// step moves t to state, saves it durably, then tells subscribers. When the
// save fails the flow must stop: the terminal never acts on a state it could
// not record.
func (s *Service) step(t *Transaction, to State, ev EventType, reason string) error {
	if err := t.Transition(to, s.o.Now(), reason); err != nil {
		return err
	}
	// Saving uses a context of its own: a cancelled payment must still
	// record that it was cancelled.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.save(ctx, t, to); err != nil {
		s.log.Error("journal write failed", "txn_id", t.ID, "state", to, "err", err)
		if fault, ok := StorageFaultOf(err); ok {
			// The flow stops here: the cashier and the cash register must
			// see it end, not wait for a card or an answer that will never
			// be recorded. The journal keeps the last state it could write;
			// boot recovery settles it.
			c := t.Clone()
			c.State, c.Code, c.Reason = StateFailed, ReasonStorage, fault.Message
			s.bus.publish(Event{Type: EventFailed, At: s.o.Now(), Message: fault.Message, Payment: c})
		}
		return fmt.Errorf("payment: recording %s: %w", to, err)
	}
	s.log.Info("payment step", "txn_id", t.ID, "state", to, "amount_minor", t.Amount.Minor, "reason", reason)
	if ev != "" {
		s.publish(ev, t, reason)
	}
	return nil
}

// save journals t. A card payment's outcome is written under readerMu and
// frees the reader in the same hold: whoever can read the outcome (GET
// /v1/payments/{id}) finds the reader free, and no next card payment
// starts before the outcome is on disk.
func (s *Service) save(ctx context.Context, t *Transaction, to State) error {
	if t.Method != MethodCard || !outcome(to) {
		return s.o.Journal.Save(ctx, t)
	}
	s.readerMu.Lock()
	defer s.readerMu.Unlock()
	if err := s.o.Journal.Save(ctx, t); err != nil {
		return err
	}
	if s.readerHolder == t.ID {
		s.readerHolder = ""
	}
	return nil
}

func (s *Service) publish(ev EventType, t *Transaction, msg string) {
	s.bus.publish(Event{Type: ev, At: s.o.Now(), Message: msg, Payment: t.Clone()})
}

// endCancelled records why a waiting payment ended without a sale: the
// cashier cancelled it (ctx cancelled), or else timeout says why.
func (s *Service) endCancelled(t *Transaction, ctx context.Context, timeout ReasonCode, detail string) {
	if errors.Is(context.Cause(ctx), context.Canceled) || ctx.Err() == context.Canceled {
		s.end(t, StateCancelled, EventCancelled, ReasonCancelledByCashier, "cancelled by the cashier")
		return
	}
	s.end(t, StateCancelled, EventCancelled, timeout, detail)
}

func (s *Service) runCard(ctx context.Context, t *Transaction) {
	if s.step(t, StateAwaitingCustomer, EventWaitingCard, "") != nil {
		return
	}
	rctx, cancel := context.WithTimeout(ctx, s.o.CardTimeout)
	forceOnline := t.Policy == RequireOnline || t.Policy == PreferOnline && s.gatewayReachable()
	res, err := s.o.Card.Reader.ReadCard(rctx, CardRequest{Amount: t.Amount, At: t.CreatedAt, ForceOnline: forceOnline})
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			s.endCancelled(t, ctx, ReasonTimeout, "")
			return
		}
		// cancel() above ended rctx whatever happened: only its deadline
		// means no card came; any other error is the reader's.
		if errors.Is(rctx.Err(), context.DeadlineExceeded) {
			s.end(t, StateCancelled, EventCancelled, ReasonTimeout, "no card presented in time")
			return
		}
		s.end(t, StateFailed, EventFailed, ReasonCardReadFailed, "card read failed: "+err.Error())
		return
	}
	switch res.Outcome {
	case CardOnlineRequest, CardApproved, CardDeclined:
	default:
		code, detail := cardFailure(res)
		s.end(t, StateFailed, EventFailed, code, detail)
		return
	}
	card := res.Card
	t.Card = &card
	if s.step(t, StateCardRead, EventCardRead, "") != nil {
		return
	}
	s.publish(EventRemoveCard, t, "")
	switch {
	case res.Outcome == CardDeclined:
		// The card's own decision on its issuer's rules: a decline.
		s.end(t, StateDeclined, EventDeclined, ReasonCardDeclined, "declined by the card")
	case res.Outcome == CardApproved:
		// The card approved offline (TC): the terminal still applies its own
		// limits, and the payment is forwarded later.
		s.takeOffline(ctx, t, res, ReasonOnlineRequired)
	case t.Policy == ForceOffline:
		s.takeOffline(ctx, t, res, ReasonOnlineRequired)
	default:
		s.authorise(ctx, t, res)
	}
	// The outcome is recorded and the reader freed with it (save): the
	// next payment may read its card while this one's receipt prints.
	s.printReceipt(t)
	s.emailReceipt(t)
}

// cardFailure is the reason code and detail of a card outcome that is
// neither an approval nor a decline.
func cardFailure(res CardResult) (ReasonCode, string) {
	switch res.Outcome {
	case CardTryAnotherInterface:
		return ReasonTryAnotherMethod, "card not accepted contactless: try another payment method (" + res.Reason + ")"
	case CardNotAccepted:
		return ReasonCardNotSupported, "card not accepted by this terminal (" + res.Reason + ")"
	}
	return ReasonCardReadFailed, "card transaction ended: " + res.Reason
}

// takeOffline approves t without the gateway when the card allows it and
// the merchant's limits are respected. Otherwise the payment fails — it is
// not declined: no issuer said no. unable is the code when the card
// insists on going online: why the terminal did not (gateway unreachable,
// or the payment was forced offline).
func (s *Service) takeOffline(ctx context.Context, t *Transaction, res CardResult, unable ReasonCode) {
	// An online PIN is verified by the issuer only: never offline.
	if !res.OfflineAllowed || t.Card.CVM == CVMOnlinePIN {
		s.end(t, StateFailed, EventFailed, unable, "this card must be authorised online; offline not possible")
		return
	}
	exp, err := s.o.Journal.Exposure(ctx)
	if err != nil {
		s.end(t, StateFailed, EventFailed, ReasonStorage, "cannot read the offline queue: "+err.Error())
		return
	}
	if err := s.o.Offline.Check(exp, t.Amount, t.Card.Brand, s.o.Now()); err != nil {
		s.end(t, StateFailed, EventFailed, ReasonOfflineLimit, strings.TrimPrefix(err.Error(), "payment: "))
		return
	}
	t.Offline = true
	s.step(t, StateOfflineApproved, EventOfflineApproved, "approved offline, will be sent to the bank")
}

func (s *Service) authorise(ctx context.Context, t *Transaction, res CardResult) {
	if s.o.Card.Gateway == nil {
		s.takeOffline(ctx, t, res, ReasonGatewayUnreachable)
		return
	}
	var block *PINBlock
	if t.Card.CVM == CVMOnlinePIN {
		if block = s.askPIN(ctx, t); block == nil {
			return
		}
	} else if s.step(t, StateAuthorising, EventAuthorising, "") != nil {
		return
	}
	for {
		gr, ambiguous, err := s.sale(ctx, t, block)
		if err == nil && !gr.Approved && gr.Decline == DeclinePINRequired && block == nil {
			// A soft decline (PSD2): the issuer wants the PIN. The declined
			// attempt is kept and the same payment goes again under a new
			// order ID, journaled with awaiting_pin before the PIN is asked:
			// the first attempt charged nothing, and the gateway refuses a
			// second sale under an order ID it has seen.
			t.Attempts = append(t.Attempts, Attempt{OrderID: t.OrderID, GatewayID: gr.GatewayID, Result: gr.Code,
				Decline: gr.Decline, At: s.o.Now()})
			t.OrderID = NewOrderID(s.o.Merchant.TerminalID, s.o.Now())
			if block = s.askPIN(ctx, t); block == nil {
				return
			}
			continue
		}
		s.settleSale(ctx, t, res, gr, ambiguous, block != nil, err)
		return
	}
}

// sale sends t (in state authorising) to the gateway, with the PIN block
// when one was entered. ambiguous: the request may have reached the
// gateway and the order was looked up.
func (s *Service) sale(ctx context.Context, t *Transaction, block *PINBlock) (GatewayResult, bool, error) {
	// Once the request may have left, the payment is not cancelled any more:
	// the answer is awaited even if the cashier cancels.
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 60*time.Second)
	defer cancel()
	req := SaleRequest{OrderID: t.OrderID, Amount: t.Amount, Card: *t.Card, CapturedAt: t.UpdatedAt, Reference: t.Reference, PIN: block}
	gr, err := s.o.Card.Gateway.Sale(actx, req)
	// ambiguous: the request may have reached the gateway. Even when a
	// lookup then finds nothing, the sale may still be processed late, so
	// the payment keeps a reversal owed (recovery and the forwarder look it
	// up again and void it if it shows up approved).
	ambiguous := err != nil && !errors.Is(err, ErrGatewayUnavailable)
	if ambiguous {
		// The gateway has no idempotency key: ask what it knows of the order.
		s.log.Warn("sale outcome unknown, looking the order up", "txn_id", t.ID, "err", err)
		gr, err = s.o.Card.Gateway.Lookup(actx, t.OrderID)
		if errors.Is(err, ErrNotFound) {
			err = fmt.Errorf("%w: order unknown at the gateway", ErrGatewayUnavailable)
		}
	}
	return gr, ambiguous, err
}

// settleSale records the gateway's answer to t's sale. withPIN: a PIN
// went with it, which only the issuer can verify, so no offline fallback.
func (s *Service) settleSale(ctx context.Context, t *Transaction, res CardResult, gr GatewayResult, ambiguous, withPIN bool, err error) {
	switch {
	case errors.Is(err, ErrGatewayUnavailable) && t.Policy == PreferOnline && !withPIN:
		s.takeOffline(ctx, t, res, ReasonGatewayUnreachable)
	case errors.Is(err, ErrGatewayUnavailable):
		t.ReversalPending = ambiguous
		s.end(t, StateFailed, EventFailed, ReasonGatewayUnreachable, "the bank cannot be reached and this payment must be online")
	case err != nil:
		t.ReversalPending = true
		s.end(t, StateFailed, EventFailed, ReasonNoAnswer, "no answer from the bank; the payment will be reversed if it went through")
	case gr.Approved:
		t.GatewayID, t.AuthCode, t.Result = gr.GatewayID, gr.AuthCode, gr.Code
		s.step(t, StateApproved, EventApproved, "")
	default:
		t.GatewayID, t.Result = gr.GatewayID, gr.Code
		s.end(t, StateDeclined, EventDeclined, DeclineCode(gr.Decline), declineDetail(gr.Decline, gr.Message))
	}
}

// declineDetail is the free text of a decline: its class and the
// gateway's message.
func declineDetail(class, msg string) string {
	if class == "" {
		class = DeclineGeneric
	}
	if msg == "" {
		return class
	}
	return class + ": " + msg
}

func (s *Service) runWallet(ctx context.Context, t *Transaction, buyerCode string, scan bool) {
	ev := EventType("")
	if scan {
		ev = EventWaitingCode
	}
	if s.step(t, StateAwaitingCustomer, ev, "") != nil {
		return
	}
	if scan {
		sctx, cancel := context.WithTimeout(ctx, s.o.CardTimeout)
		code, err := s.o.Wallet.Scanner.Scan(sctx)
		cancel()
		switch {
		case err != nil && ctx.Err() != nil:
			s.endCancelled(t, ctx, ReasonTimeout, "")
			return
		case err != nil && errors.Is(sctx.Err(), context.DeadlineExceeded): // not the cancel() above
			s.end(t, StateCancelled, EventCancelled, ReasonTimeout, "no payment code scanned in time")
			return
		case err != nil:
			s.end(t, StateFailed, EventFailed, ReasonCodeNotRead, "payment code not read: "+err.Error())
			return
		}
		buyerCode = code
	}
	req := WalletRequest{OrderID: t.OrderID, Amount: t.Amount, BuyerCode: buyerCode, Lang: s.o.Lang}
	res, err := s.o.Wallet.Wallets.Pay(ctx, req, func(u WalletUpdate) {
		t.QR, t.ExpireAt, t.Wallet = u.QR, u.ExpireAt, WalletCode(u.Wallet)
		if u.GatewayID != "" {
			t.GatewayID = u.GatewayID // what recovery asks the gateway about
		}
		t.UpdatedAt = s.o.Now()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.o.Journal.Save(sctx, t); err == nil {
			s.publish(EventQR, t, "")
		}
	})
	if res.Wallet != "" {
		t.Wallet = WalletCode(res.Wallet)
	}
	if res.GatewayID != "" {
		t.GatewayID = res.GatewayID
	}
	t.Result = res.Code
	switch {
	case err != nil && errors.Is(err, ErrOutcomeUnknown):
		// The gateway never confirmed the cancel: the customer may still
		// have paid. The payment ends here, with a reversal owed that the
		// forwarder settles from the gateway's record.
		t.ReversalPending = true
		s.end(t, StateFailed, EventFailed, ReasonNoAnswer, "wallet cancel not confirmed by the bank; it will be reversed if it was paid")
	case err != nil && ctx.Err() != nil:
		s.endCancelled(t, ctx, ReasonTimeout, "")
	case err != nil && errors.Is(err, ErrGatewayUnavailable):
		s.end(t, StateFailed, EventFailed, ReasonGatewayUnreachable, "wallet payment failed: "+err.Error())
	case err != nil:
		s.end(t, StateFailed, EventFailed, ReasonWalletFailed, "wallet payment failed: "+err.Error())
	case res.Approved:
		t.AuthCode = res.GatewayID
		t.ExchangeRate = res.ExchangeRate
		s.step(t, StateApproved, EventApproved, "")
	case res.Expired:
		s.end(t, StateExpired, EventExpired, ReasonNotPaidInTime, "the customer did not pay in time")
	case res.Cancelled:
		s.endCancelled(t, ctx, ReasonCancelledByCashier, "cancelled")
	default:
		code := DeclineCode(res.Decline)
		if code == ReasonIssuerDeclined {
			code = ReasonWalletDeclined
		}
		s.end(t, StateDeclined, EventDeclined, code, declineDetail(res.Decline, res.Message))
	}
	if t.State.Approved() || t.State == StateDeclined {
		s.printReceipt(t)
		s.emailReceipt(t)
	}
}

func (s *Service) runLink(ctx context.Context, t *Transaction) {
	record := func(l Link) error {
		t.LinkID, t.LinkURL, t.ExpireAt = l.ID, l.URL, l.ExpireAt
		return s.step(t, StateAwaitingCustomer, "", "")
	}
	link, err := s.o.Links.Create(ctx, LinkRequest{OrderID: t.OrderID, Amount: t.Amount, Email: t.Email, Lang: s.o.Lang, Prepared: record})
	if err != nil {
		code := ReasonLinkNotSent
		if errors.Is(err, ErrGatewayUnavailable) {
			code = ReasonGatewayUnreachable
		}
		s.end(t, StateFailed, EventFailed, code, "payment link not sent: "+err.Error())
		return
	}
	if t.State == StateCreated && record(link) != nil { // a Links that does not call Prepared
		return
	}
	s.publish(EventLinkSent, t, "")
}

// RefreshLinks asks the gateway where each pending link stands and records
// paid, expired and cancelled ones. cmd runs it periodically.
func (s *Service) RefreshLinks(ctx context.Context) error {
	if s.o.Links == nil {
		return nil
	}
	pending, err := s.o.Journal.List(ctx, Query{Method: MethodPayLink, States: []State{StateAwaitingCustomer}})
	if err != nil {
		return err
	}
	var errs []error
	for _, t := range pending {
		st, err := s.o.Links.Status(ctx, t.LinkID)
		if err != nil {
			errs = append(errs, fmt.Errorf("link of %s: %w", t.ID, err))
			continue
		}
		settled := ""
		if op := t.Pending; op != nil {
			if s.isRunning(op.ID) {
				continue
			}
			// A cancel nobody runs any more: the link's status settles it.
			if st.Status == "pending" {
				if err := s.drop(ctx, t.ID, *op); err != nil {
					errs = append(errs, err)
				}
				continue
			}
			settled = op.ID
		}
		if _, err := s.applyLinkState(ctx, t, st, settled); err != nil {
			errs = append(errs, fmt.Errorf("link of %s: %w", t.ID, err))
		}
	}
	return errors.Join(errs...)
}

// Get returns one payment.
func (s *Service) Get(ctx context.Context, id string) (*Transaction, error) {
	return s.o.Journal.Get(ctx, id)
}

// List returns payments matching q, newest first.
func (s *Service) List(ctx context.Context, q Query) ([]*Transaction, error) {
	return s.o.Journal.List(ctx, q)
}

// Cancel stops a payment that is still waiting for the customer. An approved
// payment answers ErrAlreadyApproved; one being authorised ErrNotCancellable.
func (s *Service) Cancel(ctx context.Context, id string) (*Transaction, error) {
	t, err := s.o.Journal.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	switch {
	case t.State == StateRefunded || t.State == StatePartiallyRefunded || t.State == StateRefundPending:
		return t, fmt.Errorf("%w: payment already %s", ErrNotCancellable, t.State.Status())
	case t.State.Approved():
		return t, ErrAlreadyApproved
	case t.State == StateAuthorising || t.State == StateCardRead:
		return t, fmt.Errorf("%w: the bank is being asked", ErrNotCancellable)
	case t.State.Final():
		return t, fmt.Errorf("%w: payment already %s", ErrNotCancellable, t.State.Status())
	}
	if t.Method == MethodPayLink && t.State == StateAwaitingCustomer {
		return s.cancelLink(ctx, id)
	}
	s.mu.Lock()
	f := s.active[id]
	s.mu.Unlock()
	if f == nil {
		return t, fmt.Errorf("%w: payment is not running", ErrNotCancellable)
	}
	if t.Method == MethodAlipayPlus {
		// The wallet flow cancels at the gateway: journal the intent first.
		t, err := s.begin(ctx, id, func(t *Transaction, _ int) error {
			if t.State.Final() || t.State.Approved() {
				return fmt.Errorf("%w: payment already %s", ErrNotCancellable, t.State.Status())
			}
			return s.intend(t, OpCancel, t.Amount, "")
		})
		if err != nil {
			return t, err
		}
	}
	f.cancel()
	select {
	case <-f.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return s.o.Journal.Get(ctx, id)
}

// cancelLink withdraws a payment link at the gateway, its intent journaled
// first. A lost answer leaves the cancel pending: RefreshLinks settles it
// from the link's status at the gateway.
func (s *Service) cancelLink(ctx context.Context, id string) (*Transaction, error) {
	t, err := s.begin(ctx, id, func(t *Transaction, _ int) error {
		if t.State != StateAwaitingCustomer {
			return fmt.Errorf("%w: payment already %s", ErrNotCancellable, t.State.Status())
		}
		return s.intend(t, OpCancel, t.Amount, "")
	})
	if err != nil {
		return nil, err
	}
	op := *t.Pending
	s.running(op.ID, true)
	defer s.running(op.ID, false)
	gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), opTimeout)
	defer cancel()
	err = s.o.Links.Cancel(gctx, t.LinkID)
	switch {
	case err == nil:
		t, err = s.settle(gctx, id, op, func(t *Transaction, open int) error {
			return completeOperation(t, op, 0, "", s.o.Now(), open)
		})
		if err == nil {
			s.publish(EventCancelled, t, "link cancelled by the cashier")
		}
		return t, err
	case errors.Is(err, ErrGatewayUnavailable):
		if serr := s.drop(gctx, id, op); serr != nil {
			return nil, serr
		}
		return nil, fmt.Errorf("payment: cancelling the link: %w", err)
	}
	t, uerr := s.markUnknown(gctx, id, op)
	if uerr != nil {
		return nil, uerr
	}
	return t, fmt.Errorf("%w: cancelling the link: %w", ErrOutcomeUnknown, err)
}

// running marks operation opID as being run by this process (or not): a
// pending operation nobody runs is settled from the gateway's record.
func (s *Service) running(opID string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if on {
		s.ops[opID] = true
	} else {
		delete(s.ops, opID)
	}
}

func (s *Service) isRunning(opID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ops[opID]
}

// OpenBatch is the number of the batch open now: the one the X report
// totals and a void still may be made in.
func (s *Service) OpenBatch(ctx context.Context) (int, error) {
	return s.o.Journal.Batch(ctx)
}

// Report is the X report of the open batch: the money moved in it, sales
// and refunds, whichever batch a refunded sale counts in.
func (s *Service) Report(ctx context.Context) (Report, error) {
	b, err := s.o.Journal.Batch(ctx)
	if err != nil {
		return Report{}, err
	}
	txns, err := s.o.Journal.List(ctx, Query{MovedIn: b})
	if err != nil {
		return Report{}, err
	}
	// What is still to forward is the journal's queue, not the batch's
	// share of it: the number the cashier's status and the forwarder show.
	e, err := s.o.Journal.Exposure(ctx)
	if err != nil {
		return Report{}, err
	}
	return buildReport("X", b, s.o.Merchant.TerminalID, s.o.Currency, s.o.Now(), txns).withQueue(e), nil
}

// runningPayments is how many payments are still running.
func (s *Service) runningPayments() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.active)
}

// closeRefreshTimeout bounds the look at pending links before a Z report:
// the close must not wait on a slow gateway.
const closeRefreshTimeout = 10 * time.Second

// refreshLinksBeforeClose asks the gateway about the pending links before
// the Z report: money a customer paid by link before the close belongs in
// this batch, and the periodic refresh may be a period behind. Best
// effort: a gateway known down is not asked, one that does not answer in
// time leaves those links to the next batch, and the close goes on.
func (s *Service) refreshLinksBeforeClose(ctx context.Context) {
	if s.o.Links == nil || (s.o.Online != nil && !s.o.Online()) {
		return
	}
	rctx, cancel := context.WithTimeout(ctx, closeRefreshTimeout)
	defer cancel()
	if err := s.RefreshLinks(rctx); err != nil {
		s.log.Warn("payment links not all refreshed before the Z report", "err", err)
	}
}

// closeBatch totals the open batch and closes it, with no payment
// recording itself in the batch in between (batchMu).
func (s *Service) closeBatch(ctx context.Context) (Report, error) {
	s.batchMu.Lock()
	defer s.batchMu.Unlock()
	// Asked again now that no payment can start in this batch: one may
	// have started while the links were refreshed.
	if n := s.runningPayments(); n > 0 {
		return Report{}, fmt.Errorf("%w: %d payment(s) still running", ErrBusy, n)
	}
	r, err := s.Report(ctx)
	if err != nil {
		return Report{}, err
	}
	// A void undoes its sale: one still awaiting the bank's answer would
	// take the sale out of this batch after its Z report counted it. Voids
	// start under the read lock in their sale's open batch (Void), so none
	// starts after this look.
	voiding, err := s.o.Journal.List(ctx, Query{Batch: r.Batch, States: []State{StateVoidPending}})
	if err != nil {
		return Report{}, err
	}
	if len(voiding) > 0 {
		return Report{}, fmt.Errorf("%w: the void of TRANS. %06d awaits the bank's answer", ErrBusy, voiding[0].Sequence)
	}
	r.Kind = "Z"
	if _, err := s.o.Journal.CloseBatch(ctx, r.At); err != nil {
		return Report{}, fmt.Errorf("payment: closing batch %d: %w", r.Batch, err)
	}
	return r, nil
}

// CloseBatch produces the Z report and closes the batch. Payments still
// running keep the batch open: ErrBusy.
func (s *Service) CloseBatch(ctx context.Context) (Report, error) {
	if n := s.runningPayments(); n > 0 {
		return Report{}, fmt.Errorf("%w: %d payment(s) still running", ErrBusy, n)
	}
	s.refreshLinksBeforeClose(ctx)
	r, err := s.closeBatch(ctx)
	if err != nil {
		return Report{}, err
	}
	zr := r
	s.bus.publish(Event{Type: EventBatchClosed, At: r.At, Message: fmt.Sprintf("batch %d closed", r.Batch), Report: &zr})
	if s.o.Receipts.Printer != nil {
		if err := s.o.Receipts.Printer.Print(ctx, BuildReportReceipt(r, s.o.Merchant, s.o.Lang)); err != nil {
			s.log.Warn("Z report not printed", "err", err)
		}
	}
	if s.o.Receipts.Notifier != nil {
		if err := s.o.Receipts.Notifier.SendReport(ctx, r, ReportText(r, s.o.Merchant, s.o.Lang)); err != nil {
			s.log.Warn("Z report not e-mailed", "err", err)
		}
	}
	return r, nil
}
