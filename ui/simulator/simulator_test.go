package simulator

import (
	"context"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
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
	"tpe/ui/cashier"
	"tpe/ui/customer"
	"tpe/ui/simctl"
)

// shots is where TestScreenshots writes its captures of the headless
// window (the fake world's paper is grey bars, its display is set by the
// test): a place to look at a layout change, not documentation —
// docs/screens/simulator holds the real window's (scripts/sim-screens.sh).
var shots = flag.String("shots", "", "write TestScreenshots' captures in this directory")

// fakeWorld is the simulated shop over the paymenttest fakes: the card
// reader, the gateway (its Err is the network switch), an Alipay+ wallet
// provider, a scanner, a printer that draws paper and an SMTP outbox.
type fakeWorld struct {
	cards   *paymenttest.Cards
	gw      *paymenttest.Gateway
	wallets *fakeWallets
	scanner *fakeScanner

	mu        sync.Mutex
	online    bool
	presented []string
	actions   []string
	receipts  []printer.Receipt
	mails     []simctl.Mail
	frame     customer.Frame
	latency   time.Duration
}

var testCards = []simctl.Card{
	{Name: "visa-credit", Description: "Visa credit, qVSDC with fDDA", PANMasked: "476173******0119"},
	{Name: "mastercard", Description: "Mastercard credit, M/Chip with CDA", PANMasked: "541333******0434"},
	{Name: "cb-visa", Description: "CB co-badged with Visa, CB priority 1", PANMasked: "497010******0014"},
	{Name: "dev-card", Description: "a card the wallet has no words for", PANMasked: "476173******0028"},
}

func (w *fakeWorld) Cards() []simctl.Card { return testCards }

func (w *fakeWorld) PresentCard(_ context.Context, profile string, _ []byte) error {
	for _, c := range testCards {
		if c.Name == profile {
			w.mu.Lock()
			w.presented = append(w.presented, profile)
			w.mu.Unlock()
			w.cards.Present(paymenttest.VisaOnline())
			return nil
		}
	}
	return fmt.Errorf("%w: card %q", simctl.ErrNotFound, profile)
}

func (w *fakeWorld) Scan(ctx context.Context, code string) error {
	select {
	case w.scanner.codes <- code:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *fakeWorld) Wallet(_ context.Context, id, wallet, action string) error {
	w.mu.Lock()
	w.actions = append(w.actions, id+" "+wallet+" "+action)
	w.mu.Unlock()
	w.wallets.answer <- payment.WalletResult{Approved: action == "pay", Wallet: wallet, GatewayID: "W1", Decline: payment.DeclineGeneric}
	return nil
}

func (w *fakeWorld) SetNetwork(on bool) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.online = on
	if on {
		w.gw.Err = nil
	} else {
		w.gw.Err = payment.ErrGatewayUnavailable
	}
	return nil
}

func (w *fakeWorld) SetLatency(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.latency = d
}

func (w *fakeWorld) Network() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.online
}

// Receipts draws each printed receipt as paper: a dark bar per text line.
func (w *fakeWorld) Receipts() []image.Image {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []image.Image
	for _, r := range w.receipts {
		img := image.NewGray(image.Rect(0, 0, 384, 24*len(r.Lines)+40))
		draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
		for i, l := range r.Lines {
			n := len(l.Text) + len(l.Right)
			draw.Draw(img, image.Rect(16, 24+24*i, 16+min(n*8, 352), 38+24*i), &image.Uniform{color.Gray{0x20}}, image.Point{}, draw.Src)
		}
		out = append(out, img)
	}
	return out
}

func (w *fakeWorld) Display() image.Image {
	w.mu.Lock()
	f := w.frame
	w.mu.Unlock()
	return customer.Render(f, image.Pt(240, 320))
}

func (w *fakeWorld) Outbox() ([]simctl.Mail, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]simctl.Mail(nil), w.mails...), nil
}

// Print is the world's printer.
func (w *fakeWorld) Print(_ context.Context, r printer.Receipt) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.receipts = append(w.receipts, r)
	return nil
}
func (w *fakeWorld) Status(context.Context) (printer.Status, error) {
	return printer.Status{Online: true}, nil
}
func (w *fakeWorld) String() string { return "fake printer" }
func (w *fakeWorld) Halt() error    { return nil }

// SendReceipt is the world's SMTP sink.
func (w *fakeWorld) SendReceipt(_ context.Context, to string, t *payment.Transaction, text string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.mails = append(w.mails, simctl.Mail{From: "tpe@example.com", To: []string{to}, Subject: "Votre ticket " + t.Amount.Format("fr"), Text: text, At: "12:00:00"})
	return nil
}
func (w *fakeWorld) SendReport(context.Context, payment.Report, string) error { return nil }

