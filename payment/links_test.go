package payment_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"tpe/payment"
)

func TestQueryMatchLinkFilters(t *testing.T) {
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	tx := &payment.Transaction{Method: payment.MethodPayLink, State: payment.StatePartiallyRefunded, Amount: eur(2500),
		Email: "Jean.Dupont@Example.com", Reference: "CMD-42", CreatedAt: at}
	for _, c := range []struct {
		name string
		q    payment.Query
		want bool
	}{
		{"e-mail part, any case", payment.Query{Email: "jean.DUPONT"}, true},
		{"other e-mail", payment.Query{Email: "marie"}, false},
		{"search the reference", payment.Query{Search: "cmd-4"}, true},
		{"search the e-mail", payment.Query{Search: "example.COM"}, true},
		{"search neither", payment.Query{Search: "zzz"}, false},
		{"amount in range, bounds included", payment.Query{MinAmount: 2500, MaxAmount: 2500}, true},
		{"amount below", payment.Query{MinAmount: 2501}, false},
		{"amount above", payment.Query{MaxAmount: 2499}, false},
		{"until excludes its instant", payment.Query{Until: at}, false},
		{"until after", payment.Query{Until: at.Add(time.Nanosecond)}, true},
		{"since includes its instant", payment.Query{Since: at}, true},
		{"paid link, refunded since", payment.Query{States: payment.LinkPaid.States()}, true},
		{"pending link", payment.Query{States: payment.LinkPending.States()}, false},
	} {
		if got := c.q.Match(tx); got != c.want {
			t.Errorf("%s: Match = %v, want %v", c.name, got, c.want)
		}
	}
	for _, st := range payment.LinkStatuses {
		for _, s := range st.States() {
			if got := payment.LinkStatusOf(&payment.Transaction{Method: payment.MethodPayLink, State: s}); got != st {
				t.Errorf("LinkStatusOf(%s) = %s, want %s", s, got, st)
			}
		}
	}
	if payment.LinkStatusOf(&payment.Transaction{Method: payment.MethodCard, State: payment.StateApproved}) != "" {
		t.Error("a card payment has a link status")
	}
	if _, ok := payment.ParseLinkStatus("lost"); ok {
		t.Error("unknown link status accepted")
	}
}

// mailDownLinks is a link provider whose e-mail relay refuses resends.
type mailDownLinks struct {
	mu     sync.Mutex
	status string
}

func (l *mailDownLinks) Create(_ context.Context, r payment.LinkRequest) (payment.Link, error) {
	return payment.Link{ID: "L1", URL: "https://pay.example/L1", ExpireAt: time.Now().Add(time.Hour)}, nil
}
func (l *mailDownLinks) Status(context.Context, string) (payment.LinkState, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return payment.LinkState{Status: l.status, GatewayID: "G1"}, nil
}
func (l *mailDownLinks) Cancel(context.Context, string) error { return nil }
func (l *mailDownLinks) Resend(context.Context, string, string) error {
	return errors.New("paylink: payment link e-mail not sent: smtp RCPT TO refused: 451 try later")
}
func (l *mailDownLinks) Refund(context.Context, string, payment.Amount) (payment.GatewayResult, error) {
	return payment.GatewayResult{}, nil
}

// TestResendRefusedByTheRelay: a resend the relay refuses is
// ErrLinkNotSent and counts nothing; one refused because the customer
// paid meanwhile records the payment and is ErrLinkNotPending.
func TestResendRefusedByTheRelay(t *testing.T) {
	links := &mailDownLinks{status: "pending"}
	r := newRig(t, func(o *payment.Opts) { o.Links = links })
	ctx := context.Background()
	tx, err := r.svc.Pay(ctx, payment.Request{Method: payment.MethodPayLink, Amount: eur(900), Email: "a@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	r.svc.Wait()
	if _, err := r.svc.Resend(ctx, tx.ID, "b@example.com"); !errors.Is(err, payment.ErrLinkNotSent) {
		t.Fatalf("got %v, want ErrLinkNotSent", err)
	}
	got, _ := r.svc.Get(ctx, tx.ID)
	if got.Resends != 0 || got.Email != "a@example.com" || got.State != payment.StateAwaitingCustomer {
		t.Errorf("after a refused resend: %d resends, %s, %s", got.Resends, got.Email, got.State)
	}
	if _, err := r.svc.Resend(ctx, tx.ID, "not an address"); !errors.Is(err, payment.ErrInvalidEmail) {
		t.Errorf("bad address: got %v", err)
	}
	links.mu.Lock()
	links.status = "paid"
	links.mu.Unlock()
	if _, err := r.svc.Resend(ctx, tx.ID, ""); !errors.Is(err, payment.ErrLinkNotPending) {
		t.Fatalf("got %v, want ErrLinkNotPending", err)
	}
	if got, _ := r.svc.Get(ctx, tx.ID); got.State != payment.StateApproved || got.AuthCode != "G1" {
		t.Errorf("link paid meanwhile: %s %q, want approved", got.State, got.AuthCode)
	}
}

// TestLinkPaidRecordedOnce: refreshes racing (the periodic one, a cash
// register's GET, the cashier's screen) record a paid link once: one
// event, hence one receipt and one merchant notice.
func TestLinkPaidRecordedOnce(t *testing.T) {
	links := &mailDownLinks{status: "pending"}
	r := newRig(t, func(o *payment.Opts) { o.Links = links })
	ctx := context.Background()
	tx, err := r.svc.Pay(ctx, payment.Request{Method: payment.MethodPayLink, Amount: eur(900), Email: "a@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	r.svc.Wait()
	links.mu.Lock()
	links.status = "paid"
	links.mu.Unlock()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				r.svc.RefreshLinks(ctx)
			} else {
				r.svc.RefreshLink(ctx, tx.ID)
			}
		}()
	}
	wg.Wait()
	approved := 0
	for done := false; !done; {
		select {
		case ev := <-r.events:
			if ev.Type == payment.EventApproved {
				approved++
			}
		default:
			done = true
		}
	}
	got, _ := r.svc.Get(ctx, tx.ID)
	if approved != 1 || got.State != payment.StateApproved || len(got.History) != 3 {
		t.Errorf("got %d approvals, state %s, %d steps; want one approval recorded once", approved, got.State, len(got.History))
	}
}
