package cashier

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"tpe/device/printer"
	"tpe/payment"
	"tpe/payment/paymenttest"
)

// env is a cashier UI on a real payment.Service over the paymenttest fakes.
type env struct {
	t       *testing.T
	ui      *UI
	w       fyne.Window
	svc     *payment.Service
	journal *paymenttest.Journal
	gw      *paymenttest.Gateway
	cards   *paymenttest.Cards
	wallets *fakeWallets
	links   *fakeLinks
	mail    *fakeNotifier
	printer *fakePrinter
	signin  *fakeSignIn
	pump    chan func()
}

// newEnv builds the UI with o; ports, when given, change the service's
// ports before it starts (a scanner, another gateway).
func newEnv(t *testing.T, o *Opts, ports ...func(*payment.Opts)) *env {
	t.Helper()
	a := test.NewApp()
	a.Settings().SetTheme(NewTheme())
	e := &env{t: t, journal: paymenttest.NewJournal(), gw: &paymenttest.Gateway{}, cards: paymenttest.NewCards(),
		wallets: newFakeWallets(), links: &fakeLinks{status: map[string]string{}}, mail: &fakeNotifier{}, printer: &fakePrinter{},
		pump: make(chan func(), 4096)}
	po := payment.Opts{
		Merchant: payment.Merchant{Name: "Boulangerie Martin", City: "Lyon", ID: "M0042", TerminalID: "T0001"},
		Currency: "EUR", Lang: "fr",
		Journal:  e.journal,
		Card:     payment.CardPorts{Reader: e.cards, Gateway: e.gw, PINs: &paymenttest.PINs{}},
		Wallet:   payment.WalletPorts{Wallets: e.wallets},
		Links:    e.links,
		Receipts: payment.ReceiptPorts{Printer: e.printer, Notifier: e.mail},
		Offline:  payment.OfflineLimits{DefaultFloor: 10000, MaxCount: 10, MaxTotal: 100000, MaxAge: time.Hour},
	}
	for _, p := range ports {
		p(&po)
	}
	e.links.now = po.Now
	svc, err := payment.New(po)
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	var opts Opts
	if o != nil {
		opts = *o
	}
	opts.Do = func(f func()) { e.pump <- f }
	if opts.Notifier == nil {
		opts.Notifier = e.mail
	}
	if fs, ok := opts.SignIn.(*fakeSignIn); ok {
		e.signin = fs
	}
	e.ui = New(a, svc, &opts)
	e.w = test.NewWindow(e.ui.Content())
	e.w.Resize(fyne.NewSize(1024, 600))
	e.ui.BindKeys(e.w.Canvas())
	t.Cleanup(func() {
		e.ui.Close()
		svc.Close()
		e.w.Close()
	})
	return e
}

// drain runs the UI updates queued by other goroutines, here on the test
// goroutine: fyne's test driver expects one goroutine, like the real one.
func (e *env) drain() {
	for {
		select {
		case f := <-e.pump:
			f()
		default:
			return
		}
	}
}

