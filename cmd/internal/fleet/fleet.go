package fleet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"tpe/device/nfc"
	"tpe/offline"
	"tpe/payment"
	"tpe/payment/emv"
	"tpe/payment/emv/cardsim"
	"tpe/payment/gateway"
	"tpe/payment/gateway/gatewaysim"
)

// Opts describes a run. Terminals and Queued are required.
type Opts struct {
	Terminals int // terminal cores
	Queued    int // offline approvals each one holds at t=0
	// Gateway is the simulator's base URL; empty starts one in this
	// process (its own data directory under Dir, a loopback listener).
	Gateway string
	// Originator and Password are the gateway's Basic credentials; default
	// the simulator's development ones.
	Originator, Password string
	// Latency is added to every gateway reply for the run (the simulator's
	// fault injection: Faults.LatencyMS, POST /sim/faults on a standalone
	// one, restored afterwards); 0 leaves the gateway as it is.
	Latency time.Duration
	// Forwarder tunes every terminal's forwarder (nil: the terminal's
	// defaults). OnChange is the run's own.
	Forwarder *offline.ForwarderOpts
	// Timeout bounds the drain; default 10 min. Payments still queued then
	// are reported lost.
	Timeout time.Duration
	// Dir holds the journals (and the embedded simulator's data); default a
	// new temporary directory, removed at the end.
	Dir string
	// Prepare bounds how many terminals fill their journals at once;
	// default 4.
	Prepare int
	// Progress, when set, receives one line per phase.
	Progress io.Writer
	Logger   *slog.Logger
}

// Result is the run as the gateway recorded it (JSON field names are part
// of tpectl fleet sim's contract).
type Result struct {
	Terminals  int     `json:"terminals"`
	Queued     int     `json:"queued"`     // offline approvals journaled, all terminals
	Forwarded  int     `json:"forwarded"`  // distinct orders in the gateway's ledger
	Declined   int     `json:"declined"`   // of those, refused by the gateway
	Duplicates int     `json:"duplicates"` // second sales of an order, and requests refused as duplicates
	Lost       int     `json:"lost"`       // queued but never recorded by the gateway
	DrainS     float64 `json:"drain_s"`    // from t=0 to the last sale recorded
	PeakRPS    int     `json:"peak_rps"`   // sales in the busiest second at the gateway
	MeanRPS    float64 `json:"mean_rps"`   // sales / drain_s
	// PerSecond is the gateway's count of sales in each second from t=0.
	PerSecond []int `json:"per_second,omitempty"`
}

// core is one terminal: the parts of cmd/internal/terminal that take an
// offline payment and forward it, without UI or peripherals.
type core struct {
	id    string
	store *offline.Store
	gw    *gateway.Client
	fwd   *offline.Forwarder
}

// fdsPerTerminal is a terminal's share of open files: its journal, and the
// connections of its gateway client (forwarder concurrency, plus a spare
// for the card key and pings).
func fdsPerTerminal(concurrency int) int { return 1 + concurrency + 1 }

