package alipayplus_test

import (
	"context"
	"errors"
	"image"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"
	"github.com/skip2/go-qrcode"

	"tpe/payment"
	"tpe/payment/alipayplus"
	"tpe/payment/gateway"
	"tpe/payment/gateway/gatewaysim"
)

func eur(minor int64) payment.Amount { return payment.Amount{Minor: minor, Currency: "EUR"} }

// updates collects the progress a flow reports.
type updates struct {
	mu  sync.Mutex
	got []payment.WalletUpdate
	qr  chan string
}

func newUpdates() *updates { return &updates{qr: make(chan string, 1)} }

func (u *updates) fn(w payment.WalletUpdate) {
	u.mu.Lock()
	u.got = append(u.got, w)
	u.mu.Unlock()
	if w.QR != "" {
		u.qr <- w.QR
	}
}

type outcome struct {
	res payment.WalletResult
	err error
}

func payAsync(ctx context.Context, w *alipayplus.Wallets, req payment.WalletRequest, u *updates) chan outcome {
	ch := make(chan outcome, 1)
	go func() {
		res, err := w.Pay(ctx, req, u.fn)
		ch <- outcome{res, err}
	}()
	return ch
}

// scan renders the payload as the customer display would and decodes it
// as a phone would.
func scan(t *testing.T, payload string) string {
	t.Helper()
	png, err := qrcode.New(payload, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	var img image.Image = png.Image(256)
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gozxingqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("the order code does not scan: %v", err)
	}
	return res.GetText()
}

// TestMPMOverHTTP: the terminal shows the order code, a GCash user scans
// and pays; then two partial refunds and one too many.
func TestMPMOverHTTP(t *testing.T) {
	sim := newSim(t)
	w := newWallets(t, overHTTP(t, sim), &alipayplus.Opts{PollFirst: 20 * time.Millisecond, PollMax: 100 * time.Millisecond})
	u := newUpdates()
	req := payment.WalletRequest{OrderID: "T1-MPM-1", Amount: eur(1250), Lang: "fr"}
	done := payAsync(context.Background(), w, req, u)
	qr := <-u.qr
	if !strings.HasPrefix(qr, "HTTPS://") {
		t.Errorf("got order code %q, want an Alipay+ MPM URL", qr)
	}
	if got := scan(t, qr); got != qr {
		t.Fatalf("scanned %q, want %q", got, qr)
	}
	if err := sim.WalletScan(scan(t, qr), "GCash", gatewaysim.ActionPay); err != nil {
		t.Fatal(err)
	}
	o := <-done
	if o.err != nil || !o.res.Approved || o.res.Wallet != payment.WalletCode("GCash") || o.res.ExchangeRate != "7.8945" || o.res.GatewayID == "" || o.res.Code != "000" {
		t.Fatalf("got %+v, %v; want approved by GCash at 7.8945", o.res, o.err)
	}
	if u.got[0].ExpireAt.IsZero() {
		t.Errorf("the update has no expiry")
	}
	ctx := context.Background()
	for i, a := range []int64{500, 750} {
		gr, err := w.Refund(ctx, o.res.GatewayID, eur(a))
		if err != nil || !gr.Approved || gr.GatewayID == "" {
			t.Fatalf("refund %d: got %+v, %v", i, gr, err)
		}
	}
	gr, err := w.Refund(ctx, o.res.GatewayID, eur(1))
	if err != nil || gr.Approved || gr.Code != gateway.CodeRefundExceeds {
		t.Errorf("refund above the payment: got %+v, %v; want refused with 064", gr, err)
	}
	var sale gatewaysim.Entry
	for _, e := range entriesOf(sim, req.OrderID) {
		if e.Operation == "sale" {
			sale = e
		}
	}
	if sale.Status != gateway.StatusRefunded || sale.RefundedAmount != 1250 || sale.Wallet != "GCash" {
		t.Errorf("simulator's sale: got %+v, want refunded in full, paid by GCash", sale)
	}
}

