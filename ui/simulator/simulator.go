package simulator

import (
	"context"
	"crypto/rand"
	"image"
	"image/color"
	"io"
	"log/slog"
	"math/big"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/skip2/go-qrcode"

	"tpe/payment"
	"tpe/ui/cashier"
	"tpe/ui/simctl"
)

// World is the emulated terminal and its surroundings, as the simulator
// window drives and watches them: the one simulator contract (ui/simctl),
// which tpe-sim's world implements and /v1/sim/ (ui/api/apisim) also drives.
type World = simctl.World

// Latency is what a World may also offer: delay every gateway exchange.
// The network panel shows a latency choice when the world has it.
type Latency = simctl.Latency

// latencies are the choices of the network panel.
var latencies = []time.Duration{0, 300 * time.Millisecond, time.Second, 3 * time.Second, 10 * time.Second}

// PhoneWallet is a wallet app on the customer's phone and how its payment
// codes look (Alipay+ code formats: 17–32 digits, see
// docs.alipayplus.com code_scanning_payment_standards).
type PhoneWallet struct {
	Name   string
	Prefix string // leading digits identifying the wallet
	Digits int    // total length of a code
}

// DefaultWallets are the phone's wallet apps: Alipay's legacy 18-digit code
// (28 + 16 digits) and 24-digit CII+BTI codes (6-digit issuer, BTI 02):
// AlipayHK's published CII and the gateway simulator's CIIs for GCash,
// Kakao Pay and Touch 'n Go (gatewaysim.WalletTable), each a wallet of its
// own. tpe-sim builds the list from its wallet table instead.
var DefaultWallets = []PhoneWallet{
	{"Alipay", "28", 18},
	{"AlipayHK", "28100602", 24},
	{"GCash", "28101102", 24},
	{"Kakao Pay", "28101202", 24},
	{"Touch 'n Go", "28101302", 24},
}

// Opts configures the simulator window. Every field is optional.
type Opts struct {
	Lang    string        // "fr" (default) or "en"
	Wallets []PhoneWallet // default DefaultWallets
	// Refresh is how often the customer display is redrawn (default 150 ms);
	// the paper roll and the outbox follow every 8 refreshes and on events.
	Refresh time.Duration
	Logger  *slog.Logger
	// Do runs updates from other goroutines on fyne's goroutine; default
	// fyne.Do (see cashier.Opts.Do).
	Do func(func())
	// Size is the window's size when it opens (default MinWindow; see
	// WindowSize for a size that fits a screen). The window can be
	// resized and the desk lays itself out again.
	Size fyne.Size
}

// maxEvents bounds the event log.
const maxEvents = 300

// Sim is the simulator window's content.
type Sim struct {
	app   fyne.App
	svc   *payment.Service
	world World
	cui   *cashier.UI
	o     Opts
	log   *slog.Logger

	mu      sync.Mutex
	root    fyne.CanvasObject
	display *canvas.Image
	paper   *fyne.Container
	scroll  *container.Scroll
	paperW  float32 // width of a receipt on the roll, set by the desk
	torn    map[uint64]bool
	nPaper  int
	net     *fyne.Container
	phone   *fyne.Container
	status  *canvas.Text
	events  []logLine
	evList  *widget.List
	outbox  *fyne.Container
	nMail   int
	shownFP uint64 // fingerprint of the display frame shown
	latency int    // index in latencies

	wallet  int                  // the phone's chosen wallet
	qr      *payment.Transaction // the Alipay+ payment whose QR the phone scanned
	qrImg   image.Image
	result  string // the phone's last payment outcome
	code    string // the payment code the phone shows
	ctx     context.Context
	cancel  context.CancelFunc
	unsub   func()
	done    sync.WaitGroup
	win     fyne.Window
	walletW *fyne.Container

	// the desk: the regions it places (see layout.go)
	desk                             *desk
	deskC                            *fyne.Container
	termPanel, dispPanel, paperPanel fyne.CanvasObject
	walletPanel, netPanel            fyne.CanvasObject
	phonePanel, logPanel             fyne.CanvasObject
	chips                            *fyne.Container
	chipList                         [nTabs]*chip
	chipW                            float32
	tab                              tab  // the side tab shown when the world is in tabs
	offline                          bool // the network switch is off
	statusText                       string
	statusW                          float32
}

