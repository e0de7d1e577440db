package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"sync"
	"time"
)

// Spool is the outbox's durable store (offline.Outbox in production: a
// bbolt file beside the journal). Put returns only once the mail is on
// disk; Pending lists what is still to send, oldest first.
type Spool interface {
	Put(ctx context.Context, data []byte) (uint64, error)
	Pending(ctx context.Context) ([]Spooled, error)
	// Done removes a mail the relay accepted.
	Done(ctx context.Context, id uint64) error
	// Failed records a failed try; permanent moves the mail aside (parked:
	// not sent again unless a technician retries it, see ParkedSpool).
	Failed(ctx context.Context, id uint64, reason string, permanent bool) error
}

// Spooled is one mail waiting in a Spool.
type Spooled struct {
	ID       uint64
	Data     []byte
	Attempts int
	Queued   time.Time
	// LastError is why the last try failed.
	LastError string
}

// Sender sends one message (*Mailer).
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// OutboxOpts configures an Outbox; nil means defaults.
type OutboxOpts struct {
	// MinBackoff and MaxBackoff bound the wait after a failed round,
	// doubling from the first to the second; default 5 s and 10 min.
	MinBackoff, MaxBackoff time.Duration
	// Every is how often Run looks at the spool without being kicked
	// (mails queued by another process, a clock jump); default 5 min.
	Every  time.Duration
	Logger *slog.Logger
}

// Outbox queues mail durably and sends it when the relay takes it: a mail
// server down for an hour or a terminal restarted meanwhile loses nothing,
// and each mail leaves once. Enqueue writes to the Spool before returning;
// Flush (and Run, which calls it) sends the queue in order.
//
// Once, not at least once: a mail is removed from the spool as soon as
// the relay accepted it (250 after DATA). Only a power cut between that
// answer and the spool's commit sends it again on restart, with the same
// Message-ID (Message.ID), which mail clients fold into one.
type Outbox struct {
	spool Spool
	send  Sender
	o     OutboxOpts
	log   *slog.Logger
	kick  chan struct{}
	mu    sync.Mutex // one Flush at a time: never two sends of a mail
}

// NewOutbox returns an outbox over spool sending through send.
func NewOutbox(spool Spool, send Sender, o *OutboxOpts) (*Outbox, error) {
	if spool == nil || send == nil {
		return nil, errors.New("notify: an outbox needs a spool and a sender")
	}
	var opts OutboxOpts
	if o != nil {
		opts = *o
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 5 * time.Second
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = max(10*time.Minute, opts.MinBackoff)
	}
	if opts.Every <= 0 {
		opts.Every = 5 * time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Outbox{spool: spool, send: send, o: opts, log: opts.Logger, kick: make(chan struct{}, 1)}, nil
}

// Enqueue checks m and stores it for sending. A malformed address or
// header is refused here (ErrInvalidAddress, ErrBadHeader), not found out
// by the relay hours later.
func (o *Outbox) Enqueue(ctx context.Context, m Message) error {
	if err := checkAddress(m.To); err != nil {
		return err
	}
	if m.ID == "" {
		m.ID = randomHex(16)
	}
	if _, err := Compose(m, defaultFrom, time.Time{}); err != nil {
		return err
	}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if _, err := o.spool.Put(ctx, b); err != nil {
		return fmt.Errorf("notify: queueing the mail: %w", err)
	}
	o.wake()
	return nil
}

// Flush sends the queued mail, oldest first, and returns how many the
// relay accepted. It stops at the first failure that may pass (relay down,
// 4xx): the rest would meet the same. A mail the relay refuses for good
// (5xx) or that can no longer be composed is set aside and the round goes
// on.
func (o *Outbox) Flush(ctx context.Context) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	queued, err := o.spool.Pending(ctx)
	if err != nil {
		return 0, fmt.Errorf("notify: reading the outbox: %w", err)
	}
	sent := 0
	for _, q := range queued {
		var m Message
		if err := json.Unmarshal(q.Data, &m); err != nil {
			o.log.Error("outbox mail unreadable: set aside", "mail_id", q.ID, "err", err)
			if ferr := o.spool.Failed(ctx, q.ID, "unreadable: "+err.Error(), true); ferr != nil {
				return sent, ferr
			}
			continue
		}
		err := o.send.Send(ctx, m)
		if err == nil {
			if derr := o.spool.Done(ctx, q.ID); derr != nil {
				return sent, fmt.Errorf("notify: mail %d sent but not removed from the outbox: %w", q.ID, derr)
			}
			sent++
			continue
		}
		if ctx.Err() != nil {
			return sent, ctx.Err()
		}
		permanent := permanentFailure(err)
		o.log.Warn("outbox mail not sent", "mail_id", q.ID, "to_domain", domainOf(m.To), "attempts", q.Attempts+1,
			"permanent", permanent, "err", err)
		if ferr := o.spool.Failed(ctx, q.ID, err.Error(), permanent); ferr != nil {
			return sent, ferr
		}
		if !permanent {
			return sent, err
		}
	}
	return sent, nil
}