func TestCPMOverHTTP(t *testing.T) {
	sim := newSim(t)
	w := newWallets(t, overHTTP(t, sim), &alipayplus.Opts{PollFirst: 20 * time.Millisecond})
	ctx := context.Background()
	u := newUpdates()
	res, err := w.Pay(ctx, payment.WalletRequest{OrderID: "T1-CPM-1", Amount: eur(990), BuyerCode: "2810 1202 0000 1111 2222 3333"}, u.fn)
	if err != nil || !res.Approved || res.Wallet != payment.WalletCode("Kakao Pay") {
		t.Fatalf("got %+v, %v; want approved by Kakao Pay", res, err)
	}
	if len(u.got) != 0 {
		t.Errorf("got updates %+v, want none: there is no code to show", u.got)
	}
	// A test amount of 990.51: the wallet declines for lack of funds.
	res, err = w.Pay(ctx, payment.WalletRequest{OrderID: "T1-CPM-2", Amount: eur(99051), BuyerCode: "281006020000000000125733"}, nil)
	if err != nil || res.Approved || res.Decline != payment.DeclineInsufficientFunds || res.Wallet != payment.WalletCode("AlipayHK") {
		t.Errorf("got %+v, %v; want an insufficient-funds decline from AlipayHK", res, err)
	}
	// Bad codes never reach the gateway.
	for code, want := range map[string]error{
		"12345":                    alipayplus.ErrCodeLength,
		"281099020123456789012345": alipayplus.ErrUnknownWallet,
		"281011010123456789012345": alipayplus.ErrCodeFormat,
	} {
		_, err := w.Pay(ctx, payment.WalletRequest{OrderID: "T1-BAD-" + code[:4], Amount: eur(100), BuyerCode: code}, nil)
		if !errors.Is(err, want) {
			t.Errorf("%s: got %v, want %v", code, err, want)
		}
		if n := len(entriesOf(sim, "T1-BAD-"+code[:4])); n != 0 {
			t.Errorf("%s: the gateway saw %d transactions", code, n)
		}
	}
}

// TestMPMDeclined: the wallet declines.
func TestMPMDeclined(t *testing.T) {
	sim := newSim(t)
	w := newWallets(t, overHTTP(t, sim), &alipayplus.Opts{PollFirst: 20 * time.Millisecond})
	u := newUpdates()
	done := payAsync(context.Background(), w, payment.WalletRequest{OrderID: "T1-DEC", Amount: eur(4000)}, u)
	<-u.qr
	if err := sim.WalletAction("T1-DEC", "TrueMoney", "decline:005"); err != nil {
		t.Fatal(err)
	}
	o := <-done
	if o.err != nil || o.res.Approved || o.res.Decline != payment.DeclineDoNotHonour || o.res.Wallet != payment.WalletCode("TrueMoney") {
		t.Errorf("got %+v, %v; want a do-not-honour decline from TrueMoney", o.res, o.err)
	}
	if err := sim.WalletAction("T1-DEC", "", gatewaysim.ActionPay); !errors.Is(err, gatewaysim.ErrPaymentClosed) {
		t.Errorf("paying a declined order: got %v, want ErrPaymentClosed", err)
	}
}