// New builds the simulator around cashierUI and starts following the
// service's events and the world's devices; Close stops it.
func New(app fyne.App, svc *payment.Service, world World, cashierUI *cashier.UI, o *Opts) *Sim {
	var opts Opts
	if o != nil {
		opts = *o
	}
	if opts.Lang != "en" {
		opts.Lang = "fr"
	}
	if len(opts.Wallets) == 0 {
		opts.Wallets = DefaultWallets
	}
	if opts.Do == nil {
		opts.Do = fyne.Do
	}
	if opts.Refresh == 0 {
		opts.Refresh = 150 * time.Millisecond
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Size.IsZero() {
		opts.Size = MinWindow
	}
	s := &Sim{app: app, svc: svc, world: world, cui: cashierUI, o: opts, log: opts.Logger, torn: map[uint64]bool{}}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.locked(s.build)
	ch, unsub := svc.Subscribe(128)
	s.unsub = unsub
	s.done.Add(2)
	go func() {
		defer s.done.Done()
		for e := range ch {
			s.do(func() { s.onEvent(e) })
		}
	}()
	go s.poll()
	return s
}

// Content is the whole simulator, cashier included.
func (s *Sim) Content() fyne.CanvasObject { return s.root }

// Window returns the simulator window (created on first call); the
// keyboard drives the cashier UI.
func (s *Sim) Window() fyne.Window {
	if s.win == nil {
		s.win = s.app.NewWindow(s.t("title"))
		s.win.SetContent(s.root)
		s.win.SetPadded(false) // the desk is drawn to the window's edges
		s.win.Resize(s.o.Size)
		s.cui.BindKeys(s.win.Canvas())
	}
	return s.win
}

// Close stops following the service and the world.
func (s *Sim) Close() {
	s.cancel()
	s.unsub()
	s.done.Wait()
}

func (s *Sim) t(key string, args ...any) string { return tr(s.o.Lang, key, args...) }

func (s *Sim) locked(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

func (s *Sim) do(f func()) { s.o.Do(func() { s.locked(f) }) }

func (s *Sim) tap(f func()) func() { return func() { s.locked(f) } }

// Sync runs f while no panel is being changed (tests, screenshots).
func (s *Sim) Sync(f func()) { s.cui.Sync(func() { s.locked(f) }) }

var (
	colDesk  = color.NRGBA{0x1E, 0x23, 0x2D, 0xFF}
	colPanel = color.NRGBA{0xF6, 0xF7, 0xFA, 0xFF}
	colInk   = color.NRGBA{0x17, 0x1F, 0x2E, 0xFF}
	colMuted = color.NRGBA{0x66, 0x70, 0x85, 0xFF}
	colLight = color.NRGBA{0xC9, 0xD1, 0xE0, 0xFF}
	colGreen = color.NRGBA{0x12, 0x9A, 0x56, 0xFF}
	colRed   = color.NRGBA{0xD8, 0x35, 0x35, 0xFF}
	colBlue  = color.NRGBA{0x1F, 0x5E, 0xFF, 0xFF}
	colBezel = color.NRGBA{0x0B, 0x0E, 0x14, 0xFF}
	colWhite = color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF}
)

func text(s string, size float32, col color.Color, bold bool) *canvas.Text {
	t := canvas.NewText(s, col)
	t.TextSize = size
	t.TextStyle.Bold = bold
	return t
}

const (
	sectionPad       = 10
	sectionTitleSize = 12
)

// section is a titled panel on the desk; without a title, a plain panel.
func section(title string, content fyne.CanvasObject) fyne.CanvasObject {
	bg := canvas.NewRectangle(colPanel)
	bg.CornerRadius = 12
	if title == "" {
		return container.NewStack(bg, container.New(layout.NewCustomPaddedLayout(sectionPad, sectionPad, 12, 12), content))
	}
	head := text(strings.ToUpper(title), sectionTitleSize, colMuted, true)
	return container.NewStack(bg, container.New(layout.NewCustomPaddedLayout(sectionPad, sectionPad, 12, 12),
		container.NewBorder(head, nil, nil, nil, content)))
}

// sectionWith is a titled panel with a control at the right of its title.
func sectionWith(title string, control, content fyne.CanvasObject) fyne.CanvasObject {
	bg := canvas.NewRectangle(colPanel)
	bg.CornerRadius = 12
	head := container.NewBorder(nil, nil, nil, control, text(strings.ToUpper(title), sectionTitleSize, colMuted, true))
	return container.NewStack(bg, container.New(layout.NewCustomPaddedLayout(sectionPad, sectionPad, 12, 12),
		container.NewBorder(head, nil, nil, nil, content)))
}

// smallButton is a compact icon-and-word button, for a panel's title row.
func smallButton(label string, icon fyne.Resource, tap func()) fyne.CanvasObject {
	bg := canvas.NewRectangle(colWhite)
	bg.CornerRadius = 6
	bg.StrokeColor, bg.StrokeWidth = colLight, 1
	ic := canvas.NewImageFromResource(theme.NewThemedResource(icon))
	ic.SetMinSize(fyne.NewSquareSize(14))
	row := container.New(layout.NewCustomPaddedHBoxLayout(4), ic, text(label, 12, colInk, true))
	return newTappable(container.NewStack(bg, container.New(layout.NewCustomPaddedLayout(2, 2, 8, 8), row)), tap)
}

// fixed gives o exactly size w×h in a layout.
func fixed(w, h float32, o fyne.CanvasObject) fyne.CanvasObject {
	return container.New(layout.NewGridWrapLayout(fyne.NewSize(w, h)), o)
}

func (s *Sim) build() {
	// the terminal: the cashier UI at the product's screen size
	bz := canvas.NewRectangle(colBezel)
	bz.CornerRadius = 22
	s.termPanel = container.NewStack(bz, container.New(layout.NewCustomPaddedLayout(bezel, bezel, bezel, bezel), fixed(screenW, screenH, s.cui.Content())))

	// the event log and the outbox
	s.evList = s.newEventList()
	s.outbox = container.NewVBox()
	s.refreshOutbox()
	s.logPanel = section("", container.NewAppTabs(
		container.NewTabItemWithIcon(s.t("events"), theme.ListIcon(), s.evList),
		container.NewTabItemWithIcon(s.t("outbox"), theme.MailComposeIcon(), container.NewVScroll(s.outbox)),
	))

	// the world: wallet, network, phone
	s.walletW = container.NewVBox()
	s.buildWallet()
	s.walletPanel = section(s.t("wallet"), container.NewVScroll(s.walletW))
	s.net = container.NewStack()
	s.renderNet()
	s.netPanel = section(s.t("network"), container.NewVScroll(s.net))
	s.phone = container.NewStack()
	s.renderPhone()
	s.phonePanel = section(s.t("phone"), container.NewVScroll(s.phone))
	// the status line says what a tap did; until then, what to tap
	s.status = text("", 12, colLight, false)
	s.statusText = s.t("wallet.hint")

	// the devices: customer display and paper roll
	s.display = canvas.NewImageFromImage(s.world.Display())
	s.display.FillMode = canvas.ImageFillContain
	s.display.ScaleMode = canvas.ImageScalePixels
	s.dispPanel = section(s.t("display"), lcd(s.display))
	s.paper = container.NewVBox()
	s.scroll = container.NewVScroll(s.paper)
	s.paperW = 270
	s.refreshPaper()
	s.paperPanel = sectionWith(s.t("paper"), smallButton(s.t("paper.tear"), theme.ContentCutIcon(), s.tap(s.tearOff)), s.scroll)

	s.chips = s.newChips()
	s.desk = &desk{s: s}
	s.deskC = container.New(s.desk, s.termPanel, s.logPanel, s.walletPanel, s.netPanel, s.phonePanel, s.dispPanel, s.paperPanel, s.chips, s.status)
	s.paintChips()
	s.root = container.NewStack(canvas.NewRectangle(colDesk), s.deskC)
}

func (s *Sim) buildWallet() {
	cards := s.world.Cards()
	s.walletW.Objects = nil
	if len(cards) == 0 {
		s.walletW.Add(text(s.t("wallet.none"), 14, colMuted, false))
	}
	for _, c := range sortCards(cards) {
		s.walletW.Add(s.walletCard(c))
	}
	s.walletW.Refresh()
}

// present puts the card of profile name in the field; label is what the
// wallet calls it.
func (s *Sim) present(name, label string) {
	go func() {
		err := s.world.PresentCard(s.ctx, name, nil)
		s.do(func() {
			if err != nil {
				s.say(s.t("err", err), true)
				return
			}
			s.say(s.t("wallet.sent", label), false)
		})
	}()
}

func (s *Sim) say(msg string, bad bool) {
	s.statusText = msg
	s.fitStatus()
	s.status.Color = colLight
	if bad {
		s.status.Color = colRed
	}
	s.status.Refresh()
}

func (s *Sim) renderNet() {
	on := s.world.Network()
	s.offline = !on
	s.paintChips()
	col, label := colGreen, s.t("network.on")
	if !on {
		col, label = colRed, s.t("network.off")
	}
	bg := canvas.NewRectangle(col)
	bg.CornerRadius = 10
	row := container.NewVBox(text(label, 18, colWhite, true), text(s.t("network.tap"), 11, colWhite, false))
	objs := []fyne.CanvasObject{newTappable(container.NewStack(bg, container.New(layout.NewCustomPaddedLayout(6, 6, 12, 12), row)), s.tap(func() {
		if err := s.world.SetNetwork(!s.world.Network()); err != nil {
			s.say(s.t("err", err), true)
		}
		s.renderNet()
	}))}
	if l, ok := s.world.(Latency); ok {
		names := make([]string, len(latencies))
		for i, d := range latencies {
			names[i] = d.String()
		}
		pick := widget.NewSelect(names, nil)
		pick.SetSelectedIndex(s.latency)
		pick.OnChanged = func(string) {
			s.locked(func() {
				s.latency = max(pick.SelectedIndex(), 0)
				l.SetLatency(latencies[s.latency])
			})
		}
		objs = append(objs, text(s.t("network.latency"), 12, colMuted, false), pick)
	}
	s.net.Objects = []fyne.CanvasObject{container.NewVBox(objs...)}
	s.net.Refresh()
}

func (s *Sim) renderPhone() {
	names := make([]string, len(s.o.Wallets))
	for i, w := range s.o.Wallets {
		names[i] = w.Name
	}
	pick := widget.NewSelect(names, nil)
	pick.SetSelectedIndex(s.wallet)
	pick.OnChanged = func(string) {
		s.locked(func() { s.wallet = max(pick.SelectedIndex(), 0) })
	}
	// the label above the choice: "Touch 'n Go" makes the choice wide,
	// and the phone's tab is 222 wide in a 1280-wide window
	items := []fyne.CanvasObject{text(s.t("phone.wallet"), 12, colMuted, false), pick}
	switch {
	case s.qr != nil:
		if s.qrImg != nil {
			img := canvas.NewImageFromImage(s.qrImg)
			img.ScaleMode = canvas.ImageScalePixels
			img.FillMode = canvas.ImageFillContain
			items = append(items, container.NewCenter(fixed(96, 96, img)))
		}
		items = append(items, text(s.t("phone.scanned", s.qr.Amount.Format(s.o.Lang)), 14, colInk, true))
		id := s.qr.ID
		pay := widget.NewButton(s.t("phone.pay"), s.tap(func() { s.answer(id, "pay") }))
		pay.Importance = widget.SuccessImportance
		no := widget.NewButton(s.t("phone.decline"), s.tap(func() { s.answer(id, "decline") }))
		no.Importance = widget.DangerImportance
		items = append(items, container.NewGridWithColumns(2, no, pay)) // words and colours, no icons: they fit the narrow tab
	default:
		if s.result != "" {
			items = append(items, text(s.result, 15, colInk, true))
		} else {
			items = append(items, text(s.t("phone.idle"), 13, colMuted, false))
		}
		if s.code != "" {
			items = append(items, text(s.t("phone.shown", s.code), 12, colMuted, false))
		}
		present := widget.NewButton(s.t("phone.code"), s.tap(s.presentCode)) // no icon: it fits the 222-wide tab
		present.Importance = widget.HighImportance
		items = append(items, present, text(s.t("phone.code.sub"), 11, colMuted, false))
	}
	s.phone.Objects = []fyne.CanvasObject{container.NewVBox(items...)}
	s.phone.Refresh()
	if s.deskC != nil {
		s.deskC.Refresh() // the phone's height changed: the desk places it again
	}
}

func (s *Sim) answer(id, action string) {
	w := s.o.Wallets[s.wallet].Name
	go func() {
		err := s.world.Wallet(s.ctx, id, w, action)
		s.do(func() {
			if err != nil {
				s.say(s.t("err", err), true)
			}
		})
	}()
}

// presentCode shows a fresh payment code of the chosen wallet to the
// terminal's scanner (Alipay+ CPM).
func (s *Sim) presentCode() {
	w := s.o.Wallets[s.wallet]
	s.code = paymentCode(w)
	code := s.code
	s.renderPhone()
	go func() {
		err := s.world.Scan(s.ctx, code)
		s.do(func() {
			if err != nil {
				s.say(s.t("err", err), true)
			}
		})
	}()
}

// paymentCode is w's prefix followed by random digits up to w.Digits.
func paymentCode(w PhoneWallet) string {
	var b strings.Builder
	b.WriteString(w.Prefix)
	for b.Len() < w.Digits {
		n, _ := rand.Int(rand.Reader, big.NewInt(10))
		b.WriteByte(byte('0' + n.Int64()))
	}
	return b.String()
}

func (s *Sim) onEvent(e payment.Event) {
	s.events = append([]logLine{s.logLineOf(e)}, s.events...)
	if len(s.events) > maxEvents {
		s.events = s.events[:maxEvents]
	}
	s.evList.Refresh()
	// In a narrow window the world is in tabs: show the one the customer
	// needs now (a card to tap, a QR to scan or a code to present).
	switch e.Type {
	case payment.EventWaitingCard:
		s.choose(tabWallet)
	case payment.EventQR, payment.EventWaitingCode:
		s.choose(tabPhone)
	}
	if p := e.Payment; p != nil && p.Method == payment.MethodAlipayPlus {
		switch {
		case e.Type == payment.EventQR && p.QR != "":
			s.qr, s.result, s.qrImg = p, "", nil
			if q, err := qrcode.New(p.QR, qrcode.Medium); err == nil {
				s.qrImg = q.Image(240)
			}
			s.renderPhone()
		case p.State.Final() || p.State.Approved():
			if s.qr != nil && s.qr.ID == p.ID || p.QR == "" {
				st := s.t("st.other")
				switch {
				case p.State.Approved():
					st = s.t("st.approved")
				case p.State == payment.StateDeclined:
					st = s.t("st.declined")
				}
				s.qr, s.result = nil, s.t("phone.done", st)
				s.renderPhone()
			}
		}
	}
	switch e.Type {
	case payment.EventReceiptPrinted, payment.EventReceiptFailed, payment.EventBatchClosed, payment.EventApproved,
		payment.EventOfflineApproved, payment.EventDeclined, payment.EventLinkSent, payment.EventRefunded:
		s.refreshPaper()
		s.refreshOutbox()
	}
}

// poll redraws the customer display, and now and then the paper and the
// outbox (devices the service does not announce, such as the SMTP sink).
func (s *Sim) poll() {
	defer s.done.Done()
	t := time.NewTicker(s.o.Refresh)
	defer t.Stop()
	for n := 1; ; n++ {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		img := s.world.Display()
		var fp uint64
		if img != nil {
			fp = fingerprint(img)
		}
		slow := n%8 == 0
		s.do(func() {
			// Redraw only when the panel changed: an idle simulator stays idle.
			if img != nil && fp != s.shownFP {
				s.shownFP = fp
				s.display.Image = img
				s.display.Refresh()
			}
			if slow {
				s.refreshPaper()
				s.refreshOutbox()
				if on := s.world.Network(); (s.net != nil) && on != s.netShown() {
					s.renderNet()
				}
			}
		})
	}
}

func (s *Sim) netShown() bool {
	for _, o := range s.net.Objects {
		found := false
		walkTexts(o, func(t string) {
			if t == s.t("network.on") {
				found = true
			}
		})
		return found
	}
	return false
}

func walkTexts(o fyne.CanvasObject, f func(string)) {
	switch v := o.(type) {
	case *canvas.Text:
		f(v.Text)
	case *fyne.Container:
		for _, c := range v.Objects {
			walkTexts(c, f)
		}
	case *tappable:
		walkTexts(v.content, f)
	}
}

// fingerprint identifies a receipt image across calls (the world renders a
// new image each time).
func fingerprint(img image.Image) uint64 {
	b := img.Bounds()
	h := uint64(14695981039346656037)
	mix := func(v uint32) { h ^= uint64(v); h *= 1099511628211 }
	mix(uint32(b.Dx()))
	mix(uint32(b.Dy()))
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 5 {
			r, _, _, _ := img.At(x, y).RGBA()
			mix(r)
		}
	}
	return h
}

