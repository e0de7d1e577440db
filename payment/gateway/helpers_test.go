package gateway_test

import (
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"tpe/payment"
	"tpe/payment/gateway"
	"tpe/payment/gateway/gatewaysim"
)

// keysOnce makes one simulator key file for the whole test binary: RSA
// generation is the slow part of starting a simulator.
var (
	keysOnce sync.Once
	keysJSON []byte
)

func simDir(t testing.TB) string {
	t.Helper()
	keysOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gwkeys")
		if err != nil {
			panic(err)
		}
		defer os.RemoveAll(dir)
		var o *gatewaysim.Opts
		if os.Getenv("GW_CARD_BITS") == "1024" {
			o = &gatewaysim.Opts{CardKeyBits: 1024}
		}
		s, err := gatewaysim.New(dir, o)
		if err != nil {
			panic(err)
		}
		s.Close()
		keysJSON, _ = os.ReadFile(filepath.Join(dir, "keys.json"))
	})
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "keys.json"), keysJSON, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

type env struct {
	sim *gatewaysim.Server
	ts  *httptest.Server
	dir string
	// tokens counts client_credentials token requests.
	tokens *counter
}

type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) add(k string) { c.mu.Lock(); c.n[k]++; c.mu.Unlock() }
func (c *counter) get(k string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[k]
}

// newEnv starts a simulator behind an httptest TLS server on loopback.
// wrap, when set, sits in front of the simulator (to inject test faults).
func newEnv(t testing.TB, o *gatewaysim.Opts, wrap func(http.Handler) http.Handler) *env {
	t.Helper()
	return newEnvIn(t, simDir(t), o, wrap)
}

// newEnvIn is newEnv on the simulator data directory dir.
func newEnvIn(t testing.TB, dir string, o *gatewaysim.Opts, wrap ...func(http.Handler) http.Handler) *env {
	t.Helper()
	// These tests pay many times with one card and are not about PSD2
	// strong authentication (gatewaysim's issuer tests are): no soft
	// declines here.
	var opts gatewaysim.Opts
	if o != nil {
		opts = *o
	}
	opts.DisableSCA = true
	sim, err := gatewaysim.New(dir, &opts)
	if err != nil {
		t.Fatal(err)
	}
	cnt := &counter{n: map[string]int{}}
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cnt.add(r.Method + " " + r.URL.Path)
		sim.ServeHTTP(w, r)
	})
	for _, w := range wrap {
		if w != nil {
			h = w(h)
		}
	}
	ts := httptest.NewUnstartedServer(h)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the pin tests fail handshakes on purpose
	ts.StartTLS()
	t.Cleanup(func() { ts.Close(); sim.Close() })
	return &env{sim: sim, ts: ts, dir: dir, tokens: cnt}
}

func (e *env) caPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: e.ts.Certificate().Raw})
}

// client returns a client using OAuth client credentials and the test CA.
func (e *env) client(t testing.TB, mod func(*gateway.Opts)) *gateway.Client {
	t.Helper()
	o := &gateway.Opts{
		OAuth: &gateway.OAuth{TokenURL: e.ts.URL + "/oauth/token", ClientID: gatewaysim.DevClientID,
			ClientSecret: gatewaysim.DevClientSecret},
		TLS:        gateway.TLSOpts{CAPEM: e.caPEM()},
		TerminalID: "T0001",
		Timeout:    5 * time.Second,
		Backoff:    20 * time.Millisecond,
	}
	if mod != nil {
		mod(o)
	}
	c, err := gateway.New(e.ts.URL, o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var orderSeq struct {
	sync.Mutex
	n int
}

func orderID(t testing.TB) string {
	orderSeq.Lock()
	defer orderSeq.Unlock()
	orderSeq.n++
	return t.Name() + "-" + time.Now().Format("150405.000000") + "-" + itoa(orderSeq.n)
}

func itoa(n int) string {
	b := []byte{}
	for n > 0 || len(b) == 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

const testPAN = "4970100000000014"

func testCard() payment.CardData {
	return payment.CardData{Brand: "visa", AID: "A0000000031010", PAN: payment.NewPAN(testPAN),
		Expiry: "3012", PANSeq: "01", Track2: payment.NewSecret([]byte{0x49, 0x70, 0x10, 0x00, 0x00, 0x00, 0x00, 0x14, 0xD3, 0x01, 0x22, 0x01}),
		CryptogramType: "ARQC",
		CVM:            "no_cvm", EntryMode: "contactless", ATC: 7}
}

func eur(minor int64) payment.Amount { return payment.Amount{Minor: minor, Currency: "EUR"} }

func sale(order string, minor int64) payment.SaleRequest {
	return payment.SaleRequest{OrderID: order, Amount: eur(minor), Card: testCard(), CapturedAt: time.Now()}
}

// entriesFor lists the ledger entries of an order.
func entriesFor(s *gatewaysim.Server, order string) []gatewaysim.Entry {
	var out []gatewaysim.Entry
	for _, e := range s.Ledger() {
		if e.OrderID == order {
			out = append(out, e)
		}
	}
	return out
}

// handlerTransport serves requests in memory: synctest bubbles cannot use
// real sockets, and fake time then drives token expiry and polling.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if r.Host == "" {
		r.Host = r.URL.Host
	}
	r.RequestURI = r.URL.RequestURI()
	if r.Body == nil {
		r.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	if err := r.Context().Err(); err != nil {
		return nil, err // the client gave up while the handler worked
	}
	return rec.Result(), nil
}
