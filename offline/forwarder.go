package offline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"tpe/payment"
)

// ForwarderOpts configures a Forwarder. nil means defaults.
type ForwarderOpts struct {
	// Concurrency bounds the Sales in flight at once; default 4.
	Concurrency int
	// BackoffMin and BackoffMax bound the exponential backoff after a
	// failed round (gateway unreachable, an outcome left unknown); defaults
	// 1 s and 5 min. Each wait is drawn in [d/2, d] (jitter), so terminals
	// that lost the network together do not come back in lockstep.
	BackoffMin, BackoffMax time.Duration
	// Every is how often an idle forwarder checks the gateway; default 30 s.
	// A new offline approval or ForwardNow wakes it earlier.
	Every time.Duration
	// Timeout bounds each gateway call; default 30 s.
	Timeout time.Duration
	// OnChange is told of every payment the forwarder settles:
	// payment.EventForwarded, or payment.EventDeclined for an approval the
	// issuer refused (state forward_declined). cmd wires it to
	// payment.Service.Announce. It must not block.
	OnChange func(ev payment.EventType, t *payment.Transaction)
	Logger   *slog.Logger
	Now      func() time.Time
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

	mu          sync.Mutex
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
	if opts.BackoffMin <= 0 {
		opts.BackoffMin = time.Second
	}
	if opts.BackoffMax < opts.BackoffMin {
		opts.BackoffMax = max(5*time.Minute, opts.BackoffMin)
	}
	if opts.Every <= 0 {
		opts.Every = 30 * time.Second
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
	return &Forwarder{st: st, gw: gw, o: opts, log: opts.Logger, kick: make(chan struct{}, 1)}
}

// Run forwards until ctx ends: a round whenever the gateway may be
// reachable, exponential backoff with jitter after a failed one. It returns
// nil when ctx is cancelled.
func (f *Forwarder) Run(ctx context.Context) error {
	failures := 0
	for {
		n, err := f.ForwardNow(ctx)
		if ctx.Err() != nil {
			return nil
		}
		var wait time.Duration
		switch {
		case err != nil:
			failures++
			wait = f.backoff(failures)
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

// backoff is the wait after the n-th failed round in a row.
func (f *Forwarder) backoff(n int) time.Duration {
	d := f.o.BackoffMin
	for i := 1; i < n && d < f.o.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, f.o.BackoffMax)
	return d/2 + time.Duration(f.o.Rand()*float64(d/2))
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
	pctx, cancel := context.WithTimeout(ctx, f.o.Timeout)
	err := f.gw.Ping(pctx)
	cancel()
	f.setOnline(err)
	if err != nil {
		return 0, fmt.Errorf("offline: gateway unreachable: %w", err)
	}
	items, err := f.st.Queue(ctx, 0)
	if err != nil {
		return 0, err
	}
	if len(items) == 0 {
		return 0, nil
	}
	var (
		mu      sync.Mutex
		settled int
		first   error
		wg      sync.WaitGroup
	)
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	sem := make(chan struct{}, f.o.Concurrency)
dispatch:
	for _, it := range items {
		select {
		case sem <- struct{}{}:
		case <-rctx.Done():
			break dispatch
		}
		if rctx.Err() != nil {
			<-sem
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			err := f.forward(rctx, it)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if first == nil {
					first = err
				}
				if errors.Is(err, payment.ErrGatewayUnavailable) {
					stop() // the gateway went away: stop sending, back off
				}
				return
			}
			settled++
		}()
	}
	wg.Wait()
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

// forward settles one queued payment. Whenever a Sale of it may have reached
// the gateway before, the order is looked up first: the gateway has no
// idempotency key, and a second Sale would charge the customer twice.
func (f *Forwarder) forward(ctx context.Context, it QueueItem) error {
	t, err := f.st.Get(ctx, it.ID)
	if err != nil {
		return fmt.Errorf("offline: reading queued %s: %w", it.ID, err)
	}
	if t.State != payment.StateOfflineApproved {
		return nil // settled since the queue was read
	}
	if it.Attempts > 0 {
		res, err := f.lookup(ctx, t.OrderID)
		switch {
		case err == nil:
			return f.settle(t, res)
		case !errors.Is(err, payment.ErrNotFound):
			f.note(it, false, err)
			return fmt.Errorf("offline: looking up order of %s: %w", t.ID, err)
		}
	}
	// Recorded before the request leaves: after a crash from here on, the
	// next round looks the order up instead of sending blind.
	if err := f.st.noteAttempt(it.Seq, f.o.Now(), true, ""); err != nil {
		return fmt.Errorf("offline: recording the attempt of %s: %w", t.ID, err)
	}
	sctx, cancel := context.WithTimeout(ctx, f.o.Timeout)
	res, err := f.gw.Sale(sctx, payment.SaleRequest{
		OrderID: t.OrderID, Amount: t.Amount, Card: cardOf(t), Offline: true,
		CapturedAt: t.CreatedAt, Reference: t.Reference,
	})
	cancel()
	if err == nil {
		return f.settle(t, res)
	}
	if errors.Is(err, payment.ErrGatewayUnavailable) {
		f.note(it, false, err)
		return fmt.Errorf("offline: forwarding %s: %w", t.ID, err)
	}
	// Unknown outcome (timeout, broken connection): ask before anything else.
	f.log.Warn("forward outcome unknown, looking the order up", "txn_id", t.ID, "err", err)
	res, lerr := f.lookup(ctx, t.OrderID)
	if lerr == nil {
		return f.settle(t, res)
	}
	f.note(it, false, err)
	return fmt.Errorf("offline: forwarding %s: outcome unknown: %w", t.ID, err)
}

func (f *Forwarder) lookup(ctx context.Context, orderID string) (payment.GatewayResult, error) {
	lctx, cancel := context.WithTimeout(ctx, f.o.Timeout)
	defer cancel()
	return f.gw.Lookup(lctx, orderID)
}

func (f *Forwarder) note(it QueueItem, sending bool, err error) {
	if nerr := f.st.noteAttempt(it.Seq, f.o.Now(), sending, err.Error()); nerr != nil {
		f.log.Warn("queue entry not updated", "txn_id", it.ID, "err", nerr)
	}
}

func cardOf(t *payment.Transaction) payment.CardData {
	if t.Card == nil {
		return payment.CardData{}
	}
	return *t.Card
}

// settle records the gateway's verdict on a forwarded payment. A decline is
// kept as forward_declined — flagged for the merchant, never dropped.
func (f *Forwarder) settle(t *payment.Transaction, res payment.GatewayResult) error {
	now := f.o.Now()
	ev := payment.EventForwarded
	if res.Approved {
		if err := t.Transition(payment.StateForwarded, now, ""); err != nil {
			return err
		}
		t.Forwarded = true
		t.GatewayID, t.AuthCode, t.Result = res.GatewayID, res.AuthCode, res.Code
	} else {
		reason := "declined by the issuer after the offline approval"
		if res.Decline != "" || res.Message != "" {
			reason += ": " + res.Decline
			if res.Message != "" {
				reason += " " + res.Message
			}
		}
		if err := t.Transition(payment.StateForwardDeclined, now, reason); err != nil {
			return err
		}
		t.Forwarded = true
		t.GatewayID, t.Result = res.GatewayID, res.Code
		ev = payment.EventDeclined
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.st.Save(ctx, t); err != nil {
		if res.Approved && errors.Is(err, ErrStale) {
			// The payment was voided on the terminal while it was being
			// forwarded: the customer must not pay for it.
			f.log.Warn("forwarded payment was voided meanwhile, reversing it", "txn_id", t.ID)
			if _, verr := f.gw.Void(ctx, res.GatewayID, t.Amount); verr != nil {
				return fmt.Errorf("offline: reversing %s voided during forwarding: %w", t.ID, verr)
			}
			return nil
		}
		return fmt.Errorf("offline: recording the forward of %s: %w", t.ID, err)
	}
	if ev == payment.EventDeclined {
		f.log.Warn("offline approval declined by the issuer", "txn_id", t.ID, "amount_minor", t.Amount.Minor, "outcome", res.Decline)
	} else {
		f.log.Info("offline approval forwarded", "txn_id", t.ID, "amount_minor", t.Amount.Minor)
	}
	if f.o.OnChange != nil {
		f.o.OnChange(ev, t.Clone())
	}
	return nil
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
