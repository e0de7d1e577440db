package paylink_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"tpe/payment"
	"tpe/payment/notify"
	"tpe/payment/paylink"
)

func eur(minor int64) payment.Amount { return payment.Amount{Minor: minor, Currency: "EUR"} }

func TestLinkSentAndPaid(t *testing.T) {
	e := newEnv(t, 7*24*time.Hour, "fr")
	ctx := context.Background()
	before := e.clock.Now()
	link, err := e.links.Create(ctx, payment.LinkRequest{OrderID: "T1-L1", Amount: eur(1250), Email: "client@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(link.URL, e.ts.URL+"/payment/") || link.ExpireAt.Sub(before) < 7*24*time.Hour-time.Minute {
		t.Errorf("got link %+v", link)
	}
	msgs := e.smtp.Messages()
	if len(msgs) != 1 {
		t.Fatalf("got %d mails, want 1", len(msgs))
	}
	m := msgs[0]
	if m.To[0] != "client@example.com" || m.Subject != "Demande de paiement : 12,50\u00a0€ — Boulangerie Élise" {
		t.Errorf("got mail to %v subject %q", m.To, m.Subject)
	}
	if urlIn(t, m.Text, e.ts.URL) != link.URL || !strings.Contains(m.HTML, `href="`+link.URL+`"`) ||
		!strings.Contains(m.Text, "commande T1-L1") || !strings.Contains(m.Text, link.ExpireAt.UTC().Format("02/01/2006")) {
		t.Errorf("mail does not carry the link, order and expiry:\n%s\n%s", m.Text, m.HTML)
	}
	if st, err := e.links.Status(ctx, link.ID); err != nil || st.Status != paylink.StatusPending {
		t.Errorf("got %+v, %v; want pending", st, err)
	}

	// The hosted page: amount fixed and shown, card fields empty.
	code, body := page(t, link.URL)
	if code != http.StatusOK || !strings.Contains(body, "€12.50") || !strings.Contains(body, `name="amount" value="1250"`) ||
		!strings.Contains(body, `name="cardNumber" inputmode="numeric" value=""`) || !strings.Contains(body, `data-state="pending"`) {
		t.Errorf("hosted page: %d\n%s", code, body)
	}
	// A tampered amount is refused, and no attempt is recorded.
	if code := payPage(t, link.URL, 1, "EUR", "4111111111111111"); code != http.StatusUnprocessableEntity {
		t.Errorf("tampered amount: got %d, want 422", code)
	}
	if code := payPage(t, link.URL, 1250, "USD", "4111111111111111"); code != http.StatusUnprocessableEntity {
		t.Errorf("tampered currency: got %d, want 422", code)
	}
	if n := len(e.sim.Ledger()); n != 0 {
		t.Errorf("got %d gateway transactions after tampering, want none", n)
	}
	// A declined card leaves the link payable.
	if code := payPage(t, link.URL, 1250, "EUR", "4000000000000051"); code != http.StatusSeeOther {
		t.Errorf("declined card: got %d", code)
	}
	if st, _ := e.links.Status(ctx, link.ID); st.Status != paylink.StatusPending || st.Code != "051" {
		t.Errorf("after a declined try: got %+v, want pending with 051", st)
	}
	if code := payPage(t, link.URL, 1250, "EUR", "4111 1111 1111 1111"); code != http.StatusSeeOther {
		t.Errorf("good card: got %d", code)
	}
	st, err := e.links.Status(ctx, link.ID)
	if err != nil || st.Status != paylink.StatusPaid || st.GatewayID == "" || st.Code != "000" {
		t.Fatalf("got %+v, %v; want paid", st, err)
	}
	if code, body := page(t, link.URL); code != http.StatusOK || !strings.Contains(body, `data-state="paid"`) || strings.Contains(body, "<form") {
		t.Errorf("paid page still takes payments: %s", body)
	}
	if code := payPage(t, link.URL, 1250, "EUR", "4111111111111111"); code != http.StatusConflict {
		t.Errorf("paying twice: got %d, want 409", code)
	}
	if err := e.links.Resend(ctx, link.ID, "client@example.com"); !errors.Is(err, paylink.ErrLinkClosed) {
		t.Errorf("resend paid: got %v, want ErrLinkClosed", err)
	}
	if err := e.links.Cancel(ctx, link.ID); !errors.Is(err, payment.ErrAlreadyApproved) {
		t.Errorf("cancel paid: got %v, want ErrAlreadyApproved", err)
	}
}

func TestLinkCancelResend(t *testing.T) {
	e := newEnv(t, 48*time.Hour, "en")
	ctx := context.Background()
	link, err := e.links.Create(ctx, payment.LinkRequest{OrderID: "T1-L2", Amount: eur(4200), Email: "a@example.com", Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.links.Resend(ctx, link.ID, "b@example.org"); err != nil {
		t.Fatal(err)
	}
	msgs := e.smtp.Messages()
	if len(msgs) != 2 || msgs[1].To[0] != "b@example.org" || msgs[1].Subject != "Reminder — Payment request: €42.00 — Boulangerie Élise" ||
		urlIn(t, msgs[1].Text, e.ts.URL) != link.URL || !strings.Contains(msgs[1].Text, "order T1-L2") {
		t.Fatalf("re-sent mail: %+v", msgs)
	}
	if err := e.links.Resend(ctx, link.ID, "not an address"); !errors.Is(err, payment.ErrInvalidEmail) {
		t.Errorf("resend to a bad address: got %v", err)
	}
	if err := e.links.Cancel(ctx, link.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.links.Cancel(ctx, link.ID); err != nil {
		t.Errorf("cancelling twice: %v", err)
	}
	if st, _ := e.links.Status(ctx, link.ID); st.Status != paylink.StatusCancelled {
		t.Errorf("got %+v, want cancelled", st)
	}
	if code, body := page(t, link.URL); code != http.StatusOK || !strings.Contains(body, `data-state="cancelled"`) {
		t.Errorf("cancelled page: %s", body)
	}
	if code := payPage(t, link.URL, 4200, "EUR", "4111111111111111"); code != http.StatusConflict {
		t.Errorf("paying a cancelled link: got %d, want 409", code)
	}
	if err := e.links.Resend(ctx, link.ID, "a@example.com"); !errors.Is(err, paylink.ErrLinkClosed) {
		t.Errorf("resend cancelled: got %v, want ErrLinkClosed", err)
	}
	for _, id := range []string{"", "nodot", "a.b/c", ".x"} {
		if _, err := e.links.Status(ctx, id); !errors.Is(err, paylink.ErrBadLinkID) {
			t.Errorf("id %q: got %v, want ErrBadLinkID", id, err)
		}
	}
}

func TestLinkExpires(t *testing.T) {
	e := newEnv(t, time.Second, "fr")
	ctx := context.Background()
	link, err := e.links.Create(ctx, payment.LinkRequest{OrderID: "T1-L3", Amount: eur(100), Email: "c@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(1100 * time.Millisecond) // the gateway's clock decides
	if st, err := e.links.Status(ctx, link.ID); err != nil || st.Status != paylink.StatusExpired {
		t.Errorf("got %+v, %v; want expired", st, err)
	}
	if code := payPage(t, link.URL, 100, "EUR", "4111111111111111"); code != http.StatusConflict {
		t.Errorf("paying an expired link: got %d, want 409", code)
	}
	if err := e.links.Cancel(ctx, link.ID); !errors.Is(err, paylink.ErrLinkClosed) {
		t.Errorf("cancelling an expired link: got %v", err)
	}
}

// TestLinkMailRejected: the relay refuses the address. The link fails
// clearly and the prepared payment is withdrawn: nobody can pay it.
func TestLinkMailRejected(t *testing.T) {
	e := newEnv(t, time.Hour, "fr")
	e.smtp.RejectRecipient("bounce@example.com", true)
	ctx := context.Background()
	_, err := e.links.Create(ctx, payment.LinkRequest{OrderID: "T1-L4", Amount: eur(100), Email: "bounce@example.com"})
	var se *notify.SMTPError
	if !errors.Is(err, paylink.ErrNotSent) || !errors.Is(err, notify.ErrRejected) || !errors.As(err, &se) || se.Code != 550 {
		t.Fatalf("got %v, want ErrNotSent with the relay's 550", err)
	}
	preps := e.gw.prepared()
	if len(preps) != 1 {
		t.Fatalf("got %d prepares", len(preps))
	}
	p, err := e.sim.PaymentByMerchantToken(preps[0].MerchantToken)
	if err != nil || p.Status != "Cancelled" {
		t.Errorf("the unsent link's payment: got %+v, %v; want cancelled", p, err)
	}
	if code := payPage(t, e.ts.URL+"/payment/"+preps[0].CustomerToken, 100, "EUR", "4111111111111111"); code != http.StatusConflict {
		t.Errorf("paying the unsent link: got %d, want 409", code)
	}
	// An invalid address never reaches the gateway.
	for _, bad := range []string{"", "nobody", "x@y", "a@b.fr; c@d.fr"} {
		if _, err := e.links.Create(ctx, payment.LinkRequest{OrderID: "T1-L5", Amount: eur(100), Email: bad}); !errors.Is(err, payment.ErrInvalidEmail) {
			t.Errorf("%q: got %v, want ErrInvalidEmail", bad, err)
		}
	}
	if n := len(e.gw.prepared()); n != 1 {
		t.Errorf("got %d prepares, want the one above only", n)
	}
}

// TestLinkNotJournaledIsNotSent: the terminal could not record the link
// (disk full): no e-mail goes, and the prepared payment is withdrawn.
func TestLinkNotJournaledIsNotSent(t *testing.T) {
	e := newEnv(t, time.Hour, "fr")
	disk := errors.New("journal: disk full")
	var got payment.Link
	_, err := e.links.Create(context.Background(), payment.LinkRequest{OrderID: "T1-L6", Amount: eur(100), Email: "client@example.com",
		Prepared: func(l payment.Link) error { got = l; return disk }})
	if !errors.Is(err, disk) || !errors.Is(err, paylink.ErrNotSent) {
		t.Fatalf("got %v, want ErrNotSent wrapping the journal error", err)
	}
	if got.URL == "" || got.ID == "" {
		t.Errorf("Prepared saw %+v, want the prepared link", got)
	}
	if n := len(e.smtp.Messages()); n != 0 {
		t.Errorf("%d e-mails sent for an unrecorded link", n)
	}
	preps := e.gw.prepared()
	if p, err := e.sim.PaymentByMerchantToken(preps[len(preps)-1].MerchantToken); err != nil || p.Status != "Cancelled" {
		t.Errorf("the unrecorded link's payment: %+v, %v; want cancelled", p, err)
	}
}
