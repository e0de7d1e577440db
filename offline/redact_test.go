package offline

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"tpe/payment/paymenttest"
)

// TestNoCardDataInLogsOrErrors runs the forwarder and recovery through
// timeouts, declines and failures with a logger that keeps everything, and
// looks for the card's secrets in the logs and in every error.
func TestNoCardDataInLogsOrErrors(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	st, _ := newStore(t)
	st.log = log
	txs := queueN(t, st, 4)
	gw := newLedgerGateway()
	gw.timeoutAfter[txs[0].OrderID] = true
	var errs []error
	f := NewForwarder(st, gw, &ForwarderOpts{Logger: log})
	gw.down = true
	_, err := f.ForwardNow(context.Background())
	errs = append(errs, err)
	gw.down = false
	_, err = f.ForwardNow(context.Background())
	errs = append(errs, err)
	_, err = Recover(context.Background(), st, gw, nil)
	errs = append(errs, err)
	st.failWrite = func() error { return errors.New("no space left on device") }
	errs = append(errs, st.Save(context.Background(), cardTxn(99, t0)))
	q, _ := st.Queue(context.Background(), 0)
	for _, it := range q {
		errs = append(errs, errors.New(it.LastErr))
	}
	card := paymenttest.VisaOnline().Card
	var all strings.Builder
	all.Write(logs.Bytes())
	for _, e := range errs {
		if e != nil {
			fmt.Fprintln(&all, e.Error())
		}
	}
	if all.Len() < 100 {
		t.Fatalf("too little logged to prove anything:\n%s", all.String())
	}
	for _, needle := range []string{paymenttest.TestPAN, hex.EncodeToString(card.Track2.Reveal()),
		strings.ToUpper(hex.EncodeToString(card.Track2.Reveal())), hex.EncodeToString(card.ICC.Reveal())} {
		if strings.Contains(all.String(), needle) {
			t.Errorf("%q found in logs or errors", needle)
		}
	}
}
