package gatewaysim

import (
	"bufio"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics is what GET /metrics exposes (Prometheus text format): the
// simulator's own request rate and latency, so a load test can watch the
// gateway side. Each Server has its own registry: tests and tpe-sim run
// several simulators in one process.
type metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	sales      *prometheus.CounterVec
	duplicates prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatewaysim_http_requests_total",
			Help: "HTTP requests answered, by route pattern and status code.",
		}, []string{"route", "code"}),
		// Buckets from loopback (sub-millisecond) to a slow WAN reply plus
		// injected latency.
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gatewaysim_http_request_duration_seconds",
			Help:    "Time from request to reply by route pattern, Faults.LatencyMS included (Opts.Latency, the link before the gateway, is not).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .075, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route"}),
		sales: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatewaysim_card_sales_total",
			Help: "Card-present sales and authorisations recorded, by outcome (approved, declined) and whether they were offline advices.",
		}, []string{"outcome", "offline"}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gatewaysim_duplicate_orders_total",
			Help: "Sale requests refused because their order ID was already recorded (result 094).",
		}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.sales, m.duplicates,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// instrument counts and times every request of one route.
func (m *metrics) instrument(route string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		defer func() {
			m.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
			code := strconv.Itoa(sw.code)
			if sw.code == 0 {
				code = "dropped"
			}
			m.requests.WithLabelValues(route, code).Inc()
		}()
		h.ServeHTTP(sw, r)
	})
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// statusWriter remembers the status code; it passes Hijack on so that the
// fault injection can still drop connections.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack hands the connection to the fault injection, which closes it
// without a reply: counted with code "dropped".
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, http.ErrNotSupported
	}
	w.code = 0
	return hj.Hijack()
}

func (m *metrics) recordSale(approved, offline bool) {
	outcome := "declined"
	if approved {
		outcome = "approved"
	}
	m.sales.WithLabelValues(outcome, strconv.FormatBool(offline)).Inc()
}
