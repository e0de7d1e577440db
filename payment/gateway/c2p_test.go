package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"tpe/payment"
	"tpe/payment/gateway"
	"tpe/payment/gateway/gatewaysim"
)

func TestPrepareLinkPayRefund(t *testing.T) {
	e := newEnv(t, nil, nil)
	c := e.client(t, nil)
	ctx := context.Background()
	order := orderID(t)
	p, err := c.Prepare(ctx, gateway.PrepareRequest{Currency: "EUR", Amount: 4590, PaymentMethod: "CreditCard",
		TimeOut: "P2D", Shopper: &gateway.C2PShopper{Email: "client@example.org"}, Order: gateway.C2POrder{ID: order, Description: "2 coffees"}})
	if err != nil {
		t.Fatalf("prepare: %v", err)
	}
	if len(p.MerchantToken) != 22 || len(p.CustomerToken) != 22 || p.MerchantToken == p.CustomerToken {
		t.Fatalf("tokens %+v", p)
	}
	link := c.PaymentURL(p.CustomerToken)
	if !strings.HasPrefix(link, e.ts.URL+"/payment/") {
		t.Fatalf("link %s", link)
	}
	st, err := c.PaymentStatus(ctx, p.MerchantToken)
	if err != nil || st.Status != gateway.PaymentNotProcessed || st.Amount != 4590 || st.Order.ID != order {
		t.Fatalf("status before paying: %+v, %v", st, err)
	}
	// The shopper's page is served (no credentials: it is public).
	resp, err := e.ts.Client().Get(link)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("payment page: %v %v", resp, err)
	}
	resp.Body.Close()
	if err := e.sim.PayLink(p.CustomerToken, "051"); err != nil {
		t.Fatal(err)
	}
	st, _ = c.PaymentStatus(ctx, p.MerchantToken)
	if st.Status != gateway.PaymentPending || st.ErrorCode != "051" || len(st.Transactions) != 1 {
		t.Fatalf("status after a declined try: %+v", st)
	}
	if err := e.sim.PayLink(p.CustomerToken, "000"); err != nil {
		t.Fatal(err)
	}
	st, _ = c.PaymentStatus(ctx, p.MerchantToken)
	if st.Status != gateway.PaymentAuthorized || st.ErrorCode != "000" || len(st.Transactions) != 2 {
		t.Fatalf("status after paying: %+v", st)
	}
	txn := st.Transactions[1].TransactionID
	info, err := c.TransactionInfo(ctx, txn)
	if err != nil || info.ResultCode != "000" || info.OrderID != order {
		t.Fatalf("transaction info: %+v, %v", info, err)
	}
	r, err := c.C2PRefund(ctx, txn, eur(1000))
	if err != nil || r.Code != "000" || r.TransactionID == "" {
		t.Fatalf("refund: %+v, %v", r, err)
	}
	r, err = c.C2PRefund(ctx, txn, eur(4000))
	if err != nil || r.Code != gateway.CodeRefundExceeds {
		t.Fatalf("refund beyond: %+v, %v", r, err)
	}
	if err := e.sim.PayLink(p.CustomerToken, "000"); err == nil {
		t.Fatal("a paid link was paid twice")
	}
	// Cancel: refused on a partly refunded payment, accepted once on a fresh one.
	if r, err := c.C2PCancel(ctx, txn, eur(4590)); err != nil || r.Code != gateway.CodeInvalidTransaction {
		t.Fatalf("cancel of a refunded payment: %+v, %v", r, err)
	}
	p2, _ := c.Prepare(ctx, gateway.PrepareRequest{Currency: "EUR", Amount: 700, Order: gateway.C2POrder{ID: order + "-2"}})
	e.sim.PayLink(p2.CustomerToken, "000")
	st2, _ := c.PaymentStatus(ctx, p2.MerchantToken)
	if r, err := c.C2PCancel(ctx, st2.Transactions[0].TransactionID, eur(700)); err != nil || r.Code != "000" {
		t.Fatalf("cancel: %+v, %v", r, err)
	}
	if r, _ := c.C2PCancel(ctx, st2.Transactions[0].TransactionID, eur(700)); r.Code == "000" {
		t.Fatal("cancelled twice")
	}
	if _, err := c.PaymentStatus(ctx, "AAAAAAAAAAAAAAAAAAAAAA"); !errors.Is(err, gateway.ErrRejected) {
		t.Fatalf("status of an unknown payment: %v", err)
	}
	// Prepared payments and their attempts are in the ledger.
	n := 0
	for _, en := range e.sim.Ledger() {
		if en.OrderID == order {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("%d ledger entries for the link, want 3 (declined try, sale, refund)", n)
	}
}

