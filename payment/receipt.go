package payment

import (
	"context"
	"fmt"
	"strings"
	"time"

	"tpe/device/printer"
)

// Copy is which copy of a receipt: the customer's or the merchant's.
type Copy string

const (
	CustomerCopy Copy = "customer"
	MerchantCopy Copy = "merchant"
)

// ReceiptOpts says how to build one receipt.
type ReceiptOpts struct {
	Copy      Copy
	Lang      string
	Duplicate bool // a reprint: marked DUPLICATA / DUPLICATE
}

// Receipt builds the receipt document of payment id.
func (s *Service) Receipt(ctx context.Context, id string, o ReceiptOpts) (printer.Receipt, error) {
	t, err := s.o.Journal.Get(ctx, id)
	if err != nil {
		return printer.Receipt{}, err
	}
	if o.Lang == "" {
		o.Lang = s.o.Lang
	}
	return BuildReceipt(t, s.o.Merchant, o), nil
}

// Reprint prints a duplicate of payment id's receipt.
func (s *Service) Reprint(ctx context.Context, id string, c Copy) error {
	if s.o.Printer == nil {
		return ErrNotSupported
	}
	t, err := s.o.Journal.Get(ctx, id)
	if err != nil {
		return err
	}
	dup := t.ReceiptPrinted || c == MerchantCopy
	if err := s.o.Printer.Print(ctx, BuildReceipt(t, s.o.Merchant, ReceiptOpts{Copy: c, Lang: s.o.Lang, Duplicate: dup})); err != nil {
		s.publish(EventReceiptFailed, t, err.Error())
		return err
	}
	if !t.ReceiptPrinted && c == CustomerCopy {
		t.ReceiptPrinted = true
		t.UpdatedAt = s.o.Now()
		if err := s.o.Journal.Save(ctx, t); err != nil {
			return err
		}
	}
	s.publish(EventReceiptPrinted, t, string(c))
	return nil
}

// printReceipt prints the customer copy after a payment ended. A printer
// problem never changes the payment: the receipt stays reprintable.
func (s *Service) printReceipt(t *Transaction) {
	if s.o.Printer == nil || !(t.State.Approved() || t.State == StateDeclined) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := s.o.Printer.Print(ctx, BuildReceipt(t, s.o.Merchant, ReceiptOpts{Copy: CustomerCopy, Lang: s.o.Lang}))
	if err != nil {
		s.log.Warn("receipt not printed", "txn_id", t.ID, "err", err)
		s.publish(EventReceiptFailed, t, err.Error())
		return
	}
	t.ReceiptPrinted = true
	t.UpdatedAt = s.o.Now()
	if err := s.o.Journal.Save(ctx, t); err != nil {
		s.log.Error("journal write failed", "txn_id", t.ID, "err", err)
	}
	s.publish(EventReceiptPrinted, t, string(CustomerCopy))
}

// emailReceipt sends the receipt when the merchant enabled it and the
// customer left an address. Failure is logged: the sale stands.
func (s *Service) emailReceipt(t *Transaction) {
	if !s.o.EmailReceipts || s.o.Notifier == nil || t.Email == "" || t.Method == MethodPayLink && !t.State.Approved() {
		return
	}
	if !t.State.Approved() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	text := BuildReceipt(t, s.o.Merchant, ReceiptOpts{Copy: CustomerCopy, Lang: s.o.Lang}).PlainText(42)
	if err := s.o.Notifier.SendReceipt(ctx, t.Email, t, text); err != nil {
		s.log.Warn("receipt not e-mailed", "txn_id", t.ID, "err", err)
	}
}