// permanentFailure is a refusal retrying cannot change: a 5xx of the
// relay, a mail that cannot be composed. A connection refused, a timeout,
// a 4xx, TLS or AUTH trouble (credentials get fixed) may pass.
func permanentFailure(err error) bool {
	var se *SMTPError
	if errors.As(err, &se) && (se.Stage == "AUTH" || se.Stage == "STARTTLS") {
		return false
	}
	return errors.Is(err, ErrRejected) || errors.Is(err, ErrInvalidAddress) || errors.Is(err, ErrBadHeader)
}

// Run flushes the outbox whenever a mail is queued, after a failed round
// once its backoff has passed, and every Opts.Every, until ctx ends.
func (o *Outbox) Run(ctx context.Context) error {
	failures := 0
	for {
		_, err := o.Flush(ctx)
		wait := o.o.Every
		if err != nil && ctx.Err() == nil {
			wait = Backoff(failures, o.o.MinBackoff, o.o.MaxBackoff)
			failures++
		} else if err == nil {
			failures = 0
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-o.kick:
			// A new mail: try at once, unless the relay is known down and
			// its backoff runs (the new mail waits with the others).
			if failures > 0 {
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					return ctx.Err()
				}
			}
			t.Stop()
		case <-t.C:
		}
	}
}

// Backoff is the wait after the n-th consecutive failed round (n from 0):
// min doubled n times, at most max.
func Backoff(n int, min, max time.Duration) time.Duration {
	d := min
	for range n {
		d *= 2
		if d >= max {
			return max
		}
	}
	return d
}

// defaultFrom is only used to check that a queued message composes.
var defaultFrom = mail.Address{Address: "outbox@terminal.invalid"}

// Envelope is what a technician may see of a spooled mail: whom it is for
// and its subject, never its body (a receipt or a report).
type Envelope struct {
	To      string
	Subject string
}

// Envelope decodes the recipient and subject of a spooled mail; ok is
// false when the record does not decode (the outbox sets it aside).
func (s Spooled) Envelope() (e Envelope, ok bool) {
	var m Message
	if err := json.Unmarshal(s.Data, &m); err != nil || m.To == "" {
		return Envelope{}, false
	}
	return Envelope{To: m.To, Subject: m.Subject}, true
}

// ParkedSpool is a Spool whose parked mail a technician can act on
// (offline.Outbox): send it back to the queue, or discard it. Each call is
// one durable step: a crash leaves a mail as it was or as asked, never
// lost, never in both places.
type ParkedSpool interface {
	Spool
	// Parked lists the mail refused for good, oldest first.
	Parked(ctx context.Context) ([]Spooled, error)
	// Unpark moves parked mail id back to the queue, its data passed
	// through rewrite; ErrMailNotParked for a queued mail,
	// ErrMailNotFound for an unknown one.
	Unpark(ctx context.Context, id uint64, rewrite func([]byte) ([]byte, error)) (Spooled, error)
	// UnparkAll does Unpark for every parked mail; those rewrite
	// refuses stay parked (kept).
	UnparkAll(ctx context.Context, rewrite func([]byte) ([]byte, error)) (moved, kept []Spooled, err error)
	// Discard deletes parked mail id and returns it as it was.
	Discard(ctx context.Context, id uint64) (Spooled, error)
	// DiscardAll deletes every parked mail and returns them.
	DiscardAll(ctx context.Context) ([]Spooled, error)
}

