package payment_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"tpe/device/printer"
	"tpe/device/printer/printertest"
	"tpe/payment"
	"tpe/payment/paymenttest"
)

type rig struct {
	svc     *payment.Service
	journal *paymenttest.Journal
	gw      *paymenttest.Gateway
	cards   *paymenttest.Cards
	logs    *syncBuffer
	events  <-chan payment.Event
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newRig(t *testing.T, mod func(*payment.Opts)) *rig {
	t.Helper()
	r := &rig{journal: paymenttest.NewJournal(), gw: &paymenttest.Gateway{}, cards: paymenttest.NewCards(), logs: &syncBuffer{}}
	o := payment.Opts{
		Merchant: payment.Merchant{Name: "Test", TerminalID: "T0000001"},
		Journal:  r.journal, Card: payment.CardPorts{Reader: r.cards, Gateway: r.gw},
		Offline:     payment.OfflineLimits{DefaultFloor: 5000, MaxCount: 3, MaxTotal: 10000, MaxAge: time.Hour},
		CardTimeout: 5 * time.Second,
		Logger:      slog.New(slog.NewJSONHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if mod != nil {
		mod(&o)
	}
	svc, err := payment.New(o)
	if err != nil {
		t.Fatal(err)
	}
	r.svc = svc
	var stop func()
	r.events, stop = svc.Subscribe(256)
	t.Cleanup(func() { svc.Close(); stop() })
	return r
}

func eur(minor int64) payment.Amount { return payment.Amount{Minor: minor, Currency: "EUR"} }

// pay starts a card payment, presents card and waits for the payment to end.
func (r *rig) pay(t *testing.T, req payment.Request, card *payment.CardResult) *payment.Transaction {
	t.Helper()
	if req.Method == "" {
		req.Method = payment.MethodCard
	}
	tx, err := r.svc.Pay(context.Background(), req)
	if err != nil {
		t.Fatalf("Pay: %v", err)
	}
	if card != nil {
		r.cards.Present(*card)
	}
	r.svc.Wait()
	got, err := r.svc.Get(context.Background(), tx.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func visa() *payment.CardResult { c := paymenttest.VisaOnline(); return &c }

func TestCardSaleOnlineApproved(t *testing.T) {
	r := newRig(t, nil)
	tx := r.pay(t, payment.Request{Amount: eur(1250), Reference: "T-42"}, visa())
	if tx.State != payment.StateApproved || tx.AuthCode == "" || tx.GatewayID == "" || tx.Offline {
		t.Fatalf("got %+v, want approved online with auth code", tx)
	}
	want := []payment.State{payment.StateCreated, payment.StateAwaitingCustomer, payment.StateCardRead,
		payment.StateAuthorising, payment.StateApproved}
	for i, s := range want {
		if i >= len(tx.History) || tx.History[i].State != s {
			t.Fatalf("history %v, want %v", tx.History, want)
		}
	}
	if len(r.gw.Sales) != 1 || r.gw.Sales[0].OrderID != tx.OrderID || r.gw.Sales[0].Card.PAN.Digits() != paymenttest.TestPAN {
		t.Errorf("gateway got %+v", r.gw.Sales)
	}
	var types []payment.EventType
	for len(r.events) > 0 {
		types = append(types, (<-r.events).Type)
	}
	wantEv := []payment.EventType{payment.EventCreated, payment.EventWaitingCard, payment.EventCardRead,
		payment.EventRemoveCard, payment.EventAuthorising, payment.EventApproved}
	if fmt.Sprint(types) != fmt.Sprint(wantEv) {
		t.Errorf("events %v, want %v", types, wantEv)
	}
}

func TestCardSaleOutcomes(t *testing.T) {
	declinedCard := *visa()
	declinedCard.Outcome = payment.CardDeclined
	tapAnother := payment.CardResult{Outcome: payment.CardTryAnotherInterface, Reason: "amount above contactless limit"}
	noOffline := *visa()
	noOffline.OfflineAllowed = false
	cardTC := *visa()
	cardTC.Outcome = payment.CardApproved
	unavailable := fmt.Errorf("dial: %w", payment.ErrGatewayUnavailable)

	tests := []struct {
		name    string
		amount  int64
		policy  payment.OfflinePolicy
		card    payment.CardResult
		gwErr   error
		gwNext  []payment.GatewayResult
		want    payment.State
		offline bool
		reason  string
		code    payment.ReasonCode
		sales   int
	}{
		{name: "issuer declines", amount: 1000, card: *visa(), gwNext: []payment.GatewayResult{{Approved: false, Code: "051", Decline: payment.DeclineInsufficientFunds}},
			want: payment.StateDeclined, reason: "insufficient_funds", code: payment.ReasonInsufficientFunds, sales: 1},
		{name: "issuer declines, no class", amount: 1000, card: *visa(), gwNext: []payment.GatewayResult{{Approved: false, Code: "005"}},
			want: payment.StateDeclined, code: payment.ReasonIssuerDeclined, sales: 1},
		{name: "card declines offline", amount: 1000, card: declinedCard, want: payment.StateDeclined, reason: "declined by the card", code: payment.ReasonCardDeclined},
		{name: "try another interface", amount: 1000, card: tapAnother, want: payment.StateFailed, reason: "try another payment method", code: payment.ReasonTryAnotherMethod},
		{name: "gateway down, within limits", amount: 1000, card: *visa(), gwErr: unavailable, want: payment.StateOfflineApproved, offline: true},
		{name: "gateway down, at floor limit", amount: 5000, card: *visa(), gwErr: unavailable, want: payment.StateOfflineApproved, offline: true},
		// Nobody declined these: the terminal could not complete them.
		{name: "gateway down, above floor limit", amount: 5001, card: *visa(), gwErr: unavailable, want: payment.StateFailed, reason: "floor limit", code: payment.ReasonOfflineLimit},
		{name: "gateway down, require online", amount: 1000, policy: payment.RequireOnline, card: *visa(), gwErr: unavailable, want: payment.StateFailed, reason: "must be online", code: payment.ReasonGatewayUnreachable},
		{name: "gateway down, card forbids offline", amount: 1000, card: noOffline, gwErr: unavailable, want: payment.StateFailed, reason: "must be authorised online", code: payment.ReasonGatewayUnreachable},
		{name: "forced offline, card forbids it", amount: 1000, policy: payment.ForceOffline, card: noOffline, want: payment.StateFailed, code: payment.ReasonOnlineRequired},
		{name: "force offline", amount: 1000, policy: payment.ForceOffline, card: *visa(), want: payment.StateOfflineApproved, offline: true},
		{name: "card approves offline (TC)", amount: 1000, card: cardTC, want: payment.StateOfflineApproved, offline: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, nil)
			r.gw.Err, r.gw.Next = tt.gwErr, tt.gwNext
			card := tt.card
			tx := r.pay(t, payment.Request{Amount: eur(tt.amount), Policy: tt.policy}, &card)
			if tx.State != tt.want || tx.Offline != tt.offline {
				t.Fatalf("got %s offline=%v (%s), want %s offline=%v", tx.State, tx.Offline, tx.Reason, tt.want, tt.offline)
			}
			if !strings.Contains(tx.Reason, tt.reason) {
				t.Errorf("reason %q, want it to contain %q", tx.Reason, tt.reason)
			}
			if tx.Code != tt.code {
				t.Errorf("reason code %q, want %q", tx.Code, tt.code)
			}
			if tx.State == payment.StateDeclined && !tx.Code.IsDecline() {
				t.Errorf("declined with %q, which is no issuer's decline", tx.Code)
			}
			if len(r.gw.Sales) != tt.sales {
				t.Errorf("gateway saw %d sales, want %d", len(r.gw.Sales), tt.sales)
			}
		})
	}
}

func TestOfflineLimitsCountAndTotal(t *testing.T) {
	r := newRig(t, nil)
	r.gw.Err = payment.ErrGatewayUnavailable
	for i := range 3 { // MaxCount 3
		if tx := r.pay(t, payment.Request{Amount: eur(3000)}, visa()); tx.State != payment.StateOfflineApproved {
			t.Fatalf("payment %d: %s (%s)", i, tx.State, tx.Reason)
		}
	}
	// 4th refused by MaxTotal (9000+3000 > 10000) before MaxCount — both limits hold.
	tx := r.pay(t, payment.Request{Amount: eur(1000)}, visa())
	if tx.State != payment.StateFailed || tx.Code != payment.ReasonOfflineLimit || !strings.Contains(tx.Reason, "already wait") {
		t.Fatalf("4th offline payment: %s %s (%s), want failed offline_limit by max count", tx.State, tx.Code, tx.Reason)
	}
}

func TestOfflineLimitsCheck(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	l := payment.OfflineLimits{FloorLimits: map[string]int64{"amex": 0}, DefaultFloor: 5000, MaxCount: 2, MaxTotal: 8000, MaxAge: time.Hour}
	tests := []struct {
		name  string
		e     payment.Exposure
		minor int64
		brand string
		ok    bool
	}{
		{"empty queue", payment.Exposure{}, 5000, "visa", true},
		{"above floor", payment.Exposure{}, 5001, "visa", false},
		{"brand floor zero", payment.Exposure{}, 1, "amex", false},
		{"count at limit", payment.Exposure{Count: 1, Total: 100, Oldest: now}, 100, "visa", true},
		{"count over limit", payment.Exposure{Count: 2, Total: 100, Oldest: now}, 100, "visa", false},
		{"total at limit", payment.Exposure{Count: 1, Total: 3000, Oldest: now}, 5000, "visa", true},
		{"total over limit", payment.Exposure{Count: 1, Total: 3001, Oldest: now}, 5000, "visa", false},
		{"age at limit", payment.Exposure{Count: 1, Total: 1, Oldest: now.Add(-time.Hour)}, 1, "visa", true},
		{"age over limit", payment.Exposure{Count: 1, Total: 1, Oldest: now.Add(-time.Hour - time.Second)}, 1, "visa", false},
		{"smallest amount", payment.Exposure{}, 1, "visa", true},
	}
	for _, tt := range tests {
		err := l.Check(tt.e, eur(tt.minor), tt.brand, now)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, payment.ErrOfflineRefused)) {
			t.Errorf("%s: got %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
	if err := (payment.OfflineLimits{}).Check(payment.Exposure{}, eur(1), "visa", now); err == nil {
		t.Error("zero OfflineLimits allowed an offline payment")
	}
}

// ambiguousGateway records the sale, then fails as if the answer was lost.
type ambiguousGateway struct{ paymenttest.Gateway }

func (g *ambiguousGateway) Sale(ctx context.Context, req payment.SaleRequest) (payment.GatewayResult, error) {
	g.Gateway.Sale(ctx, req)
	return payment.GatewayResult{}, errors.New("read tcp: i/o timeout")
}

func TestAmbiguousSaleIsResolvedByLookup(t *testing.T) {
	gw := &ambiguousGateway{}
	r := newRig(t, func(o *payment.Opts) { o.Card.Gateway = gw })
	tx := r.pay(t, payment.Request{Amount: eur(1000)}, visa())
	if tx.State != payment.StateApproved || tx.AuthCode == "" {
		t.Fatalf("got %s (%s), want approved from the lookup", tx.State, tx.Reason)
	}
	if len(gw.Sales) != 1 {
		t.Errorf("gateway charged %d times, want once", len(gw.Sales))
	}
}

func TestCancelWhileWaitingForCard(t *testing.T) {
	r := newRig(t, nil)
	tx, err := r.svc.Pay(context.Background(), payment.Request{Amount: eur(1000), Method: payment.MethodCard})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, r.events, payment.EventWaitingCard)
	got, err := r.svc.Cancel(context.Background(), tx.ID)
	if err != nil || got.State != payment.StateCancelled {
		t.Fatalf("Cancel = %v %v, want cancelled", got, err)
	}
	if len(r.gw.Sales) != 0 {
		t.Error("a cancelled payment reached the gateway")
	}
	// The reader is free again.
	if _, err := r.svc.Pay(context.Background(), payment.Request{Amount: eur(1000), Method: payment.MethodCard}); err != nil {
		t.Errorf("next payment: %v", err)
	}
}

func TestCardTimeout(t *testing.T) {
	r := newRig(t, func(o *payment.Opts) { o.CardTimeout = 20 * time.Millisecond })
	tx := r.pay(t, payment.Request{Amount: eur(1000)}, nil)
	if tx.State != payment.StateCancelled || !strings.Contains(tx.Reason, "no card") {
		t.Fatalf("got %s (%s), want cancelled for no card", tx.State, tx.Reason)
	}
}

func TestOnePaymentAtATimeOnTheReader(t *testing.T) {
	r := newRig(t, nil)
	if _, err := r.svc.Pay(context.Background(), payment.Request{Amount: eur(1000), Method: payment.MethodCard}); err != nil {
		t.Fatal(err)
	}
	for i := range 2 { // a refused payment must not free the reader either
		if _, err := r.svc.Pay(context.Background(), payment.Request{Amount: eur(1000), Method: payment.MethodCard}); !errors.Is(err, payment.ErrBusy) {
			t.Errorf("payment %d while the reader is busy: %v, want ErrBusy", i+2, err)
		}
	}
}

func TestCancelAfterApproval(t *testing.T) {
	r := newRig(t, nil)
	tx := r.pay(t, payment.Request{Amount: eur(1000)}, visa())
	if _, err := r.svc.Cancel(context.Background(), tx.ID); !errors.Is(err, payment.ErrAlreadyApproved) {
		t.Errorf("Cancel approved = %v, want ErrAlreadyApproved", err)
	}
	if got, _ := r.svc.Get(context.Background(), tx.ID); got.State != payment.StateApproved {
		t.Errorf("state changed to %s", got.State)
	}
}

func TestRefunds(t *testing.T) {
	r := newRig(t, nil)
	tx := r.pay(t, payment.Request{Amount: eur(1000)}, visa())
	ctx := context.Background()
	got, err := r.svc.Refund(ctx, tx.ID, eur(400))
	if err != nil || got.State != payment.StatePartiallyRefunded || got.Refundable() != 600 {
		t.Fatalf("first refund: %v %v", got, err)
	}
	if _, err := r.svc.Refund(ctx, tx.ID, eur(601)); !errors.Is(err, payment.ErrRefundExceeds) {
		t.Errorf("refund above remaining: %v, want ErrRefundExceeds", err)
	}
	if _, err := r.svc.Refund(ctx, tx.ID, payment.Amount{Minor: 100, Currency: "USD"}); !errors.Is(err, payment.ErrCurrencyMismatch) {
		t.Errorf("refund in USD: %v", err)
	}
	if _, err := r.svc.Refund(ctx, tx.ID, eur(0)); !errors.Is(err, payment.ErrInvalidAmount) {
		t.Errorf("zero refund: %v", err)
	}
	got, err = r.svc.Refund(ctx, tx.ID, eur(600))
	if err != nil || got.State != payment.StateRefunded {
		t.Fatalf("final refund: %v %v", got, err)
	}
	if _, err := r.svc.Refund(ctx, tx.ID, eur(1)); !errors.Is(err, payment.ErrNotRefundable) {
		t.Errorf("refund of refunded: %v", err)
	}
	if len(r.gw.Refunds) != 2 {
		t.Errorf("gateway saw %d refunds, want 2", len(r.gw.Refunds))
	}
	if _, err := r.svc.Refund(ctx, "pay_nope", eur(1)); !errors.Is(err, payment.ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}
}

func TestVoid(t *testing.T) {
	r := newRig(t, nil)
	tx := r.pay(t, payment.Request{Amount: eur(1000)}, visa())
	got, err := r.svc.Void(context.Background(), tx.ID)
	if err != nil || got.State != payment.StateReversed || len(r.gw.Voids) != 1 {
		t.Fatalf("Void = %v %v, voids %v", got, err, r.gw.Voids)
	}
	if _, err := r.svc.Void(context.Background(), tx.ID); !errors.Is(err, payment.ErrNotCancellable) {
		t.Errorf("second void: %v", err)
	}
}

func TestJournalFailureStopsThePayment(t *testing.T) {
	r := newRig(t, nil)
	r.journal.Fail = errors.New("no space left on device")
	if _, err := r.svc.Pay(context.Background(), payment.Request{Amount: eur(1000), Method: payment.MethodCard}); err == nil {
		t.Fatal("Pay succeeded with a broken journal")
	}
	// Journal breaks after the card is read: the gateway must not be asked.
	r2 := newRig(t, nil)
	tx, err := r2.svc.Pay(context.Background(), payment.Request{Amount: eur(1000), Method: payment.MethodCard})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, r2.events, payment.EventWaitingCard)
	r2.journal.Fail = errors.New("disk full")
	r2.cards.Present(*visa())
	r2.svc.Wait()
	if len(r2.gw.Sales) != 0 {
		t.Errorf("gateway charged although the card read was not journaled")
	}
	r2.journal.Fail = nil
	if got, _ := r2.svc.Get(context.Background(), tx.ID); got.State != payment.StateAwaitingCustomer {
		t.Errorf("journal state %s, want the last durable one (awaiting_customer)", got.State)
	}
}

func TestValidate(t *testing.T) {
	r := newRig(t, nil)
	tests := []struct {
		req  payment.Request
		want error
	}{
		{payment.Request{Amount: eur(0), Method: payment.MethodCard}, payment.ErrInvalidAmount},
		{payment.Request{Amount: eur(-5), Method: payment.MethodCard}, payment.ErrInvalidAmount},
		{payment.Request{Amount: eur(100_000_001), Method: payment.MethodCard}, payment.ErrInvalidAmount},
		{payment.Request{Amount: payment.Amount{Minor: 100, Currency: "XYZ"}, Method: payment.MethodCard}, payment.ErrUnknownCurrency},
		{payment.Request{Amount: payment.Amount{Minor: 100, Currency: "USD"}, Method: payment.MethodCard}, payment.ErrCurrencyNotAccepted},
		{payment.Request{Amount: eur(100), Method: "cheque"}, payment.ErrUnknownMethod},
		{payment.Request{Amount: eur(100), Method: payment.MethodCard, Policy: "maybe"}, payment.ErrUnknownPolicy},
		{payment.Request{Amount: eur(100), Method: payment.MethodPayLink, Email: "nobody"}, payment.ErrInvalidEmail},
		{payment.Request{Amount: eur(100), Method: payment.MethodPayLink, Email: "a@b.fr"}, payment.ErrNotSupported},
		{payment.Request{Amount: eur(100), Method: payment.MethodAlipayPlus, Policy: payment.ForceOffline}, payment.ErrOfflineRefused},
		{payment.Request{Amount: eur(100), Method: payment.MethodCard, Reference: strings.Repeat("x", 65)}, payment.ErrInvalidRequest},
	}
	for _, tt := range tests {
		if err := r.svc.Validate(tt.req); !errors.Is(err, tt.want) {
			t.Errorf("%+v: got %v, want %v", tt.req, err, tt.want)
		}
	}
	if r.journal.Saves != 0 {
		t.Error("invalid requests reached the journal")
	}
}

func TestReportsAndBatchClose(t *testing.T) {
	r := newRig(t, nil)
	ctx := context.Background()
	a := r.pay(t, payment.Request{Amount: eur(1000)}, visa())
	r.pay(t, payment.Request{Amount: eur(2500)}, visa())
	r.gw.Next = []payment.GatewayResult{{Approved: false, Code: "005"}}
	r.pay(t, payment.Request{Amount: eur(700)}, visa())
	if _, err := r.svc.Refund(ctx, a.ID, eur(300)); err != nil {
		t.Fatal(err)
	}
	x, err := r.svc.Report(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if x.SalesCount != 2 || x.SalesTotal != 3500 || x.RefundsTotal != 300 || x.Net != 3200 || x.Declined != 1 {
		t.Errorf("X report %+v", x)
	}
	z, err := r.svc.CloseBatch(ctx)
	if err != nil || z.Kind != "Z" || z.Batch != 1 || z.Net != 3200 {
		t.Fatalf("Z = %+v %v", z, err)
	}
	x2, _ := r.svc.Report(ctx)
	if x2.Batch != 2 || x2.SalesCount != 0 {
		t.Errorf("after close: %+v, want an empty batch 2", x2)
	}
}

// TestNoPANInLogsEventsOrJSON is the redaction guarantee: the test PAN and
// track 2 never appear in a log line, an event, an error or JSON.
func TestNoPANInLogsEventsOrJSON(t *testing.T) {
	r := newRig(t, nil)
	r.gw.Next = []payment.GatewayResult{{Approved: false, Code: "051", Message: "insufficient funds"}}
	tx := r.pay(t, payment.Request{Amount: eur(1000)}, visa())
	r.pay(t, payment.Request{Amount: eur(1000)}, visa())
	var all strings.Builder
	all.WriteString(r.logs.String())
	for len(r.events) > 0 {
		b, _ := json.Marshal(<-r.events)
		all.Write(b)
	}
	b, _ := json.Marshal(tx)
	all.Write(b)
	fmt.Fprintf(&all, "%v %+v %#v", tx.Card, tx.Card, tx.Card)
	slog.New(slog.NewTextHandler(&all, nil)).Info("card", "card", tx.Card, "pan", tx.Card.PAN)
	for _, secret := range []string{paymenttest.TestPAN, "4761739001010010D", "D28122"} {
		if strings.Contains(all.String(), secret) {
			t.Errorf("%q leaked: %s", secret, all.String())
		}
	}
	if !strings.Contains(all.String(), "476173******0010") {
		t.Error("masked PAN missing: the test would not see a leak")
	}
}

func waitFor(t *testing.T, events <-chan payment.Event, want payment.EventType) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case e := <-events:
			if e.Type == want {
				return
			}
		case <-timeout:
			t.Fatalf("no %s event", want)
		}
	}
}

