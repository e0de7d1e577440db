// Package metrics exposes a terminal's health and activity in the
// Prometheus text format (GET /metrics on the API listener; names and
// alerts in docs/operations.md).
//
// It observes and never steers: payment counts, outcomes and authorisation
// latency come from the payment service's events (Observe, Run); the
// offline queue, the forwarder, the devices and the journal are read when
// Prometheus scrapes (Opts.Snapshot). The payment core knows nothing of it.
// Values carry no card data, order IDs or amounts of single payments: only
// counts, durations and states.
package metrics

import (
	"context"
	"net/http"
	"runtime"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"tpe/payment"
)

// Snapshot is the terminal's state at scrape time.
type Snapshot struct {
	// Gateway is false on a terminal without a gateway (then Online,
	// ForwardFailures are not reported).
	Gateway   bool
	Online    bool
	Queued    int           // offline approvals waiting to be forwarded
	OldestAge time.Duration // age of the oldest of them; 0 when none
	// MaxAge is the merchant's limit on OldestAge (config offline.max_age):
	// past it the terminal refuses offline payments. 0: not reported.
	MaxAge          time.Duration
	ForwardFailures int // failed forwarding rounds in a row
	ForwardDeclined int // offline approvals the issuer declined, awaiting the merchant
	// Devices maps a device (nfc, printer, display, scanner) to whether it
	// works.
	Devices      map[string]bool
	JournalBytes int64 // size of the journal file
	// StorageFault is true when the journal cannot be written.
	StorageFault bool
	// Outbox is the merchant notifications' mail outbox; nil when no
	// notification is on (then its gauges are absent, not 0).
	Outbox *Outbox
}

// Outbox is the mail outbox (outbox.db) at scrape time.
type Outbox struct {
	Queued int // mails waiting for the relay
	// Parked are mails the relay refused for good, kept until the
	// technician retries or discards them.
	Parked    int
	OldestAge time.Duration // age of the oldest waiting mail; 0 when none
}

// Opts configures Metrics.
type Opts struct {
	Version string
	// Snapshot reads the terminal's state; called once per scrape, with
	// the scrape's context. Required.
	Snapshot func(ctx context.Context) Snapshot
}

// Metrics is one terminal's registry.
type Metrics struct {
	reg      *prometheus.Registry
	snapshot func(ctx context.Context) Snapshot

	payments *prometheus.CounterVec
	authLat  *prometheus.HistogramVec
	forwards *prometheus.CounterVec
}

// New builds the registry: the terminal's metrics, build info, the Go
// runtime's and the process's.
func New(o Opts) *Metrics {
	m := &Metrics{
		reg:      prometheus.NewRegistry(),
		snapshot: o.Snapshot,
		payments: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tpe_payments_total",
			Help: "Payments that reached an outcome, by method (card, alipayplus, paylink) and outcome (approved, offline_approved, declined, cancelled, failed, expired).",
		}, []string{"method", "outcome"}),
		// From a shop's link (tens of ms) to the gateway client's retries.
		authLat: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tpe_authorization_duration_seconds",
			Help:    "Online authorisation time, from the request to the gateway's answer (approved or declined), by method.",
			Buckets: []float64{.05, .1, .2, .3, .5, .75, 1, 1.5, 2, 3, 5, 10, 30, 60},
		}, []string{"method"}),
		forwards: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tpe_forward_results_total",
			Help: "Offline approvals settled by the gateway, by result (forwarded, declined).",
		}, []string{"result"}),
	}
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "tpe_build_info",
		Help: "The terminal's build: version and Go version; always 1.",
	}, []string{"version", "goversion"})
	build.WithLabelValues(o.Version, runtime.Version()).Set(1)
	m.reg.MustRegister(m.payments, m.authLat, m.forwards, build, stateCollector{m},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Run observes events until ctx ends or the channel closes (the service's
// Subscribe).
func (m *Metrics) Run(ctx context.Context, events <-chan payment.Event) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-events:
			if !ok {
				return nil
			}
			m.Observe(ev)
		}
	}
}

