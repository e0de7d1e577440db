package payment_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tpe/device/printer"
	"tpe/device/printer/printertest"
	"tpe/payment"
	"tpe/payment/paymenttest"
)

var updateReceipts = flag.Bool("update-receipts", false, "rewrite the golden receipts in testdata/receipts")

var shop = payment.Merchant{
	Name: "Boulangerie Dupont", Address: "12 rue de la Paix", City: "75002 Paris",
	ID: "M000123", Contract: "1234567", TerminalID: "TPE00042", MCC: "5462", Country: "FR",
}

var (
	paris = time.FixedZone("CET", 3600)
	sold  = time.Date(2026, 11, 26, 14, 5, 33, 0, paris)
)

func euros(minor int64) payment.Amount { return payment.Amount{Minor: minor, Currency: "EUR"} }

func cardTxn() *payment.Transaction {
	card := paymenttest.VisaOnline().Card
	card.CVM = "cdcvm"
	return &payment.Transaction{
		ID: "pay_1", OrderID: "TPE00042-20261126130533000-3fa9c01b2e", Sequence: 42, Method: payment.MethodCard,
		State: payment.StateApproved, Amount: euros(1250), Batch: 7, Card: &card,
		GatewayID: "1001", AuthCode: "A12345", Result: "000", CreatedAt: sold, UpdatedAt: sold,
	}
}

// fixtures is one transaction per receipt kind.
func fixtures() map[string]func() (*payment.Transaction, payment.ReceiptOpts) {
	return map[string]func() (*payment.Transaction, payment.ReceiptOpts){
		"card_customer_fr": func() (*payment.Transaction, payment.ReceiptOpts) {
			return cardTxn(), payment.ReceiptOpts{Copy: payment.CustomerCopy, Lang: "fr"}
		},
		"card_merchant_fr": func() (*payment.Transaction, payment.ReceiptOpts) {
			return cardTxn(), payment.ReceiptOpts{Copy: payment.MerchantCopy, Lang: "fr"}
		},
		"card_customer_en": func() (*payment.Transaction, payment.ReceiptOpts) {
			return cardTxn(), payment.ReceiptOpts{Copy: payment.CustomerCopy, Lang: "en"}
		},
		"card_merchant_en": func() (*payment.Transaction, payment.ReceiptOpts) {
			return cardTxn(), payment.ReceiptOpts{Copy: payment.MerchantCopy, Lang: "en"}
		},
		"card_duplicate_fr": func() (*payment.Transaction, payment.ReceiptOpts) {
			t := cardTxn()
			t.ReceiptPrinted = true
			return t, payment.ReceiptOpts{Copy: payment.CustomerCopy, Lang: "fr", Duplicate: true}
		},
		"card_offline_fr": func() (*payment.Transaction, payment.ReceiptOpts) {
			t := cardTxn()
			t.State, t.Offline, t.AuthCode, t.GatewayID, t.Result = payment.StateOfflineApproved, true, "", "", ""
			t.Card.CVM = "no_cvm"
			return t, payment.ReceiptOpts{Copy: payment.CustomerCopy, Lang: "fr"}
		},
		"card_declined_fr": func() (*payment.Transaction, payment.ReceiptOpts) {
			t := cardTxn()
			t.State, t.AuthCode, t.Result, t.Reason = payment.StateDeclined, "", "051", "insufficient_funds"
			return t, payment.ReceiptOpts{Copy: payment.CustomerCopy, Lang: "fr"}
		},
		"alipay_fr": func() (*payment.Transaction, payment.ReceiptOpts) {
			return &payment.Transaction{
				ID: "pay_2", OrderID: "TPE00042-20261126131002000-77c1d2e3f4", Sequence: 43, Method: payment.MethodAlipayPlus,
				State: payment.StateApproved, Amount: euros(3490), Wallet: "GCash", GatewayID: "AP2026112600017",
				AuthCode: "AP2026112600017", CreatedAt: sold.Add(5 * time.Minute),
			}, payment.ReceiptOpts{Copy: payment.CustomerCopy, Lang: "fr"}
		},
		"alipay_en": func() (*payment.Transaction, payment.ReceiptOpts) {
			return &payment.Transaction{
				ID: "pay_2", OrderID: "TPE00042-20261126131002000-77c1d2e3f4", Sequence: 43, Method: payment.MethodAlipayPlus,
				State: payment.StateApproved, Amount: euros(3490), Wallet: "Kakao Pay", GatewayID: "AP2026112600018",
				CreatedAt: sold.Add(5 * time.Minute),
			}, payment.ReceiptOpts{Copy: payment.CustomerCopy, Lang: "en"}
		},
		"link_request_fr": func() (*payment.Transaction, payment.ReceiptOpts) {
			return &payment.Transaction{
				ID: "pay_3", OrderID: "TPE00042-20261126132000000-0a1b2c3d4e", Sequence: 1044, Method: payment.MethodPayLink,
				State: payment.StateAwaitingCustomer, Amount: euros(8900), Email: "jeanne.martin@example.com",
				LinkURL: "https://pay.example.com/l/7Hq2xK9pLm", LinkID: "lnk_7Hq2xK9pLm",
				ExpireAt: sold.Add(72 * time.Hour), CreatedAt: sold.Add(15 * time.Minute),
			}, payment.ReceiptOpts{Copy: payment.CustomerCopy, Lang: "fr"}
		},
		"link_paid_en": func() (*payment.Transaction, payment.ReceiptOpts) {
			return &payment.Transaction{
				ID: "pay_3", OrderID: "TPE00042-20261126132000000-0a1b2c3d4e", Sequence: 1044, Method: payment.MethodPayLink,
				State: payment.StateApproved, Amount: euros(8900), Email: "jeanne.martin@example.com",
				GatewayID: "1077", CreatedAt: sold.Add(15 * time.Minute),
			}, payment.ReceiptOpts{Copy: payment.MerchantCopy, Lang: "en"}
		},
	}
}

