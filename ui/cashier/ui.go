package cashier

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"

	"tpe/payment"
)

// Role is what a signed-in person may do.
type Role string

const (
	RoleCashier    Role = "cashier"    // take payments, reprint, reports
	RoleSupervisor Role = "supervisor" // refunds and voids
	RoleTechnician Role = "technician" // settings
)

// Cashier is the person signed in.
type Cashier struct {
	Name  string
	Roles []Role
	// Expires is when the sign-in ends (the ID token's expiry): the
	// cashier's session closes then. Zero: it does not expire.
	Expires time.Time
}

// Has reports whether c holds role r.
func (c Cashier) Has(r Role) bool { return slices.Contains(c.Roles, r) }

// Challenge is one OAuth 2.0 device authorization (RFC 8628 §3.2): the
// terminal shows UserCode and a QR of VerificationURIComplete (or
// VerificationURI), then Poll blocks until the person approved on a phone,
// refused, or the code expired (an error).
type Challenge struct {
	UserCode                string
	VerificationURI         string
	VerificationURIComplete string
	ExpiresAt               time.Time
	Poll                    func(ctx context.Context) (Cashier, error)
}

// SignIn starts device-code sign-ins (payment/gateway implements it against
// the identity provider).
type SignIn interface {
	Start(ctx context.Context) (Challenge, error)
}

// Status is the terminal's link to the bank and its offline queue.
type Status struct {
	Online bool
	Queued int       // offline approvals waiting to be forwarded
	Oldest time.Time // the oldest of them
}

// Opts configures the cashier UI. Every field is optional.
type Opts struct {
	// Lang is the starting language, "fr" (default) or "en".
	Lang string
	// SignIn signs cashiers in and supervisors/technicians up to a role.
	// Nil: nobody signs in and User works the till.
	SignIn SignIn
	// User is who works the till when SignIn is nil (default: "Caisse 1",
	// cashier role only: refunds, voids and settings then need SignIn).
	User *Cashier
	// Status reports the network and the offline queue; polled every
	// StatusEvery and after each payment event.
	Status      func() Status
	StatusEvery time.Duration // default 2 s
	// Notifier e-mails receipts from the result screen; nil hides the button.
	Notifier payment.Notifier
	// Version is shown in settings.
	Version string
	// OnLang is told when the cashier switches language (cmd can follow
	// with the customer display).
	OnLang func(lang string)
	// IdleTimeout closes a signed-in cashier's session after this long
	// without a tap or a key (tpe.toml oidc.idle_timeout); zero: never.
	// Sessions also close when the sign-in expires (Cashier.Expires). A
	// payment under way holds the session open until it ends.
	IdleTimeout time.Duration
	// Now and After are the clock: After waits on the same time as Now
	// (default time.Now, time.After). The QR countdown, sign-in retries and
	// the end of sessions run on it; tests pass a fake clock.
	Now    func() time.Time
	After  func(time.Duration) <-chan time.Time
	Logger *slog.Logger
	// Do runs UI updates coming from other goroutines (service events,
	// finished calls) on fyne's goroutine; default fyne.Do. Headless tests
	// pass a pump they drain on the test goroutine, so that all fyne work
	// stays on one goroutine as the real driver does.
	Do func(func())
}

// UI is the cashier's application. Its methods must run on fyne's goroutine
// (tap handlers, fyne.Do); events from the service are applied there.
type UI struct {
	app fyne.App
	svc *payment.Service
	o   Opts
	log *slog.Logger

	// mu serialises every change to the screens: the real driver runs them
	// all on its one goroutine, the test driver runs fyne.Do inline on the
	// caller's, and this keeps both correct.
	mu sync.Mutex

	lang   string
	user   *Cashier
	root   *fyne.Container
	frame  *fyne.Container // top bar, navigation rail and body
	top    *fyne.Container
	nav    *fyne.Container
	body   *fyne.Container
	status Status

	cur    screen // the screen shown; nil before the first
	keyFn  func(*fyne.KeyEvent)
	runeFn func(rune)
	notice string
	bad    bool // notice is an error

	sale    *saleScreen    // kept: the sale in progress stays
	hist    *historyScreen // kept: its filters stay
	links   *linksScreen   // kept: its filters stay
	confirm *confirmScreen // covers the screen until answered
	sign    *signScreen    // covers the screen while someone signs in

	// lastActive is the cashier's last tap or key; sessionHold keeps a
	// session due to end open while a payment is under way; kick wakes the
	// session watcher when someone signs in.
	lastActive  time.Time
	sessionHold time.Time
	kick        chan struct{}

	ctx     context.Context
	cancel  context.CancelFunc
	unsub   func()
	stopped chan struct{}
	win     fyne.Window
}

