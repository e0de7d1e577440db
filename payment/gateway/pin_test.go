package gateway_test

import (
	"context"
	"encoding/hex"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"tpe/payment"
	"tpe/payment/emv/cardsim"
	"tpe/payment/gateway"
	"tpe/payment/gateway/gatewaysim"
	"tpe/payment/pin"
)

// terminalPIN enciphers p for testPAN as a terminal provisioned from the
// simulator's test BDK does, under KSN counter n.
func terminalPIN(t *testing.T, p string, n uint32) *payment.PINBlock {
	t.Helper()
	bdk, _ := hex.DecodeString(gatewaysim.TestBDK)
	id := [8]byte{0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6, 0x07, 0x18}
	ik, err := pin.DeriveInitialKey(bdk, id)
	if err != nil {
		t.Fatal(err)
	}
	pp, err := pin.ParsePIN(p)
	if err != nil {
		t.Fatal(err)
	}
	ksn := pin.NewKSN(id, n)
	b, err := pin.Format4(ik, ksn, pin.AES128, pp, testPAN)
	if err != nil {
		t.Fatal(err)
	}
	return &payment.PINBlock{Block: payment.NewSecret(b[:]), KSN: [12]byte(ksn)}
}

func pinSale(t *testing.T, minor int64, p string, n uint32) payment.SaleRequest {
	r := sale(orderID(t), minor)
	r.Card.CVM = "online_pin"
	r.PIN = terminalPIN(t, p, n)
	return r
}

// TestPINSaleThroughSimulator: the client's pinBlock/ksn are what the
// simulator's issuer deciphers; its answers come back as decline classes;
// the block reaches no log line and no error on either side.
func TestPINSaleThroughSimulator(t *testing.T) {
	var logs syncBuf
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := newEnv(t, &gatewaysim.Opts{Logger: log}, nil)
	c := e.client(t, func(o *gateway.Opts) { o.Logger = log })
	ctx := context.Background()
	var blocks []string
	steps := []struct {
		name    string
		pin     string
		approve bool
		decline string
	}{
		{"right PIN", cardsim.PIN, true, ""},
		{"wrong PIN", "9876", false, payment.DeclineIncorrectPIN},
		{"wrong PIN again", "9875", false, payment.DeclineIncorrectPIN},
		{"third wrong PIN", "9874", false, payment.DeclinePINTriesExceeded},
	}
	for i, st := range steps {
		req := pinSale(t, 8000, st.pin, uint32(i+1))
		blocks = append(blocks, hex.EncodeToString(req.PIN.Block.Reveal()))
		res, err := c.Sale(ctx, req)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if res.Approved != st.approve || res.Decline != st.decline {
			t.Fatalf("%s: got approved %v decline %q (%s %s), want %v %q", st.name, res.Approved, res.Decline, res.Code, res.Message, st.approve, st.decline)
		}
	}
	// The card asked for its PIN (CVM online_pin) and none came: PIN required.
	req := sale(orderID(t), 8000)
	req.Card.CVM = "online_pin"
	res, err := c.Sale(ctx, req)
	if err != nil || res.Decline != payment.DeclinePINRequired {
		t.Fatalf("online_pin without a block: got %+v %v, want %s", res, err, payment.DeclinePINRequired)
	}
	all := strings.ToLower(logs.String())
	if !strings.Contains(all, "order_id") {
		t.Fatal("nothing was logged: the test would prove nothing")
	}
	for _, b := range blocks {
		if strings.Contains(all, strings.ToLower(b)) {
			t.Errorf("PIN block %s found in the logs", b)
		}
	}
	if strings.Contains(all, "pinblock") {
		t.Error("a pinBlock field reached the logs")
	}
}

// TestPINRefusedBeforeSending: a PIN the gateway could not use is the
// caller's mistake (ErrInvalidRequest), found before anything is sent and
// named without the block.
func TestPINRefusedBeforeSending(t *testing.T) {
	e := newEnv(t, nil, nil)
	c := e.client(t, nil)
	good := terminalPIN(t, cardsim.PIN, 1)
	tests := []struct {
		name string
		mod  func(*payment.SaleRequest)
	}{
		{"short block", func(r *payment.SaleRequest) {
			r.PIN = &payment.PINBlock{Block: payment.NewSecret(good.Block.Reveal()[:15]), KSN: good.KSN}
		}},
		{"empty block", func(r *payment.SaleRequest) { r.PIN = &payment.PINBlock{KSN: good.KSN} }},
		{"zero counter", func(r *payment.SaleRequest) {
			k := good.KSN
			copy(k[8:], []byte{0, 0, 0, 0})
			r.PIN = &payment.PINBlock{Block: good.Block, KSN: k}
		}},
		{"offline forward with a PIN", func(r *payment.SaleRequest) {
			r.PIN, r.Offline, r.Card.CryptogramType = good, true, "TC"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := sale(orderID(t), 8000)
			tt.mod(&req)
			_, err := c.Sale(context.Background(), req)
			if !errors.Is(err, payment.ErrInvalidRequest) || errors.Is(err, payment.ErrGatewayUnavailable) {
				t.Fatalf("got %v, want ErrInvalidRequest only", err)
			}
			if strings.Contains(strings.ToLower(err.Error()), strings.ToLower(hex.EncodeToString(good.Block.Reveal()))) {
				t.Errorf("error %q holds the block", err)
			}
		})
	}
	if n := e.tokens.get("POST /transaction/sale/emv"); n != 0 {
		t.Errorf("%d sales reached the gateway, want 0", n)
	}
}