// words holds receipt wording per language.
var words = map[string]map[string]string{
	"fr": {
		"customer": "TICKET CLIENT", "merchant": "TICKET COMMERCANT", "keep": "A CONSERVER",
		"duplicate": "DUPLICATA", "sale": "DEBIT", "refund": "CREDIT", "amount": "MONTANT",
		"contactless": "SANS CONTACT", "qr": "QR CODE", "link": "LIEN DE PAIEMENT",
		"approved": "ACCEPTE", "declined": "REFUSE", "offline": "HORS LIGNE",
		"auth": "AUTO", "terminal": "TERMINAL", "contract": "CONTRAT", "txn": "TRANS.",
		"thanks": "MERCI, A BIENTOT", "wallet": "PORTEFEUILLE", "cancelled": "ANNULE",
		"refunded": "REMBOURSE", "report_x": "RAPPORT X", "report_z": "CLOTURE (Z)",
		"batch": "LOT", "sales": "VENTES", "refunds": "REMBOURSEMENTS", "net": "NET",
		"pending": "EN ATTENTE D'ENVOI", "fwd_declined": "REFUSES APRES ENVOI",
	},
	"en": {
		"customer": "CUSTOMER COPY", "merchant": "MERCHANT COPY", "keep": "PLEASE RETAIN",
		"duplicate": "DUPLICATE", "sale": "SALE", "refund": "REFUND", "amount": "AMOUNT",
		"contactless": "CONTACTLESS", "qr": "QR CODE", "link": "PAYMENT LINK",
		"approved": "APPROVED", "declined": "DECLINED", "offline": "OFFLINE",
		"auth": "AUTH", "terminal": "TERMINAL", "contract": "MERCHANT", "txn": "TXN",
		"thanks": "THANK YOU", "wallet": "WALLET", "cancelled": "CANCELLED",
		"refunded": "REFUNDED", "report_x": "X REPORT", "report_z": "END OF DAY (Z)",
		"batch": "BATCH", "sales": "SALES", "refunds": "REFUNDS", "net": "NET",
		"pending": "WAITING TO BE SENT", "fwd_declined": "DECLINED AFTER SENDING",
	},
}

func word(lang, k string) string {
	if w, ok := words[lang][k]; ok {
		return w
	}
	return words["en"][k]
}

// BuildReceipt lays out the receipt of t as French cardholders know it:
// merchant header, terminal and contract numbers, date, DEBIT/MONTANT, masked
// PAN (last 4 only on the customer copy), outcome and TICKET CLIENT footer.
func BuildReceipt(t *Transaction, m Merchant, o ReceiptOpts) printer.Receipt {
	w := func(k string) string { return word(o.Lang, k) }
	var l []printer.Line
	add := func(line printer.Line) { l = append(l, line) }
	if o.Duplicate {
		add(printer.Line{Text: w("duplicate"), Align: printer.Center, Bold: true, Wide: true})
	}
	add(printer.Line{Text: m.Name, Align: printer.Center, Bold: true, Wide: true})
	for _, s := range []string{m.Address, m.City} {
		if s != "" {
			add(printer.Line{Text: s, Align: printer.Center})
		}
	}
	add(printer.Line{Rule: true})
	when := t.CreatedAt.Local()
	add(printer.Line{Text: when.Format("02/01/2006"), Right: when.Format("15:04:05")})
	add(printer.Line{Text: w("contract"), Right: m.Contract})
	add(printer.Line{Text: w("terminal"), Right: m.TerminalID})
	add(printer.Line{Text: w("txn"), Right: t.OrderID[strings.LastIndexByte(t.OrderID, '-')+1:]})
	switch t.Method {
	case MethodCard:
		if c := t.Card; c != nil {
			add(printer.Line{Text: strings.ToUpper(c.Label), Bold: true})
			add(printer.Line{Text: c.AID})
			pan := c.PAN.MaskedLast4()
			if o.Copy == MerchantCopy {
				pan = c.PAN.Masked()
			}
			add(printer.Line{Text: pan})
		}
		add(printer.Line{Text: w("contactless")})
	case MethodAlipayPlus:
		add(printer.Line{Text: "ALIPAY+ " + strings.ToUpper(t.Wallet), Bold: true})
		add(printer.Line{Text: w("qr")})
	case MethodPayLink:
		add(printer.Line{Text: w("link")})
	}
	add(printer.Line{})
	kind := w("sale")
	add(printer.Line{Text: kind, Bold: true})
	add(printer.Line{Text: w("amount"), Right: t.Amount.Format(o.Lang), Bold: true, Tall: true})
	for _, r := range t.Refunds {
		add(printer.Line{Text: w("refund") + " " + r.At.Local().Format("02/01 15:04"), Right: "-" + r.Amount.Format(o.Lang)})
	}
	add(printer.Line{})
	switch {
	case t.State == StateDeclined || t.State == StateForwardDeclined:
		add(printer.Line{Text: w("declined"), Align: printer.Center, Bold: true, Wide: true})
	case t.Offline && t.State == StateOfflineApproved:
		add(printer.Line{Text: w("approved") + " - " + w("offline"), Align: printer.Center, Bold: true})
	case t.State == StateReversed || t.State == StateCancelled:
		add(printer.Line{Text: w("cancelled"), Align: printer.Center, Bold: true, Wide: true})
	case t.State.Approved():
		add(printer.Line{Text: w("approved"), Align: printer.Center, Bold: true})
		if t.AuthCode != "" {
			add(printer.Line{Text: w("auth"), Right: t.AuthCode})
		}
	}
	add(printer.Line{})
	add(printer.Line{Text: w(string(o.Copy)), Align: printer.Center, Bold: true})
	if o.Copy == CustomerCopy {
		add(printer.Line{Text: w("keep"), Align: printer.Center})
	}
	add(printer.Line{Text: w("thanks"), Align: printer.Center})
	return printer.Receipt{Lines: l}
}