func TestForceOnlineFollowsPolicyAndConnectivity(t *testing.T) {
	online := true
	r := newRig(t, func(o *payment.Opts) { o.Online = func() bool { return online } })
	tests := []struct {
		policy payment.OfflinePolicy
		online bool
		want   bool
	}{
		{payment.PreferOnline, true, true},
		{payment.PreferOnline, false, false}, // known offline: let the card approve under the floor limit
		{payment.RequireOnline, false, true},
		{payment.ForceOffline, true, false},
	}
	for i, tt := range tests {
		online = tt.online
		r.pay(t, payment.Request{Amount: eur(1000), Policy: tt.policy}, visa())
		reqs := r.cards.Requests()
		if got := reqs[len(reqs)-1].ForceOnline; got != tt.want {
			t.Errorf("case %d %s online=%v: ForceOnline = %v, want %v", i, tt.policy, tt.online, got, tt.want)
		}
	}
}

// With the gateway watched, a failed call makes the next cards approve
// offline under the floor limit, and the first answer from the gateway
// brings prefer_online payments back online at once.
func TestConnectivityFollowsTheGateway(t *testing.T) {
	var mu sync.Mutex
	var changes []bool
	conn := payment.NewConnectivity(nil, func(on bool) { mu.Lock(); changes = append(changes, on); mu.Unlock() })
	r := newRig(t, func(o *payment.Opts) {
		o.Card.Gateway, o.Online = payment.WatchGateway(o.Card.Gateway, conn), conn.Online
	})
	r.gw.Err = fmt.Errorf("dial: %w", payment.ErrGatewayUnavailable)
	r.pay(t, payment.Request{Amount: eur(1000)}, visa())
	r.pay(t, payment.Request{Amount: eur(1000)}, visa())
	if conn.Online() {
		t.Fatal("still online after the gateway failed")
	}
	r.gw.Err = nil
	ctx, cancel := context.WithCancel(context.Background())
	go conn.Probe(ctx, r.gw.Ping, time.Hour) // one ping now: the gateway answers
	for !conn.Online() {
		runtime.Gosched()
	}
	cancel()
	tx := r.pay(t, payment.Request{Amount: eur(1000)}, visa())
	reqs := r.cards.Requests()
	if !reqs[0].ForceOnline || reqs[1].ForceOnline || !reqs[2].ForceOnline {
		t.Errorf("ForceOnline %v, %v, %v; want online, offline after the failure, online once the gateway answers",
			reqs[0].ForceOnline, reqs[1].ForceOnline, reqs[2].ForceOnline)
	}
	if tx.State != payment.StateApproved || tx.Offline {
		t.Errorf("sale after the network returned: %s offline=%v, want approved online", tx.State, tx.Offline)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(changes) != 2 || changes[0] || !changes[1] {
		t.Errorf("connectivity changes %v, want [false true]", changes)
	}
}

type codeScanner struct{ codes chan string }

func (s codeScanner) Scan(ctx context.Context) (string, error) {
	select {
	case c := <-s.codes:
		return c, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
func (codeScanner) String() string { return "scanner" }
func (codeScanner) Halt() error    { return nil }

type recordWallets struct {
	mu   sync.Mutex
	reqs []payment.WalletRequest
}

func (w *recordWallets) Pay(_ context.Context, req payment.WalletRequest, _ func(payment.WalletUpdate)) (payment.WalletResult, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.reqs = append(w.reqs, req)
	return payment.WalletResult{Approved: true, Wallet: "Alipay", GatewayID: "w-1", Code: "000"}, nil
}

func (w *recordWallets) Refund(context.Context, string, payment.Amount) (payment.GatewayResult, error) {
	return payment.GatewayResult{Approved: true}, nil
}

func TestWalletPaymentCodeFromTheScanner(t *testing.T) {
	sc := codeScanner{codes: make(chan string, 1)}
	wallets := &recordWallets{}
	r := newRig(t, func(o *payment.Opts) { o.Wallet = payment.WalletPorts{Wallets: wallets, Scanner: sc} })
	tx, err := r.svc.Pay(context.Background(), payment.Request{Amount: eur(2000), Method: payment.MethodAlipayPlus, ScanCode: true})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, r.events, payment.EventWaitingCode)
	sc.codes <- "281234567890123456"
	r.svc.Wait()
	got, _ := r.svc.Get(context.Background(), tx.ID)
	if got.State != payment.StateApproved || got.Wallet != "alipay" {
		t.Fatalf("got %s %q (%s)", got.State, got.Wallet, got.Reason)
	}
	if len(wallets.reqs) != 1 || wallets.reqs[0].BuyerCode != "281234567890123456" {
		t.Errorf("wallet requests %+v", wallets.reqs)
	}
	if err := r.svc.Validate(payment.Request{Amount: eur(100), Method: payment.MethodCard, ScanCode: true}); !errors.Is(err, payment.ErrInvalidRequest) {
		t.Errorf("scan for a card payment: %v", err)
	}
}

// brokenReader fails every read: the reader's own error, not a timeout.
type brokenReader struct{}

func (brokenReader) ReadCard(context.Context, payment.CardRequest) (payment.CardResult, error) {
	return payment.CardResult{}, errors.New("pn532: bad frame checksum")
}

// brokenScanner fails every read.
type brokenScanner struct{}

func (brokenScanner) Scan(context.Context) (string, error) {
	return "", errors.New("scanner: read: i/o error")
}
func (brokenScanner) String() string { return "broken scanner" }
func (brokenScanner) Halt() error    { return nil }

// A device that fails is told apart from a customer who did not come: the
// flow's own deadline is the only timeout.
func TestDeviceErrorIsNotATimeout(t *testing.T) {
	r := newRig(t, func(o *payment.Opts) {
		o.Card.Reader = brokenReader{}
		o.Wallet = payment.WalletPorts{Wallets: &recordWallets{}, Scanner: brokenScanner{}}
	})
	card := r.pay(t, payment.Request{Amount: eur(1000)}, nil)
	if card.State != payment.StateFailed || card.Code != payment.ReasonCardReadFailed {
		t.Errorf("card read error: %s %s, want failed card_read_failed", card.State, card.Code)
	}
	code := r.pay(t, payment.Request{Amount: eur(1000), Method: payment.MethodAlipayPlus, ScanCode: true}, nil)
	if code.State != payment.StateFailed || code.Code != payment.ReasonCodeNotRead {
		t.Errorf("scanner error: %s %s, want failed code_not_read", code.State, code.Code)
	}
}

// lostGateway never answers a sale and never finds the order: the sale may
// still be processed late.
type lostGateway struct{ paymenttest.Gateway }

func (g *lostGateway) Sale(context.Context, payment.SaleRequest) (payment.GatewayResult, error) {
	return payment.GatewayResult{}, errors.New("read tcp: i/o timeout")
}
func (g *lostGateway) Lookup(context.Context, string) (payment.GatewayResult, error) {
	return payment.GatewayResult{}, payment.ErrNotFound
}

func TestUnknownOutcomeKeepsAReversalOwed(t *testing.T) {
	r := newRig(t, func(o *payment.Opts) { o.Card.Gateway = &lostGateway{} })
	tx := r.pay(t, payment.Request{Amount: eur(1000), Policy: payment.RequireOnline}, visa())
	if tx.State != payment.StateFailed || !tx.ReversalPending {
		t.Fatalf("got %s reversal_pending=%v, want failed with a reversal owed", tx.State, tx.ReversalPending)
	}
}

func TestRefundPrintsARefundReceipt(t *testing.T) {
	p := printertest.NewFake()
	r := newRig(t, func(o *payment.Opts) { o.Receipts.Printer = p })
	tx := r.pay(t, payment.Request{Amount: eur(1000)}, visa())
	before := len(p.Printed())
	if _, err := r.svc.Refund(context.Background(), tx.ID, eur(300)); err != nil {
		t.Fatal(err)
	}
	printed := p.Printed()
	if len(printed) != before+1 {
		t.Fatalf("%d receipts after the refund, want %d", len(printed), before+1)
	}
	text := printed[len(printed)-1].PlainText(42)
	if !strings.Contains(text, "CREDIT") || !strings.Contains(text, "3,00") {
		t.Errorf("refund receipt:\n%s", text)
	}
	// Out of paper: the refund still stands.
	p.PaperOut(true)
	if got, err := r.svc.Refund(context.Background(), tx.ID, eur(100)); err != nil || got.Refundable() != 600 {
		t.Errorf("refund with no paper: %v %v", got, err)
	}
}

// slowPrinter holds each print until released.
type slowPrinter struct{ release chan struct{} }

func (p slowPrinter) Print(ctx context.Context, _ printer.Receipt) error {
	select {
	case <-p.release:
	case <-ctx.Done():
	}
	return nil
}
func (slowPrinter) Status(context.Context) (printer.Status, error) {
	return printer.Status{Online: true}, nil
}
func (slowPrinter) String() string { return "slow" }
func (slowPrinter) Halt() error    { return nil }

func TestReaderFreeWhileTheReceiptPrints(t *testing.T) {
	p := slowPrinter{release: make(chan struct{})}
	r := newRig(t, func(o *payment.Opts) { o.Receipts.Printer = p })
	ctx := context.Background()
	if _, err := r.svc.Pay(ctx, payment.Request{Amount: eur(1000), Method: payment.MethodCard}); err != nil {
		t.Fatal(err)
	}
	r.cards.Present(*visa())
	waitFor(t, r.events, payment.EventApproved) // its receipt is now printing
	deadline := time.Now().Add(5 * time.Second)
	var err error
	for { // the reader is released right after the outcome is journaled
		if _, err = r.svc.Pay(ctx, payment.Request{Amount: eur(2000), Method: payment.MethodCard}); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if err != nil {
		t.Fatalf("next payment while the receipt prints: %v", err)
	}
	p.release <- struct{}{} // the first payment's flow ends now
	time.Sleep(20 * time.Millisecond)
	if _, err := r.svc.Pay(ctx, payment.Request{Amount: eur(3000), Method: payment.MethodCard}); !errors.Is(err, payment.ErrBusy) {
		t.Errorf("a third payment while the second waits for its card: %v, want ErrBusy", err)
	}
	close(p.release)
}
