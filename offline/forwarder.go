package offline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"tpe/payment"
)

// ForwarderOpts configures a Forwarder. nil means defaults.
type ForwarderOpts struct {
	// Concurrency bounds the gateway requests in flight at once (Sales,
	// advice batches, lookups); default 4.
	Concurrency int
	// BatchSize is the most advices sent in one request when the gateway
	// offers batches (payment.AdviceBatcher), capped by what it announces;
	// default 100. Negative sends one Sale per advice whatever the gateway
	// offers.
	BatchSize int
	// BackoffMin and BackoffMax bound the exponential backoff after a
	// failed round (gateway unreachable, an outcome left unknown); defaults
	// 1 s and 5 min. Each wait is drawn in [0, d] (full jitter), so
	// terminals that lost the network together do not come back in
	// lockstep. A Retry-After the gateway sent (429, 503) is waited out
	// first, the drawn wait on top.
	BackoffMin, BackoffMax time.Duration
	// Jitter is the window after an outage (and after start: a power cut
	// takes a whole street's terminals down together) in which the first
	// forward of a waiting queue is spread: it waits a random part of it.
	// Default 30 s; negative none.
	Jitter time.Duration
	// Rate caps the gateway requests the forwarder starts per second
	// (Sales, batches, lookups), with a burst of one second's worth;
	// default 50 (5 000 advices a second in batches of 100). Negative is
	// no cap.
	Rate float64
	// Every is how often an idle forwarder checks the gateway; default 30 s.
	// A new offline approval or ForwardNow wakes it earlier.
	Every time.Duration
	// Timeout bounds each gateway call; default 30 s.
	Timeout time.Duration
	// Chunk is how many payments share one journal commit; default 64.
	Chunk int
	// OnChange is told of every payment the forwarder settles:
	// payment.EventForwarded, or payment.EventDeclined for an approval the
	// issuer refused (state forward_declined). cmd wires it to
	// payment.Service.Announce. It must not block.
	OnChange func(ev payment.EventType, t *payment.Transaction)
	// Wallets reverses the wallet payments owed a reversal (a cancel the
	// gateway never confirmed, the customer maybe charged) through the
	// wallet's own endpoints; nil leaves them owed (logged each round).
	// Card reversals go through the Gateway's Void.
	Wallets payment.WalletReverser
	Logger  *slog.Logger
	Now     func() time.Time
	// Rand returns a number in [0, 1) for the jitter; default math/rand/v2.
	Rand func() float64
}

// Forwarder sends offline approvals to the gateway when it is reachable.
type Forwarder struct {
	st  *Store
	gw  payment.Gateway
	o   ForwarderOpts
	log *slog.Logger

	round sync.Mutex // one forwarding round at a time: never two Sales of one order
	kick  chan struct{}
	pace  *pacer // the rate cap; nil for none

	mu          sync.Mutex
	resolve     map[string]bool // in-flight payments boot recovery left pending
	online      bool
	checked     time.Time
	failures    int
	lastErr     string
	forwarded   int
	lastForward time.Time
}

