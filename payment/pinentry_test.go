package payment_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"tpe/payment"
	"tpe/payment/paymenttest"
	"tpe/payment/pin"
)

// testPIN is long and unusual so that finding it anywhere is no accident.
const testPIN = "739164205813"

func pinRig(t *testing.T, mod func(*payment.Opts)) (*rig, *paymenttest.PINs) {
	pins := &paymenttest.PINs{}
	r := newRig(t, func(o *payment.Opts) {
		o.Card.PINs = pins
		if mod != nil {
			mod(o)
		}
	})
	return r, pins
}

// startPIN starts a payment with card and waits for it to ask for a PIN.
func (r *rig) startPIN(t *testing.T, amount int64, card payment.CardResult) *payment.Transaction {
	t.Helper()
	tx, err := r.svc.Pay(context.Background(), payment.Request{Method: payment.MethodCard, Amount: eur(amount)})
	if err != nil {
		t.Fatal(err)
	}
	r.cards.Present(card)
	r.waitEvent(t, payment.EventPINRequired)
	return tx
}

// waitEvent reads events until one of type ev, and returns it.
func (r *rig) waitEvent(t *testing.T, ev payment.EventType) payment.Event {
	t.Helper()
	for e := range r.events {
		if e.Type == ev {
			return e
		}
		if e.Payment != nil && e.Payment.State.Final() {
			t.Fatalf("payment ended %s (%s) before %s", e.Payment.State, e.Payment.Reason, ev)
		}
	}
	t.Fatalf("no %s event", ev)
	return payment.Event{}
}

