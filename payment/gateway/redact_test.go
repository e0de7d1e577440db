package gateway_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"tpe/payment/gateway"
	"tpe/payment/gateway/gatewaysim"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestNothingSecretInLogsOrErrors runs sales, refunds and failures with
// debug logging on both sides and checks no PAN, track 2, JWE, token or
// secret reaches a log line or an error.
func TestNothingSecretInLogsOrErrors(t *testing.T) {
	var logs syncBuf
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := newEnv(t, &gatewaysim.Opts{Logger: log, HangDelay: 2e9}, nil)
	c := e.client(t, func(o *gateway.Opts) { o.Logger = log; o.Timeout = 2e8 })
	ctx := context.Background()
	var errs []string
	res, err := c.Sale(ctx, sale(orderID(t), 1500))
	if err != nil {
		t.Fatal(err)
	}
	c.Refund(ctx, res.GatewayID, eur(500))
	for _, f := range []gatewaysim.Faults{{DropAfter: 1}, {Fail5xxAfter: 1}, {Down: true}} {
		e.sim.SetFaults(f)
		if _, err := c.Sale(ctx, sale(orderID(t), 1600)); err != nil {
			errs = append(errs, err.Error())
		}
		e.sim.SetFaults(gatewaysim.Faults{})
	}
	if _, err := c.Sale(ctx, sale(orderID(t), gatewaysim.TriggerHang)); err != nil {
		errs = append(errs, err.Error())
	}
	bad := e.client(t, func(o *gateway.Opts) { o.Logger = log; o.OAuth.ClientSecret = "s3cr3t-wrong" })
	if _, err := bad.Sale(ctx, sale(orderID(t), 100)); err != nil {
		errs = append(errs, err.Error())
	}
	all := logs.String() + strings.Join(errs, "\n")
	if !strings.Contains(all, "497010******0014") && !strings.Contains(logs.String(), "order_id") {
		t.Fatal("nothing was logged: the test would prove nothing")
	}
	for _, secret := range []string{testPAN, "4970100000000014d3012201", "eyJ", gatewaysim.DevClientSecret,
		"s3cr3t-wrong", gatewaysim.DevPassword, "Bearer "} {
		if strings.Contains(strings.ToLower(all), strings.ToLower(secret)) {
			t.Errorf("%q found in logs or errors", secret)
		}
	}
}