// TestMPMExpiry: nobody scans. The flow polls with growing intervals, and
// at expiry cancels the attempt and reports only once the cancel is
// confirmed; the code can no longer be paid.
func TestMPMExpiry(t *testing.T) {
	sim := newSim(t)
	synctest.Test(t, func(t *testing.T) {
		c, rec := inMemory(t, sim, nil)
		w := newWallets(t, c, &alipayplus.Opts{QRValidity: 2 * time.Minute})
		start := time.Now()
		u := newUpdates()
		res, err := w.Pay(context.Background(), payment.WalletRequest{OrderID: "T1-EXP", Amount: eur(800)}, u.fn)
		if err != nil || !res.Expired || res.Approved || res.Cancelled {
			t.Fatalf("got %+v, %v; want expired", res, err)
		}
		if took := time.Since(start); took != 2*time.Minute {
			t.Errorf("ended after %v, want exactly the 2 min validity", took)
		}
		var polls []time.Time
		cancels := 0
		for _, c := range rec.calls() {
			switch {
			case strings.HasSuffix(c.Path, "/status"):
				polls = append(polls, c.At)
			case strings.HasSuffix(c.Path, "/cancel"):
				cancels++
			}
		}
		if cancels != 1 {
			t.Errorf("got %d cancels, want 1", cancels)
		}
		prev := time.Duration(0)
		for i := 1; i < len(polls)-2; i++ { // the last polls are clamped to the deadline and the cancel's inquiry
			d := polls[i].Sub(polls[i-1])
			if d < prev || d > 5*time.Second {
				t.Errorf("poll %d after %v (previous %v): intervals must grow up to 5 s", i, d, prev)
			}
			prev = d
		}
		if len(polls) < 20 || len(polls) > 40 {
			t.Errorf("got %d polls in 2 min, want growing intervals capped at 5 s", len(polls))
		}
		if err := sim.WalletAction("T1-EXP", "", gatewaysim.ActionPay); !errors.Is(err, gatewaysim.ErrPaymentClosed) {
			t.Errorf("paying after expiry: got %v, want ErrPaymentClosed", err)
		}
	})
	var sale, cancel bool
	for _, e := range entriesOf(sim, "T1-EXP") {
		sale = sale || e.Operation == "sale" && e.Status == gateway.StatusCancelled
		cancel = cancel || e.Operation == "cancel" && e.ErrorCode == "000"
	}
	if !sale || !cancel {
		t.Errorf("simulator: got %+v, want the sale cancelled by a confirmed cancel", entriesOf(sim, "T1-EXP"))
	}
}

// TestCPMInProcessForever: the wallet keeps the payment in process (its
// user never confirms): the flow gives up at CPMTimeout and cancels.
func TestCPMInProcessForever(t *testing.T) {
	sim := newSim(t)
	synctest.Test(t, func(t *testing.T) {
		c, _ := inMemory(t, sim, nil)
		w := newWallets(t, c, &alipayplus.Opts{CPMTimeout: 45 * time.Second})
		start := time.Now()
		res, err := w.Pay(context.Background(), payment.WalletRequest{OrderID: "T1-HOLD", Amount: eur(300),
			BuyerCode: "281011020000000000009999"}, nil)
		if err != nil || !res.Expired || res.Wallet != payment.WalletCode("GCash") {
			t.Fatalf("got %+v, %v; want expired", res, err)
		}
		if took := time.Since(start); took != 45*time.Second {
			t.Errorf("gave up after %v, want 45 s", took)
		}
	})
	if st := entriesOf(sim, "T1-HOLD")[0].Status; st != gateway.StatusCancelled {
		t.Errorf("simulator's attempt: got %s, want cancelled", st)
	}
}

// TestCPMInProcessThenPaid: the user confirms in the wallet after a while.
func TestCPMInProcessThenPaid(t *testing.T) {
	sim := newSim(t)
	synctest.Test(t, func(t *testing.T) {
		c, _ := inMemory(t, sim, nil)
		w := newWallets(t, c, nil)
		done := payAsync(context.Background(), w, payment.WalletRequest{OrderID: "T1-HOLD2", Amount: eur(300),
			BuyerCode: "281013020000000000009999"}, newUpdates())
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if err := sim.WalletAction("T1-HOLD2", "", gatewaysim.ActionPay); err != nil {
			t.Fatal(err)
		}
		o := <-done
		if o.err != nil || !o.res.Approved || o.res.Wallet != payment.WalletCode("Touch 'n Go") {
			t.Errorf("got %+v, %v; want approved by Touch 'n Go", o.res, o.err)
		}
	})
}