// BuildReportReceipt lays out an X or Z report.
func BuildReportReceipt(r Report, m Merchant, lang string) printer.Receipt {
	w := func(k string) string { return word(lang, k) }
	fm := func(minor int64) string { return Amount{minor, r.Currency}.Format(lang) }
	title := w("report_x")
	if r.Kind == "Z" {
		title = w("report_z")
	}
	l := []printer.Line{
		{Text: m.Name, Align: printer.Center, Bold: true, Wide: true},
		{Text: title, Align: printer.Center, Bold: true},
		{Text: r.At.Local().Format("02/01/2006"), Right: r.At.Local().Format("15:04:05")},
		{Text: w("terminal"), Right: r.TerminalID},
		{Text: w("batch"), Right: fmt.Sprint(r.Batch)},
		{Rule: true},
	}
	for _, line := range r.Lines {
		name := strings.ToUpper(string(line.Method))
		if line.Brand != "" {
			name += " " + strings.ToUpper(line.Brand)
		}
		l = append(l, printer.Line{Text: name, Bold: true},
			printer.Line{Text: fmt.Sprintf("  %s x%d", w("sales"), line.SalesCount), Right: fm(line.SalesTotal)})
		if line.RefundsCount > 0 {
			l = append(l, printer.Line{Text: fmt.Sprintf("  %s x%d", w("refunds"), line.RefundsCount), Right: "-" + fm(line.RefundsTotal)})
		}
	}
	l = append(l, printer.Line{Rule: true},
		printer.Line{Text: fmt.Sprintf("%s x%d", w("sales"), r.SalesCount), Right: fm(r.SalesTotal)},
		printer.Line{Text: fmt.Sprintf("%s x%d", w("refunds"), r.RefundsCount), Right: "-" + fm(r.RefundsTotal)},
		printer.Line{Text: w("net"), Right: fm(r.Net), Bold: true, Tall: true})
	if r.OfflinePending > 0 {
		l = append(l, printer.Line{Text: w("offline") + " " + w("pending"), Right: fmt.Sprint(r.OfflinePending)})
	}
	if r.ForwardDeclined > 0 {
		l = append(l, printer.Line{Text: w("fwd_declined"), Right: fmt.Sprint(r.ForwardDeclined), Bold: true})
	}
	return printer.Receipt{Lines: l}
}

// ReportText is the report as plain text (e-mail, API).
func ReportText(r Report, m Merchant, lang string) string {
	return BuildReportReceipt(r, m, lang).PlainText(42)
}