func TestPrepareValidation(t *testing.T) {
	e := newEnv(t, nil, nil)
	c := e.client(t, nil)
	ctx := context.Background()
	if _, err := c.Prepare(ctx, gateway.PrepareRequest{Currency: "EUR", Amount: 100}); !errors.Is(err, gateway.ErrRejected) {
		t.Fatalf("prepare without order id: %v", err)
	}
	if _, err := c.Prepare(ctx, gateway.PrepareRequest{Currency: "XXX", Amount: 100, Order: gateway.C2POrder{ID: "o"}}); !errors.Is(err, payment.ErrUnknownCurrency) {
		t.Fatalf("prepare with a bad currency: %v", err)
	}
	if _, err := c.Prepare(ctx, gateway.PrepareRequest{Currency: "EUR", Amount: 100, TimeOut: "P1M", Order: gateway.C2POrder{ID: "o"}}); !errors.Is(err, gateway.ErrRejected) {
		t.Fatalf("prepare with a month timeOut: %v", err)
	}
}

func TestLinkExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim, hc, _ := memSim(t, nil, nil)
		c, _ := gateway.New(simURL, &gateway.Opts{HTTPClient: hc, Originator: gatewaysim.DevOriginator, Password: gatewaysim.DevPassword})
		ctx := context.Background()
		p, err := c.Prepare(ctx, gateway.PrepareRequest{Currency: "EUR", Amount: 100, TimeOut: "PT30M", Order: gateway.C2POrder{ID: "exp-1"}})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(29 * time.Minute)
		if st, _ := c.PaymentStatus(ctx, p.MerchantToken); st.Status != gateway.PaymentNotProcessed {
			t.Fatalf("status before the timeOut: %s", st.Status)
		}
		time.Sleep(2 * time.Minute)
		st, _ := c.PaymentStatus(ctx, p.MerchantToken)
		if st.Status != gateway.PaymentExpired || st.ErrorCode != "032" {
			t.Fatalf("status after the timeOut: %+v", st)
		}
		if err := sim.PayLink(p.CustomerToken, "000"); err == nil {
			t.Fatal("an expired link was paid")
		}
	})
}

// fakeAlipay is a stand-in processor: the Alipay+ engineer plugs the real
// one in the same way.
type fakeAlipay struct{}

func (fakeAlipay) Process(s *gatewaysim.Server, p *gatewaysim.Payment, body []byte) gatewaysim.DirectProcessResponse {
	var req gatewaysim.AlipayDirectRequest
	json.Unmarshal(body, &req)
	if req.Mode == "app" {
		e, _ := s.AddAttempt(p.MerchantToken, "Alipay", "sale", "000", "", p.Amount)
		return gatewaysim.DirectProcessResponse{APIVersion: "002.73", Code: "200", Message: "ok", TransactionID: e.TransactionID}
	}
	return gatewaysim.DirectProcessResponse{APIVersion: "002.73", Code: "200", Message: "ok", QRCodeURL: "https://qr.example/" + p.PaymentID}
}

func TestAlipayDirectSlot(t *testing.T) {
	e := newEnv(t, &gatewaysim.Opts{Direct: map[string]gatewaysim.DirectProcessor{"alipay": fakeAlipay{}}}, nil)
	c := e.client(t, nil)
	ctx := context.Background()
	p, err := c.Prepare(ctx, gateway.PrepareRequest{Currency: "EUR", Amount: 880, PaymentMethod: "Alipay", Order: gateway.C2POrder{ID: orderID(t)}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.AlipayDirect(ctx, p.CustomerToken, gateway.AlipayDirectRequest{Mode: "pos"})
	if err != nil || r.QRCodeURL == "" {
		t.Fatalf("pos mode: %+v, %v", r, err)
	}
	r, err = c.AlipayDirect(ctx, p.CustomerToken, gateway.AlipayDirectRequest{Mode: "app", BuyerIdentityCode: "281234567890123456", IdentityCodeType: "barcode"})
	if err != nil || r.TransactionID == "" {
		t.Fatalf("app mode: %+v, %v", r, err)
	}
	if st, _ := c.PaymentStatus(ctx, p.MerchantToken); st.Status != gateway.PaymentAuthorized {
		t.Fatalf("status %s", st.Status)
	}
	// A method with no processor (UPI here) is refused with an API code.
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+"/payment/"+p.CustomerToken+"/process/upi/direct",
		strings.NewReader(`{"apiVersion":"002.73","mode":"pos"}`))
	req.SetBasicAuth(gatewaysim.DevOriginator, gatewaysim.DevPassword)
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var dr gateway.DirectProcessResponse
	decodeJSON(t, resp, &dr)
	if dr.Code != "400" {
		t.Fatalf("direct process without a processor: %+v", dr)
	}
}

// TestC2PReferralReplyWithoutCode: a Connect2Pay refund answered without
// its code (a card-API-shaped reply, say) is an unknown outcome, not a
// refusal.
func TestC2PReferralReplyWithoutCode(t *testing.T) {
	e := newEnv(t, nil, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/refund") {
				w.Write([]byte(`{"errorCode":"000","errorMessage":"ok"}`))
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	c := e.client(t, nil)
	r, err := c.C2PRefund(context.Background(), "9q3yql13hs-sq9s", eur(1000))
	if !errors.Is(err, gateway.ErrOutcomeUnknown) || !errors.Is(err, gateway.ErrMalformedReply) {
		t.Fatalf("got %+v, %v; want ErrOutcomeUnknown", r, err)
	}
}