func refundFixture() (*payment.Transaction, payment.Refund) {
	t := cardTxn()
	t.State = payment.StatePartiallyRefunded
	// An earlier refund of 3,00, then this one of 4,50: the ticket prints
	// 4,50 refunded now and 3,00 refunded before.
	earlier := payment.Refund{ID: "rfd_0", Amount: euros(300), GatewayID: "1001-r0", At: sold.Add(3 * time.Hour)}
	r := payment.Refund{ID: "rfd_1", Amount: euros(450), GatewayID: "1001-r", At: sold.Add(26 * time.Hour)}
	t.Refunds = []payment.Refund{earlier, r}
	return t, r
}

func reportFixture(kind string) payment.Report {
	return payment.Report{
		Kind: kind, Batch: 7, TerminalID: "TPE00042", At: time.Date(2026, 11, 26, 19, 30, 0, 0, paris), Currency: "EUR",
		Lines: []payment.ReportLine{
			{Method: payment.MethodAlipayPlus, Brand: "gcash", SalesCount: 2, SalesTotal: 5490},
			{Method: payment.MethodCard, Brand: "cb", SalesCount: 31, SalesTotal: 48210, RefundsCount: 1, RefundsTotal: 450},
			{Method: payment.MethodCard, Brand: "mastercard", SalesCount: 9, SalesTotal: 15630},
			{Method: payment.MethodCard, Brand: "visa", SalesCount: 12, SalesTotal: 20140},
			{Method: payment.MethodPayLink, SalesCount: 1, SalesTotal: 8900},
		},
		SalesCount: 55, SalesTotal: 98370, RefundsCount: 1, RefundsTotal: 450, Net: 97920,
		OfflinePending: 2, ForwardDeclined: 1, Declined: 3,
	}
}

