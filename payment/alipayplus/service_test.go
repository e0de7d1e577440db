package alipayplus_test

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"tpe/payment"
	"tpe/payment/alipayplus"
	"tpe/payment/gateway/gatewaysim"
	"tpe/payment/notify"
	"tpe/payment/notify/smtpsim"
	"tpe/payment/paymenttest"
)

// TestThroughService runs wallet payments the way the terminal does:
// payment.Service over a journal, the wallet flows over the gateway
// simulator on loopback, receipts e-mailed to an SMTP sink.
func TestThroughService(t *testing.T) {
	sim := newSim(t)
	w := newWallets(t, overHTTP(t, sim), &alipayplus.Opts{PollFirst: 20 * time.Millisecond, PollMax: 100 * time.Millisecond})
	sink, err := smtpsim.Start("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	host, port, _ := net.SplitHostPort(sink.Addr())
	p, _ := strconv.Atoi(port)
	merchant := payment.Merchant{Name: "Boulangerie Élise", TerminalID: "T0001"}
	mailer, err := notify.New(&notify.Opts{Host: host, Port: p, From: "tpe@boulangerie.example", Merchant: merchant, Lang: "fr"})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := payment.New(payment.Opts{Journal: paymenttest.NewJournal(), Wallet: payment.WalletPorts{Wallets: w},
		Receipts: payment.ReceiptPorts{Notifier: mailer, EmailCustomer: true}, Merchant: merchant, Lang: "fr"})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	ctx := context.Background()
	events, stop := svc.Subscribe(64)
	defer stop()

	// MPM: the QR event carries the order code; a wallet scans it and pays.
	tx, err := svc.Pay(ctx, payment.Request{Method: payment.MethodAlipayPlus, Amount: eur(2350), Email: "client@example.com"})
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
			t.Fatal("no QR event")
		}
	}
	if err := sim.WalletScan(scan(t, qr), "DANA", gatewaysim.ActionPay); err != nil {
		t.Fatal(err)
	}
	svc.Wait()
	got, _ := svc.Get(ctx, tx.ID)
	if got.State != payment.StateApproved || got.Wallet != "dana" || got.GatewayID == "" || got.Result != "000" {
		t.Fatalf("MPM: got %s wallet %q gateway %q (%s)", got.State, got.Wallet, got.GatewayID, got.Reason)
	}
	msgs := sink.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != "client@example.com" || !strings.Contains(msgs[0].Text, "DANA") {
		t.Errorf("receipt mail: got %+v", msgs)
	}

	// CPM.
	tx2, err := svc.Pay(ctx, payment.Request{Method: payment.MethodAlipayPlus, Amount: eur(800), BuyerCode: "281014020000000000004242"})
	if err != nil {
		t.Fatal(err)
	}
	svc.Wait()
	got2, _ := svc.Get(ctx, tx2.ID)
	if got2.State != payment.StateApproved || got2.Wallet != "truemoney" {
		t.Fatalf("CPM: got %s wallet %q (%s)", got2.State, got2.Wallet, got2.Reason)
	}

	// Refunds: partial, then the rest, then nothing left.
	if r, err := svc.Refund(ctx, tx.ID, eur(1000)); err != nil || r.State != payment.StatePartiallyRefunded {
		t.Fatalf("partial refund: got %v, %v", r, err)
	}
	if r, err := svc.Refund(ctx, tx.ID, eur(1350)); err != nil || r.State != payment.StateRefunded {
		t.Fatalf("refund of the rest: got %v, %v", r, err)
	}
	if _, err := svc.Refund(ctx, tx.ID, eur(1)); err == nil {
		t.Error("a refund beyond the payment was accepted")
	}

	// A code of an unknown wallet fails clearly, with nothing at the gateway.
	tx3, err := svc.Pay(ctx, payment.Request{Method: payment.MethodAlipayPlus, Amount: eur(800), BuyerCode: "281099020000000000004242"})
	if err != nil {
		t.Fatal(err)
	}
	svc.Wait()
	got3, _ := svc.Get(ctx, tx3.ID)
	if got3.State != payment.StateFailed || !strings.Contains(got3.Reason, "unknown wallet") {
		t.Errorf("unknown wallet: got %s (%s)", got3.State, got3.Reason)
	}
	if n := len(entriesOf(sim, tx3.OrderID)); n != 0 {
		t.Errorf("unknown wallet: the gateway saw %d transactions", n)
	}

	// The cashier cancels a code on display.
	tx4, err := svc.Pay(ctx, payment.Request{Method: payment.MethodAlipayPlus, Amount: eur(500)})
	if err != nil {
		t.Fatal(err)
	}
	for {
		ev := <-events
		if ev.Type == payment.EventQR && ev.Payment.ID == tx4.ID {
			break
		}
	}
	got4, err := svc.Cancel(ctx, tx4.ID)
	if err != nil || got4.State != payment.StateCancelled {
		t.Fatalf("cancel: got %v, %v", got4, err)
	}
	if err := sim.WalletAction(tx4.OrderID, "", gatewaysim.ActionPay); err == nil {
		t.Error("a wallet paid an order the cashier cancelled")
	}
}