// Run prepares Terminals cores with Queued offline approvals each, starts
// every forwarder at the same instant and waits until the gateway has
// recorded them all (or Timeout).
func Run(ctx context.Context, o Opts) (Result, error) {
	if o.Terminals <= 0 || o.Queued <= 0 {
		return Result{}, errors.New("fleet: terminals and queued must be positive")
	}
	if o.Originator == "" {
		o.Originator, o.Password = gatewaysim.DevOriginator, gatewaysim.DevPassword
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Minute
	}
	if o.Prepare <= 0 {
		o.Prepare = 4
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	fopts := offline.ForwarderOpts{}
	if o.Forwarder != nil {
		fopts = *o.Forwarder
	}
	concurrency := fopts.Concurrency
	if concurrency <= 0 {
		concurrency = 4
	}
	embedded := o.Gateway == ""
	need := o.Terminals * fdsPerTerminal(concurrency)
	if embedded {
		need *= 2 // the simulator's end of every connection
	}
	if err := checkFiles(need + 64); err != nil {
		return Result{}, err
	}
	progress := func(format string, args ...any) {
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, "fleet: "+format+"\n", args...)
		}
	}

	dir := o.Dir
	if dir != "" {
		// Journals left by another run would add its payments to this
		// one's queue, under terminal IDs the gateway counts elsewhere.
		if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
			return Result{}, fmt.Errorf("fleet: %s is not empty: give a new or empty directory", dir)
		}
	}
	if dir == "" {
		d, err := os.MkdirTemp("", "tpe-fleet-")
		if err != nil {
			return Result{}, fmt.Errorf("fleet: %w", err)
		}
		dir = d
		defer os.RemoveAll(d)
	}

	base := o.Gateway
	var sim *gatewaysim.Server
	if embedded {
		s, url, stop, err := startSimulator(filepath.Join(dir, "gatewaysim"))
		if err != nil {
			return Result{}, err
		}
		defer stop()
		sim, base = s, url
		progress("gateway simulator on %s", base)
	}
	if o.Latency > 0 {
		restore, err := setLatency(ctx, sim, base, o.Latency)
		if err != nil {
			return Result{}, err
		}
		defer restore()
	}

	// A prefix of this run's terminal IDs, unique per run: the gateway's
	// statistics count this run's sales only, even on a shared simulator.
	var rnd [3]byte
	rand.Read(rnd[:])
	prefix := "FL" + hex.EncodeToString(rnd[:]) + "-"

	kcfg := emv.DefaultConfig()
	kcfg.CAKeys = cardsim.CAKeys()
	for i := range kcfg.Apps {
		kcfg.Apps[i].FloorLimit = floorLimit
	}

	cores := make([]*core, o.Terminals)
	defer func() {
		for _, c := range cores {
			if c != nil {
				c.store.Close()
			}
		}
	}()
	var settled atomic.Int64
	allSettled := make(chan struct{})
	want := int64(o.Terminals * o.Queued)
	onChange := func(ev payment.EventType, _ *payment.Transaction) {
		if ev == payment.EventForwarded || ev == payment.EventDeclined {
			if settled.Add(1) == want {
				close(allSettled)
			}
		}
	}
	progress("taking %d offline payments on each of %d terminals", o.Queued, o.Terminals)
	prep := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(o.Prepare)
	for i := range cores {
		g.Go(func() error {
			c, err := newCore(gctx, filepath.Join(dir, fmt.Sprintf("t%05d", i)), fmt.Sprintf("%s%05d", prefix, i),
				base, o, kcfg)
			if err != nil {
				return err
			}
			cores[i] = c
			fo := fopts
			fo.Logger = o.Logger
			fo.OnChange = onChange
			c.fwd = offline.NewForwarder(c.store, c.gw, &fo)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return Result{}, err
	}
	queued := 0
	for _, c := range cores {
		s, err := c.store.Stats(ctx)
		if err != nil {
			return Result{}, fmt.Errorf("fleet: %s: %w", c.id, err)
		}
		queued += s.Queued
	}
	progress("%d payments queued in %.1fs; reconnecting every terminal", queued, time.Since(prep).Seconds())

	// t=0: the outage ends for every terminal at once.
	rctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	t0 := time.Now()
	for _, c := range cores {
		wg.Add(1)
		go func() { defer wg.Done(); c.fwd.Run(rctx) }()
	}
	timer := time.NewTimer(o.Timeout)
	select {
	case <-allSettled:
	case <-timer.C:
		progress("timeout after %s: %d of %d settled", o.Timeout, settled.Load(), want)
	case <-ctx.Done():
	}
	timer.Stop()
	cancel()
	wg.Wait()
	if ctx.Err() != nil {
		return Result{}, ctx.Err()
	}
	progress("drained; reading the gateway's ledger")

	st, err := gatewayStats(ctx, sim, base, prefix, t0)
	if err != nil {
		return Result{}, err
	}
	return result(o.Terminals, queued, t0, st), nil
}

// floorLimit is the terminals' offline floor limit (minor units): every
// payment of the run is under it.
const floorLimit = 10_000

// result computes the figures from the gateway's statistics.
func result(terminals, queued int, t0 time.Time, st gatewaysim.Stats) Result {
	r := Result{
		Terminals: terminals, Queued: queued, Forwarded: st.Orders, Declined: st.Declined,
		Duplicates: st.Sales - st.Orders + st.DuplicateRequests, Lost: max(0, queued-st.Orders),
		PerSecond: st.PerSecond,
	}
	for _, n := range st.PerSecond {
		r.PeakRPS = max(r.PeakRPS, n)
	}
	if st.LastMS > 0 {
		r.DrainS = float64(st.LastMS-t0.UnixMilli()) / 1000
		// The last second is counted whole once it has begun: a drain of
		// a few milliseconds is not a rate of millions per second.
		r.MeanRPS = float64(st.Sales) / max(r.DrainS, 1)
	}
	r.DrainS = float64(int64(r.DrainS*1000)) / 1000
	r.MeanRPS = float64(int64(r.MeanRPS*10)) / 10
	return r
}

// newCore opens a terminal's journal, takes queued offline payments on it
// with the real payment service and EMV kernel over a virtual card, and
// builds its gateway client.
func newCore(ctx context.Context, dir, id, base string, o Opts, kcfg emv.Config) (*core, error) {
	// The key lives apart from the journal, as on a terminal
	// (config.CheckKeyFile).
	if err := os.MkdirAll(filepath.Join(dir, "key"), 0o700); err != nil {
		return nil, fmt.Errorf("fleet: %s: %w", id, err)
	}
	store, err := offline.Open(filepath.Join(dir, offline.FileName), &offline.Opts{
		KeyFile: filepath.Join(dir, "key", offline.KeyName), CreateKey: true, Logger: o.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("fleet: %s: %w", id, err)
	}
	ok := false
	defer func() {
		if !ok {
			store.Close()
		}
	}()
	gw, err := gateway.New(base, &gateway.Opts{
		Originator: o.Originator, Password: o.Password, TerminalID: id, Logger: o.Logger,
		HTTPClient: &http.Client{Transport: &http.Transport{
			Proxy: nil, MaxIdleConnsPerHost: 8, IdleConnTimeout: 90 * time.Second,
			DialContext: (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		}},
	})
	if err != nil {
		return nil, fmt.Errorf("fleet: %s: gateway: %w", id, err)
	}
	card, err := cardsim.New(cardProfile)
	if err != nil {
		return nil, err
	}
	svc, err := payment.New(payment.Opts{
		Merchant: payment.Merchant{Name: "Fleet " + id, TerminalID: id, Country: "FR"},
		Journal:  store, Card: payment.CardPorts{Reader: payment.NewEMVReader(&tapReader{card: card}, emv.New(&kcfg))},
		Offline: payment.OfflineLimits{
			DefaultFloor: floorLimit, MaxCount: o.Queued, MaxTotal: int64(o.Queued) * floorLimit, MaxAge: 24 * time.Hour,
		},
		Logger: o.Logger,
	})
	if err != nil {
		return nil, err
	}
	defer svc.Close()
	for i := range o.Queued {
		// Amounts differ per payment so that the gateway's amount check
		// against the cryptogram's (9F02) means something.
		amount := payment.Amount{Minor: int64(100 + i%(floorLimit-100)), Currency: "EUR"}
		t, err := svc.Pay(ctx, payment.Request{Amount: amount, Method: payment.MethodCard, Policy: payment.ForceOffline})
		if err != nil {
			return nil, fmt.Errorf("fleet: %s: payment %d: %w", id, i+1, err)
		}
		svc.Wait()
		got, err := store.Get(ctx, t.ID)
		if err != nil {
			return nil, fmt.Errorf("fleet: %s: %w", id, err)
		}
		if got.State != payment.StateOfflineApproved {
			return nil, fmt.Errorf("fleet: %s: payment %d ended %s (%s), want offline_approved", id, i+1, got.State, got.Reason)
		}
	}
	ok = true
	return &core{id: id, store: store, gw: gw}, nil
}

// cardProfile is the virtual card every customer taps: fDDA, so the
// terminal may approve it offline.
const cardProfile = "visa-credit"

// tapReader is a contactless field where the same customer's card is
// always present: the payment service runs the real kernel over it.
type tapReader struct{ card *cardsim.Card }

func (r *tapReader) Detect(ctx context.Context) (nfc.Card, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", nfc.ErrNoCard, err)
	}
	return r.card, nil
}
func (r *tapReader) String() string { return "fleet virtual field" }
func (r *tapReader) Halt() error    { return nil }

var _ nfc.Reader = (*tapReader)(nil)

// checkFiles fails early when the process may not open need files: a run
// that ran out of descriptors half-way would report connection errors, not
// its real figures.
func checkFiles(need int) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return nil // not knowable here: let the run tell
	}
	if uint64(need) > lim.Cur {
		return fmt.Errorf("fleet: needs about %d open files, the limit is %d (raise it with ulimit -n, or run fewer terminals)", need, lim.Cur)
	}
	return nil
}