// earlierRefundsFixture is a Z report whose batch refunded two sales of
// earlier batches: the CB one's refund is in the CB line's refunds too.
func earlierRefundsFixture() payment.Report {
	r := reportFixture("Z")
	r.Lines[1].RefundsCount, r.Lines[1].RefundsTotal = 2, 1650
	r.Lines[4].RefundsCount, r.Lines[4].RefundsTotal = 1, 2000
	r.RefundsCount, r.RefundsTotal, r.Net = 3, 3650, 98370-3650
	at := time.Date(2026, 11, 26, 10, 15, 0, 0, paris)
	r.EarlierRefunds = []payment.EarlierRefund{
		{RefundID: "rfd_a", PaymentID: "pay_a", Sequence: 1042, SaleBatch: 6, Method: payment.MethodCard, Brand: "cb", Amount: 1200, At: at},
		{RefundID: "rfd_b", PaymentID: "pay_b", Sequence: 998, SaleBatch: 5, Method: payment.MethodPayLink, Amount: 2000, At: at.Add(time.Hour)},
	}
	return r
}

// allReceipts builds every golden receipt.
func allReceipts() map[string]printer.Receipt {
	out := map[string]printer.Receipt{}
	for name, f := range fixtures() {
		t, o := f()
		o.Location = paris
		out[name] = payment.BuildReceipt(t, shop, o)
	}
	t, r := refundFixture()
	out["refund_customer_fr"] = payment.BuildRefundReceipt(t, r, shop, payment.ReceiptOpts{Copy: payment.CustomerCopy, Lang: "fr", Location: paris})
	out["refund_merchant_en"] = payment.BuildRefundReceipt(t, r, shop, payment.ReceiptOpts{Copy: payment.MerchantCopy, Lang: "en", Location: paris})
	out["report_x_fr"] = payment.BuildReport(reportFixture("X"), shop, payment.ReceiptOpts{Lang: "fr", Location: paris})
	out["report_z_fr"] = payment.BuildReport(reportFixture("Z"), shop, payment.ReceiptOpts{Lang: "fr", Location: paris})
	out["report_z_en"] = payment.BuildReport(reportFixture("Z"), shop, payment.ReceiptOpts{Lang: "en", Location: paris})
	out["report_z_earlier_fr"] = payment.BuildReport(earlierRefundsFixture(), shop, payment.ReceiptOpts{Lang: "fr", Location: paris})
	out["report_z_earlier_en"] = payment.BuildReport(earlierRefundsFixture(), shop, payment.ReceiptOpts{Lang: "en", Location: paris})
	return out
}