func (s *Sim) refreshPaper() {
	receipts := s.world.Receipts()
	var shown []image.Image
	for _, r := range receipts {
		if !s.torn[fingerprint(r)] {
			shown = append(shown, r)
		}
	}
	if len(shown) == s.nPaper && len(shown) > 0 {
		return
	}
	grew := len(shown) > s.nPaper
	s.nPaper = len(shown)
	s.paper.Objects = nil
	if len(shown) == 0 {
		s.paper.Add(text(s.t("paper.empty"), 13, colMuted, false))
	}
	for _, r := range shown {
		b := r.Bounds()
		img := canvas.NewImageFromImage(r)
		img.FillMode = canvas.ImageFillContain
		img.SetMinSize(s.receiptSize(b))
		cut := canvas.NewLine(colLight)
		cut.StrokeWidth = 1
		s.paper.Add(img)
		s.paper.Add(cut)
	}
	s.paper.Refresh()
	if grew {
		s.scroll.ScrollToBottom()
	}
}

// receiptSize is a receipt of bounds b at the roll's width.
func (s *Sim) receiptSize(b image.Rectangle) fyne.Size {
	return fyne.NewSize(s.paperW, s.paperW*float32(b.Dy())/float32(max(b.Dx(), 1)))
}

// setPaperWidth fits the receipts to a paper panel colW wide (the desk
// calls it when it places the panel): the roll scrolls up and down only.
func (s *Sim) setPaperWidth(colW float32) {
	w := max(colW-2*12-theme.ScrollBarSize()-4, 80)
	if w == s.paperW {
		return
	}
	s.paperW = w
	for _, o := range s.paper.Objects {
		if img, ok := o.(*canvas.Image); ok && img.Image != nil {
			img.SetMinSize(s.receiptSize(img.Image.Bounds()))
		}
	}
	s.paper.Refresh()
}