// TestCashierCancel: the cashier cancels while the code is shown.
func TestCashierCancel(t *testing.T) {
	sim := newSim(t)
	synctest.Test(t, func(t *testing.T) {
		c, _ := inMemory(t, sim, nil)
		w := newWallets(t, c, nil)
		ctx, cancel := context.WithCancel(context.Background())
		u := newUpdates()
		done := payAsync(ctx, w, payment.WalletRequest{OrderID: "T1-CXL", Amount: eur(300)}, u)
		<-u.qr
		time.Sleep(7 * time.Second)
		cancel()
		o := <-done
		if o.err != nil || !o.res.Cancelled || o.res.Expired {
			t.Errorf("got %+v, %v; want cancelled", o.res, o.err)
		}
		if err := sim.WalletAction("T1-CXL", "", gatewaysim.ActionPay); !errors.Is(err, gatewaysim.ErrPaymentClosed) {
			t.Errorf("paying a cancelled order: got %v, want ErrPaymentClosed", err)
		}
	})
}

// TestCancelUnconfirmed: the gateway never confirms the cancel; the flow
// says so instead of reporting a failure that might be a payment.
func TestCancelUnconfirmed(t *testing.T) {
	sim := newSim(t)
	synctest.Test(t, func(t *testing.T) {
		c, _ := inMemory(t, sim, func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/cancel") })
		w := newWallets(t, c, &alipayplus.Opts{QRValidity: 30 * time.Second, CancelTimeout: 20 * time.Second})
		start := time.Now()
		res, err := w.Pay(context.Background(), payment.WalletRequest{OrderID: "T1-UNC", Amount: eur(300)}, nil)
		if !errors.Is(err, alipayplus.ErrCancelUnconfirmed) || res.Approved {
			t.Fatalf("got %+v, %v; want ErrCancelUnconfirmed", res, err)
		}
		if took := time.Since(start); took < 50*time.Second || took > 51*time.Second {
			t.Errorf("gave up after %v, want validity + cancel timeout", took)
		}
		if !strings.Contains(err.Error(), "T1-UNC") {
			t.Errorf("error %q does not name the order to check", err)
		}
	})
}

// TestGatewayDownAtStart: no gateway, no wallet payment (never offline).
func TestGatewayDownAtStart(t *testing.T) {
	sim := newSim(t)
	synctest.Test(t, func(t *testing.T) {
		c, _ := inMemory(t, sim, func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/prepare") })
		w := newWallets(t, c, nil)
		_, err := w.Pay(context.Background(), payment.WalletRequest{OrderID: "T1-DOWN", Amount: eur(300)}, nil)
		if err == nil {
			t.Fatal("got no error with the gateway down, want one (wallet payments are never offline)")
		}
	})
}

// TestMPMDirectAnswerLost: the order code request reached the gateway but
// the answer was lost. Nobody can scan a code the terminal never got: the
// attempt is cancelled (confirmed) and the payment fails clearly.
func TestMPMDirectAnswerLost(t *testing.T) {
	sim := newSim(t)
	synctest.Test(t, func(t *testing.T) {
		lost := &lossy{h: sim}
		c, _ := inMemory(t, lost, nil)
		w := newWallets(t, c, nil)
		res, err := w.Pay(context.Background(), payment.WalletRequest{OrderID: "T1-LOST", Amount: eur(300)}, nil)
		if err == nil || res.Approved {
			t.Fatalf("got %+v, %v; want an error", res, err)
		}
	})
	var cancelled bool
	for _, e := range entriesOf(sim, "T1-LOST") {
		cancelled = cancelled || e.Operation == "sale" && e.Status == gateway.StatusCancelled
	}
	if !cancelled {
		t.Errorf("simulator: got %+v, want the attempt cancelled", entriesOf(sim, "T1-LOST"))
	}
}

// lossy processes direct-process requests but loses their answers.
type lossy struct{ h http.Handler }

func (l *lossy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/direct") {
		l.h.ServeHTTP(httptest.NewRecorder(), r)
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	l.h.ServeHTTP(w, r)
}