// NewForwarder returns a forwarder of st's queue to gw.
func NewForwarder(st *Store, gw payment.Gateway, o *ForwarderOpts) *Forwarder {
	var opts ForwarderOpts
	if o != nil {
		opts = *o
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.BatchSize == 0 {
		opts.BatchSize = 100
	}
	if opts.Jitter == 0 {
		opts.Jitter = 30 * time.Second
	}
	if opts.Rate == 0 {
		opts.Rate = 50
	}
	if opts.BackoffMin <= 0 {
		opts.BackoffMin = time.Second
	}
	if opts.BackoffMax < opts.BackoffMin {
		opts.BackoffMax = max(5*time.Minute, opts.BackoffMin)
	}
	if opts.Every <= 0 {
		opts.Every = 30 * time.Second
	}
	if opts.Chunk <= 0 {
		opts.Chunk = 64
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Rand == nil {
		opts.Rand = rand.Float64
	}
	f := &Forwarder{st: st, gw: gw, o: opts, log: opts.Logger, kick: make(chan struct{}, 1)}
	if opts.Rate > 0 {
		f.pace = newPacer(opts.Rate, opts.Now)
	}
	return f
}

// Run forwards until ctx ends: a round whenever the gateway may be
// reachable, exponential backoff with jitter after a failed one. It returns
// nil when ctx is cancelled.
func (f *Forwarder) Run(ctx context.Context) error {
	failures := 0
	outage := true // at start too: the terminal may have been down with the fleet
	for {
		if outage {
			if err := f.spread(ctx); err != nil {
				failures++
				f.sleep(ctx, f.backoff(failures)+retryAfterOf(err))
				if ctx.Err() != nil {
					return nil
				}
				continue
			}
			outage = false
		}
		n, err := f.ForwardNow(ctx)
		if ctx.Err() != nil {
			return nil
		}
		var wait time.Duration
		switch {
		case err != nil:
			failures++
			wait = f.backoff(failures)
			if ra := retryAfterOf(err); ra > 0 {
				// The gateway said when to come back: not before, and
				// spread after it like any other wait.
				wait += ra
			}
			outage = errors.Is(err, payment.ErrGatewayUnavailable) || errors.Is(err, errUnreachable)
			f.log.Warn("forwarding paused", "failures", failures, "retry_in_ms", wait.Milliseconds(), "err", err)
		case n > 0:
			failures = 0
			continue // more may have been queued meanwhile
		default:
			failures = 0
			wait = f.o.Every
		}
		timer := time.NewTimer(wait)
		wake := f.st.enqueued
		if failures > 0 {
			// A new offline approval while the gateway is down says
			// nothing about the gateway: keep backing off.
			wake = nil
		}
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-timer.C:
		case <-f.kick:
			timer.Stop()
		case <-wake:
			timer.Stop()
		}
	}
}

// Kick asks a running forwarder to try now (the network came back).
func (f *Forwarder) Kick() {
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

// Resolve hands the forwarder the payments boot recovery could not resolve
// (Report.Pending): it retries them whenever the gateway answers. Only IDs
// from a boot-time Recover belong here — a payment in state authorising
// found later may be one the service is running.
func (f *Forwarder) Resolve(ids ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.resolve == nil {
		f.resolve = map[string]bool{}
	}
	for _, id := range ids {
		f.resolve[id] = true
	}
}

// resolveOwed finishes reversals owed at runtime (a sale whose outcome the
// gateway never gave, now over on the terminal) and the payments handed
// over by Resolve, so a customer charged without the cashier knowing is
// refunded as soon as the gateway is back — not at the next boot.
func (f *Forwarder) resolveOwed(ctx context.Context) {
	txns, err := f.st.inFlight(ctx)
	if err != nil {
		f.log.Warn("reading payments owed a resolution", "err", err)
		return
	}
	for _, t := range txns {
		f.mu.Lock()
		boot := f.resolve[t.ID]
		f.mu.Unlock()
		// Owed: a reversal of a payment the service no longer runs, or an
		// operation whose answer was lost. Anything else found here is a
		// payment or operation the service is running right now.
		owed := t.ReversalPending && !inFlight(t.State) || t.Pending != nil && t.Pending.Unknown
		if !boot && !owed {
			continue
		}
		var r Report
		if err := recoverOne(ctx, f.st, f.gw, f.o.Wallets, t, &r); err != nil {
			f.log.Warn("resolving an interrupted payment", "txn_id", t.ID, "err", err)
			continue
		}
		if len(r.Pending) > 0 {
			continue
		}
		f.mu.Lock()
		delete(f.resolve, t.ID)
		f.mu.Unlock()
		if f.o.OnChange == nil {
			continue
		}
		got, err := f.st.Get(ctx, t.ID)
		switch {
		case err != nil:
		case len(r.Reversed) > 0:
			f.o.OnChange(payment.EventReversed, got)
		case len(r.Settled) > 0:
			f.o.OnChange(settledEvent(got), got)
		}
	}
}

// settledEvent is what subscribers are told of a payment settled from the
// gateway's record.
func settledEvent(t *payment.Transaction) payment.EventType {
	switch t.State {
	case payment.StateRefunded, payment.StatePartiallyRefunded:
		return payment.EventRefunded
	case payment.StateReversed:
		return payment.EventReversed
	case payment.StateApproved:
		return payment.EventApproved
	}
	return payment.EventOperationSettled
}

// backoff is the wait after the n-th failed round in a row: exponential,
// full jitter (a uniform draw in [0, d]).
func (f *Forwarder) backoff(n int) time.Duration {
	d := f.o.BackoffMin
	for i := 1; i < n && d < f.o.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, f.o.BackoffMax)
	return time.Duration(f.o.Rand() * float64(d))
}

// spread is the first step after an outage (or start): it checks the
// gateway answers, then, when payments are waiting, waits a random part of
// the Jitter window before they go — every terminal of a chain sees the
// network come back at the same second. It fails when the gateway is
// still unreachable.
func (f *Forwarder) spread(ctx context.Context) error {
	if f.gw == nil {
		return nil // ForwardNow reports it
	}
	if err := f.ping(ctx); err != nil {
		f.log.Warn("gateway still unreachable", "err", err)
		return err
	}
	if f.o.Jitter <= 0 {
		return nil
	}
	if e, err := f.st.Exposure(ctx); err != nil || e.Count == 0 {
		return nil
	}
	wait := time.Duration(f.o.Rand() * float64(f.o.Jitter))
	f.log.Info("gateway back, spreading the first forward", "wait_ms", wait.Milliseconds(), "window_ms", f.o.Jitter.Milliseconds())
	f.sleep(ctx, wait)
	return nil
}

// sleep waits d or until ctx ends.
func (f *Forwarder) sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// ping asks the gateway whether it answers and records the answer.
func (f *Forwarder) ping(ctx context.Context) error {
	pctx, cancel := context.WithTimeout(ctx, f.o.Timeout)
	err := f.gw.Ping(pctx)
	cancel()
	f.setOnline(err)
	return err
}

// errUnreachable is a round that stopped at the ping.
var errUnreachable = errors.New("offline: gateway unreachable")

// retryAfterOf is the wait a gateway asked for with err (Retry-After on a
// 429 or 503, as the gateway client reports it), 0 if none.
func retryAfterOf(err error) time.Duration {
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		return ra.RetryAfter()
	}
	return 0
}