// New builds the cashier UI on app for svc and starts following the
// service's events; Close stops it.
func New(app fyne.App, svc *payment.Service, o *Opts) *UI {
	var opts Opts
	if o != nil {
		opts = *o
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.After == nil {
		opts.After = time.After
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Do == nil {
		opts.Do = fyne.Do
	}
	if opts.StatusEvery == 0 {
		opts.StatusEvery = 2 * time.Second
	}
	u := &UI{app: app, svc: svc, o: opts, log: opts.Logger, lang: normLang(opts.Lang), stopped: make(chan struct{}),
		kick: make(chan struct{}, 1)}
	u.lastActive = opts.Now()
	u.hist = &historyScreen{u: u}
	u.links = &linksScreen{u: u}
	u.sale = &saleScreen{u: u}
	if opts.SignIn == nil {
		c := Cashier{Name: "Caisse 1", Roles: []Role{RoleCashier}}
		if opts.User != nil {
			c = *opts.User
		}
		u.user = &c
	}
	u.status.Online = true
	if opts.Status != nil {
		u.status = opts.Status()
	}
	u.top = container.NewStack()
	u.nav = container.NewStack()
	u.body = container.NewStack()
	bg := canvas.NewRectangle(colBg)
	u.frame = container.NewBorder(u.top, nil, u.nav, nil, u.body)
	u.root = container.NewStack(bg, u.frame)
	u.ctx, u.cancel = context.WithCancel(context.Background())
	// Locked: drawing the first screen may start a sign-in whose answer
	// comes back on another goroutine.
	u.locked(u.goSale)
	ch, unsub := svc.Subscribe(64)
	u.unsub = unsub
	go u.follow(ch)
	if opts.Status != nil {
		go u.pollStatus()
	} else {
		close(u.stopped)
	}
	if opts.SignIn != nil {
		go u.watchSession()
	}
	return u
}

// Content is the whole UI, to put in a window or a simulator frame.
func (u *UI) Content() fyne.CanvasObject { return u.root }

// Window returns a window showing the UI (created on first call) with the
// product theme and keyboard shortcuts. Kiosk mode is cmd's choice
// (w.SetFullScreen(true)).
func (u *UI) Window() fyne.Window {
	if u.win == nil {
		u.win = u.app.NewWindow("TPE")
		u.win.SetContent(u.root)
		u.win.Resize(fyne.NewSize(1024, 600))
		u.BindKeys(u.win.Canvas())
	}
	return u.win
}

// BindKeys routes a canvas's keyboard to the UI: digits, Backspace, Enter
// and Escape work like the on-screen keys.
func (u *UI) BindKeys(c fyne.Canvas) {
	c.SetOnTypedRune(u.TypedRune)
	c.SetOnTypedKey(u.TypedKey)
}

// TypedRune handles a character typed outside any entry.
func (u *UI) TypedRune(r rune) {
	u.locked(func() {
		u.touch()
		if u.runeFn != nil {
			u.runeFn(r)
		}
	})
}

// TypedKey handles a key typed outside any entry.
func (u *UI) TypedKey(ev *fyne.KeyEvent) {
	u.locked(func() {
		u.touch()
		if u.keyFn != nil {
			u.keyFn(ev)
		}
	})
}

// Lang is the language shown.
func (u *UI) Lang() string { return u.lang }

// SetLang switches the language and redraws the current screen.
func (u *UI) SetLang(lang string) {
	u.locked(func() { u.setLang(lang) })
}

func (u *UI) setLang(lang string) {
	u.lang = normLang(lang)
	if u.o.OnLang != nil {
		u.o.OnLang(u.lang)
	}
	u.render()
}

// Close stops following the service. The window, if any, stays cmd's.
func (u *UI) Close() {
	u.cancel()
	u.unsub()
	<-u.stopped
}

// locked runs f holding mu (tap handlers).
func (u *UI) locked(f func()) {
	u.mu.Lock()
	defer u.mu.Unlock()
	f()
}

// do runs f on fyne's goroutine holding mu (from any goroutine).
func (u *UI) do(f func()) {
	u.o.Do(func() { u.locked(f) })
}

// tap wraps a handler for a widget: taps arrive on fyne's goroutine.
func (u *UI) tap(f func()) func() {
	return func() {
		u.locked(func() {
			u.touch()
			f()
		})
	}
}

// touch records the cashier's activity (idle timeout).
func (u *UI) touch() { u.lastActive = u.o.Now() }

// sleep waits d on the UI's clock; false when the UI closed or ctx ended.
func (u *UI) sleep(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-u.o.After(d):
		return true
	}
}

// T translates key in the UI's language.
func (u *UI) T(key string, args ...any) string { return T(u.lang, key, args...) }

func (u *UI) follow(ch <-chan payment.Event) {
	for e := range ch {
		u.do(func() { u.onEvent(e) })
	}
}

func (u *UI) pollStatus() {
	defer close(u.stopped)
	t := time.NewTicker(u.o.StatusEvery)
	defer t.Stop()
	for {
		select {
		case <-u.ctx.Done():
			return
		case <-t.C:
			st := u.o.Status()
			u.do(func() {
				if st != u.status {
					u.status = st
					u.renderTop()
					if u.current() == scrReports {
						u.render()
					}
				}
			})
		}
	}
}

// onEvent fans one service event out: the sale in progress follows its
// payment wherever the cashier is, a payment the cash register started
// takes a free till, and the current screen redraws if its onEvent asks.
func (u *UI) onEvent(e payment.Event) {
	if u.o.Status != nil {
		u.status = u.o.Status()
	}
	// A payment started by the cash register (local API) takes the screen
	// when the till is free: the cashier follows it and can cancel it.
	if e.Type == payment.EventCreated && e.Payment != nil && u.user != nil && !u.covered() &&
		u.current() != scrRefund && u.sale.free(e) {
		u.sale.saleState = saleState{phase: phasePay, cur: e.Payment, last: e.Type}
		u.show(u.sale)
		return
	}
	if u.sale.onEvent(e) && e.Type != payment.EventPINRequired {
		u.render()
		return
	}
	// A payment that wants the cardholder's PIN shows the pad, whoever
	// started it: the customer cannot pay without it.
	if e.Type == payment.EventPINRequired && e.Payment != nil && (u.current() != scrPIN || u.cur.(*pinScreen).t.ID != e.Payment.ID) {
		u.show(newPINScreen(u, e.Payment))
		return
	}
	if u.cur != nil && u.cur != screen(u.sale) && u.cur.onEvent(e) {
		u.render()
		return
	}
	u.renderTop()
}

// show makes s the current screen and draws it; the notice stays only
// when the same screen is shown again.
func (u *UI) show(s screen) {
	if u.current() != s.id() {
		u.notice = ""
	}
	u.cur = s
	u.keyFn, u.runeFn = nil, nil
	u.render()
}

// current is the screen shown (scrNone before the first).
func (u *UI) current() screenID {
	if u.cur == nil {
		return scrNone
	}
	return u.cur.id()
}

// covered reports whether a sign-in or a confirmation hides the screen.
func (u *UI) covered() bool { return u.sign != nil || u.confirm != nil }

func (u *UI) render() {
	u.renderTop()
	u.renderNav()
	var obj fyne.CanvasObject
	u.sale.cdText = nil // the QR screen sets it again
	if u.user == nil && u.sign == nil {
		u.startSignIn(RoleCashier, nil)
	}
	switch {
	case u.sign != nil:
		obj = u.sign.view()
	case u.confirm != nil:
		obj = u.confirm.view()
	default:
		obj = u.cur.view()
	}
	content := container.NewBorder(nil, u.noticeBar(), nil, nil, obj)
	u.body.Objects = []fyne.CanvasObject{container.New(layout.NewCustomPaddedLayout(12, 12, 14, 14), content)}
	// The rail and bar may change size (signed in or out): lay the frame
	// out again, not just the body.
	u.frame.Refresh()
}

// say shows a message under the current screen.
func (u *UI) say(msg string, bad bool) {
	u.notice, u.bad = msg, bad
	u.render()
}

func (u *UI) noticeBar() fyne.CanvasObject {
	if u.notice == "" {
		return container.NewStack()
	}
	col, ic := colGreen, fyne.Resource(theme.NewSuccessThemedResource(theme.ConfirmIcon()))
	if u.bad {
		col, ic = colRed, theme.NewErrorThemedResource(theme.ErrorIcon())
	}
	bg := canvas.NewRectangle(fade(col, 0x22))
	bg.CornerRadius = 10
	icon := canvas.NewImageFromResource(ic)
	icon.SetMinSize(fyne.NewSquareSize(22))
	l := text(u.notice, 16, col, true)
	return container.NewPadded(container.NewStack(bg, container.NewPadded(container.NewHBox(icon, l))))
}

func (u *UI) renderTop() {
	bg := canvas.NewRectangle(colBrandDark)
	bg.SetMinSize(fyne.NewSize(0, 52))
	m := u.svc.Merchant()
	name := m.Name
	if name == "" {
		name = "TPE"
	}
	title := text(name, 18, colWhite, true)
	var chip fyne.CanvasObject
	switch {
	case !u.status.Online && u.status.Queued > 0:
		chip = pill(u.T("status.offline")+" · "+u.T("status.queue", u.status.Queued), colAmber, colWhite)
	case !u.status.Online:
		chip = pill(u.T("status.offline"), colAmber, colWhite)
	case u.status.Queued > 0:
		chip = pill(u.T("status.online")+" · "+u.T("status.queue", u.status.Queued), colGreen, colWhite)
	default:
		chip = pill(u.T("status.online"), colGreen, colWhite)
	}
	right := []fyne.CanvasObject{}
	if u.user != nil {
		right = append(right, text(u.user.Name, 15, colWhite, false))
		if u.o.SignIn != nil {
			right = append(right, newTile(u.T("user.signout"), "", nil, colBrandDark, colWhite, 14, fyne.NewSize(110, 40), u.tap(u.signOut)))
		}
	}
	right = append(right, newTile(u.T("lang.switch"), "", nil, colBrand, colWhite, 15, fyne.NewSize(56, 40), u.tap(func() {
		if u.lang == "fr" {
			u.setLang("en")
		} else {
			u.setLang("fr")
		}
	})))
	bar := container.NewBorder(nil, nil,
		container.NewHBox(title, container.NewCenter(chip)), container.NewHBox(right...))
	u.top.Objects = []fyne.CanvasObject{bg, container.New(layout.NewCustomPaddedLayout(6, 6, 14, 10), bar)}
	u.top.Refresh()
}

func (u *UI) renderNav() {
	if u.user == nil {
		u.nav.Objects = nil
		u.nav.Refresh()
		return
	}
	lit := scrNone
	if u.cur != nil {
		lit = u.cur.nav()
	}
	item := func(screen screenID, key string, icon fyne.Resource, f func()) fyne.CanvasObject {
		bg, fg := colBg, colMuted
		var res fyne.Resource = theme.NewThemedResource(icon)
		if lit == screen {
			bg, fg = colPaleBlue, colBrand
			res = theme.NewPrimaryThemedResource(icon)
		}
		return newTile(u.T(key), "", res, bg, fg, 13, fyne.NewSize(92, 74), u.tap(f))
	}
	items := container.NewVBox(
		item(scrSale, "nav.sale", theme.HomeIcon(), u.goSale),
		item(scrHistory, "nav.history", theme.HistoryIcon(), u.goHistory),
		item(scrLinks, "nav.links", theme.MailSendIcon(), u.goLinks),
		item(scrReports, "nav.reports", theme.DocumentIcon(), u.goReports),
		item(scrSettings, "nav.settings", theme.SettingsIcon(), u.goSettings),
	)
	bg := canvas.NewRectangle(colCard)
	line := canvas.NewRectangle(colLine)
	line.SetMinSize(fyne.NewSize(1, 0))
	u.nav.Objects = []fyne.CanvasObject{bg, container.NewBorder(nil, nil, nil, line, container.New(layout.NewCustomPaddedLayout(8, 8, 6, 6), items))}
	u.nav.Refresh()
}

// Sync runs f while no screen of the UI is being changed: for a frame (the
// simulator) or a test that reads the UI's objects from another goroutine.
func (u *UI) Sync(f func()) { u.locked(f) }