// walk visits o and everything drawn inside it, widgets included.
func walk(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	if o == nil {
		return
	}
	f(o)
	switch v := o.(type) {
	case *fyne.Container:
		for _, c := range v.Objects {
			walk(c, f)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(v).Objects() {
			walk(c, f)
		}
	}
}

// texts is every string drawn on screen.
func (e *env) texts() []string {
	e.drain()
	var out []string
	e.ui.locked(func() {
		walk(e.ui.Content(), func(o fyne.CanvasObject) {
			if t, ok := o.(*canvas.Text); ok && t.Text != "" {
				out = append(out, t.Text)
			}
		})
	})
	return out
}

func (e *env) has(s string) bool {
	for _, t := range e.texts() {
		if strings.Contains(t, s) {
			return true
		}
	}
	return false
}

// wait polls until the screen shows s.
func (e *env) wait(s string) {
	e.t.Helper()
	e.waitFor(func() bool { return e.has(s) }, "the screen to show %q", s)
}

func (e *env) waitFor(cond func() bool, what string, args ...any) {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second) // a deadline for a hung UI, not a speed goal: the machine may be loaded
	for e.drain(); !cond(); e.drain() {
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out waiting for "+what+"; screen shows %q", append(args, e.texts())...)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// tap taps the tile or button labelled label or, when there is none, the
// row whose text contains label (a filter chip "En attente" wins over a
// row showing a pending payment).
func (e *env) tap(label string) {
	e.t.Helper()
	e.drain()
	var target fyne.Tappable
	e.ui.locked(func() {
		walk(e.ui.Content(), func(o fyne.CanvasObject) {
			if v, ok := o.(*tile); ok && target == nil && v.Label == label {
				target = v
			}
		})
		walk(e.ui.Content(), func(o fyne.CanvasObject) {
			if target != nil {
				return
			}
			switch v := o.(type) {
			case *row:
				walk(v.content, func(c fyne.CanvasObject) {
					if t, ok := c.(*canvas.Text); ok && strings.Contains(t.Text, label) {
						target = v
					}
				})
			case *widget.Button:
				if v.Text == label {
					target = v
				}
			}
		})
	})
	if target == nil {
		e.t.Fatalf("nothing to tap labelled %q; screen shows %q", label, e.texts())
	}
	test.Tap(target)
}

// entry returns the entry whose place holder is ph.
func (e *env) entry(ph string) *widget.Entry {
	e.t.Helper()
	e.drain()
	var en *widget.Entry
	e.ui.locked(func() {
		walk(e.ui.Content(), func(o fyne.CanvasObject) {
			if v, ok := o.(*widget.Entry); ok && v.PlaceHolder == ph && en == nil {
				en = v
			}
		})
	})
	if en == nil {
		e.t.Fatalf("no entry %q", ph)
	}
	return en
}

// typeAmount taps the keypad digits of minor.
func (e *env) typeAmount(minor string) {
	for _, d := range minor {
		e.tap(string(d))
	}
}

func (e *env) only(q payment.Query) *payment.Transaction {
	e.t.Helper()
	l, err := e.svc.List(context.Background(), q)
	if err != nil || len(l) != 1 {
		e.t.Fatalf("List(%+v) = %d payments, %v; want 1", q, len(l), err)
	}
	return l[0]
}

// cardSale takes a card payment of minor through the keypad and a tap.
func (e *env) cardSale(minor string) *payment.Transaction {
	e.t.Helper()
	e.typeAmount(minor)
	e.tap(e.ui.T("sale.card"))
	e.wait(e.ui.T("progress.card"))
	e.cards.Present(paymenttest.VisaOnline())
	e.wait(e.ui.T("result.approved"))
	e.svc.Wait()
	return e.only(payment.Query{Limit: 1})
}

// fakeWallets is an Alipay+ provider the test pays or declines.
type fakeWallets struct {
	answer chan payment.WalletResult
	mu     sync.Mutex
	codes  []string
	now    func() time.Time // the order code's validity starts then
}

func newFakeWallets() *fakeWallets {
	return &fakeWallets{answer: make(chan payment.WalletResult, 1), now: time.Now}
}

func (w *fakeWallets) Pay(ctx context.Context, req payment.WalletRequest, update func(payment.WalletUpdate)) (payment.WalletResult, error) {
	if req.BuyerCode == "" {
		update(payment.WalletUpdate{QR: "https://qr.alipayplus.example/281004" + req.OrderID[len(req.OrderID)-6:], ExpireAt: w.now().Add(2 * time.Minute), Wallet: "Alipay+"})
	} else {
		w.mu.Lock()
		w.codes = append(w.codes, req.BuyerCode)
		w.mu.Unlock()
	}
	select {
	case r := <-w.answer:
		return r, nil
	case <-ctx.Done():
		return payment.WalletResult{Cancelled: true}, ctx.Err()
	}
}

func (w *fakeWallets) Refund(context.Context, string, payment.Amount) (payment.GatewayResult, error) {
	return payment.GatewayResult{Approved: true, Code: "000", GatewayID: "WR1"}, nil
}

type fakeLinks struct {
	mu     sync.Mutex
	status map[string]string
	n      int
	now    func() time.Time // the service's clock; nil: time.Now
}

func (l *fakeLinks) Create(_ context.Context, r payment.LinkRequest) (payment.Link, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n++
	id := fmt.Sprintf("L%d", l.n)
	l.status[id] = "pending"
	now := time.Now
	if l.now != nil {
		now = l.now
	}
	// A week, as the gateway's default link validity: a link shown as
	// valid until before it was sent would be nonsense on the screens.
	return payment.Link{ID: id, URL: "https://pay.example/" + id, ExpireAt: now().Add(7 * 24 * time.Hour)}, nil
}

func (l *fakeLinks) Status(_ context.Context, id string) (payment.LinkState, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return payment.LinkState{Status: l.status[id], GatewayID: "G" + id, Code: "000"}, nil
}

func (l *fakeLinks) Cancel(_ context.Context, id string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.status[id] = "cancelled"
	return nil
}

func (l *fakeLinks) Resend(context.Context, string, string) error { return nil }
func (l *fakeLinks) Refund(_ context.Context, id string, a payment.Amount) (payment.GatewayResult, error) {
	return payment.GatewayResult{Approved: true, Code: "000", GatewayID: id + "-r", Amount: a}, nil
}

type fakeNotifier struct {
	mu   sync.Mutex
	sent []string
}

func (n *fakeNotifier) SendReceipt(_ context.Context, to string, _ *payment.Transaction, text string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sent = append(n.sent, to+"\n"+text)
	return nil
}

func (n *fakeNotifier) SendReport(context.Context, payment.Report, string) error { return nil }

type fakePrinter struct {
	mu       sync.Mutex
	receipts []printer.Receipt
	err      error
}

func (p *fakePrinter) Print(_ context.Context, r printer.Receipt) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return p.err
	}
	p.receipts = append(p.receipts, r)
	return nil
}