// TestReceiptGolden compares every receipt kind with its golden document
// (JSON, read by the ESC/POS driver's golden tests too) and its 48-column
// text rendering.
func TestReceiptGolden(t *testing.T) {
	for name, r := range allReceipts() {
		t.Run(name, func(t *testing.T) {
			js, err := json.MarshalIndent(r, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			js = append(js, '\n')
			text := r.PlainText(48)
			base := filepath.Join("testdata", "receipts", name)
			if *updateReceipts {
				os.WriteFile(base+".json", js, 0o644)
				os.WriteFile(base+".txt", []byte(text), 0o644)
			}
			wantJS, err := os.ReadFile(base + ".json")
			if err != nil {
				t.Fatalf("%v (run with -updateReceipts to create)", err)
			}
			if string(js) != string(wantJS) {
				t.Errorf("document differs from %s.json:\n%s", base, text)
			}
			wantText, _ := os.ReadFile(base + ".txt")
			if text != string(wantText) {
				t.Errorf("text differs from %s.txt: got\n%s", base, text)
			}
		})
	}
}

func receiptText(r printer.Receipt) string { return r.PlainText(48) }

func TestReceiptContent(t *testing.T) {
	all := allReceipts()
	full := paymenttest.TestPAN
	for name, r := range all {
		s := receiptText(r)
		if strings.Contains(s, full) || strings.Contains(strings.ReplaceAll(s, " ", ""), full) {
			t.Errorf("%s: full PAN printed", name)
		}
		if strings.Contains(s, full[:6]) && !strings.Contains(name, "merchant") {
			t.Errorf("%s: first 6 digits of the PAN on a customer document:\n%s", name, s)
		}
	}
	tests := []struct {
		name string
		want []string
		not  []string
	}{
		{"card_customer_fr", []string{"TICKET CLIENT", "A CONSERVER", "CONTRAT", "1234567", "TERMINAL", "TPE00042",
			"TRANS.                                    000042", "SANS CONTACT", "DEBIT", "MONTANT", "12,50", "€", "************0010",
			"VISA CREDIT", "A0000000031010", "AUTO", "A12345", "MERCI", "LE 26/11/26 A 14:05:33", "BOULANGERIE DUPONT"},
			[]string{"DUPLICATA", "HORS LIGNE", "476173", "3fa9c01b2e"}},
		{"card_merchant_fr", []string{"TICKET COMMERCANT", "476173******0010"}, []string{"A CONSERVER"}},
		{"card_customer_en", []string{"TXN                                       000042", "CUSTOMER COPY", "PLEASE RETAIN", "CONTACTLESS", "SALE", "AMOUNT", "€12.50", "AUTH CODE", "THANK YOU"}, []string{"DEBIT"}},
		{"card_duplicate_fr", []string{"*** DUPLICATA ***"}, nil},
		{"card_offline_fr", []string{"HORS LIGNE", "ACCEPTE"}, []string{"AUTO"}},
		{"card_declined_fr", []string{"REFUSE", "CARTE NON DEBITEE", "CODE REPONSE", "051"}, []string{"ACCEPTE", "AUTO"}},
		{"alipay_fr", []string{"ALIPAY+", "PORTEFEUILLE GCASH", "AP2026112600017", "34,90"}, []string{"SANS CONTACT"}},
		{"alipay_en", []string{"WALLET KAKAO PAY", "APPROVED"}, nil},
		{"link_request_fr", []string{"DEMANDE DE PAIEMENT", "[QR] https://pay.example.com/l/7Hq2xK9pLm", "A PAYER AVANT LE 29/11/26", "j***@example.com", "89,00",
			"TRANS.                                    001044", "COMMANDE", "TPE00042-\n", "20261126132000000-0a1b2c3d4e\n"},
			[]string{"jeanne.martin", "TPE00042-20261126132000000"}},
		{"link_paid_en", []string{"PAYMENT LINK", "MERCHANT COPY", "APPROVED", "ORDER", "TPE00042-\n"}, nil},
		{"refund_customer_fr", []string{"CREDIT - REMBOURSEMENT", "MONTANT REMBOURSE                         4,50", "ACHAT DU 26/11/26", "12,50",
			"DEJA REMBOURSE                            3,00", "REMBOURSEMENT ACCEPTE", "TICKET CLIENT", "************0010"}, []string{"DEBIT", "7,50"}},
		{"refund_merchant_en", []string{"REFUND", "MERCHANT COPY", "476173******0010", "AMOUNT REFUNDED", "REFUNDED BEFORE"}, nil},
		{"report_x_fr", []string{"RAPPORT X", "LOT", "VENTES 55", "983,70", "NET", "979,20", "CARTE VISA", "ALIPAY+ GCASH", "A TRANSMETTRE", "REFUSES APRES ENVOI"}, []string{"CLOTURE"}},
		{"report_z_fr", []string{"CLOTURE (Z)", "LOT CLOTURE 7"}, nil},
		{"report_z_en", []string{"END OF DAY (Z)", "BATCH CLOSED 7", "€979.20"}, nil},
	}
	for _, tt := range tests {
		s := receiptText(all[tt.name])
		for _, w := range tt.want {
			if !strings.Contains(s, w) {
				t.Errorf("%s: %q missing:\n%s", tt.name, w, s)
			}
		}
		for _, w := range tt.not {
			if strings.Contains(s, w) {
				t.Errorf("%s: %q must not appear:\n%s", tt.name, w, s)
			}
		}
	}
}

// TestPaperOutKeepsPaymentApproved runs a real Service: the printer runs out
// of paper in the middle of the receipt. The payment stays approved, the
// receipt is recorded unprinted, and the reprint is the original (not a
// duplicate) once the roll is changed; a second reprint is a duplicate.
func TestPaperOutKeepsPaymentApproved(t *testing.T) {
	ctx := context.Background()
	j := paymenttest.NewJournal()
	cards := paymenttest.NewCards()
	pr := printertest.NewFake()
	s, err := payment.New(payment.Opts{Merchant: shop, Journal: j, Card: payment.CardPorts{Reader: cards, Gateway: &paymenttest.Gateway{}}, Receipts: payment.ReceiptPorts{Printer: pr}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	events, stop := s.Subscribe(64)
	defer stop()
	pr.PaperOutAfter(5)
	cards.Present(paymenttest.VisaOnline())
	p, err := s.Pay(ctx, payment.Request{Amount: euros(1250), Method: payment.MethodCard})
	if err != nil {
		t.Fatal(err)
	}
	s.Wait()
	got, err := s.Get(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != payment.StateApproved {
		t.Fatalf("state %s after paper out, want approved", got.State)
	}
	if got.ReceiptPrinted {
		t.Fatal("receipt marked printed although the paper ran out")
	}
	if n := len(pr.Printed()); n != 0 {
		t.Fatalf("%d receipts printed, want 0", n)
	}
	var failed bool
	for len(events) > 0 {
		if e := <-events; e.Type == payment.EventReceiptFailed {
			failed = true
			if !strings.Contains(e.Message, "paper out") {
				t.Errorf("receipt.failed message %q does not say why", e.Message)
			}
		}
	}
	if !failed {
		t.Error("no receipt.failed event")
	}
	if err := s.Reprint(ctx, p.ID, payment.CustomerCopy); !errors.Is(err, printer.ErrPaperOut) {
		t.Fatalf("reprint with no paper: got %v, want ErrPaperOut", err)
	}
	pr.PaperOut(false)
	if err := s.Reprint(ctx, p.ID, payment.CustomerCopy); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Get(ctx, p.ID)
	if !got.ReceiptPrinted {
		t.Fatal("receipt not marked printed after the reprint")
	}
	first, _ := pr.Last()
	if s := receiptText(first); strings.Contains(s, "DUPLICATA") || !strings.Contains(s, "TICKET CLIENT") {
		t.Errorf("first successful print must be the original customer copy:\n%s", s)
	}
	if err := s.Reprint(ctx, p.ID, payment.CustomerCopy); err != nil {
		t.Fatal(err)
	}
	second, _ := pr.Last()
	if !strings.Contains(receiptText(second), "DUPLICATA") {
		t.Errorf("second print must be a duplicate:\n%s", receiptText(second))
	}
}

func TestPrintRefund(t *testing.T) {
	ctx := context.Background()
	j := paymenttest.NewJournal()
	pr := printertest.NewFake()
	s, err := payment.New(payment.Opts{Merchant: shop, Journal: j, Card: payment.CardPorts{Gateway: &paymenttest.Gateway{}}, Receipts: payment.ReceiptPorts{Printer: pr}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tx := cardTxn()
	if err := j.Save(ctx, tx); err != nil {
		t.Fatal(err)
	}
	// Each refund's ticket says what it gives back now, and what earlier
	// refunds gave back (omitted before the first).
	for _, tt := range []struct {
		amount       int64
		now, before  string
		beforeAbsent bool
	}{
		{amount: 300, now: "3,00", beforeAbsent: true},
		{amount: 200, now: "2,00", before: "3,00"},
		{amount: 150, now: "1,50", before: "5,00"},
	} {
		got, err := s.Refund(ctx, tx.ID, euros(tt.amount))
		if err != nil {
			t.Fatal(err)
		}
		refundID := got.Refunds[len(got.Refunds)-1].ID
		if err := s.PrintRefund(ctx, tx.ID, refundID, payment.CustomerCopy); err != nil {
			t.Fatal(err)
		}
		r, _ := pr.Last()
		text := receiptText(r)
		if l := lineWith(text, "MONTANT REMBOURSE"); !strings.HasSuffix(l, tt.now+"\u00a0€") {
			t.Errorf("refund of %d: amount line %q, want %s €:\n%s", tt.amount, l, tt.now, text)
		}
		l := lineWith(text, "DEJA REMBOURSE")
		switch {
		case tt.beforeAbsent && l != "":
			t.Errorf("first refund prints %q: nothing was refunded before it", l)
		case !tt.beforeAbsent && !strings.HasSuffix(l, tt.before+"\u00a0€"):
			t.Errorf("refund of %d: earlier refunds line %q, want %s €:\n%s", tt.amount, l, tt.before, text)
		}
	}
	// The ticket of an earlier refund, printed again later, still counts
	// only the refunds made before it.
	all, _ := s.Get(ctx, tx.ID)
	if err := s.PrintRefund(ctx, tx.ID, all.Refunds[1].ID, payment.CustomerCopy); err != nil {
		t.Fatal(err)
	}
	r, _ := pr.Last()
	if l := lineWith(receiptText(r), "DEJA REMBOURSE"); !strings.HasSuffix(l, "3,00\u00a0€") {
		t.Errorf("second refund's ticket reprinted: %q, want 3,00 €", l)
	}
	if err := s.PrintRefund(ctx, tx.ID, "rfd_nope", payment.CustomerCopy); !errors.Is(err, payment.ErrNotFound) {
		t.Errorf("unknown refund: got %v, want ErrNotFound", err)
	}
}

// lineWith is the first line of text containing s, trimmed; "" if none.
func lineWith(text, s string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

// The cardholder verification and the PIN declines as French receipts
// print them.
func TestReceiptPINLines(t *testing.T) {
	pinTxn := func(state payment.State, code payment.ReasonCode, result string) *payment.Transaction {
		t := cardTxn()
		t.Card.CVM = payment.CVMOnlinePIN
		t.State, t.Code, t.Result = state, code, result
		return t
	}
	tests := []struct {
		name string
		t    *payment.Transaction
		lang string
		want string
		not  string
	}{
		{"approved with PIN", pinTxn(payment.StateApproved, "", "000"), "fr", "CODE CONFIDENTIEL VERIFIE", "ERRONE"},
		{"approved with PIN, en", pinTxn(payment.StateApproved, "", "000"), "en", "PIN VERIFIED", "INCORRECT"},
		{"wrong PIN", pinTxn(payment.StateDeclined, payment.ReasonIncorrectPIN, "055"), "fr", "CODE CONFIDENTIEL ERRONE", "VERIFIE"},
		{"tries exceeded", pinTxn(payment.StateDeclined, payment.ReasonPINTriesExceeded, "075"), "fr", "NOMBRE D'ESSAIS DEPASSE", "VERIFIE"},
		{"tries exceeded, en", pinTxn(payment.StateDeclined, payment.ReasonPINTriesExceeded, "075"), "en", "PIN TRIES EXCEEDED", "VERIFIED"},
	}
	for _, tt := range tests {
		s := receiptText(payment.BuildReceipt(tt.t, shop, payment.ReceiptOpts{Copy: payment.CustomerCopy, Lang: tt.lang}))
		if !strings.Contains(s, tt.want) || strings.Contains(s, tt.not) {
			t.Errorf("%s: want %q and no %q:\n%s", tt.name, tt.want, tt.not, s)
		}
	}
}
