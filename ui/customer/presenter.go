package customer

import (
	"context"
	"image"
	"log/slog"
	"time"

	"tpe/device/display"
	"tpe/payment"
)

// PresenterOpts configures a Presenter.
type PresenterOpts struct {
	Lang     string
	Merchant string
	// Wallets are the wallets listed under the QR code, in any spelling
	// payment.LookupWallet knows; nil lists payment.PartnerWallets.
	Wallets []string
	// Hold is how long a result stays on screen before the welcome frame
	// returns; default 6 s.
	Hold   time.Duration
	Logger *slog.Logger
	Now    func() time.Time
}

// Presenter shows the customer what each payment event means: it turns the
// service's events into frames on the customer display.
type Presenter struct {
	screen display.Screen
	o      PresenterOpts
	size   image.Point
}

// NewPresenter draws on screen.
func NewPresenter(screen display.Screen, o *PresenterOpts) *Presenter {
	p := &Presenter{screen: screen, size: screen.Bounds().Size()}
	if o != nil {
		p.o = *o
	}
	if p.o.Hold == 0 {
		p.o.Hold = 6 * time.Second
	}
	if p.o.Logger == nil {
		p.o.Logger = slog.New(slog.DiscardHandler)
	}
	if p.o.Now == nil {
		p.o.Now = time.Now
	}
	p.o.Wallets = walletNames(p.o.Wallets)
	return p
}

// Run shows the welcome frame, then follows events until ctx ends or the
// channel closes. A QR frame's countdown is redrawn every second; a result
// goes back to the welcome frame after Hold.
func (p *Presenter) Run(ctx context.Context, events <-chan payment.Event) error {
	idle := Frame{Screen: Idle, Lang: p.o.Lang, Merchant: p.o.Merchant}
	current := idle
	var expire time.Time // QR expiry, for the countdown
	var back <-chan time.Time
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	p.show(ctx, current)
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-events:
			if !ok {
				return nil
			}
			f, ok := p.FrameFor(e)
			if !ok {
				continue
			}
			current, expire, back = f, time.Time{}, nil
			if f.Screen == QR && e.Payment != nil {
				expire = e.Payment.ExpireAt
			}
			if isResult(f.Screen) {
				back = time.After(p.o.Hold)
			}
			p.show(ctx, current)
		case <-tick.C:
			if current.Screen == QR && !expire.IsZero() {
				current.Remaining = max(0, expire.Sub(p.o.Now())).Round(time.Second)
				p.show(ctx, current)
			}
		case <-back:
			current, back = idle, nil
			p.show(ctx, current)
		}
	}
}

func isResult(s Screen) bool {
	return s == Approved || s == Declined || s == OfflineApproved || s == LinkSent
}

func (p *Presenter) show(ctx context.Context, f Frame) {
	// A frame cut short by the end of ctx is a shutdown, not a fault.
	if err := p.screen.Show(ctx, Render(f, p.size)); err != nil && ctx.Err() == nil {
		p.o.Logger.Warn("customer display", "screen", f.Screen.String(), "err", err)
	}
}

// FrameFor is the frame an event calls for; false when the event changes
// nothing the customer needs to see (receipts, refunds, forwarding).
func (p *Presenter) FrameFor(e payment.Event) (Frame, bool) {
	t := e.Payment
	if t == nil {
		return Frame{}, false
	}
	f := Frame{Lang: p.o.Lang, Merchant: p.o.Merchant, Amount: t.Amount, Wallets: p.o.Wallets}
	switch e.Type {
	case payment.EventWaitingCard:
		f.Screen = Amount
	case payment.EventRemoveCard:
		f.Screen = RemoveCard
	case payment.EventPINRequired:
		f.Screen = EnterPIN
	case payment.EventAuthorising:
		f.Screen = Processing
	case payment.EventQR:
		f.Screen, f.QRPayload = QR, t.QR
		if !t.ExpireAt.IsZero() {
			f.Remaining = max(0, t.ExpireAt.Sub(p.o.Now())).Round(time.Second)
		}
	case payment.EventLinkSent:
		f.Screen, f.Email = LinkSent, t.Email
	case payment.EventApproved:
		f.Screen = Approved
	case payment.EventOfflineApproved:
		f.Screen = OfflineApproved
	case payment.EventDeclined, payment.EventFailed:
		f.Screen, f.Reason = Declined, reasonOf(t.Code)
	case payment.EventCancelled:
		f.Screen, f.Reason = Declined, ReasonCancelled
	case payment.EventExpired:
		f.Screen, f.Reason = Declined, ReasonExpired
	default:
		return Frame{}, false
	}
	return f, true
}

// reasonOf is what the customer should do next, from the payment's reason
// code (never its free text).
func reasonOf(c payment.ReasonCode) Reason {
	switch c {
	case payment.ReasonInsufficientFunds:
		return ReasonInsufficientFunds
	case payment.ReasonInvalidCard, payment.ReasonExpiredCard, payment.ReasonCardNotSupported:
		return ReasonCardNotSupported
	case payment.ReasonTryAnotherMethod, payment.ReasonOnlineRequired, payment.ReasonOfflineLimit, payment.ReasonPINUnavailable:
		// Nobody declined: another method (cash, a wallet) may work.
		return ReasonTryAnotherMethod
	case payment.ReasonGatewayUnreachable, payment.ReasonNoAnswer, payment.ReasonIssuerUnavailable, payment.ReasonStorage,
		payment.ReasonCardReadFailed, payment.ReasonCodeNotRead, payment.ReasonWalletFailed,
		payment.ReasonLinkNotSent, payment.ReasonInterrupted:
		return ReasonError
	case payment.ReasonTimeout, payment.ReasonNotPaidInTime:
		return ReasonExpired
	case payment.ReasonCancelledByCashier, payment.ReasonPINCancelled, payment.ReasonVoided:
		return ReasonCancelled
	}
	if c.IsDecline() {
		return ReasonDeclined
	}
	// A code this switch does not know yet: nobody is known to have
	// declined, so the customer is not told so.
	return ReasonError
}

// walletNames is the display name of each wallet (the names of
// payment.PartnerWallets when ws is nil), the generic Alipay+ left out: the
// screen always starts the list with it.
func walletNames(ws []string) []string {
	if ws == nil {
		for _, w := range payment.PartnerWallets() {
			ws = append(ws, w.Code)
		}
	}
	out := make([]string, 0, len(ws))
	for _, s := range ws {
		if w := payment.LookupWallet(s); w.Code != "" && w.Code != payment.WalletAlipayPlus {
			out = append(out, w.Name)
		}
	}
	return out
}
