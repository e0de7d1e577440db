package cashier

import (
	"errors"
	"image"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"

	"tpe/payment"
)

type salePhase int

const (
	phaseAmount salePhase = iota
	phaseEmail
	phaseAlipay
	phasePay // following cur
)

// saleScreen takes payments: the amount and the method (amount.go), the
// payment under way (pay.go) and its outcome (result.go). UI keeps one: the
// sale in progress stays while the cashier looks elsewhere and follows its
// payment's events wherever the cashier is.
type saleScreen struct {
	u *UI
	saleState
}

// saleState is the sale in progress; a new sale starts from the zero value.
type saleState struct {
	phase     salePhase
	digits    string // amount in minor units, as typed
	reference string
	email     string
	cur       *payment.Transaction
	last      payment.EventType
	removed   bool // the card can be taken away
	printed   bool // the customer's receipt printed
	unprinted bool // printing the customer's receipt failed
	cancel    bool // a cancel was asked
	qrFor     string
	qr        image.Image
	mailOpen  bool
	cdText    *canvas.Text // the QR countdown on screen, ticked in place
	ticking   string       // the payment whose countdown ticks
}

func (u *UI) goSale() {
	s := u.sale
	if s.phase == phasePay && s.cur != nil && s.cur.State == payment.StateAwaitingPIN {
		u.show(newPINScreen(u, s.cur)) // back to the customer's pad, laid out anew
		return
	}
	if s.phase == phasePay && s.cur != nil && s.cur.State.Final() {
		s.saleState = saleState{}
	}
	u.show(s)
}

func (*saleScreen) id() screenID  { return scrSale }
func (*saleScreen) nav() screenID { return scrSale }

// onEvent follows the payment of the sale in progress; UI calls it for
// every event, on screen or not. True when the sale is on screen, not
// covered, and the event was its payment's.
func (s *saleScreen) onEvent(e payment.Event) bool {
	u := s.u
	if e.Payment == nil || s.cur == nil || e.Payment.ID != s.cur.ID {
		return false
	}
	switch e.Type {
	case payment.EventRemoveCard:
		s.removed = true
	case payment.EventReceiptPrinted:
		s.printed, s.unprinted = true, false
	case payment.EventReceiptFailed:
		// A duplicate that failed leaves the original printed.
		s.cur.ReceiptPrinted = e.Payment.ReceiptPrinted
		s.unprinted = !e.Payment.ReceiptPrinted && !s.printed
		if u.current() == scrSale {
			err := e.Err
			if err == nil {
				err = errors.New(e.Message)
			}
			u.notice, u.bad = u.T("result.receipt.unprint")+" — "+u.errText(err), true
		}
	}
	if e.Type != payment.EventReceiptPrinted && e.Type != payment.EventReceiptFailed && e.Type != payment.EventRemoveCard {
		s.cur, s.last = e.Payment, e.Type
		if e.Payment.State.Final() || e.Payment.State.Approved() {
			s.cancel = false
		}
	}
	return u.current() == scrSale && !u.covered()
}

// free reports whether the till can take a payment started elsewhere (the
// cash register, through the local API): no sale begun, or the last one
// ended and it is not e's payment already.
func (s *saleScreen) free(e payment.Event) bool {
	return (s.cur == nil && s.phase == phaseAmount || s.cur != nil && (s.cur.State.Final() || s.cur.State.Approved())) &&
		(s.cur == nil || s.cur.ID != e.Payment.ID)
}

func (s *saleScreen) view() fyne.CanvasObject {
	switch s.phase {
	case phaseEmail:
		return s.emailView()
	case phaseAlipay:
		return s.alipayView()
	case phasePay:
		if s.cur != nil {
			t := s.cur
			switch {
			case t.Method == payment.MethodPayLink && t.State == payment.StateAwaitingCustomer:
				return s.linkSentView()
			case t.State.Final() || t.State.Approved():
				return s.resultView()
			}
		}
		return s.progressView()
	}
	return s.amountView()
}

func (s *saleScreen) newSale() {
	u := s.u
	s.saleState = saleState{}
	u.show(s)
}