// fitStatus cuts the status line to the width the desk gives it.
func (s *Sim) fitStatus() {
	s.status.Text = ellipsize(s.statusText, s.statusW, s.status.TextSize, s.status.TextStyle)
	s.status.Refresh()
}

// tearOff hides the receipts printed so far, like tearing the paper.
func (s *Sim) tearOff() {
	for _, r := range s.world.Receipts() {
		s.torn[fingerprint(r)] = true
	}
	s.nPaper = -1
	s.refreshPaper()
}

func (s *Sim) refreshOutbox() {
	mails, err := s.world.Outbox()
	if err != nil || (len(mails) == s.nMail && s.nMail > 0) {
		return
	}
	s.nMail = len(mails)
	s.outbox.Objects = nil
	if len(mails) == 0 {
		s.outbox.Add(text(s.t("outbox.empty"), 13, colMuted, false))
	}
	for i := len(mails) - 1; i >= 0; i-- {
		m := mails[i]
		body := widget.NewLabel(firstLines(m.Text, 8))
		body.TextStyle.Monospace = true
		s.outbox.Add(container.NewVBox(
			container.NewBorder(nil, nil, text(m.Subject, 14, colInk, true), text(m.At, 12, colMuted, false)),
			text(strings.Join(m.To, ", "), 12, colBlue, false),
			body, widget.NewSeparator()))
	}
	s.outbox.Refresh()
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = append(lines[:n], "…")
	}
	return strings.Join(lines, "\n")
}

// tappable makes any drawing a touch target.
type tappable struct {
	widget.BaseWidget
	content fyne.CanvasObject
	onTap   func()
}

func newTappable(content fyne.CanvasObject, tap func()) *tappable {
	t := &tappable{content: content, onTap: tap}
	t.ExtendBaseWidget(t)
	return t
}

func (t *tappable) Tapped(*fyne.PointEvent) {
	if t.onTap != nil {
		t.onTap()
	}
}

func (t *tappable) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(t.content) }