func (p *fakePrinter) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.receipts)
}

func (p *fakePrinter) Status(context.Context) (printer.Status, error) {
	return printer.Status{Online: true}, nil
}
func (p *fakePrinter) String() string { return "fake printer" }
func (p *fakePrinter) Halt() error    { return nil }

// fakeSignIn is a device-code identity provider: the test approves. The
// errors in startErrs and pollErrs are returned first, one per call.
type fakeSignIn struct {
	approve   chan Cashier
	starts    int
	polls     int
	startErrs []error
	pollErrs  []error
	expiresAt time.Time // of each code; zero: in 10 minutes
	mu        sync.Mutex
}

// netDown is what a dial to an unreachable identity provider returns.
var netDown = &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: network is unreachable")}

func newFakeSignIn() *fakeSignIn { return &fakeSignIn{approve: make(chan Cashier, 1)} }

func (s *fakeSignIn) Start(ctx context.Context) (Challenge, error) {
	s.mu.Lock()
	s.starts++
	if len(s.startErrs) > 0 {
		err := s.startErrs[0]
		s.startErrs = s.startErrs[1:]
		s.mu.Unlock()
		return Challenge{}, err
	}
	exp := s.expiresAt
	s.mu.Unlock()
	if exp.IsZero() {
		exp = time.Now().Add(10 * time.Minute)
	}
	return Challenge{
		UserCode: "WDJB-MJHT", VerificationURI: "https://id.example/device",
		VerificationURIComplete: "https://id.example/device?user_code=WDJB-MJHT",
		ExpiresAt:               exp,
		Poll: func(ctx context.Context) (Cashier, error) {
			s.mu.Lock()
			s.polls++
			if len(s.pollErrs) > 0 {
				err := s.pollErrs[0]
				s.pollErrs = s.pollErrs[1:]
				s.mu.Unlock()
				return Cashier{}, err
			}
			s.mu.Unlock()
			select {
			case c := <-s.approve:
				if c.Name == "" {
					return Cashier{}, errors.New("access_denied")
				}
				return c, nil
			case <-ctx.Done():
				return Cashier{}, ctx.Err()
			}
		},
	}, nil
}

// fakeClock is the UI's clock in tests: time moves only when the test
// advances it, and whatever waits on After wakes then.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []clockWaiter
}

type clockWaiter struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 12, 3, 10, 0, 0, 0, time.Local)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, clockWaiter{c.now.Add(d), ch})
	return ch
}

// Advance moves time on by d and wakes the waiters due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.now) {
			kept = append(kept, w)
			continue
		}
		w.ch <- c.now
	}
	c.waiters = kept
}

// waiting is how many waits are pending.
func (c *fakeClock) waiting() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}

// opts puts the clock in o.
func (c *fakeClock) opts(o *Opts) *Opts {
	o.Now, o.After = c.Now, c.After
	return o
}

// queue is the terminal's status as the forwarder reports it: online, the
// journal's offline approvals waiting (Status for Opts before e exists).
func (e *env) queue() Status {
	if e == nil {
		return Status{Online: true}
	}
	x, _ := e.journal.Exposure(context.Background())
	return Status{Online: true, Queued: x.Count, Oldest: x.Oldest}
}