// ForwardNow runs one round: ping the gateway, then forward the whole queue
// in order, at most Concurrency at once. It returns how many payments were
// settled (forwarded or forward-declined) and the first failure.
func (f *Forwarder) ForwardNow(ctx context.Context) (int, error) {
	f.round.Lock()
	defer f.round.Unlock()
	if f.gw == nil {
		return 0, fmt.Errorf("%w: no gateway configured", ErrNotAvailable)
	}
	if err := f.ping(ctx); err != nil {
		return 0, fmt.Errorf("%w: %w", errUnreachable, err)
	}
	f.resolveOwed(ctx)
	items, err := f.st.Queue(ctx, 0)
	if err != nil {
		return 0, err
	}
	batch, chunk := f.batchSize(ctx, len(items))
	settled := 0
	var first error
	for start := 0; start < len(items) && ctx.Err() == nil; start += chunk {
		n, err := f.forwardChunk(ctx, items[start:min(start+chunk, len(items))], batch)
		settled += n
		if err != nil && first == nil {
			first = err
		}
		if errors.Is(err, payment.ErrGatewayUnavailable) {
			break // the gateway went away: back off
		}
	}
	f.mu.Lock()
	f.forwarded += settled
	if settled > 0 {
		f.lastForward = f.o.Now()
	}
	if first != nil {
		f.failures++
		f.lastErr = first.Error()
	} else {
		f.failures = 0
		f.lastErr = ""
	}
	f.mu.Unlock()
	if first == nil && ctx.Err() != nil {
		first = ctx.Err()
	}
	return settled, first
}

func (f *Forwarder) setOnline(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.online = err == nil
	f.checked = f.o.Now()
	if err != nil {
		f.failures++
		f.lastErr = err.Error()
	}
}