func (r *rig) get(t *testing.T, id string) *payment.Transaction {
	t.Helper()
	r.svc.Wait()
	tx, err := r.svc.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

func mustPIN(t *testing.T, s string) pin.PIN {
	p, err := pin.ParsePIN(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOnlinePINApproved(t *testing.T) {
	r, _ := pinRig(t, nil)
	tx := r.startPIN(t, 8000, paymenttest.VisaOnlinePIN())
	if got := r.svc.AwaitingPIN(); len(got) != 1 || got[0] != tx.ID {
		t.Fatalf("AwaitingPIN %v, want [%s]", got, tx.ID)
	}
	mid, _ := r.svc.Get(context.Background(), tx.ID)
	if mid.State != payment.StateAwaitingPIN || mid.State.Status() != payment.StatusPending {
		t.Fatalf("journal has %s (%s), want awaiting_pin (pending)", mid.State, mid.State.Status())
	}
	if len(r.gw.Sales) != 0 {
		t.Fatal("the sale went before the PIN")
	}
	p := mustPIN(t, testPIN)
	if err := r.svc.EnterPIN(tx.ID, p); err != nil {
		t.Fatal(err)
	}
	got := r.get(t, tx.ID)
	if got.State != payment.StateApproved || got.Card.CVM != payment.CVMOnlinePIN {
		t.Fatalf("got %s cvm %s (%s), want approved with online PIN", got.State, got.Card.CVM, got.Reason)
	}
	if string(p) != strings.Repeat("\x00", len(testPIN)) {
		t.Error("the PIN was not wiped once enciphered")
	}
	if len(r.gw.Sales) != 1 || r.gw.Sales[0].PIN == nil {
		t.Fatalf("gateway got %d sales, PIN %v", len(r.gw.Sales), r.gw.Sales)
	}
	sent := *r.gw.Sales[0].PIN
	if pin.KSN(sent.KSN).Counter() != 1 || pin.KSN(sent.KSN).InitialKeyID() != paymenttest.TestInitialKeyID {
		t.Errorf("KSN %X, want counter 1 of the test initial key ID", sent.KSN)
	}
	clear, err := paymenttest.DecipherPIN(sent, paymenttest.TestPAN)
	if err != nil || string(clear) != testPIN {
		t.Errorf("the issuer deciphers %v (%v), want the PIN entered", err, len(clear))
	}
	want := []payment.State{payment.StateCreated, payment.StateAwaitingCustomer, payment.StateCardRead,
		payment.StateAwaitingPIN, payment.StateAuthorising, payment.StateApproved}
	if len(got.History) != len(want) {
		t.Fatalf("history %v, want %v", got.History, want)
	}
	for i, s := range want {
		if got.History[i].State != s {
			t.Fatalf("history %v, want %v", got.History, want)
		}
	}
}

func TestOnlinePINDeclines(t *testing.T) {
	tests := []struct {
		name string
		gw   payment.GatewayResult
		code payment.ReasonCode
	}{
		{"wrong PIN", payment.GatewayResult{Code: "055", Decline: payment.DeclineIncorrectPIN}, payment.ReasonIncorrectPIN},
		{"tries exceeded", payment.GatewayResult{Code: "075", Decline: payment.DeclinePINTriesExceeded}, payment.ReasonPINTriesExceeded},
		// A soft decline of a sale that already carried the PIN is final.
		{"PIN required again", payment.GatewayResult{Code: "065", Decline: payment.DeclinePINRequired}, payment.ReasonIssuerDeclined},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := pinRig(t, nil)
			r.gw.Next = []payment.GatewayResult{tt.gw}
			tx := r.startPIN(t, 8000, paymenttest.VisaOnlinePIN())
			if err := r.svc.EnterPIN(tx.ID, mustPIN(t, "1111")); err != nil {
				t.Fatal(err)
			}
			got := r.get(t, tx.ID)
			if got.State != payment.StateDeclined || got.Code != tt.code || len(r.gw.Sales) != 1 {
				t.Fatalf("got %s %s after %d sales, want declined %s after 1", got.State, got.Code, len(r.gw.Sales), tt.code)
			}
			// Retry allowed: the next payment asks for the PIN again.
			r.gw.Next = nil
			for len(r.events) > 0 {
				<-r.events
			}
			again := r.startPIN(t, 8000, paymenttest.VisaOnlinePIN())
			if err := r.svc.EnterPIN(again.ID, mustPIN(t, "1234")); err != nil {
				t.Fatal(err)
			}
			if got := r.get(t, again.ID); got.State != payment.StateApproved {
				t.Fatalf("retry: %s (%s)", got.State, got.Reason)
			}
			if k := pin.KSN(r.gw.Sales[1].PIN.KSN); k.Counter() != 2 {
				t.Errorf("second PIN under counter %d, want 2: a KSN is never reused", k.Counter())
			}
		})
	}
}

func TestSoftDeclineResubmitsWithPIN(t *testing.T) {
	r, _ := pinRig(t, nil)
	r.gw.Next = []payment.GatewayResult{{Code: "065", Decline: payment.DeclinePINRequired, Message: "PIN required (SCA)"}}
	tx, err := r.svc.Pay(context.Background(), payment.Request{Method: payment.MethodCard, Amount: eur(1000)})
	if err != nil {
		t.Fatal(err)
	}
	r.cards.Present(*visa()) // no CVM: under the limit
	ev := r.waitEvent(t, payment.EventPINRequired)
	if ev.Payment.Amount != eur(1000) || len(ev.Payment.Attempts) != 1 {
		t.Fatalf("pin_required event %+v, want the amount and the soft-declined attempt", ev.Payment)
	}
	first := r.gw.Sales[0]
	if first.PIN != nil || ev.Payment.OrderID == first.OrderID || ev.Payment.Attempts[0].OrderID != first.OrderID {
		t.Fatalf("new attempt %s after %s (attempts %+v): want a new order ID, the first kept", ev.Payment.OrderID, first.OrderID, ev.Payment.Attempts)
	}
	// The new attempt is journaled before the PIN is asked.
	mid, _ := r.svc.Get(context.Background(), tx.ID)
	if mid.State != payment.StateAwaitingPIN || mid.OrderID != ev.Payment.OrderID {
		t.Fatalf("journal has %s order %s", mid.State, mid.OrderID)
	}
	if len(r.cards.Requests()) != 1 {
		t.Fatal("the card was read again")
	}
	if err := r.svc.EnterPIN(tx.ID, mustPIN(t, "1234")); err != nil {
		t.Fatal(err)
	}
	got := r.get(t, tx.ID)
	if got.State != payment.StateApproved || len(r.gw.Sales) != 2 || r.gw.Sales[1].PIN == nil ||
		r.gw.Sales[1].OrderID != got.OrderID || got.Card.CVM != payment.CVMOnlinePIN {
		t.Fatalf("got %s after %d sales, want approved with the PIN on the 2nd", got.State, len(r.gw.Sales))
	}
	if a := got.Attempts; len(a) != 1 || a[0].Result != "065" || a[0].Decline != payment.DeclinePINRequired {
		t.Errorf("attempts %+v", a)
	}
	if len(r.cards.Requests()) != 1 {
		t.Error("single tap and PIN: the card must not be read twice")
	}
}

// pinAnswerLost answers the first sale (a soft decline queued in Next) and
// loses the answer of the next one after the gateway recorded it.
type pinAnswerLost struct {
	*paymenttest.Gateway
	sales int
}

func (g *pinAnswerLost) Sale(ctx context.Context, req payment.SaleRequest) (payment.GatewayResult, error) {
	res, err := g.Gateway.Sale(ctx, req)
	if g.sales++; g.sales == 2 {
		return payment.GatewayResult{}, errors.New("read tcp: i/o timeout")
	}
	return res, err
}

// The sale resubmitted with the PIN after a soft decline moves money like
// any other: when its answer is lost, the new attempt's order is looked up,
// never sent again.
func TestSoftDeclineResubmissionAnswerLost(t *testing.T) {
	gw := &pinAnswerLost{Gateway: &paymenttest.Gateway{}}
	gw.Next = []payment.GatewayResult{{Code: "065", Decline: payment.DeclinePINRequired, Message: "PIN required (SCA)"}}
	r, _ := pinRig(t, func(o *payment.Opts) { o.Card.Gateway = gw })
	tx := r.startPIN(t, 1000, *visa())
	if err := r.svc.EnterPIN(tx.ID, mustPIN(t, "1234")); err != nil {
		t.Fatal(err)
	}
	got := r.get(t, tx.ID)
	if got.State != payment.StateApproved || got.AuthCode == "" {
		t.Fatalf("got %s (%s), want approved from the lookup of the PIN attempt", got.State, got.Reason)
	}
	if len(gw.Sales) != 2 || gw.Sales[1].OrderID != got.OrderID || gw.Sales[1].PIN == nil {
		t.Fatalf("gateway heard %d sales, want the soft-declined one and the PIN one, once each", len(gw.Sales))
	}
}

func TestPINEntryEnds(t *testing.T) {
	t.Run("cancelled at the pad", func(t *testing.T) {
		r, _ := pinRig(t, nil)
		tx := r.startPIN(t, 8000, paymenttest.VisaOnlinePIN())
		if err := r.svc.CancelPIN(tx.ID); err != nil {
			t.Fatal(err)
		}
		got := r.get(t, tx.ID)
		if got.State != payment.StateCancelled || got.Code != payment.ReasonPINCancelled || len(r.gw.Sales) != 0 {
			t.Fatalf("got %s %s, %d sales", got.State, got.Code, len(r.gw.Sales))
		}
		if err := r.svc.EnterPIN(tx.ID, mustPIN(t, "1234")); !errors.Is(err, payment.ErrNotAwaitingPIN) {
			t.Errorf("PIN after the end: %v, want ErrNotAwaitingPIN", err)
		}
	})
	t.Run("cancelled by the cashier", func(t *testing.T) {
		r, _ := pinRig(t, nil)
		tx := r.startPIN(t, 8000, paymenttest.VisaOnlinePIN())
		got, err := r.svc.Cancel(context.Background(), tx.ID)
		if err != nil || got.State != payment.StateCancelled || got.Code != payment.ReasonCancelledByCashier {
			t.Fatalf("Cancel: %v %+v", err, got)
		}
	})
	t.Run("no PIN in time", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			r, _ := pinRig(t, func(o *payment.Opts) { o.PINTimeout = 20 * time.Second })
			tx := r.startPIN(t, 8000, paymenttest.VisaOnlinePIN())
			time.Sleep(19 * time.Second)
			synctest.Wait()
			if got, _ := r.svc.Get(context.Background(), tx.ID); got.State != payment.StateAwaitingPIN {
				t.Fatalf("after 19 s: %s", got.State)
			}
			time.Sleep(2 * time.Second)
			got := r.get(t, tx.ID)
			if got.State != payment.StateCancelled || got.Code != payment.ReasonTimeout || len(r.gw.Sales) != 0 {
				t.Fatalf("got %s %s", got.State, got.Code)
			}
		})
	})
	t.Run("a malformed PIN is refused and the pad keeps waiting", func(t *testing.T) {
		r, _ := pinRig(t, nil)
		tx := r.startPIN(t, 8000, paymenttest.VisaOnlinePIN())
		if err := r.svc.EnterPIN(tx.ID, pin.PIN("12")); !errors.Is(err, pin.ErrPIN) {
			t.Fatalf("short PIN: %v", err)
		}
		if err := r.svc.EnterPIN("pay_other", mustPIN(t, "1234")); !errors.Is(err, payment.ErrNotAwaitingPIN) {
			t.Fatalf("PIN for another payment: %v", err)
		}
		if err := r.svc.EnterPIN(tx.ID, mustPIN(t, "1234")); err != nil {
			t.Fatal(err)
		}
		if got := r.get(t, tx.ID); got.State != payment.StateApproved {
			t.Fatalf("got %s", got.State)
		}
	})
}