// Observe counts one event.
func (m *Metrics) Observe(ev payment.Event) {
	t := ev.Payment
	if t == nil {
		return
	}
	method := string(t.Method)
	switch ev.Type {
	case payment.EventForwarded:
		m.forwards.WithLabelValues("forwarded").Inc()
		return
	case payment.EventDeclined:
		if t.State == payment.StateForwardDeclined {
			m.forwards.WithLabelValues("declined").Inc()
			return
		}
		m.payments.WithLabelValues(method, "declined").Inc()
	case payment.EventApproved:
		m.payments.WithLabelValues(method, "approved").Inc()
	case payment.EventOfflineApproved:
		m.payments.WithLabelValues(method, "offline_approved").Inc()
	case payment.EventCancelled:
		m.payments.WithLabelValues(method, "cancelled").Inc()
	case payment.EventFailed:
		m.payments.WithLabelValues(method, "failed").Inc()
	case payment.EventExpired:
		m.payments.WithLabelValues(method, "expired").Inc()
	default:
		return
	}
	if d, ok := authorization(t); ok && (ev.Type == payment.EventApproved || ev.Type == payment.EventDeclined) {
		m.authLat.WithLabelValues(method).Observe(d.Seconds())
	}
}

// authorization is the time from the payment's last authorising step to
// the step after it.
func authorization(t *payment.Transaction) (time.Duration, bool) {
	for i := len(t.History) - 2; i >= 0; i-- {
		if t.History[i].State == payment.StateAuthorising {
			return t.History[i+1].At.Sub(t.History[i].At), true
		}
	}
	return 0, false
}

// stateCollector reports the snapshot's gauges at each scrape.
type stateCollector struct{ m *Metrics }

var (
	descGatewayUp = prometheus.NewDesc("tpe_gateway_up",
		"1 when the terminal's last contact with the gateway succeeded.", nil, nil)
	descQueue = prometheus.NewDesc("tpe_offline_queue_length",
		"Offline approvals waiting to be forwarded to the gateway.", nil, nil)
	descOldest = prometheus.NewDesc("tpe_offline_queue_oldest_age_seconds",
		"Age of the oldest offline approval waiting; 0 when none waits.", nil, nil)
	descMaxAge = prometheus.NewDesc("tpe_offline_max_age_seconds",
		"The configured limit on the oldest offline approval's age (offline.max_age): past it, offline payments are refused.", nil, nil)
	descFailures = prometheus.NewDesc("tpe_forward_consecutive_failures",
		"Forwarding rounds that failed in a row (gateway unreachable, outcome unknown); 0 after a good one.", nil, nil)
	descFwdDeclined = prometheus.NewDesc("tpe_offline_forward_declined",
		"Offline approvals the issuer declined when forwarded, awaiting the merchant's action.", nil, nil)
	descDevice = prometheus.NewDesc("tpe_device_up",
		"1 when the device answers its health check, 0 when it does not.", []string{"device"}, nil)
	descJournal = prometheus.NewDesc("tpe_journal_size_bytes",
		"Size of the journal file (bbolt) on disk.", nil, nil)
	descStorage = prometheus.NewDesc("tpe_journal_writable",
		"1 when the journal can be written, 0 when storage is faulty (payments are refused).", nil, nil)
	descMailQueued = prometheus.NewDesc("tpe_mail_outbox_queued",
		"Merchant notification mails waiting for the SMTP relay (retried until it takes them).", nil, nil)
	descMailParked = prometheus.NewDesc("tpe_mail_outbox_parked",
		"Merchant notification mails the relay refused for good (5xx): kept until a technician retries or discards them.", nil, nil)
	descMailOldest = prometheus.NewDesc("tpe_mail_outbox_oldest_age_seconds",
		"Age of the oldest mail waiting for the relay; 0 when none waits.", nil, nil)
)

func (c stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descGatewayUp, descQueue, descOldest, descMaxAge, descFailures, descFwdDeclined, descDevice, descJournal, descStorage,
		descMailQueued, descMailParked, descMailOldest} {
		ch <- d
	}
}

// Collect has no context from the registry: the snapshot gets a bounded
// one so a hung device check cannot hold a scrape forever.
func (c stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s := c.m.snapshot(ctx)
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	if s.Gateway {
		gauge(descGatewayUp, bool01(s.Online))
		gauge(descFailures, float64(s.ForwardFailures))
	}
	gauge(descQueue, float64(s.Queued))
	gauge(descOldest, s.OldestAge.Seconds())
	if s.MaxAge > 0 {
		gauge(descMaxAge, s.MaxAge.Seconds())
	}
	gauge(descFwdDeclined, float64(s.ForwardDeclined))
	for name, up := range s.Devices {
		gauge(descDevice, bool01(up), name)
	}
	gauge(descJournal, float64(s.JournalBytes))
	gauge(descStorage, bool01(!s.StorageFault))
	if o := s.Outbox; o != nil {
		gauge(descMailQueued, float64(o.Queued))
		gauge(descMailParked, float64(o.Parked))
		gauge(descMailOldest, o.OldestAge.Seconds())
	}
}

func bool01(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