// forwardChunk forwards items in order, at most Concurrency requests at
// once: in advice batches of up to batch payments when batch > 0, one Sale
// each otherwise. The journal is written twice per chunk, not twice per
// payment: once before any request leaves (attempts marked), once with
// every outcome. A crash in between leaves marked attempts, which the next
// round resolves by lookup.
func (f *Forwarder) forwardChunk(ctx context.Context, items []QueueItem, batch int) (int, error) {
	if err := f.st.markAttempts(items, f.o.Now()); err != nil {
		return 0, fmt.Errorf("offline: recording forward attempts: %w", err)
	}
	outs := make([]*outcome, len(items))
	for i, it := range items {
		outs[i] = &outcome{item: it}
	}
	// halted stops dispatching once the gateway is gone; requests already
	// in flight finish normally — cancelling them would make their outcome
	// unknown for nothing.
	var halted atomic.Bool
	notSent := func(o *outcome, err error) {
		o.err = fmt.Errorf("offline: forwarding %s: %w", o.item.ID, payment.ErrGatewayUnavailable)
		if err != nil {
			o.err = err
		}
	}
	if b, ok := f.gw.(payment.AdviceBatcher); ok && batch > 0 {
		// Payments that may have reached the gateway before are looked
		// up first; the rest go in batches.
		ready := make([]bool, len(outs))
		f.fanOut(ctx, len(outs), &halted, func(i int) { ready[i] = f.prepare(ctx, outs[i], &halted) },
			func(i int, err error) { notSent(outs[i], err) })
		var todo []*outcome
		for i, o := range outs {
			if ready[i] {
				todo = append(todo, o)
			}
		}
		groups := (len(todo) + batch - 1) / batch
		f.fanOut(ctx, groups, &halted, func(g int) {
			f.sendBatch(ctx, b, todo[g*batch:min((g+1)*batch, len(todo))], &halted)
		}, func(g int, err error) {
			for _, o := range todo[g*batch : min((g+1)*batch, len(todo))] {
				notSent(o, err)
			}
		})
	} else {
		f.fanOut(ctx, len(outs), &halted, func(i int) {
			if f.prepare(ctx, outs[i], &halted) {
				f.sale(ctx, outs[i], &halted)
			}
		}, func(i int, err error) { notSent(outs[i], err) })
	}
	if err := f.st.recordOutcomes(outs); err != nil {
		return 0, fmt.Errorf("offline: recording forward outcomes: %w", err)
	}
	settled := 0
	var first error
	for _, o := range outs {
		switch {
		case o.settled && o.stale:
			f.reverseStale(ctx, o)
		case o.settled:
			settled++
			f.announce(o.t)
		case o.err != nil && (first == nil || worse(o.err, first)):
			first = o.err
		}
	}
	return settled, first
}

// worse reports whether err says more than first about when to come back:
// "unreachable" decides the backoff, and a Retry-After the wait.
func worse(err, first error) bool {
	down, firstDown := errors.Is(err, payment.ErrGatewayUnavailable), errors.Is(first, payment.ErrGatewayUnavailable)
	return down && !firstDown || retryAfterOf(err) > retryAfterOf(first)
}

// fanOut runs do(0…n-1) in order, at most Concurrency at once. Once halted
// is set (the gateway went away) or ctx ends, the rest are not started:
// skip is called for each, with ctx's error if it ended.
func (f *Forwarder) fanOut(ctx context.Context, n int, halted *atomic.Bool, do func(int), skip func(int, error)) {
	sem := make(chan struct{}, f.o.Concurrency)
	var wg sync.WaitGroup
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			skip(i, ctx.Err())
			continue
		}
		if halted.Load() {
			<-sem
			skip(i, nil)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			do(i)
		}()
	}
	wg.Wait()
}

// batchSize is the advices per batch for a round of queued payments (0:
// one Sale each) and the payments per journal chunk: enough for
// Concurrency batches in flight.
func (f *Forwarder) batchSize(ctx context.Context, queued int) (batch, chunk int) {
	b, ok := f.gw.(payment.AdviceBatcher)
	if !ok || f.o.BatchSize < 0 || queued < 2 {
		return 0, f.o.Chunk
	}
	batch = min(f.o.BatchSize, b.AdviceBatchMax(ctx))
	if batch < 2 {
		return 0, f.o.Chunk
	}
	return batch, max(f.o.Chunk, batch*f.o.Concurrency)
}

// sendBatch forwards prepared payments in one advice batch and fills each
// one's outcome. A batch whose reply was lost is resolved order by order
// by lookup; what the gateway does not know stays queued, marked sent, for
// the next round to look up again before resending — never resent blindly.
func (f *Forwarder) sendBatch(ctx context.Context, b payment.AdviceBatcher, group []*outcome, halted *atomic.Bool) {
	reqs := make([]payment.SaleRequest, len(group))
	for i, o := range group {
		reqs[i] = adviceOf(o.t)
	}
	if err := f.pace.wait(ctx); err != nil {
		for _, o := range group {
			o.err = err
		}
		return
	}
	bctx, cancel := context.WithTimeout(ctx, f.o.Timeout)
	res, err := b.SaleBatch(bctx, reqs)
	cancel()
	switch {
	case err == nil:
		for i, o := range group {
			if res[i].Err == nil {
				f.settle(o, res[i].Result)
			} else {
				f.resolveUnknown(ctx, o, res[i].Err)
			}
		}
	case errors.Is(err, payment.ErrGatewayUnavailable):
		halted.Store(true)
		for _, o := range group {
			o.err = fmt.Errorf("offline: forwarding %s: %w", o.t.ID, err)
		}
	default:
		f.log.Warn("advice batch outcome unknown, looking each order up", "advices", len(group), "err", err)
		for _, o := range group {
			f.resolveUnknown(ctx, o, err)
		}
	}
}

