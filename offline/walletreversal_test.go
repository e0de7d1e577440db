package offline

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"tpe/payment"
	"tpe/payment/alipayplus"
	"tpe/payment/gateway"
	"tpe/payment/gateway/gatewaysim"
	"tpe/payment/gateway/gatewaysim/simtest"
)

// walletRig is a wallet terminal as cmd wires it: payment.Service over the
// real journal (bbolt), the Alipay+ flows over the real gateway client,
// and the gateway simulator on loopback HTTP behind a recorder of the
// money-moving requests it hears.
type walletRig struct {
	st      *Store
	sim     *gatewaysim.Server
	client  *gateway.Client
	wallets *alipayplus.Wallets
	svc     *payment.Service
	heard   *heard
}

// heard records the referral requests (POST /transaction/{id}/{op}) the
// gateway received, and loses the answers of the next loseAnswers ones
// after processing them.
type heard struct {
	h           http.Handler
	mu          sync.Mutex
	referrals   []string
	loseAnswers int
}

func (h *heard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/transaction/") &&
		(strings.HasSuffix(r.URL.Path, "/cancel") || strings.HasSuffix(r.URL.Path, "/refund")) {
		h.mu.Lock()
		h.referrals = append(h.referrals, r.URL.Path)
		lose := h.loseAnswers > 0
		if lose {
			h.loseAnswers--
		}
		h.mu.Unlock()
		if lose {
			h.h.ServeHTTP(httptest.NewRecorder(), r)
			w.WriteHeader(http.StatusBadGateway)
			return
		}
	}
	h.h.ServeHTTP(w, r)
}

func (h *heard) list() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.referrals...)
}