// Readdress is the rewrite a retry applies to a parked mail: the same
// message, with the same Message-ID (Message.ID), to `to` — the merchant's
// current address — or, to empty, to whom it was addressed. A record that
// does not decode is ErrMailUnreadable.
//
// Why the current address: the outbox only holds the merchant's own
// notifications, all to terminal.merchant_email. A mail parked for a
// mistyped address can only be delivered by re-addressing it once the
// config is corrected, and any other parked mail is owed to the same
// merchant at the address the merchant now reads. The Message-ID is kept:
// the relay refused the mail for good, so no copy of it was delivered
// that a second one with the same ID could be confused with.
func Readdress(to string) func([]byte) ([]byte, error) {
	return func(data []byte) ([]byte, error) {
		var m Message
		if err := json.Unmarshal(data, &m); err != nil || m.To == "" {
			return nil, ErrMailUnreadable
		}
		if to != "" {
			m.To = to
		}
		if _, err := Compose(m, defaultFrom, time.Time{}); err != nil {
			return nil, err
		}
		return json.Marshal(m)
	}
}

// parked is the spool as a ParkedSpool, or an error saying it is not one.
func (o *Outbox) parked() (ParkedSpool, error) {
	ps, ok := o.spool.(ParkedSpool)
	if !ok {
		return nil, errors.New("notify: this outbox's spool keeps no parked mail")
	}
	return ps, nil
}

// Parked lists the mail the relay refused for good, oldest first.
func (o *Outbox) Parked(ctx context.Context) ([]Spooled, error) {
	ps, err := o.parked()
	if err != nil {
		return nil, err
	}
	return ps.Parked(ctx)
}

// Pending lists the mail still to send, oldest first.
func (o *Outbox) Pending(ctx context.Context) ([]Spooled, error) { return o.spool.Pending(ctx) }

// Retry sends parked mail id back to the queue, re-addressed to `to` (the
// merchant's current address; empty keeps its own, see Readdress), and
// wakes Run to send it at once. It returns the mail as queued.
func (o *Outbox) Retry(ctx context.Context, id uint64, to string) (Spooled, error) {
	ps, err := o.parked()
	if err != nil {
		return Spooled{}, err
	}
	if to != "" {
		if err := checkAddress(to); err != nil {
			return Spooled{}, err
		}
	}
	s, err := ps.Unpark(ctx, id, Readdress(to))
	if err != nil {
		return Spooled{}, err
	}
	o.logRetried(s)
	o.wake()
	return s, nil
}

// RetryParked does Retry for every parked mail; those that do not decode
// stay parked (kept): they can only be discarded.
func (o *Outbox) RetryParked(ctx context.Context, to string) (moved, kept []Spooled, err error) {
	ps, err := o.parked()
	if err != nil {
		return nil, nil, err
	}
	if to != "" {
		if err := checkAddress(to); err != nil {
			return nil, nil, err
		}
	}
	moved, kept, err = ps.UnparkAll(ctx, Readdress(to))
	if err != nil {
		return nil, nil, err
	}
	for _, s := range moved {
		o.logRetried(s)
	}
	if len(moved) > 0 {
		o.wake()
	}
	return moved, kept, nil
}

// Discard deletes parked mail id for good and returns it as it was.
func (o *Outbox) Discard(ctx context.Context, id uint64) (Spooled, error) {
	ps, err := o.parked()
	if err != nil {
		return Spooled{}, err
	}
	s, err := ps.Discard(ctx, id)
	if err == nil {
		o.logDiscarded(s)
	}
	return s, err
}

// DiscardParked deletes every parked mail and returns them as they were.
func (o *Outbox) DiscardParked(ctx context.Context) ([]Spooled, error) {
	ps, err := o.parked()
	if err != nil {
		return nil, err
	}
	out, err := ps.DiscardAll(ctx)
	for _, s := range out {
		o.logDiscarded(s)
	}
	return out, err
}

func (o *Outbox) logRetried(s Spooled) {
	e, _ := s.Envelope()
	o.log.Info("parked outbox mail sent back to the queue", "mail_id", s.ID, "to_domain", domainOf(e.To))
}

func (o *Outbox) logDiscarded(s Spooled) {
	e, _ := s.Envelope()
	o.log.Warn("parked outbox mail discarded: it will never be sent", "mail_id", s.ID, "to_domain", domainOf(e.To),
		"refused_with", s.LastError)
}

// wake makes Run flush now (or once its backoff has passed).
func (o *Outbox) wake() {
	select {
	case o.kick <- struct{}{}:
	default:
	}
}