// startSimulator serves an embedded gateway simulator on loopback.
func startSimulator(dir string) (*gatewaysim.Server, string, func(), error) {
	sim, err := gatewaysim.New(dir, nil)
	if err != nil {
		return nil, "", nil, fmt.Errorf("fleet: gateway simulator: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		sim.Close()
		return nil, "", nil, fmt.Errorf("fleet: gateway simulator: %w", err)
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	stop := func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
		sim.Close()
	}
	return sim, "http://" + ln.Addr().String(), stop, nil
}

// setLatency adds d to every reply of the gateway and returns what puts the
// previous fault injection back.
func setLatency(ctx context.Context, sim *gatewaysim.Server, base string, d time.Duration) (func(), error) {
	if sim != nil {
		prev := sim.Faults()
		f := prev
		f.LatencyMS = int(d.Milliseconds())
		sim.SetFaults(f)
		return func() { sim.SetFaults(prev) }, nil
	}
	var prev gatewaysim.Faults
	if err := getJSON(ctx, base+"/sim/faults", &prev); err != nil {
		return nil, fmt.Errorf("fleet: setting the gateway's latency: %w", err)
	}
	f := prev
	f.LatencyMS = int(d.Milliseconds())
	if err := postJSON(ctx, base+"/sim/faults", f); err != nil {
		return nil, fmt.Errorf("fleet: setting the gateway's latency: %w", err)
	}
	return func() { postJSON(context.Background(), base+"/sim/faults", prev) }, nil
}

// gatewayStats reads the simulator's statistics of this run's terminals.
func gatewayStats(ctx context.Context, sim *gatewaysim.Server, base, prefix string, since time.Time) (gatewaysim.Stats, error) {
	if sim != nil {
		return sim.Stats(prefix, since), nil
	}
	var st gatewaysim.Stats
	u := base + "/sim/stats?terminal_prefix=" + url.QueryEscape(prefix) + "&since=" + strconv.FormatInt(since.UnixMilli(), 10)
	if err := getJSON(ctx, u, &st); err != nil {
		return st, fmt.Errorf("fleet: reading the gateway's statistics: %w", err)
	}
	return st, nil
}

func getJSON(ctx context.Context, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	return do(req, v)
}

func postJSON(ctx context.Context, u string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(string(b)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	return do(req, nil)
}

func do(req *http.Request, v any) error {
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		return fmt.Errorf("%s %s: %s: %s (is this a gateway simulator?)", req.Method, req.URL.Path, res.Status, strings.TrimSpace(string(b)))
	}
	if v == nil {
		return nil
	}
	return json.NewDecoder(io.LimitReader(res.Body, 64<<20)).Decode(v)
}
