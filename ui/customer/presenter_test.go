package customer

import (
	"context"
	"image"
	"image/color"
	"sync"
	"testing"
	"time"

	"tpe/payment"
)

// recordScreen is a display.Screen that keeps every frame it was shown.
type recordScreen struct {
	mu     sync.Mutex
	frames []image.Image
}

func (s *recordScreen) Show(_ context.Context, img image.Image) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.frames = append(s.frames, img)
	return nil
}
func (s *recordScreen) Bounds() image.Rectangle { return image.Rect(0, 0, 240, 320) }
func (s *recordScreen) String() string          { return "record" }
func (s *recordScreen) Halt() error             { return nil }
func (s *recordScreen) count() int              { s.mu.Lock(); defer s.mu.Unlock(); return len(s.frames) }

func TestFrameFor(t *testing.T) {
	p := NewPresenter(&recordScreen{}, &PresenterOpts{Lang: "fr", Merchant: "Boulangerie"})
	tx := &payment.Transaction{Amount: payment.Amount{Minor: 1250, Currency: "EUR"}, QR: "https://qr.example/x", Email: "a@b.fr"}
	tests := []struct {
		ev     payment.EventType
		code   payment.ReasonCode
		screen Screen
		why    Reason
		shown  bool
	}{
		{payment.EventWaitingCard, "", Amount, 0, true},
		{payment.EventRemoveCard, "", RemoveCard, 0, true},
		{payment.EventPINRequired, "", EnterPIN, 0, true},
		{payment.EventAuthorising, "", Processing, 0, true},
		{payment.EventQR, "", QR, 0, true},
		{payment.EventLinkSent, "", LinkSent, 0, true},
		{payment.EventApproved, "", Approved, 0, true},
		{payment.EventOfflineApproved, "", OfflineApproved, 0, true},
		{payment.EventDeclined, payment.ReasonInsufficientFunds, Declined, ReasonInsufficientFunds, true},
		{payment.EventDeclined, payment.ReasonDoNotHonour, Declined, ReasonDeclined, true},
		{payment.EventDeclined, payment.ReasonCardDeclined, Declined, ReasonDeclined, true},
		{payment.EventDeclined, payment.ReasonExpiredCard, Declined, ReasonCardNotSupported, true},
		{payment.EventFailed, payment.ReasonOfflineLimit, Declined, ReasonTryAnotherMethod, true},
		{payment.EventFailed, payment.ReasonTryAnotherMethod, Declined, ReasonTryAnotherMethod, true},
		{payment.EventFailed, payment.ReasonCardNotSupported, Declined, ReasonCardNotSupported, true},
		{payment.EventFailed, payment.ReasonGatewayUnreachable, Declined, ReasonError, true},
		{payment.EventFailed, payment.ReasonNoAnswer, Declined, ReasonError, true},
		{payment.EventCancelled, payment.ReasonCancelledByCashier, Declined, ReasonCancelled, true},
		{payment.EventExpired, payment.ReasonNotPaidInTime, Declined, ReasonExpired, true},
		{payment.EventReceiptPrinted, "", 0, 0, false},
		{payment.EventForwarded, "", 0, 0, false},
	}
	for _, tt := range tests {
		// The free text says something else on purpose: only the code counts.
		tx.Code, tx.Reason = tt.code, "insufficient funds; cannot be reached; not accepted"
		f, ok := p.FrameFor(payment.Event{Type: tt.ev, Payment: tx})
		if ok != tt.shown || ok && (f.Screen != tt.screen || f.Reason != tt.why) {
			t.Errorf("%s %q: got %v %s/%s, want %v %s/%s", tt.ev, tt.code, ok, f.Screen, f.Reason, tt.shown, tt.screen, tt.why)
		}
	}
}

