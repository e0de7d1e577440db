package terminal

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"tpe/config"
	"tpe/offline"
	"tpe/payment"
	"tpe/payment/notify"
	"tpe/ui/api"
)

// merchantNotices is the merchant's notifications: the notifier that
// follows the service's events, the outbox it queues into and the bbolt
// file that keeps the outbox across restarts.
type merchantNotices struct {
	spool   *offline.Outbox
	outbox  *notify.Outbox
	notices *notify.Notices
	events  <-chan payment.Event
	stop    func()
	// to is the merchant's address as configured now: a retried parked
	// mail goes there (notify.Readdress says why).
	to string
}

var _ api.MailOutbox = (*merchantNotices)(nil)

// openNotices builds the merchant's notifications when [smtp] is set and
// any of them is on; nil otherwise. It subscribes to svc at once, before
// recovery and the forwarder announce anything.
func openNotices(cfg config.Config, mail *notify.Mailer, svc *payment.Service, m payment.Merchant, log *slog.Logger) (*merchantNotices, error) {
	n := cfg.Notifications
	if mail == nil || !n.Merchant() {
		return nil, nil
	}
	spool, err := offline.OpenOutbox(filepath.Join(cfg.DataDir, offline.OutboxFileName), nil)
	if err != nil {
		// Taking payments matters more than telling of them: the terminal
		// runs, and says loudly what is off and why.
		log.Error("merchant notifications off: the mail outbox cannot be opened", "err", err)
		return nil, nil
	}
	out, err := notify.NewOutbox(spool, mail, &notify.OutboxOpts{Logger: log})
	if err != nil {
		spool.Close()
		return nil, err
	}
	lang := n.Language
	if lang == "" {
		lang = cfg.Terminal.Language
	}
	notices, err := notify.NewNotices(out, &notify.NoticesOpts{
		To: cfg.Terminal.MerchantEmail, Lang: lang, Merchant: m, Logger: log,
		On: map[notify.NoticeKind]bool{
			notify.NoticeZReport: n.EmailZReport, notify.NoticeLinkPaid: n.LinkPaid, notify.NoticeLinkExpired: n.LinkExpired,
			notify.NoticeForwardDeclined: n.ForwardDeclined, notify.NoticeRefund: n.RefundMade,
		},
	})
	if err != nil {
		spool.Close()
		return nil, fmt.Errorf("notifications: %w", err)
	}
	// A deep buffer: a burst (the forwarder settling a queue) must not
	// push out an event the merchant is owed a mail for.
	events, stop := svc.Subscribe(1024)
	return &merchantNotices{spool: spool, outbox: out, notices: notices, events: events, stop: stop, to: cfg.Terminal.MerchantEmail}, nil
}

// run follows the events and sends the outbox until ctx ends.
func (mn *merchantNotices) run(ctx context.Context, g interface{ Go(func() error) }) {
	g.Go(func() error { defer mn.stop(); return ignoreCancel(mn.notices.Run(ctx, mn.events)) })
	g.Go(func() error { return ignoreCancel(mn.outbox.Run(ctx)) })
}

// health sums up the outbox for GET /v1/health; nil when notifications
// are off. A spool that cannot be read counts as nothing known rather than
// failing the health check, and is logged by the outbox's own rounds.
func (mn *merchantNotices) health(ctx context.Context, now time.Time) *api.OutboxHealth {
	if mn == nil {
		return nil
	}
	s, err := mn.spool.Stats(ctx)
	if err != nil {
		return nil
	}
	h := &api.OutboxHealth{Queued: s.Queued, Parked: s.Parked}
	if !s.OldestQueued.IsZero() {
		h.OldestAgeSec = max(int64(now.Sub(s.OldestQueued)/time.Second), 0)
	}
	return h
}

// The local API's view of the outbox (api.MailOutbox): parked mail is
// retried to the merchant's current address, or discarded.

func (mn *merchantNotices) Pending(ctx context.Context) ([]notify.Spooled, error) {
	return mn.outbox.Pending(ctx)
}

func (mn *merchantNotices) Parked(ctx context.Context) ([]notify.Spooled, error) {
	return mn.outbox.Parked(ctx)
}

func (mn *merchantNotices) Retry(ctx context.Context, id uint64) (notify.Spooled, error) {
	return mn.outbox.Retry(ctx, id, mn.to)
}

func (mn *merchantNotices) RetryParked(ctx context.Context) (retried, kept []notify.Spooled, err error) {
	return mn.outbox.RetryParked(ctx, mn.to)
}

func (mn *merchantNotices) Discard(ctx context.Context, id uint64) (notify.Spooled, error) {
	return mn.outbox.Discard(ctx, id)
}

func (mn *merchantNotices) DiscardParked(ctx context.Context) ([]notify.Spooled, error) {
	return mn.outbox.DiscardParked(ctx)
}

func (mn *merchantNotices) close() error {
	if mn == nil {
		return nil
	}
	mn.stop()
	return mn.spool.Close()
}
