package paylink_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"tpe/payment"
	"tpe/payment/paylink"
	"tpe/payment/paymenttest"
)

func newService(t *testing.T, e *env) *payment.Service {
	t.Helper()
	svc, err := payment.New(payment.Opts{Journal: paymenttest.NewJournal(), Links: e.links, Card: payment.CardPorts{Gateway: e.client},
		Receipts: payment.ReceiptPorts{Notifier: e.mailer, EmailCustomer: true}, Merchant: merchant, Lang: "fr"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	return svc
}

// TestLinksThroughService: a link sent, paid, refunded; one expired; one
// whose e-mail is refused; the list filtered by status; the Z report mailed.
func TestLinksThroughService(t *testing.T) {
	e := newEnv(t, 2*time.Second, "fr")
	svc := newService(t, e)
	ctx := context.Background()
	pay := func(email string, minor int64) *payment.Transaction {
		t.Helper()
		tx, err := svc.Pay(ctx, payment.Request{Method: payment.MethodPayLink, Amount: eur(minor), Email: email})
		if err != nil {
			t.Fatal(err)
		}
		svc.Wait()
		got, _ := svc.Get(ctx, tx.ID)
		return got
	}
	paid := pay("paid@example.com", 6400)
	expiring := pay("late@example.com", 1500)
	e.smtp.RejectRecipient("bounce@example.com", true)
	bounced := pay("bounce@example.com", 900)

	if paid.State != payment.StateAwaitingCustomer || paid.LinkURL == "" || paid.LinkID == "" {
		t.Fatalf("sent link: got %s %q", paid.State, paid.LinkURL)
	}
	if bounced.State != payment.StateFailed || !strings.Contains(bounced.Reason, "550") || !strings.Contains(bounced.Reason, "not sent") {
		t.Errorf("refused e-mail: got %s (%s), want failed with the relay's reason", bounced.State, bounced.Reason)
	}
	// The customer follows the link from the mail and pays.
	var link string
	for _, m := range e.smtp.Messages() {
		if m.To[0] == "paid@example.com" {
			link = urlIn(t, m.Text, e.ts.URL)
		}
	}
	if link != paid.LinkURL {
		t.Fatalf("mailed link %q, recorded %q", link, paid.LinkURL)
	}
	if code := payPage(t, link, 6400, "EUR", "4111111111111111"); code != http.StatusSeeOther {
		t.Fatalf("paying: %d", code)
	}
	if err := svc.RefreshLinks(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ := svc.Get(ctx, paid.ID)
	if got.State != payment.StateApproved || got.GatewayID == "" {
		t.Fatalf("paid link: got %s (%s)", got.State, got.Reason)
	}
	receipts := 0
	for _, m := range e.smtp.Messages() {
		if m.To[0] == "paid@example.com" && strings.Contains(m.Subject, "Votre ticket") {
			receipts++
		}
	}
	if receipts != 1 {
		t.Errorf("got %d receipts for the paid link, want 1", receipts)
	}
	// Refunds of links are Connect2Pay refunds: Service.Refund sends them to
	// the card gateway's Refund today, which the lead routes to
	// Links.Refund (see the report); the flow itself is checked here.
	for _, a := range []int64{400, 6000} {
		if r, err := e.links.Refund(ctx, got.GatewayID, eur(a)); err != nil || !r.Approved || r.GatewayID == "" {
			t.Errorf("refund of %d: got %+v, %v", a, r, err)
		}
	}
	if r, err := e.links.Refund(ctx, got.GatewayID, eur(1)); err != nil || r.Approved || r.Code != "064" {
		t.Errorf("refund beyond the payment: got %+v, %v; want refused with 064", r, err)
	}

	e.clock.Advance(2100 * time.Millisecond) // past the 2 s validity, on the gateway's clock
	if err := svc.RefreshLinks(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := svc.Get(ctx, expiring.ID); got.State != payment.StateExpired {
		t.Errorf("unpaid link: got %s, want expired", got.State)
	}

	for status, want := range map[string][]string{
		paylink.StatusPaid: {paid.ID}, paylink.StatusExpired: {expiring.ID}, "failed": {bounced.ID}, paylink.StatusPending: nil,
		"": {bounced.ID, expiring.ID, paid.ID},
	} {
		list, err := paylink.List(ctx, svc, paylink.Filter{Status: status})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, tx := range list {
			ids = append(ids, tx.ID)
			if status != "" && paylink.StatusOf(tx) != status {
				t.Errorf("%s: StatusOf(%s) = %s", status, tx.State, paylink.StatusOf(tx))
			}
		}
		if strings.Join(ids, ",") != strings.Join(want, ",") {
			t.Errorf("filter %q: got %v, want %v", status, ids, want)
		}
	}
	if list, _ := paylink.List(ctx, svc, paylink.Filter{Until: paid.CreatedAt.Add(time.Nanosecond)}); len(list) != 1 || list[0].ID != paid.ID {
		t.Errorf("date filter: got %d links", len(list))
	}
	if _, err := paylink.List(ctx, svc, paylink.Filter{Status: "lost"}); err == nil {
		t.Error("an unknown status filter was accepted")
	}

	// A link cancelled by the cashier.
	cxl := pay("cxl@example.com", 700)
	if got, err := svc.Cancel(ctx, cxl.ID); err != nil || got.State != payment.StateCancelled {
		t.Errorf("cancel: got %v, %v", got, err)
	}
	if code := payPage(t, cxl.LinkURL, 700, "EUR", "4111111111111111"); code != http.StatusConflict {
		t.Errorf("paying a cancelled link: got %d", code)
	}

	// The Z report goes to the merchant.
	if _, err := svc.CloseBatch(ctx); err != nil {
		t.Fatal(err)
	}
	var z bool
	for _, m := range e.smtp.Messages() {
		z = z || m.To[0] == "gerant@boulangerie.example" && strings.Contains(m.Subject, "Clôture Z")
	}
	if !z {
		t.Error("no Z report e-mailed to the merchant")
	}
}