type fakeWallets struct{ answer chan payment.WalletResult }

func (f *fakeWallets) Pay(ctx context.Context, req payment.WalletRequest, update func(payment.WalletUpdate)) (payment.WalletResult, error) {
	if req.BuyerCode != "" {
		return payment.WalletResult{Approved: true, Wallet: "Alipay", GatewayID: "C1"}, nil
	}
	update(payment.WalletUpdate{QR: "https://qr.alipayplus.example/281004" + req.OrderID[len(req.OrderID)-6:], ExpireAt: time.Now().Add(2 * time.Minute)})
	select {
	case r := <-f.answer:
		return r, nil
	case <-ctx.Done():
		return payment.WalletResult{Cancelled: true}, ctx.Err()
	}
}

func (f *fakeWallets) Refund(context.Context, string, payment.Amount) (payment.GatewayResult, error) {
	return payment.GatewayResult{Approved: true}, nil
}

type fakeScanner struct{ codes chan string }

func (s *fakeScanner) Scan(ctx context.Context) (string, error) {
	select {
	case c := <-s.codes:
		return c, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
func (s *fakeScanner) String() string { return "fake scanner" }
func (s *fakeScanner) Halt() error    { return nil }

type env struct {
	t     *testing.T
	world *fakeWorld
	svc   *payment.Service
	cui   *cashier.UI
	sim   *Sim
	w     fyne.Window
	pump  chan func()
}

// drain runs the updates queued by other goroutines on the test goroutine:
// fyne's test driver expects one goroutine, like the real one.
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

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvAt(t, fyne.NewSize(1720, 940))
}

// newEnvAt is the simulator in a test window of the given size.
func newEnvAt(t *testing.T, size fyne.Size) *env {
	t.Helper()
	a := test.NewApp()
	a.Settings().SetTheme(cashier.NewTheme())
	w := &fakeWorld{cards: paymenttest.NewCards(), gw: &paymenttest.Gateway{}, wallets: &fakeWallets{answer: make(chan payment.WalletResult, 1)},
		scanner: &fakeScanner{codes: make(chan string, 1)}, online: true,
		frame: customer.Frame{Screen: customer.Idle, Merchant: "Boulangerie Martin"}}
	svc, err := payment.New(payment.Opts{
		Merchant: payment.Merchant{Name: "Boulangerie Martin", City: "Lyon", TerminalID: "T0001"},
		Journal:  paymenttest.NewJournal(),
		Card:     payment.CardPorts{Reader: w.cards, Gateway: w.gw},
		Wallet:   payment.WalletPorts{Wallets: w.wallets, Scanner: w.scanner},
		Receipts: payment.ReceiptPorts{Printer: w, Notifier: w},
		Offline:  payment.OfflineLimits{DefaultFloor: 10000, MaxCount: 10, MaxTotal: 100000, MaxAge: time.Hour},
	})
	if err != nil {
		t.Fatal(err)
	}
	pump := make(chan func(), 8192)
	do := func(f func()) { pump <- f }
	cui := cashier.New(a, svc, &cashier.Opts{Notifier: w, Do: do,
		User:   &cashier.Cashier{Name: "Léa", Roles: []cashier.Role{cashier.RoleCashier, cashier.RoleSupervisor}},
		Status: func() cashier.Status { return cashier.Status{Online: w.Network()} }})
	sim := New(a, svc, w, cui, &Opts{Refresh: 20 * time.Millisecond, Do: do})
	win := test.NewWindow(sim.Content())
	win.SetPadded(false) // as Sim.Window
	win.Resize(size)
	e := &env{t: t, world: w, svc: svc, cui: cui, sim: sim, w: win, pump: pump}
	t.Cleanup(func() {
		sim.Close()
		cui.Close()
		svc.Close()
		win.Close()
	})
	return e
}

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

func (e *env) texts() []string {
	e.drain()
	var out []string
	e.sim.Sync(func() {
		walk(e.sim.Content(), func(o fyne.CanvasObject) {
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

func (e *env) wait(s string) {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second) // a hung UI, not a speed goal
	for !e.has(s) {
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out waiting for %q; screen shows %q", s, e.texts())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// tap taps the innermost tappable drawing the text label (exactly).
func (e *env) tap(label string) {
	e.t.Helper()
	e.drain()
	var target fyne.Tappable
	e.sim.Sync(func() {
		walk(e.sim.Content(), func(o fyne.CanvasObject) {
			tp, ok := o.(fyne.Tappable)
			if !ok {
				return
			}
			if b, ok := o.(*widget.Button); ok && b.Text == label {
				target = tp
				return
			}
			if _, ok := o.(fyne.Widget); !ok {
				return
			}
			walk(o, func(c fyne.CanvasObject) {
				if t, ok := c.(*canvas.Text); ok && t.Text == label {
					target = tp
				}
			})
		})
	})
	if target == nil {
		e.t.Fatalf("nothing to tap labelled %q; screen shows %q", label, e.texts())
	}
	test.Tap(target)
}

// pickWallet chooses the phone's wallet app.
func (e *env) pickWallet(name string) {
	e.drain()
	var sel *widget.Select
	e.sim.Sync(func() {
		walk(e.sim.phone, func(o fyne.CanvasObject) {
			if v, ok := o.(*widget.Select); ok {
				sel = v
			}
		})
	})
	if sel == nil {
		e.t.Fatal("no wallet choice on the phone")
	}
	sel.SetSelected(name)
}

func (e *env) paperImages() int {
	e.drain()
	n := 0
	e.sim.Sync(func() {
		e.sim.refreshPaper()
		for _, o := range e.sim.paper.Objects {
			if _, ok := o.(*canvas.Image); ok {
				n++
			}
		}
	})
	return n
}

func (e *env) waitFor(cond func() bool, what string) {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for e.drain(); !cond(); e.drain() {
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out waiting for %s; screen shows %q", what, e.texts())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCardFromWalletPrintsOnPaperRoll(t *testing.T) {
	e := newEnv(t)
	e.wait("Rien d'imprimé")
	for _, d := range "1500" {
		e.tap(string(d))
	}
	e.tap("Carte")
	e.wait("Présentez la carte")
	e.tap("Visa crédit")
	e.wait("Paiement accepté")
	if e.world.presented[0] != "visa-credit" {
		t.Fatalf("presented %v, want visa-credit", e.world.presented)
	}
	e.waitFor(func() bool { return e.paperImages() == 1 }, "the receipt on the paper roll")
	e.wait("payment.approved")
	e.tap("Détacher")
	if n := e.paperImages(); n != 0 {
		t.Fatalf("%d receipts left after tear-off", n)
	}
	e.wait("Rien d'imprimé")
	e.tap("Duplicata")
	e.waitFor(func() bool { return e.paperImages() == 1 }, "the duplicate after tear-off")
}

func TestPhonePaysAlipayQR(t *testing.T) {
	e := newEnv(t)
	for _, d := range "2000" {
		e.tap(string(d))
	}
	e.tap("Alipay+")
	e.tap("Afficher le QR code")
	e.wait("QR code scanné")
	e.pickWallet("GCash")
	e.tap("Payer")
	e.wait("Paiement accepté")
	e.wait("Paiement accepté") // cashier
	e.wait("Paiement accepté") // phone
	if len(e.world.actions) != 1 || !strings.HasSuffix(e.world.actions[0], "GCash pay") {
		t.Fatalf("wallet actions %v, want one pay", e.world.actions)
	}
}

func TestPhoneDeclinesAlipayQR(t *testing.T) {
	e := newEnv(t)
	for _, d := range "2000" {
		e.tap(string(d))
	}
	e.tap("Alipay+")
	e.tap("Afficher le QR code")
	e.wait("QR code scanné")
	e.tap("Refuser")
	e.wait("Paiement refusé")
	e.wait("Paiement refusé")
}

func TestPhonePresentsPaymentCode(t *testing.T) {
	e := newEnv(t)
	for _, d := range "990" {
		e.tap(string(d))
	}
	e.tap("Alipay+")
	e.tap("Scanner le code client")
	e.wait("Scannez le code du client")
	e.tap("Présenter mon code")
	e.wait("Paiement accepté")
	l, _ := e.svc.List(t.Context(), payment.Query{})
	if len(l) != 1 || l[0].Method != payment.MethodAlipayPlus || !l[0].State.Approved() {
		t.Fatalf("payments %+v, want one approved Alipay+", l)
	}
	code := ""
	e.sim.Sync(func() { code = e.sim.code })
	if len(code) != 18 || !strings.HasPrefix(code, "28") {
		t.Fatalf("payment code %q, want Alipay's 18 digits starting 28", code)
	}
}

func TestNetworkSwitchTakesOfflineSale(t *testing.T) {
	e := newEnv(t)
	e.tap("En ligne")
	if e.world.Network() {
		t.Fatal("network still online after the switch")
	}
	e.wait("Hors ligne")
	for _, d := range "700" {
		e.tap(string(d))
	}
	e.tap("Carte")
	e.wait("Présentez la carte")
	e.tap("Mastercard crédit")
	e.wait("Accepté hors ligne")
}

func TestLatencyChoice(t *testing.T) {
	e := newEnv(t)
	e.drain()
	var sel *widget.Select
	e.sim.Sync(func() {
		walk(e.sim.net, func(o fyne.CanvasObject) {
			if v, ok := o.(*widget.Select); ok {
				sel = v
			}
		})
	})
	if sel == nil {
		t.Fatal("no latency choice for a world that has one")
	}
	sel.SetSelected("3s")
	e.world.mu.Lock()
	got := e.world.latency
	e.world.mu.Unlock()
	if got != 3*time.Second {
		t.Fatalf("latency %v, want 3s", got)
	}
}

func TestOutboxShowsEmailedReceipt(t *testing.T) {
	e := newEnv(t)
	for _, d := range "1200" {
		e.tap(string(d))
	}
	e.tap("Carte")
	e.tap("Visa crédit")
	e.wait("Paiement accepté")
	e.tap("Ticket par e-mail")
	e.drain()
	var en *widget.Entry
	e.sim.Sync(func() {
		walk(e.sim.Content(), func(o fyne.CanvasObject) {
			if v, ok := o.(*widget.Entry); ok && v.PlaceHolder == "client@example.com" {
				en = v
			}
		})
	})
	if en == nil {
		t.Fatal("no e-mail entry")
	}
	test.Type(en, "anne@example.org")
	e.tap("Envoyer")
	e.waitFor(func() bool {
		found := false
		e.sim.Sync(func() {
			e.sim.refreshOutbox()
			walk(e.sim.outbox, func(o fyne.CanvasObject) {
				if t, ok := o.(*canvas.Text); ok && t.Text == "anne@example.org" {
					found = true
				}
			})
		})
		return found
	}, "the e-mail in the outbox")
}

func TestUnknownCardSaysWhy(t *testing.T) {
	e := newEnv(t)
	e.sim.Sync(func() { e.sim.present("no-such-card", "no-such-card") })
	e.wait("no-such-card")
}

func TestCatalogue(t *testing.T) {
	for k, v := range messages {
		if strings.TrimSpace(v[0]) == "" || strings.TrimSpace(v[1]) == "" {
			t.Errorf("%s: missing translation", k)
		}
		if strings.Count(v[0], "%") != strings.Count(v[1], "%") {
			t.Errorf("%s: verbs differ", k)
		}
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var src strings.Builder
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src.Write(b)
	}
	for k := range messages {
		if !strings.Contains(src.String(), `"`+k+`"`) {
			t.Errorf("key %q never used", k)
		}
	}
}

// TestScreenshots renders the simulator in its main states at the
// smallest window and the comfortable one; -shots DIR keeps the captures.
func TestScreenshots(t *testing.T) {
	states := []struct {
		name  string
		setup func(e *env)
	}{
		{"idle", func(e *env) {}},
		{"card-approved", func(e *env) {
			for _, d := range "2490" {
				e.tap(string(d))
			}
			e.tap("Carte")
			e.tap("Visa crédit")
			e.wait("Paiement accepté")
			e.waitFor(func() bool { return e.paperImages() == 1 }, "the receipt")
		}},
		{"alipay-phone", func(e *env) {
			for _, d := range "5600" {
				e.tap(string(d))
			}
			e.tap("Alipay+")
			e.tap("Afficher le QR code")
			e.wait("QR code scanné")
			e.tap("Téléphone")
		}},
		{"offline", func(e *env) {
			e.tap("En ligne")
			for _, d := range "780" {
				e.tap(string(d))
			}
			e.tap("Carte")
			e.tap("Mastercard crédit")
			e.wait("Accepté hors ligne")
			e.waitFor(func() bool { return e.paperImages() == 1 }, "the receipt")
		}},
	}
	for _, size := range []fyne.Size{MinWindow, fyne.NewSize(1720, 940)} {
		for _, sh := range states {
			name := fmt.Sprintf("%s-%.0fx%.0f", sh.name, size.Width, size.Height)
			t.Run(name, func(t *testing.T) {
				e := newEnvAt(t, size)
				sh.setup(e)
				time.Sleep(100 * time.Millisecond) // let the display ticker draw the last frame
				e.drain()
				var img image.Image
				e.sim.Sync(func() { img = e.w.Canvas().Capture() })
				if got := img.Bounds().Size(); got.X != int(size.Width) || got.Y != int(size.Height) {
					t.Fatalf("capture %v, want the window's %v", got, size)
				}
				if *shots == "" {
					return
				}
				if err := os.MkdirAll(*shots, 0o755); err != nil {
					t.Fatal(err)
				}
				f, err := os.Create(filepath.Join(*shots, name+".png"))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if err := png.Encode(f, img); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}