// resolveUnknown settles o from the gateway's record after its Sale or
// batch got no answer; when the gateway does not know the order (yet), o
// stays queued, marked sent.
func (f *Forwarder) resolveUnknown(ctx context.Context, o *outcome, cause error) {
	if res, lerr := f.lookup(ctx, o.t.OrderID); lerr == nil {
		f.settle(o, res)
		return
	}
	o.sent = true
	o.err = fmt.Errorf("offline: forwarding %s: outcome unknown: %w", o.t.ID, cause)
}

// prepare reads one queued payment into o and reports whether it is to be
// sent. Whenever a Sale of it may have reached the gateway before, the
// order is looked up first: the gateway has no idempotency key, and a
// second Sale would charge twice. Found, o is settled and not sent.
func (f *Forwarder) prepare(ctx context.Context, o *outcome, halted *atomic.Bool) bool {
	it := o.item
	t, clear, stored, err := f.st.getQueued(ctx, it.ID)
	if err != nil {
		o.err = fmt.Errorf("offline: reading queued %s: %w", it.ID, err)
		return false
	}
	o.t, o.clear, o.stored = t, clear, stored
	if t.State != payment.StateOfflineApproved {
		o.err = fmt.Errorf("%w: %s is %s", ErrStale, t.ID, t.State)
		return false
	}
	if it.Attempts > 0 || triedOnline(t) {
		res, err := f.lookup(ctx, t.OrderID)
		switch {
		case err == nil:
			f.settle(o, res)
			return false
		case !errors.Is(err, payment.ErrNotFound):
			if errors.Is(err, payment.ErrGatewayUnavailable) {
				halted.Store(true)
			}
			o.err = fmt.Errorf("offline: looking up order of %s: %w", t.ID, err)
			return false
		}
	}
	return true
}

// sale forwards one prepared payment as a Sale and fills o.
func (f *Forwarder) sale(ctx context.Context, o *outcome, halted *atomic.Bool) {
	t := o.t
	if err := f.pace.wait(ctx); err != nil {
		o.err = err
		return
	}
	sctx, cancel := context.WithTimeout(ctx, f.o.Timeout)
	res, err := f.gw.Sale(sctx, adviceOf(t))
	cancel()
	if err == nil {
		f.settle(o, res)
		return
	}
	if errors.Is(err, payment.ErrGatewayUnavailable) {
		halted.Store(true)
		o.err = fmt.Errorf("offline: forwarding %s: %w", t.ID, err)
		return
	}
	// Unknown outcome (timeout, broken connection): ask before anything else.
	f.log.Warn("forward outcome unknown, looking the order up", "txn_id", t.ID, "err", err)
	f.resolveUnknown(ctx, o, err)
}

// adviceOf is the Sale that forwards offline approval t.
func adviceOf(t *payment.Transaction) payment.SaleRequest {
	return payment.SaleRequest{
		OrderID: t.OrderID, Amount: t.Amount, Card: cardOf(t), Offline: true,
		CapturedAt: capturedAt(t), Reference: t.Reference,
	}
}

func (f *Forwarder) lookup(ctx context.Context, orderID string) (payment.GatewayResult, error) {
	if err := f.pace.wait(ctx); err != nil {
		return payment.GatewayResult{}, err
	}
	lctx, cancel := context.WithTimeout(ctx, f.o.Timeout)
	defer cancel()
	return f.gw.Lookup(lctx, orderID)
}

// triedOnline reports whether the service sent an online authorisation of t
// before approving it offline (the gateway timed out, then did not know the
// order): that request may still have been processed, so the forwarder asks
// before sending the order again.
func triedOnline(t *payment.Transaction) bool {
	for _, h := range t.History {
		if h.State == payment.StateAuthorising {
			return true
		}
	}
	return false
}

// capturedAt is when the card was read, as an online sale would have sent it.
func capturedAt(t *payment.Transaction) time.Time {
	for _, h := range t.History {
		if h.State == payment.StateCardRead {
			return h.At
		}
	}
	return t.CreatedAt
}

func cardOf(t *payment.Transaction) payment.CardData {
	if t.Card == nil {
		return payment.CardData{}
	}
	return *t.Card
}

// settle records the gateway's verdict on o; recordOutcomes applies it to
// the journal's latest copy of the payment (forwardResult).
func (f *Forwarder) settle(o *outcome, res payment.GatewayResult) {
	o.res, o.settled = res, true
}