func TestPINUnavailable(t *testing.T) {
	lifeEnded := &paymenttest.PINs{Unavailable: errors.Join(payment.ErrPINUnavailable, pin.ErrKeyLifeEnded)}
	for name, pins := range map[string]payment.PINCipher{"no PIN key": nil, "key life ended": lifeEnded} {
		t.Run(name, func(t *testing.T) {
			r := newRig(t, func(o *payment.Opts) { o.Card.PINs = pins })
			tx := r.pay(t, payment.Request{Amount: eur(8000)}, func() *payment.CardResult { c := paymenttest.VisaOnlinePIN(); return &c }())
			if tx.State != payment.StateFailed || tx.Code != payment.ReasonPINUnavailable || len(r.gw.Sales) != 0 {
				t.Fatalf("got %s %s (%s)", tx.State, tx.Code, tx.Reason)
			}
			for _, h := range tx.History {
				if h.State == payment.StateAwaitingPIN {
					t.Error("the customer was asked for a PIN the terminal cannot send")
				}
			}
		})
	}
}

func TestOnlinePINNeverOffline(t *testing.T) {
	r, _ := pinRig(t, nil)
	r.gw.Err = payment.ErrGatewayUnavailable
	card := paymenttest.VisaOnlinePIN()
	card.OfflineAllowed = true // even if the card would allow it
	tx := r.startPIN(t, 3000, card)
	if err := r.svc.EnterPIN(tx.ID, mustPIN(t, "1234")); err != nil {
		t.Fatal(err)
	}
	if got := r.get(t, tx.ID); got.State != payment.StateFailed || got.Code != payment.ReasonGatewayUnreachable || got.Offline {
		t.Fatalf("got %s %s offline=%v, want failed: a PIN is verified online only", got.State, got.Code, got.Offline)
	}
}

