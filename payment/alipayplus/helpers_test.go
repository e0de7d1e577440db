package alipayplus_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"tpe/payment/alipayplus"
	"tpe/payment/gateway"
	"tpe/payment/gateway/gatewaysim"
	"tpe/payment/gateway/gatewaysim/simtest"
)

// newSim starts a gateway simulator in a temp dir (its keys made once per
// test binary: simtest.Dir).
func newSim(t testing.TB) *gatewaysim.Server {
	t.Helper()
	dir := simtest.Dir(t)
	s, err := gatewaysim.New(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// overHTTP serves sim on a loopback listener and returns a client of it.
func overHTTP(t *testing.T, sim *gatewaysim.Server) *gateway.Client {
	t.Helper()
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	c, err := gateway.New(ts.URL, &gateway.Opts{Originator: gatewaysim.DevOriginator, Password: gatewaysim.DevPassword,
		Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// inMemory is a client whose HTTP exchanges go straight to the simulator's
// handler in the caller's goroutine: inside a synctest bubble the
// simulator then lives on the bubble's clock, and no socket goroutine
// keeps the bubble from advancing time. fail, when set, answers 503 to
// the requests it matches.
func inMemory(t testing.TB, sim http.Handler, fail func(*http.Request) bool) (*gateway.Client, *recorder) {
	t.Helper()
	rec := &recorder{h: sim, fail: fail}
	c, err := gateway.New("http://gateway.test", &gateway.Opts{Originator: gatewaysim.DevOriginator, Password: gatewaysim.DevPassword,
		HTTPClient: &http.Client{Transport: rec}, Timeout: 5 * time.Second, Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	return c, rec
}

type recorder struct {
	h    http.Handler
	fail func(*http.Request) bool
	mu   sync.Mutex
	log  []call
}

type call struct {
	At   time.Time
	Path string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.log = append(r.log, call{time.Now(), req.Method + " " + req.URL.Path})
	r.mu.Unlock()
	w := httptest.NewRecorder()
	if r.fail != nil && r.fail(req) {
		w.WriteHeader(http.StatusServiceUnavailable)
	} else {
		r.h.ServeHTTP(w, req)
	}
	resp := w.Result()
	resp.Request = req
	return resp, nil
}

func (r *recorder) calls() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]call(nil), r.log...)
}

// newWallets runs the flows with the gateway simulator's wallet table
// (its customers' codes are the simulator's CIIs) unless o names one.
func newWallets(t *testing.T, c *gateway.Client, o *alipayplus.Opts) *alipayplus.Wallets {
	t.Helper()
	var opts alipayplus.Opts
	if o != nil {
		opts = *o
	}
	if opts.Issuers == nil {
		opts.Issuers = gatewaysim.WalletTable()
	}
	w, err := alipayplus.New(c, &opts)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// entriesOf lists the simulator's ledger entries of one order.
func entriesOf(sim *gatewaysim.Server, orderID string) []gatewaysim.Entry {
	var out []gatewaysim.Entry
	for _, e := range sim.Ledger() {
		if e.OrderID == orderID {
			out = append(out, e)
		}
	}
	return out
}

func httpClient(rt http.RoundTripper) *http.Client { return &http.Client{Transport: rt} }

func newSimB(b *testing.B) *gatewaysim.Server { return newSim(b) }

func inMemoryB(b *testing.B, sim http.Handler) (*gateway.Client, *recorder) {
	return inMemory(b, sim, nil)
}