// forwardResult applies the gateway's verdict on a forwarded offline
// approval to t. A decline is kept as forward_declined — flagged for the
// merchant, never dropped.
func forwardResult(t *payment.Transaction, res payment.GatewayResult, now time.Time) error {
	if res.Approved {
		if err := t.Transition(payment.StateForwarded, now, ""); err != nil {
			return err
		}
		t.AuthCode = res.AuthCode
	} else {
		reason := "declined by the issuer after the offline approval"
		if res.Decline != "" || res.Message != "" {
			reason += ": " + strings.TrimSpace(res.Decline+" "+res.Message)
		}
		t.Code = payment.DeclineCode(res.Decline)
		if err := t.Transition(payment.StateForwardDeclined, now, reason); err != nil {
			return err
		}
	}
	t.Forwarded = true
	t.GatewayID, t.Result = res.GatewayID, res.Code
	return nil
}

func (f *Forwarder) announce(t *payment.Transaction) {
	ev := payment.EventForwarded
	if t.State == payment.StateForwardDeclined {
		ev = payment.EventDeclined
		f.log.Warn("offline approval declined by the issuer", "txn_id", t.ID, "amount_minor", t.Amount.Minor, "outcome", t.Reason)
	} else {
		f.log.Info("offline approval forwarded", "txn_id", t.ID, "amount_minor", t.Amount.Minor)
	}
	if f.o.OnChange != nil {
		f.o.OnChange(ev, t.Clone())
	}
}

// reverseStale voids at the gateway a payment approved there while it was
// voided on the terminal: the customer must not pay for it.
func (f *Forwarder) reverseStale(ctx context.Context, o *outcome) {
	if !o.res.Approved {
		return
	}
	f.log.Warn("forwarded payment was voided on the terminal meanwhile, reversing it", "txn_id", o.t.ID)
	// The reversal is owed from now on, journaled before the gateway hears
	// of it: should the void fail or its answer be lost, the next round
	// (resolveOwed) finishes it from the gateway's record.
	owe := func(owed bool) error {
		_, err := f.st.Update(ctx, o.t.ID, func(t *payment.Transaction) error {
			t.ReversalPending = owed
			if owed && t.GatewayID == "" {
				t.GatewayID = o.res.GatewayID
			}
			return nil
		})
		return err
	}
	if err := owe(true); err != nil {
		f.log.Error("recording a reversal owed failed; not voiding now", "txn_id", o.t.ID, "err", err)
		return
	}
	vctx, cancel := context.WithTimeout(ctx, f.o.Timeout)
	defer cancel()
	res, err := f.gw.Void(vctx, o.res.GatewayID, o.t.Amount)
	if err != nil || !res.Approved {
		f.log.Error("reversal of a voided payment not done, will retry", "txn_id", o.t.ID, "err", err, "code", res.Code)
		return
	}
	if err := owe(false); err != nil {
		f.log.Error("recording a reversal done failed", "txn_id", o.t.ID, "err", err)
	}
}

// Status is what the operator sees of the forwarder.
type Status struct {
	Online          bool          `json:"online"`
	CheckedAt       time.Time     `json:"checked_at,omitzero"`
	Queued          int           `json:"queued"`
	QueuedTotal     int64         `json:"queued_total"` // minor units
	Oldest          time.Time     `json:"oldest,omitzero"`
	OldestAge       time.Duration `json:"oldest_age"`
	Failures        int           `json:"failures"` // failed rounds in a row
	LastError       string        `json:"last_error,omitempty"`
	Forwarded       int           `json:"forwarded"` // settled since start
	LastForward     time.Time     `json:"last_forward,omitzero"`
	ForwardDeclined int           `json:"forward_declined"`
}

// Status reports connectivity and the queue, without scanning the journal.
func (f *Forwarder) Status() Status {
	st, err := f.st.Stats(context.Background())
	f.mu.Lock()
	defer f.mu.Unlock()
	s := Status{
		Online: f.online, CheckedAt: f.checked, Failures: f.failures, LastError: f.lastErr,
		Forwarded: f.forwarded, LastForward: f.lastForward,
		Queued: st.Queued, QueuedTotal: st.QueuedTotal, Oldest: st.Oldest, ForwardDeclined: st.ForwardDeclined,
	}
	if err != nil && s.LastError == "" {
		s.LastError = err.Error()
	}
	if !st.Oldest.IsZero() {
		s.OldestAge = f.o.Now().Sub(st.Oldest)
	}
	return s
}