func TestPresenterRunsAndReturnsToIdle(t *testing.T) {
	scr := &recordScreen{}
	p := NewPresenter(scr, &PresenterOpts{Lang: "en", Merchant: "Shop", Hold: 30 * time.Millisecond})
	events := make(chan payment.Event, 4)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Run(ctx, events); close(done) }()
	tx := &payment.Transaction{Amount: payment.Amount{Minor: 500, Currency: "EUR"}}
	events <- payment.Event{Type: payment.EventWaitingCard, Payment: tx}
	events <- payment.Event{Type: payment.EventApproved, Payment: tx}
	deadline := time.Now().Add(5 * time.Second)
	for scr.count() < 4 && time.Now().Before(deadline) { // idle, amount, approved, idle again
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	if scr.count() < 4 {
		t.Fatalf("%d frames shown, want idle, amount, approved, idle", scr.count())
	}
	first, last := scr.frames[0], scr.frames[3]
	if !sameImage(first, last) {
		t.Error("the screen did not return to the welcome frame")
	}
	if sameImage(scr.frames[1], scr.frames[2]) {
		t.Error("amount and approved frames are identical")
	}
}

func sameImage(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			if color.RGBAModel.Convert(a.At(x, y)) != color.RGBAModel.Convert(b.At(x, y)) {
				return false
			}
		}
	}
	return true
}

// TestWalletNames: the wallets under the QR code are the payment package's
// display names, whatever spelling cmd or tpectl passes, and default to
// every partner wallet.
func TestWalletNames(t *testing.T) {
	tx := &payment.Transaction{Amount: payment.Amount{Minor: 100, Currency: "EUR"}, QR: "https://qr.example/x"}
	for _, tt := range []struct {
		name string
		in   []string
		want []string
	}{
		{"default", nil, []string{"Alipay", "AlipayHK", "GCash", "Kakao Pay", "Touch 'n Go", "TrueMoney", "DANA"}},
		{"spellings", []string{"alipay", "GCASH", "Alipay+", "tng"}, []string{"Alipay", "GCash", "Touch 'n Go"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPresenter(&recordScreen{}, &PresenterOpts{Wallets: tt.in})
			f, _ := p.FrameFor(payment.Event{Type: payment.EventQR, Payment: tx})
			if len(f.Wallets) != len(tt.want) {
				t.Fatalf("wallets %q, want %q", f.Wallets, tt.want)
			}
			for i := range tt.want {
				if f.Wallets[i] != tt.want[i] {
					t.Errorf("wallets %q, want %q", f.Wallets, tt.want)
					break
				}
			}
		})
	}
}

// Every reason code reaches the customer as "declined" only when a bank,
// the card or the wallet said no (or the card is not accepted here). An
// issuer that could not be reached (issuer_unavailable, a decline class at
// the gateway) is "try again", not a refusal.
func TestOnlyDeclineCodesReadDeclined(t *testing.T) {
	fr := textsFor("fr")
	for _, c := range payment.ReasonCodes() {
		title := fr.title(reasonOf(c))
		want := c.IsDecline() && c != payment.ReasonIssuerUnavailable || c == payment.ReasonCardNotSupported
		if declined := title == fr.declined; declined != want {
			t.Errorf("%s: the customer reads %q", c, title)
		}
	}
}

// The customer reads "declined" only when a bank or the card said no.
func TestTitleSaysDeclinedOnlyForDeclines(t *testing.T) {
	for _, tc := range []struct {
		r    Reason
		want string
	}{
		{ReasonDeclined, "Paiement refusé"},
		{ReasonInsufficientFunds, "Paiement refusé"},
		{ReasonCardNotSupported, "Paiement refusé"},
		{ReasonTryAnotherMethod, "Paiement non abouti"},
		{ReasonError, "Paiement non abouti"},
		{ReasonCancelled, "Paiement non effectué"},
		{ReasonExpired, "Paiement non effectué"},
	} {
		if got := textsFor("fr").title(tc.r); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.r, got, tc.want)
		}
	}
}
