package alipayplus_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"tpe/payment"
	"tpe/payment/alipayplus"
	"tpe/payment/gateway"
	"tpe/payment/gateway/gatewaysim"
)

// TestCodeNeverLogged: a customer's payment code pays for a minute: it
// appears in no log line and no error, whatever the outcome.
func TestCodeNeverLogged(t *testing.T) {
	sim := newSim(t)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{h: sim}
		c, err := gateway.New("http://gateway.test", &gateway.Opts{Originator: gatewaysim.DevOriginator, Password: gatewaysim.DevPassword,
			HTTPClient: httpClient(rec), Logger: log, Attempts: 1})
		if err != nil {
			t.Fatal(err)
		}
		w := newWallets(t, c, &alipayplus.Opts{Logger: log, CPMTimeout: 10 * time.Second})
		codes := []string{"281011021234567890129999", "281099024444555566667777", "281011014444555566667777", "2810110212345678901"}
		var errs []string
		for i, code := range codes {
			_, err := w.Pay(context.Background(), payment.WalletRequest{OrderID: "T1-RED-" + string(rune('a'+i)), Amount: eur(100), BuyerCode: code}, nil)
			if err != nil {
				errs = append(errs, err.Error())
			}
		}
		if len(errs) != 2 {
			t.Errorf("got errors %v, want 2 (unknown wallet, business type)", errs)
		}
		all := logs.String() + strings.Join(errs, "\n")
		for _, code := range codes {
			if strings.Contains(all, code[8:]) {
				t.Errorf("the code's user part %s appears in logs or errors:\n%s", code[8:], all)
			}
		}
		if !strings.Contains(logs.String(), "T1-RED-a") {
			t.Errorf("the logs do not name the order:\n%s", logs.String())
		}
	})
}