func newWalletRig(t *testing.T) *walletRig {
	t.Helper()
	st, _ := newStore(t)
	sim, err := gatewaysim.New(simtest.Dir(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	h := &heard{h: sim}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	client, err := gateway.New(ts.URL, &gateway.Opts{Originator: gatewaysim.DevOriginator, Password: gatewaysim.DevPassword,
		Timeout: 5 * time.Second, Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	// A short cancel window: the gateway is down for all of it.
	w, err := alipayplus.New(client, &alipayplus.Opts{Issuers: gatewaysim.WalletTable(), CancelTimeout: 300 * time.Millisecond,
		PollFirst: 50 * time.Millisecond, PollMax: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := payment.New(payment.Opts{Journal: st, Wallet: payment.WalletPorts{Wallets: w},
		Merchant: payment.Merchant{Name: "Boulangerie Élise", TerminalID: "T0001"}, Currency: "EUR"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	return &walletRig{st: st, sim: sim, client: client, wallets: w, svc: svc, heard: h}
}

// paidButCancelUnconfirmed shows an order code, lets the customer pay it
// while the gateway does not answer the terminal, and cancels: the cancel
// is never confirmed, so the payment ends failed with a reversal owed
// although the customer was charged.
func (r *walletRig) paidButCancelUnconfirmed(t *testing.T, minor int64) *payment.Transaction {
	t.Helper()
	return r.cancelUnconfirmed(t, minor, true)
}

// cancelUnconfirmed is paidButCancelUnconfirmed, the customer paying the
// order code only when pay is set (otherwise it is still payable).
func (r *walletRig) cancelUnconfirmed(t *testing.T, minor int64, pay bool) *payment.Transaction {
	t.Helper()
	ctx := context.Background()
	events, stop := r.svc.Subscribe(64)
	defer stop()
	tx, err := r.svc.Pay(ctx, payment.Request{Method: payment.MethodAlipayPlus, Amount: payment.Amount{Minor: minor, Currency: "EUR"}})
	if err != nil {
		t.Fatal(err)
	}
	var qr string
	for qr == "" {
		select {
		case ev := <-events:
			if ev.Type == payment.EventQR && ev.Payment.ID == tx.ID {
				qr = ev.Payment.QR
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no order code shown")
		}
	}
	r.sim.SetFaults(gatewaysim.Faults{Down: true})
	if pay {
		if err := r.sim.WalletScan(qr, "DANA", gatewaysim.ActionPay); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.svc.Cancel(ctx, tx.ID); err != nil {
		t.Fatal(err)
	}
	r.svc.Wait()
	r.sim.SetFaults(gatewaysim.Faults{})
	got, err := r.st.Get(ctx, tx.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != payment.StateFailed || !got.ReversalPending || got.GatewayID == "" {
		t.Fatalf("after the unconfirmed cancel: %s reversal_pending=%v gateway %q (%s); want failed with a reversal owed",
			got.State, got.ReversalPending, got.GatewayID, got.Reason)
	}
	if sale := r.walletSale(t, got); pay && (sale.ErrorCode != "000" || sale.Status == gateway.StatusCancelled) {
		t.Fatalf("the customer's payment at the gateway: %+v, want paid", sale)
	}
	return got
}

// walletSale is the gateway's ledger entry of t's wallet attempt.
func (r *walletRig) walletSale(t *testing.T, tx *payment.Transaction) gatewaysim.Entry {
	t.Helper()
	for _, e := range r.sim.Ledger() {
		if e.TransactionID == tx.GatewayID {
			return e
		}
	}
	t.Fatalf("no ledger entry %s", tx.GatewayID)
	return gatewaysim.Entry{}
}

// reversalsOf lists the successful referrals the gateway recorded on t's
// wallet attempt.
func (r *walletRig) reversalsOf(tx *payment.Transaction) []gatewaysim.Entry {
	var out []gatewaysim.Entry
	for _, e := range r.sim.Ledger() {
		if e.OrderID == tx.OrderID && e.ReferralID == tx.GatewayID && e.ErrorCode == "000" {
			out = append(out, e)
		}
	}
	return out
}

// forwarder is a forwarder of the rig's journal to its gateway, with the
// wallets' reversals, forwarding at once; events lists what it told.
func (r *walletRig) forwarder() (fw *Forwarder, events func() []payment.EventType) {
	var mu sync.Mutex
	var seen []payment.EventType
	fw = NewForwarder(r.st, r.client, &ForwarderOpts{Jitter: -1, Rate: -1, Wallets: r.wallets,
		OnChange: func(ev payment.EventType, _ *payment.Transaction) {
			mu.Lock()
			seen = append(seen, ev)
			mu.Unlock()
		}})
	return fw, func() []payment.EventType {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(seen)
	}
}

// TestWalletReversalAfterUnconfirmedCancel: the customer paid an order
// code whose cancel the gateway never confirmed. One forwarder round
// reverses it through the wallet's own Connect2Pay endpoint, reads the
// answer as the success it is, and the gateway hears the reversal once.
func TestWalletReversalAfterUnconfirmedCancel(t *testing.T) {
	r := newWalletRig(t)
	ctx := context.Background()
	tx := r.paidButCancelUnconfirmed(t, 1250)
	before := len(r.heard.list())

	fw, events := r.forwarder()
	if _, err := fw.ForwardNow(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ := r.st.Get(ctx, tx.ID)
	if got.ReversalPending {
		t.Fatalf("after one round: reversal still owed (%s); sent %v; ledger %+v", got.Reason, r.heard.list()[before:], r.reversalsOf(tx))
	}
	if ev := events(); len(ev) != 1 || ev[0] != payment.EventReversed {
		t.Errorf("events: got %v, want one reversed", ev)
	}
	sent := r.heard.list()[before:]
	if len(sent) != 1 {
		t.Fatalf("referrals sent: %v, want one", sent)
	}
	rev := r.reversalsOf(tx)
	if len(rev) != 1 || rev[0].Operation != "refund" || rev[0].Amount != 1250 {
		t.Fatalf("gateway ledger: %+v, want one refund of 1250 on the wallet attempt", rev)
	}
	if sale := r.walletSale(t, got); sale.RefundedAmount != 1250 {
		t.Errorf("the customer's payment at the gateway: %+v, want refunded in full", sale)
	}
	// Nothing more is owed: a second round sends nothing.
	if _, err := fw.ForwardNow(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(r.heard.list()) - before; n != 1 {
		t.Errorf("a second round sent %d referrals in all, want still one", n)
	}
}

// TestWalletReversalAnswerLost: the reversal reaches the gateway but its
// answer is lost. It stays owed, and the next round settles it from the
// gateway's record: reversed, never refunded twice.
func TestWalletReversalAnswerLost(t *testing.T) {
	r := newWalletRig(t)
	ctx := context.Background()
	tx := r.paidButCancelUnconfirmed(t, 800)
	before := len(r.heard.list())

	fw, events := r.forwarder()
	r.heard.mu.Lock()
	r.heard.loseAnswers = 1
	r.heard.mu.Unlock()
	if _, err := fw.ForwardNow(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.st.Get(ctx, tx.ID); !got.ReversalPending {
		t.Fatal("a reversal whose answer was lost was taken as done")
	}
	if _, err := fw.ForwardNow(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ := r.st.Get(ctx, tx.ID)
	if got.ReversalPending {
		t.Fatalf("after the second round: reversal still owed (%s)", got.Reason)
	}
	if sent := r.heard.list()[before:]; len(sent) != 1 {
		t.Errorf("referrals sent: %v, want one (never resent blindly)", sent)
	}
	if rev := r.reversalsOf(tx); len(rev) != 1 || rev[0].Amount != 800 {
		t.Errorf("gateway ledger: %+v, want one reversal of 800", rev)
	}
	if ev := events(); len(ev) != 1 || ev[0] != payment.EventReversed {
		t.Errorf("events: got %v, want one reversed", ev)
	}
}

// TestWalletReversalAtBoot: boot recovery without the wallets' port keeps
// the reversal owed and sends nothing (never the card API's void); with
// it, the payment is given back.
func TestWalletReversalAtBoot(t *testing.T) {
	r := newWalletRig(t)
	ctx := context.Background()
	tx := r.paidButCancelUnconfirmed(t, 640)
	before := len(r.heard.list())

	rep, err := Recover(ctx, r.st, r.client, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(rep.Pending, tx.ID) || len(r.heard.list()) != before {
		t.Fatalf("without wallets: report %+v, referrals %v; want pending, nothing sent", rep, r.heard.list()[before:])
	}
	rep, err = Recover(ctx, r.st, r.client, r.wallets)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := r.st.Get(ctx, tx.ID)
	if !rep.Done() || !slices.Contains(rep.Reversed, tx.ID) || got.ReversalPending || got.State != payment.StateFailed {
		t.Fatalf("with wallets: report %+v; payment %s reversal_pending=%v", rep, got.State, got.ReversalPending)
	}
	if rev := r.reversalsOf(tx); len(rev) != 1 || rev[0].Operation != "refund" {
		t.Errorf("gateway ledger: %+v, want one refund", rev)
	}
}

// TestWalletReversalStillPayable: the cancel went unconfirmed and the
// customer has not paid yet, but the order code can still be paid. The
// reversal cancels it through Connect2Pay (it is never just forgotten):
// the customer can no longer pay it.
func TestWalletReversalStillPayable(t *testing.T) {
	r := newWalletRig(t)
	ctx := context.Background()
	tx := r.cancelUnconfirmed(t, 300, false)
	before := len(r.heard.list())
	fw, _ := r.forwarder()
	if _, err := fw.ForwardNow(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ := r.st.Get(ctx, tx.ID)
	if got.ReversalPending {
		t.Fatalf("after one round: reversal still owed (%s)", got.Reason)
	}
	if sent := r.heard.list()[before:]; len(sent) != 1 || !strings.HasSuffix(sent[0], "/cancel") {
		t.Errorf("referrals sent: %v, want one Connect2Pay cancel", sent)
	}
	if err := r.sim.WalletAction(tx.OrderID, "", gatewaysim.ActionPay); err == nil {
		t.Error("the customer could still pay the order code after the reversal")
	}
	if rev := r.reversalsOf(tx); len(rev) != 1 || rev[0].Operation != "cancel" {
		t.Errorf("gateway ledger: %+v, want one cancel", rev)
	}
}
