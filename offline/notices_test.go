package offline

import (
	"context"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"tpe/payment"
	"tpe/payment/notify"
	"tpe/payment/notify/smtpsim"
	"tpe/payment/paymenttest"
)

// TestForwardDeclinedNotice: an offline approval the issuer declines when
// the forwarder sends it reaches the merchant's mailbox through the
// notices and the outbox, with what to do and the masked PAN only.
func TestForwardDeclinedNotice(t *testing.T) {
	st, dir := newStore(t)
	ctx := context.Background()
	txs := queueN(t, st, 2)
	sink, err := smtpsim.Start("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	host, port, _ := net.SplitHostPort(sink.Addr())
	p, _ := strconv.Atoi(port)
	mailer, err := notify.New(&notify.Opts{Host: host, Port: p, From: "tpe@boulangerie.example", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	spool, err := OpenOutbox(filepath.Join(dir, OutboxFileName), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer spool.Close()
	out, _ := notify.NewOutbox(spool, mailer, nil)
	notices, err := notify.NewNotices(out, &notify.NoticesOpts{To: "gerant@boulangerie.example", Lang: "en",
		Merchant: payment.Merchant{Name: "Boulangerie", TerminalID: "T1"},
		On:       map[notify.NoticeKind]bool{notify.NoticeForwardDeclined: true}})
	if err != nil {
		t.Fatal(err)
	}
	gw := &paymenttest.Gateway{Next: []payment.GatewayResult{
		{Approved: true, Code: "000"},
		{Approved: false, Code: "051", Decline: payment.DeclineInsufficientFunds, Message: "insufficient funds"},
	}}
	// As the terminal wires it: the forwarder's changes become service
	// events (Service.Announce), which the notices follow.
	f := NewForwarder(st, gw, &ForwarderOpts{Concurrency: 1, OnChange: func(ev payment.EventType, tx *payment.Transaction) {
		if err := notices.Handle(ctx, payment.Event{Type: ev, Payment: tx}); err != nil {
			t.Error(err)
		}
	}})
	if n, err := f.ForwardNow(ctx); err != nil || n != 2 {
		t.Fatalf("ForwardNow: %d, %v", n, err)
	}
	if n, err := out.Flush(ctx); err != nil || n != 1 {
		t.Fatalf("flush: %d, %v; want the one notice", n, err)
	}
	got := sink.Messages()
	if len(got) != 1 {
		t.Fatalf("got %d mails, want 1", len(got))
	}
	m := got[0]
	masked := paymenttest.TestPAN[:6] + "******" + paymenttest.TestPAN[12:]
	if !strings.Contains(m.Subject, "Offline payment declined by the bank") || !strings.Contains(m.Text, "What to do") ||
		!strings.Contains(m.Text, txs[1].ID) || !strings.Contains(m.Text, masked) {
		t.Errorf("notice: %s\n%s", m.Subject, m.Text)
	}
	if strings.Contains(m.Raw, paymenttest.TestPAN) {
		t.Error("the notice carries the full PAN")
	}
}