// The PIN exists only until its block is enciphered: not in the logs, the
// journal, events, errors or anything the API would marshal.
func TestPINNeverLeaks(t *testing.T) {
	r, _ := pinRig(t, nil)
	var seen []payment.Event
	r.gw.Next = []payment.GatewayResult{{Code: "065", Decline: payment.DeclinePINRequired}, {Code: "055", Decline: payment.DeclineIncorrectPIN}}
	tx, _ := r.svc.Pay(context.Background(), payment.Request{Method: payment.MethodCard, Amount: eur(1000)})
	r.cards.Present(*visa())
	seen = append(seen, r.waitEvent(t, payment.EventPINRequired))
	if err := r.svc.EnterPIN(tx.ID, mustPIN(t, testPIN)); err != nil {
		t.Fatal(err)
	}
	got := r.get(t, tx.ID)
	for len(r.events) > 0 {
		seen = append(seen, <-r.events)
	}
	if got.Code != payment.ReasonIncorrectPIN {
		t.Fatalf("got %s", got.Code)
	}
	var dump strings.Builder
	dump.WriteString(r.logs.String())
	for _, x := range []any{got, seen, r.gw.Sales} {
		b, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		dump.Write(b)
	}
	list, _ := r.journal.List(context.Background(), payment.Query{})
	for _, j := range list {
		b, _ := json.Marshal(j)
		dump.Write(b)
	}
	if err := r.svc.EnterPIN(tx.ID, mustPIN(t, testPIN)); err != nil {
		dump.WriteString(err.Error())
	}
	if strings.Contains(dump.String(), testPIN) {
		t.Fatal("the PIN leaked")
	}
	if !strings.Contains(r.logs.String(), `"state":"awaiting_pin"`) {
		t.Fatal("the logs were not captured: the test proves nothing")
	}
}
