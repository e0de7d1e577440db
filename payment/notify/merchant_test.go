package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"tpe/offline"
	"tpe/payment"
	"tpe/payment/notify"
	"tpe/payment/notify/smtpsim"
	"tpe/payment/paymenttest"
)

var allNotices = map[notify.NoticeKind]bool{notify.NoticeLinkPaid: true, notify.NoticeLinkExpired: true,
	notify.NoticeForwardDeclined: true, notify.NoticeRefund: true, notify.NoticeZReport: true}

// mailerAt is a Mailer for a relay at addr (which may not be listening).
func mailerAt(t *testing.T, addr string) *notify.Mailer {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	m, err := notify.New(&notify.Opts{Host: host, Port: p, From: "tpe@boulangerie.example", Merchant: merchant, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func openSpool(t *testing.T, path string) *offline.Outbox {
	t.Helper()
	sp, err := offline.OpenOutbox(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

type noticesEnv struct {
	sink    *smtpsim.Server
	spool   *offline.Outbox
	outbox  *notify.Outbox
	notices *notify.Notices
}

func newNotices(t *testing.T, lang string, on map[notify.NoticeKind]bool) *noticesEnv {
	t.Helper()
	sink := startSink(t, nil)
	sp := openSpool(t, filepath.Join(t.TempDir(), offline.OutboxFileName))
	t.Cleanup(func() { sp.Close() })
	out, err := notify.NewOutbox(sp, mailerAt(t, sink.Addr()), nil)
	if err != nil {
		t.Fatal(err)
	}
	n, err := notify.NewNotices(out, &notify.NoticesOpts{To: "gerant@boulangerie.example", Lang: lang, Merchant: merchant,
		Location: time.UTC, On: on})
	if err != nil {
		t.Fatal(err)
	}
	return &noticesEnv{sink: sink, spool: sp, outbox: out, notices: n}
}

var at = time.Date(2026, 11, 26, 14, 5, 0, 0, time.UTC)

func cardPayment(st payment.State) *payment.Transaction {
	c := paymenttest.VisaOnline().Card
	return &payment.Transaction{ID: "pay_card1", OrderID: "T0001-ord1", Reference: "TICKET-42", Method: payment.MethodCard, State: st,
		Amount: payment.Amount{Minor: 4250, Currency: "EUR"}, Card: &c, CreatedAt: at, UpdatedAt: at, AuthCode: "A00001"}
}

func linkPayment(st payment.State) *payment.Transaction {
	return &payment.Transaction{ID: "pay_link1", OrderID: "T0001-ord2", Reference: "CMD-7", Method: payment.MethodPayLink, State: st,
		Amount: payment.Amount{Minor: 6400, Currency: "EUR"}, Email: "marie@example.com", CreatedAt: at, UpdatedAt: at,
		ExpireAt: at.Add(7 * 24 * time.Hour), LinkURL: "https://pay.example/payment/secret-customer-token"}
}

// events is one event of each kind, and what its mail must say (fr, en).
func noticeEvents() []struct {
	kind   notify.NoticeKind
	ev     payment.Event
	fr, en []string
} {
	declined := cardPayment(payment.StateForwardDeclined)
	declined.Code, declined.Offline = payment.ReasonIssuerDeclined, true
	refunded := cardPayment(payment.StatePartiallyRefunded)
	refunded.Refunds = []payment.Refund{{ID: "rfd_1", Amount: payment.Amount{Minor: 1000, Currency: "EUR"}, At: at}}
	report := payment.Report{Kind: "Z", Batch: 7, TerminalID: "T0001", At: at, Currency: "EUR", SalesCount: 2, SalesTotal: 10650}
	return []struct {
		kind   notify.NoticeKind
		ev     payment.Event
		fr, en []string
	}{
		{notify.NoticeLinkPaid, payment.Event{Type: payment.EventApproved, Payment: linkPayment(payment.StateApproved)},
			[]string{"Lien de paiement payé", "64,00", "CMD-7", "marie@example.com"}, []string{"Payment link paid", "64.00", "CMD-7"}},
		{notify.NoticeLinkExpired, payment.Event{Type: payment.EventExpired, Payment: linkPayment(payment.StateExpired)},
			[]string{"expiré sans paiement", "Que faire", "nouveau lien"}, []string{"expired unpaid", "What to do", "new link"}},
		{notify.NoticeForwardDeclined, payment.Event{Type: payment.EventDeclined, Payment: declined},
			[]string{"refusé par la banque", "Que faire", "autrement", "476173******0010", "TICKET-42", "26/11/2026 14:05"},
			[]string{"declined by the bank", "What to do", "another way", "476173******0010", "2026-11-26 14:05"}},
		{notify.NoticeRefund, payment.Event{Type: payment.EventRefunded, Payment: refunded},
			[]string{"Remboursement effectué", "10,00", "42,50", "32,50"}, []string{"Refund made", "10.00", "42.50", "32.50"}},
		{notify.NoticeZReport, payment.Event{Type: payment.EventBatchClosed, Report: &report},
			[]string{"Clôture Z — lot 7", "T0001"}, []string{"Z report — batch 7", "T0001"}},
	}
}

// TestMerchantNotices: each notification, in French and English, text and
// HTML, through the outbox and real SMTP, with no card data.
func TestMerchantNotices(t *testing.T) {
	for _, lang := range []string{"fr", "en"} {
		e := newNotices(t, lang, allNotices)
		ctx := context.Background()
		cases := noticeEvents()
		for _, c := range cases {
			if err := e.notices.Handle(ctx, c.ev); err != nil {
				t.Fatalf("%s: %v", c.kind, err)
			}
		}
		// Events that call for nothing: a card sale approved, a link sent.
		for _, ev := range []payment.Event{{Type: payment.EventApproved, Payment: cardPayment(payment.StateApproved)},
			{Type: payment.EventLinkSent, Payment: linkPayment(payment.StateAwaitingCustomer)},
			{Type: payment.EventDeclined, Payment: cardPayment(payment.StateDeclined)}} {
			if err := e.notices.Handle(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := e.outbox.Flush(ctx); err != nil || n != len(cases) {
			t.Fatalf("%s: flush sent %d, %v; want %d", lang, n, err, len(cases))
		}
		got := e.sink.Messages()
		if len(got) != len(cases) {
			t.Fatalf("%s: got %d mails, want %d", lang, len(got), len(cases))
		}
		for i, c := range cases {
			m := got[i]
			want := c.fr
			if lang == "en" {
				want = c.en
			}
			if m.To[0] != "gerant@boulangerie.example" || m.HTML == "" || m.Text == "" {
				t.Errorf("%s %s: to %v, text %d bytes, html %d bytes", lang, c.kind, m.To, len(m.Text), len(m.HTML))
			}
			for _, w := range want {
				if !strings.Contains(m.Subject+"\n"+m.Text, w) || !strings.Contains(m.Subject+m.HTML, strings.ReplaceAll(w, "'", "&#39;")) {
					t.Errorf("%s %s: %q missing in\n%s\n%s", lang, c.kind, w, m.Subject, m.Text)
				}
			}
			for _, secret := range []string{paymenttest.TestPAN, "secret-customer-token", "ARQC", "476173900101"} {
				if strings.Contains(m.Raw, secret) {
					t.Errorf("%s %s: the mail carries %q", lang, c.kind, secret)
				}
			}
		}
	}
}

// TestNoticesSwitchedOff: only the notifications switched on are sent.
func TestNoticesSwitchedOff(t *testing.T) {
	e := newNotices(t, "fr", map[notify.NoticeKind]bool{notify.NoticeRefund: true, notify.NoticeLinkPaid: false})
	ctx := context.Background()
	for _, c := range noticeEvents() {
		if err := e.notices.Handle(ctx, c.ev); err != nil {
			t.Fatal(err)
		}
	}
	e.outbox.Flush(ctx)
	got := e.sink.Messages()
	if len(got) != 1 || !strings.Contains(got[0].Subject, "Remboursement") {
		t.Errorf("got %d mails (%v), want the refund only", len(got), got)
	}
	if _, err := notify.NewNotices(e.outbox, &notify.NoticesOpts{To: "", On: allNotices}); !errors.Is(err, notify.ErrInvalidAddress) {
		t.Errorf("notices on without an address: got %v, want ErrInvalidAddress", err)
	}
	if _, err := notify.NewNotices(e.outbox, &notify.NoticesOpts{}); err != nil {
		t.Errorf("all off without an address: %v", err)
	}
}

// TestOutboxServerDownThenBack: notifications queued while the relay is
// down survive a restart of the outbox and are delivered once when it is
// back.
func TestOutboxServerDownThenBack(t *testing.T) {
	ctx := context.Background()
	// A free loopback port nobody listens on: the relay is down.
	probe := startSink(t, nil)
	addr := probe.Addr()
	probe.Close()
	path := filepath.Join(t.TempDir(), offline.OutboxFileName)

	sp := openSpool(t, path)
	out, _ := notify.NewOutbox(sp, mailerAt(t, addr), nil)
	n, _ := notify.NewNotices(out, &notify.NoticesOpts{To: "gerant@boulangerie.example", Merchant: merchant, On: allNotices})
	cases := noticeEvents()
	for _, c := range cases {
		if err := n.Handle(ctx, c.ev); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if sent, err := out.Flush(ctx); err == nil || sent != 0 {
			t.Fatalf("relay down: got %d sent, %v; want an error", sent, err)
		}
	}
	queued, _ := sp.Pending(ctx)
	if len(queued) != len(cases) || queued[0].Attempts != 2 || queued[1].Attempts != 0 || queued[0].LastError == "" {
		t.Fatalf("relay down: %d queued (%+v), want all, the first tried twice and the others not (the round stops at the first)", len(queued), queued)
	}
	// The terminal restarts while the relay is still down.
	if err := sp.Close(); err != nil {
		t.Fatal(err)
	}
	sp = openSpool(t, path)
	defer sp.Close()
	// The relay comes back on the same address.
	sink, err := smtpsim.Start(addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	out, _ = notify.NewOutbox(sp, mailerAt(t, addr), nil)
	if sent, err := out.Flush(ctx); err != nil || sent != len(cases) {
		t.Fatalf("relay back: got %d sent, %v; want %d", sent, err, len(cases))
	}
	if sent, err := out.Flush(ctx); err != nil || sent != 0 {
		t.Fatalf("second flush: got %d sent, %v; want nothing", sent, err)
	}
	got := sink.Messages()
	if len(got) != len(cases) {
		t.Fatalf("delivered %d mails, want each of %d once", len(got), len(cases))
	}
	ids := map[string]bool{}
	for i, m := range got {
		if !strings.Contains(m.Subject+m.Text, cases[i].fr[0]) {
			t.Errorf("mail %d: got %q, want the %s notice (queue order)", i, m.Subject, cases[i].kind)
		}
		if m.MessageID == "" || ids[m.MessageID] {
			t.Errorf("mail %d: Message-ID %q missing or repeated", i, m.MessageID)
		}
		ids[m.MessageID] = true
	}
	// Another restart: nothing is sent again.
	sp.Close()
	sp = openSpool(t, path)
	if q, _ := sp.Pending(ctx); len(q) != 0 {
		t.Errorf("after delivery %d mails still queued", len(q))
	}
}

// TestOutboxRefusedForGood: a recipient the relay refuses (5xx) is set
// aside with the reason and does not hold up the mail behind it.
func TestOutboxRefusedForGood(t *testing.T) {
	ctx := context.Background()
	sink := startSink(t, &smtpsim.Opts{Reject: []string{"closed@example.com"}})
	sp := openSpool(t, filepath.Join(t.TempDir(), offline.OutboxFileName))
	defer sp.Close()
	out, _ := notify.NewOutbox(sp, mailerAt(t, sink.Addr()), nil)
	for _, to := range []string{"closed@example.com", "gerant@example.com"} {
		if err := out.Enqueue(ctx, notify.Message{To: to, Subject: "s", Text: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := out.Enqueue(ctx, notify.Message{To: "not an address", Subject: "s"}); !errors.Is(err, notify.ErrInvalidAddress) {
		t.Errorf("bad address queued: %v", err)
	}
	if err := out.Enqueue(ctx, notify.Message{To: "a@example.com", Subject: "line\r\nBcc: x@example.com"}); !errors.Is(err, notify.ErrBadHeader) {
		t.Errorf("header injection queued: %v", err)
	}
	if sent, err := out.Flush(ctx); err != nil || sent != 1 {
		t.Fatalf("got %d sent, %v; want the second mail sent", sent, err)
	}
	parked, _ := sp.Parked(ctx)
	if len(parked) != 1 || !strings.Contains(parked[0].LastError, "550") {
		t.Errorf("parked: %+v, want the refused mail with the relay's 550", parked)
	}
	if q, _ := sp.Pending(ctx); len(q) != 0 {
		t.Errorf("%d mails still queued", len(q))
	}
}

func TestBackoff(t *testing.T) {
	for _, c := range []struct {
		n    int
		want time.Duration
	}{{0, 5 * time.Second}, {1, 10 * time.Second}, {3, 40 * time.Second}, {7, 10 * time.Minute}, {60, 10 * time.Minute}} {
		if got := notify.Backoff(c.n, 5*time.Second, 10*time.Minute); got != c.want {
			t.Errorf("Backoff(%d) = %v, want %v", c.n, got, c.want)
		}
	}
}

// TestNoticesFromTheService: the notifier follows the payment service's
// own events (a refund, a batch close), not calls from the flows.
func TestNoticesFromTheService(t *testing.T) {
	e := newNotices(t, "fr", allNotices)
	cards := paymenttest.NewCards()
	svc, err := payment.New(payment.Opts{Merchant: merchant, Journal: paymenttest.NewJournal(),
		Card: payment.CardPorts{Reader: cards, Gateway: &paymenttest.Gateway{}}, CardTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	events, stop := svc.Subscribe(256)
	defer stop()
	ctx := context.Background()
	tx, err := svc.Pay(ctx, payment.Request{Amount: payment.Amount{Minor: 4250, Currency: "EUR"}, Method: payment.MethodCard, Reference: "TICKET-42"})
	if err != nil {
		t.Fatal(err)
	}
	cards.Present(paymenttest.VisaOnline())
	svc.Wait()
	if _, err := svc.Refund(ctx, tx.ID, payment.Amount{Minor: 1000, Currency: "EUR"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CloseBatch(ctx); err != nil {
		t.Fatal(err)
	}
	// Every event is published before the call that caused it returns.
	for done := false; !done; {
		select {
		case ev := <-events:
			if err := e.notices.Handle(ctx, ev); err != nil {
				t.Fatal(err)
			}
		default:
			done = true
		}
	}
	e.outbox.Flush(ctx)
	got := e.sink.Messages()
	if len(got) != 2 || !strings.Contains(got[0].Subject, "Remboursement effectué : 10,00") || !strings.Contains(got[1].Subject, "Clôture Z — lot 1") ||
		!strings.Contains(got[1].Text, "42,50") {
		for _, m := range got {
			t.Logf("%s\n%s", m.Subject, m.Text)
		}
		t.Fatalf("got %d mails, want the refund and the Z report", len(got))
	}
}

// flakySender refuses the first fails sends as a relay that is down, then
// accepts; it records what it accepted.
type flakySender struct {
	mu    sync.Mutex
	fails int
	tries int
	got   []notify.Message
}

func (s *flakySender) Send(_ context.Context, m notify.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tries++
	if s.fails > 0 {
		s.fails--
		return errors.New("notify: connecting to 127.0.0.1:25: connection refused")
	}
	s.got = append(s.got, m)
	return nil
}

func (s *flakySender) state() (tries int, got []notify.Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tries, append([]notify.Message(nil), s.got...)
}

// TestOutboxRunRetries runs the outbox loop on synctest's clock: a mail
// queued while the relay is down is retried after 5 s, 10 s, 20 s and
// delivered once; a mail queued later leaves at once.
func TestOutboxRunRetries(t *testing.T) {
	sp := openSpool(t, filepath.Join(t.TempDir(), offline.OutboxFileName))
	defer sp.Close()
	synctest.Test(t, func(t *testing.T) {
		send := &flakySender{fails: 3}
		out, _ := notify.NewOutbox(sp, send, &notify.OutboxOpts{MinBackoff: 5 * time.Second, MaxBackoff: time.Minute, Every: time.Hour})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- out.Run(ctx) }()
		if err := out.Enqueue(ctx, notify.Message{To: "gerant@example.com", Subject: "one", Text: "1"}); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		start := time.Now()
		for _, want := range []struct {
			after time.Duration
			tries int
		}{{0, 1}, {5 * time.Second, 2}, {15 * time.Second, 3}, {35 * time.Second, 4}} {
			time.Sleep(time.Until(start.Add(want.after)))
			synctest.Wait()
			if tries, _ := send.state(); tries != want.tries {
				t.Fatalf("after %v: %d tries, want %d", want.after, tries, want.tries)
			}
		}
		if _, got := send.state(); len(got) != 1 || got[0].Subject != "one" || got[0].ID == "" {
			t.Fatalf("delivered %+v, want the mail once with its ID", got)
		}
		if err := out.Enqueue(ctx, notify.Message{To: "gerant@example.com", Subject: "two", Text: "2"}); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if tries, got := send.state(); tries != 5 || len(got) != 2 {
			t.Errorf("a mail queued with the relay up: %d tries, %d delivered; want it sent at once", tries, len(got))
		}
		time.Sleep(2 * time.Hour) // the periodic look finds nothing to send again
		synctest.Wait()
		if tries, _ := send.state(); tries != 5 {
			t.Errorf("%d tries after idle hours, want no resend", tries)
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run: %v", err)
		}
	})
	if q, _ := sp.Pending(context.Background()); len(q) != 0 {
		t.Errorf("%d mails left in the outbox", len(q))
	}
}

// TestOutboxRetryParked: a relay (smtpsim on loopback) refuses the
// merchant's mistyped address for good, then the address is corrected: a
// retry re-addresses the parked mail to the current address and it is
// delivered once with the Message-ID it was queued with; a mail parked
// while the relay refused its (unchanged) address is delivered once the
// relay accepts it; a discarded mail is never sent. Closing and reopening
// the real bbolt file between the steps loses and repeats nothing.
func TestOutboxRetryParked(t *testing.T) {
	ctx := context.Background()
	sink := startSink(t, &smtpsim.Opts{Reject: []string{"gernat@boulangerie.example", "compta@boulangerie.example"}})
	path := filepath.Join(t.TempDir(), offline.OutboxFileName)
	sp := openSpool(t, path)
	out, _ := notify.NewOutbox(sp, mailerAt(t, sink.Addr()), nil)
	for _, m := range []notify.Message{
		{To: "gernat@boulangerie.example", Subject: "Rapport Z", Text: "z", ID: "z-report-1"},
		{To: "compta@boulangerie.example", Subject: "Remboursement", Text: "r", ID: "refund-1"},
		{To: "gernat@boulangerie.example", Subject: "Lien payé", Text: "l", ID: "link-1"},
	} {
		if err := out.Enqueue(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if sent, err := out.Flush(ctx); sent != 0 || err != nil {
		t.Fatalf("flush: %d sent, %v; want all three parked", sent, err)
	}
	parked, _ := out.Parked(ctx)
	if len(parked) != 3 {
		t.Fatalf("parked %+v", parked)
	}
	zID, refundID, linkID := parked[0].ID, parked[1].ID, parked[2].ID

	// Retried as it is while the relay still refuses: parked again.
	if _, err := out.Retry(ctx, zID, ""); err != nil {
		t.Fatal(err)
	}
	if sent, err := out.Flush(ctx); sent != 0 || err != nil {
		t.Fatalf("flush: %d sent, %v", sent, err)
	}
	if p, _ := out.Parked(ctx); len(p) != 3 || p[0].Attempts != 2 {
		t.Fatalf("after a retry to the same address: %+v, want it parked again, tried twice", p)
	}
	if _, err := out.Retry(ctx, zID, "not an address"); !errors.Is(err, notify.ErrInvalidAddress) {
		t.Errorf("retry to a bad address: %v", err)
	}

	// The merchant's address corrected in the config: the retry sends
	// the Z report there. The terminal restarts between retry and send.
	if s, err := out.Retry(ctx, zID, "gerant@boulangerie.example"); err != nil || s.ID != zID {
		t.Fatalf("retry: %+v, %v", s, err)
	}
	sp.Close()
	sp = openSpool(t, path)
	defer sp.Close()
	out, _ = notify.NewOutbox(sp, mailerAt(t, sink.Addr()), nil)
	if _, err := out.Retry(ctx, zID, ""); !errors.Is(err, notify.ErrMailNotParked) {
		t.Errorf("second retry of a queued mail: %v, want ErrMailNotParked", err)
	}
	// The accounting address was right after all: the relay's refusal
	// is lifted, and all that is parked is retried with its own address.
	sink.RejectRecipient("compta@boulangerie.example", false)
	if _, err := out.Discard(ctx, linkID); err != nil {
		t.Fatal(err)
	}
	moved, kept, err := out.RetryParked(ctx, "")
	if err != nil || len(moved) != 1 || moved[0].ID != refundID || len(kept) != 0 {
		t.Fatalf("retry all: %+v %+v %v", moved, kept, err)
	}
	if sent, err := out.Flush(ctx); sent != 2 || err != nil {
		t.Fatalf("flush: %d sent, %v; want the Z report and the refund", sent, err)
	}
	if sent, _ := out.Flush(ctx); sent != 0 {
		t.Errorf("a second flush sent %d", sent)
	}
	got := sink.Messages()
	if len(got) != 2 {
		t.Fatalf("relay got %d mails, want 2: %+v", len(got), got)
	}
	want := []struct{ to, subject, id string }{
		{"gerant@boulangerie.example", "Rapport Z", "<z-report-1@boulangerie.example>"},
		{"compta@boulangerie.example", "Remboursement", "<refund-1@boulangerie.example>"},
	}
	for i, w := range want {
		if !strings.Contains(strings.Join(got[i].To, ","), w.to) || !strings.Contains(got[i].HeaderTo, w.to) || got[i].Subject != w.subject || got[i].MessageID != w.id {
			t.Errorf("mail %d: to %v, %q, %q; want %+v", i, got[i].To, got[i].Subject, got[i].MessageID, w)
		}
	}
	if p, _ := out.Parked(ctx); len(p) != 0 {
		t.Errorf("still parked: %+v", p)
	}
	if q, _ := out.Pending(ctx); len(q) != 0 {
		t.Errorf("still queued: %+v", q)
	}
}

// FuzzReaddress: whatever a parked record holds, a retry's rewrite either
// refuses it or yields a mail to the given address with the record's
// Message-ID, subject and bodies.
func FuzzReaddress(f *testing.F) {
	f.Add([]byte(`{"To":"a@example.com","Subject":"s","Text":"t","ID":"abc"}`))
	f.Add([]byte(`{"To":"","Subject":"s"}`))
	f.Add([]byte(`{"To":"a@example.com","Subject":"line\r\nBcc: x@example.com"}`))
	f.Add([]byte(`{not json`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := notify.Readdress("gerant@example.com")(data)
		if err != nil {
			return
		}
		var in, m notify.Message
		json.Unmarshal(data, &in)
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("rewrite gave %q: %v", out, err)
		}
		if m.To != "gerant@example.com" || m.ID != in.ID || m.Subject != in.Subject || m.Text != in.Text || m.HTML != in.HTML {
			t.Fatalf("rewrite of %q gave %+v", data, m)
		}
	})
}
