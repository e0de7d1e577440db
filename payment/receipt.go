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
	// Location is the time zone dates print in; nil means time.Local.
	Location *time.Location
}

func (o ReceiptOpts) at(t time.Time) time.Time {
	if o.Location != nil {
		return t.In(o.Location)
	}
	return t.Local()
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

// Reprint prints payment id's receipt again. The customer copy of a payment
// whose receipt never printed (paper out) is the original, not a duplicate;
// once it printed, every reprint is marked DUPLICATA.
func (s *Service) Reprint(ctx context.Context, id string, c Copy) error {
	if s.o.Receipts.Printer == nil {
		return ErrNotSupported
	}
	t, err := s.o.Journal.Get(ctx, id)
	if err != nil {
		return err
	}
	dup := t.ReceiptPrinted || c == MerchantCopy
	if err := s.o.Receipts.Printer.Print(ctx, BuildReceipt(t, s.o.Merchant, ReceiptOpts{Copy: c, Lang: s.o.Lang, Duplicate: dup})); err != nil {
		s.receiptFailed(t, err)
		return err
	}
	if !t.ReceiptPrinted && c == CustomerCopy {
		if t, err = s.markPrinted(ctx, t.ID); err != nil {
			return err
		}
	}
	s.publish(EventReceiptPrinted, t, string(c))
	return nil
}

// CanPrint reports whether the terminal has a receipt printer: without
// one, the cashier is offered no printing.
func (s *Service) CanPrint() bool { return s.o.Receipts.Printer != nil }

// CanScan reports whether the terminal reads customers' wallet payment
// codes itself (Request.ScanCode): screens offer it and follow
// EventWaitingCode, they never read the scanner.
func (s *Service) CanScan() bool { return s.o.Wallet.Scanner != nil && s.o.Wallet.Wallets != nil }

// PrintReport prints r (an X report the cashier asked for; the Z report
// prints itself when the batch closes).
func (s *Service) PrintReport(ctx context.Context, r Report) error {
	if s.o.Receipts.Printer == nil {
		return ErrNotSupported
	}
	return s.o.Receipts.Printer.Print(ctx, BuildReportReceipt(r, s.o.Merchant, s.o.Lang))
}

// PrintRefund prints the receipt of refund refundID of payment id (the
// latest refund when refundID is empty). Call it after Refund succeeded: a
// printer problem does not undo the refund.
func (s *Service) PrintRefund(ctx context.Context, id, refundID string, c Copy) error {
	if s.o.Receipts.Printer == nil {
		return ErrNotSupported
	}
	t, err := s.o.Journal.Get(ctx, id)
	if err != nil {
		return err
	}
	r, ok := findRefund(t, refundID)
	if !ok {
		return fmt.Errorf("%w: refund %q of payment %q", ErrNotFound, refundID, id)
	}
	if err := s.o.Receipts.Printer.Print(ctx, BuildRefundReceipt(t, r, s.o.Merchant, ReceiptOpts{Copy: c, Lang: s.o.Lang})); err != nil {
		s.receiptFailed(t, err)
		return err
	}
	s.publish(EventReceiptPrinted, t, string(c))
	return nil
}

// receiptFailed tells the UIs a receipt did not print, with the printer's
// error itself (paper out, cover open…) for them to say what to do.
func (s *Service) receiptFailed(t *Transaction, err error) {
	s.bus.publish(Event{Type: EventReceiptFailed, At: s.o.Now(), Message: err.Error(), Err: err, Payment: t.Clone()})
}

func findRefund(t *Transaction, id string) (Refund, bool) {
	for i := len(t.Refunds) - 1; i >= 0; i-- {
		if id == "" || t.Refunds[i].ID == id {
			return t.Refunds[i], true
		}
	}
	return Refund{}, false
}

// printReceipt prints the customer copy after a payment ended. A printer
// problem never changes the payment: the receipt stays unprinted
// (ReceiptPrinted false) and reprintable.
func (s *Service) printReceipt(t *Transaction) {
	if s.o.Receipts.Printer == nil || !(t.State.Approved() || t.State == StateDeclined) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := s.o.Receipts.Printer.Print(ctx, BuildReceipt(t, s.o.Merchant, ReceiptOpts{Copy: CustomerCopy, Lang: s.o.Lang}))
	if err != nil {
		s.log.Warn("receipt not printed", "txn_id", t.ID, "err", err)
		s.receiptFailed(t, err)
		return
	}
	t.ReceiptPrinted = true
	saved, err := s.markPrinted(ctx, t.ID)
	if err != nil {
		s.log.Error("journal write failed", "txn_id", t.ID, "err", err)
		saved = t
	}
	s.publish(EventReceiptPrinted, saved, string(CustomerCopy))
}

// markPrinted records that the customer copy of payment id printed. It
// changes that flag alone on the latest record: a refund or void journaled
// since the payment ended must not be overwritten by an older copy.
func (s *Service) markPrinted(ctx context.Context, id string) (*Transaction, error) {
	return s.o.Journal.Update(ctx, id, func(t *Transaction) error {
		t.ReceiptPrinted = true
		t.UpdatedAt = s.o.Now()
		return nil
	})
}

// emailReceipt sends the receipt when the merchant enabled it and the
// customer left an address. Failure is logged: the sale stands.
func (s *Service) emailReceipt(t *Transaction) {
	if !s.o.Receipts.EmailCustomer || s.o.Receipts.Notifier == nil || t.Email == "" || !t.State.Approved() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	text := BuildReceipt(t, s.o.Merchant, ReceiptOpts{Copy: CustomerCopy, Lang: s.o.Lang}).PlainText(42)
	if err := s.o.Receipts.Notifier.SendReceipt(ctx, t.Email, t, text); err != nil {
		s.log.Warn("receipt not e-mailed", "txn_id", t.ID, "err", err)
	}
}

// words holds receipt wording per language. French follows what cardholders
// read on CB terminal tickets (upper case, no accents: many printers lack
// them in their default table).
var words = map[string]map[string]string{
	"fr": {
		"customer": "TICKET CLIENT", "merchant": "TICKET COMMERCANT", "keep": "A CONSERVER",
		"duplicate": "DUPLICATA", "sale": "DEBIT", "refund": "CREDIT", "amount": "MONTANT",
		"contactless": "SANS CONTACT", "qr": "PAIEMENT QR CODE", "link": "PAIEMENT PAR LIEN",
		"approved": "ACCEPTE", "declined": "REFUSE", "offline": "HORS LIGNE",
		"auth": "AUTO", "terminal": "TERMINAL", "contract": "CONTRAT", "txn": "TRANS.",
		"thanks": "MERCI, A BIENTOT", "wallet": "PORTEFEUILLE", "cancelled": "ANNULE",
		"refunded": "REMBOURSE", "report_x": "RAPPORT X", "report_z": "CLOTURE (Z)",
		"batch": "LOT", "sales": "VENTES", "refunds": "REMBOURS.", "net": "NET",
		"pending": "A TRANSMETTRE", "fwd_declined": "REFUSES APRES ENVOI",
		"on": "LE", "at": "A", "card": "CARTE", "not_charged": "CARTE NON DEBITEE",
		"wallet_not_charged": "AUCUN DEBIT", "offline_note": "TRANSMIS ULTERIEUREMENT",
		"ref": "REF.", "order": "COMMANDE", "pos_ref": "REF. CAISSE", "rate": "TAUX DE CHANGE",
		"refund_title": "REMBOURSEMENT", "orig": "ACHAT DU", "refund_ok": "REMBOURSEMENT ACCEPTE",
		"pay_before": "A PAYER AVANT LE", "scan": "SCANNEZ POUR PAYER", "sent_to": "ENVOYE A",
		"link_pending": "DEMANDE DE PAIEMENT", "paid_link": "PAYE EN LIGNE",
		"cdcvm": "VERIFIE SUR MOBILE", "online_pin": "CODE CONFIDENTIEL VERIFIE",
		"pin_wrong": "CODE CONFIDENTIEL ERRONE", "pin_tries": "NOMBRE D'ESSAIS DEPASSE", "signature": "SIGNATURE DU PORTEUR",
		"no_cvm": "", "declines": "REFUSES", "end": "FIN DE RAPPORT", "closed": "LOT CLOTURE",
		"count": "NB", "total": "TOTAL", "voided": "ANNULATION", "partial": "DEJA REMBOURSE",
		"resp": "CODE REPONSE", "refund_now": "MONTANT REMBOURSE",
	},
	"en": {
		"customer": "CUSTOMER COPY", "merchant": "MERCHANT COPY", "keep": "PLEASE RETAIN",
		"duplicate": "DUPLICATE", "sale": "SALE", "refund": "REFUND", "amount": "AMOUNT",
		"contactless": "CONTACTLESS", "qr": "QR CODE PAYMENT", "link": "PAYMENT LINK",
		"approved": "APPROVED", "declined": "DECLINED", "offline": "OFFLINE",
		"auth": "AUTH CODE", "terminal": "TERMINAL", "contract": "MERCHANT", "txn": "TXN",
		"thanks": "THANK YOU", "wallet": "WALLET", "cancelled": "CANCELLED",
		"refunded": "REFUNDED", "report_x": "X REPORT", "report_z": "END OF DAY (Z)",
		"batch": "BATCH", "sales": "SALES", "refunds": "REFUNDS", "net": "NET",
		"pending": "TO BE SENT", "fwd_declined": "DECLINED AFTER SENDING",
		"on": "", "at": "", "card": "CARD", "not_charged": "CARD NOT CHARGED",
		"wallet_not_charged": "NOT CHARGED", "offline_note": "TO BE SENT TO THE BANK",
		"ref": "REF.", "order": "ORDER", "pos_ref": "POS REF.", "rate": "EXCHANGE RATE",
		"refund_title": "REFUND", "orig": "PURCHASE OF", "refund_ok": "REFUND APPROVED",
		"pay_before": "PAY BEFORE", "scan": "SCAN TO PAY", "sent_to": "SENT TO",
		"link_pending": "PAYMENT REQUEST", "paid_link": "PAID ONLINE",
		"cdcvm": "VERIFIED ON DEVICE", "online_pin": "PIN VERIFIED",
		"pin_wrong": "INCORRECT PIN", "pin_tries": "PIN TRIES EXCEEDED", "signature": "CARDHOLDER SIGNATURE",
		"no_cvm": "", "declines": "DECLINED", "end": "END OF REPORT", "closed": "BATCH CLOSED",
		"count": "NB", "total": "TOTAL", "voided": "VOID", "partial": "REFUNDED BEFORE",
		"resp": "RESPONSE CODE", "refund_now": "AMOUNT REFUNDED",
	},
}

func word(lang, k string) string {
	if w, ok := words[lang][k]; ok {
		return w
	}
	return words["en"][k]
}

// receiptDoc accumulates lines.
type receiptDoc struct {
	l    []printer.Line
	lang string
}

func (d *receiptDoc) add(l ...printer.Line) { d.l = append(d.l, l...) }
func (d *receiptDoc) w(k string) string     { return word(d.lang, k) }
func (d *receiptDoc) kv(k, v string)        { d.add(printer.Line{Text: k, Right: v}) }
func (d *receiptDoc) center(s string, bold bool) {
	d.add(printer.Line{Text: s, Align: printer.Center, Bold: bold})
}
func (d *receiptDoc) banner(s string) {
	d.add(printer.Line{Text: s, Align: printer.Center, Bold: true, Wide: true})
}
func (d *receiptDoc) rule()  { d.add(printer.Line{Rule: true}) }
func (d *receiptDoc) blank() { d.add(printer.Line{}) }
func (d *receiptDoc) amount(k string, a string) {
	d.add(printer.Line{Text: k, Right: a, Bold: true, Tall: true})
}
func (d *receiptDoc) receipt() printer.Receipt { return printer.Receipt{Lines: d.l} }
func (d *receiptDoc) dateTime(t time.Time)     { d.center(d.dateText(t), false) }
func (d *receiptDoc) dateText(t time.Time) string {
	if d.lang == "fr" {
		return "LE " + t.Format("02/01/06") + " A " + t.Format("15:04:05")
	}
	return t.Format("2006-01-02 15:04:05")
}

// narrowCols is the text width of the narrowest paper (58 mm, font A):
// receipts are built once for every printer.
const narrowCols = 32

// longKV prints a value that may not fit beside its label on narrow paper
// (an order ID of up to 46 characters): it breaks the value after its
// dashes, the first part beside the label, the rest flush right below, so
// no piece is cut in the middle as the driver's wrapping would.
func (d *receiptDoc) longKV(k, v string) {
	if len(k)+1+len(v) <= narrowCols {
		d.kv(k, v)
		return
	}
	room := narrowCols - len(k) - 1
	first := true
	for v != "" {
		part := v
		if len(part) > room {
			cut := strings.LastIndexByte(part[:room], '-')
			if cut < 0 {
				cut = room - 1 // no dash: a hard break is all there is
			}
			part = v[:cut+1]
		}
		if first {
			d.kv(k, part)
		} else {
			d.add(printer.Line{Text: part, Align: printer.Right})
		}
		v, first, room = v[len(part):], false, narrowCols
	}
}

func (d *receiptDoc) header(m Merchant) {
	if m.Name != "" {
		d.banner(strings.ToUpper(m.Name))
	}
	for _, s := range []string{m.Address, m.City} {
		if s != "" {
			d.center(s, false)
		}
	}
}

// BuildReceipt lays out the receipt of t as French cardholders know it from
// CB terminals: card label and AID, date, merchant, CONTRAT and TERMINAL
// numbers, TRANS. number, masked PAN (last 4 only on the customer copy,
// first 6 / last 4 at most on the merchant copy), SANS CONTACT, DEBIT,
// MONTANT, the authorisation number or the HORS LIGNE mention, and TICKET
// CLIENT / A CONSERVER. Wallet receipts name the wallet; a payment link
// still waiting to be paid prints as a payment request with the link's QR.
func BuildReceipt(t *Transaction, m Merchant, o ReceiptOpts) printer.Receipt {
	if o.Copy == "" {
		o.Copy = CustomerCopy
	}
	d := &receiptDoc{lang: o.Lang}
	if d.lang != "fr" {
		d.lang = "en"
	}
	if t.Method == MethodPayLink && t.State == StateAwaitingCustomer {
		return linkRequest(d, t, m, o)
	}
	if o.Duplicate {
		d.banner("*** " + d.w("duplicate") + " ***")
		d.blank()
	}
	d.methodHead(t, o)
	d.dateTime(o.at(t.CreatedAt))
	d.header(m)
	d.blank()
	d.ids(t, m)
	d.payer(t, o)
	d.blank()
	declined := t.State == StateDeclined || t.State == StateForwardDeclined
	voided := t.State == StateReversed || t.State == StateCancelled
	op := d.w("sale")
	if voided {
		op = d.w("voided")
	}
	d.add(printer.Line{Text: op, Align: printer.Center, Bold: true})
	d.amount(d.w("amount"), t.Amount.Format(d.lang))
	for _, r := range t.Refunds {
		d.kv(d.w("refund")+" "+o.at(r.At).Format("02/01 15:04"), "-"+r.Amount.Format(d.lang))
	}
	d.blank()
	switch {
	case declined:
		d.banner(d.w("declined"))
		if t.Result != "" && t.Result != "000" {
			d.kv(d.w("resp"), t.Result)
		}
		switch t.Code {
		case ReasonIncorrectPIN:
			d.center(d.w("pin_wrong"), false)
		case ReasonPINTriesExceeded:
			d.center(d.w("pin_tries"), false)
		}
		if t.Method == MethodCard {
			d.center(d.w("not_charged"), false)
		} else {
			d.center(d.w("wallet_not_charged"), false)
		}
	case voided:
		d.banner(d.w("cancelled"))
	case t.Offline && !t.Forwarded && t.State == StateOfflineApproved:
		d.banner(d.w("approved"))
		d.center("*** "+d.w("offline")+" ***", true)
		d.center(d.w("offline_note"), false)
	case t.State.Approved():
		d.banner(d.w("approved"))
		if t.Offline {
			d.center(d.w("offline"), false)
		}
		if t.AuthCode != "" && t.Method == MethodCard {
			d.kv(d.w("auth"), t.AuthCode)
		}
	}
	if t.Method == MethodCard && t.Card != nil && t.Card.CVM != "" && t.State.Approved() {
		if s := d.w(t.Card.CVM); s != "" && t.Card.CVM != "signature" {
			d.center(s, false)
		}
		if t.Card.CVM == "signature" && o.Copy == MerchantCopy {
			d.blank()
			d.add(printer.Line{Text: d.w("signature")})
			d.blank()
			d.blank()
			d.rule()
		}
	}
	d.footer(o)
	return d.receipt()
}

// methodHead is the top block: card label and AID, or wallet, or link.
func (d *receiptDoc) methodHead(t *Transaction, o ReceiptOpts) {
	switch t.Method {
	case MethodCard:
		if c := t.Card; c != nil {
			label := strings.ToUpper(c.Label)
			if label == "" {
				label = d.w("card") + " " + strings.ToUpper(c.Brand)
			}
			d.center(label, true)
			if c.AID != "" {
				d.center(c.AID, false)
			}
		}
		d.center(d.w("contactless"), true)
	case MethodAlipayPlus:
		d.center(strings.ToUpper(WalletName(WalletAlipayPlus)), true)
		if w := LookupWallet(t.Wallet); w.Code != "" && w.Code != WalletAlipayPlus {
			d.center(d.w("wallet")+" "+strings.ToUpper(w.Name), true)
		}
		d.center(d.w("qr"), false)
	case MethodPayLink:
		d.center(d.w("link"), true)
	}
}

func (d *receiptDoc) ids(t *Transaction, m Merchant) {
	if m.Contract != "" {
		d.kv(d.w("contract"), m.Contract)
	}
	d.kv(d.w("terminal"), m.TerminalID)
	d.kv(d.w("txn"), t.ReceiptNumber())
	if t.Reference != "" {
		d.kv(d.w("pos_ref"), t.Reference)
	}
}

// payer prints who paid: the masked PAN, the wallet's transaction
// reference, or the order paid through the link.
func (d *receiptDoc) payer(t *Transaction, o ReceiptOpts) {
	switch t.Method {
	case MethodCard:
		if c := t.Card; c != nil && !c.PAN.IsZero() {
			pan := c.PAN.MaskedLast4()
			if o.Copy == MerchantCopy {
				pan = c.PAN.Masked()
			}
			d.add(printer.Line{Text: pan, Align: printer.Center})
		}
	case MethodAlipayPlus:
		if t.GatewayID != "" {
			d.kv(d.w("ref"), t.GatewayID)
		}
		if t.ExchangeRate != "" {
			d.kv(d.w("rate"), t.ExchangeRate)
		}
	case MethodPayLink:
		d.longKV(d.w("order"), t.OrderID)
		if t.GatewayID != "" {
			d.kv(d.w("ref"), t.GatewayID)
		}
	}
}

func (d *receiptDoc) footer(o ReceiptOpts) {
	d.blank()
	d.center(d.w(string(o.Copy)), true)
	if o.Copy == CustomerCopy {
		d.center(d.w("keep"), false)
	}
	if o.Duplicate {
		d.center("*** "+d.w("duplicate")+" ***", true)
	}
	d.blank()
	d.center(d.w("thanks"), false)
}

// linkRequest is the slip handed to a customer who pays later by link: the
// amount, the deadline and the link as a QR to scan.
func linkRequest(d *receiptDoc, t *Transaction, m Merchant, o ReceiptOpts) printer.Receipt {
	d.header(m)
	d.blank()
	d.banner(d.w("link_pending"))
	d.dateTime(o.at(t.CreatedAt))
	d.blank()
	d.kv(d.w("terminal"), m.TerminalID)
	d.kv(d.w("txn"), t.ReceiptNumber())
	d.longKV(d.w("order"), t.OrderID)
	d.blank()
	d.amount(d.w("amount"), t.Amount.Format(d.lang))
	if !t.ExpireAt.IsZero() {
		d.center(d.w("pay_before")+" "+o.at(t.ExpireAt).Format("02/01/06 15:04"), false)
	}
	if t.Email != "" {
		d.center(d.w("sent_to")+" "+maskEmail(t.Email), false)
	}
	if t.LinkURL != "" {
		d.blank()
		d.center(d.w("scan"), true)
		d.add(printer.Line{QR: t.LinkURL})
	}
	d.blank()
	d.center(d.w("thanks"), false)
	return d.receipt()
}

// maskEmail keeps the first letter and the domain: j***@example.com.
func maskEmail(e string) string {
	at := strings.LastIndexByte(e, '@')
	if at < 1 {
		return "***"
	}
	return e[:1] + "***" + e[at:]
}

// BuildRefundReceipt lays out the receipt of one refund r of payment t: a
// CREDIT ticket with the amount refunded now (MONTANT REMBOURSE), the
// original purchase's date, number and amount, what earlier refunds of it
// gave back (DEJA REMBOURSE, only when there were some), the same card
// masking rules as sales.
func BuildRefundReceipt(t *Transaction, r Refund, m Merchant, o ReceiptOpts) printer.Receipt {
	if o.Copy == "" {
		o.Copy = CustomerCopy
	}
	d := &receiptDoc{lang: o.Lang}
	if d.lang != "fr" {
		d.lang = "en"
	}
	if o.Duplicate {
		d.banner("*** " + d.w("duplicate") + " ***")
		d.blank()
	}
	d.methodHead(t, o)
	d.dateTime(o.at(r.At))
	d.header(m)
	d.blank()
	d.ids(t, m)
	if r.GatewayID != "" && t.Method != MethodCard {
		d.kv(d.w("ref"), r.GatewayID)
	}
	d.payer(t, o)
	d.blank()
	d.add(printer.Line{Text: d.w("refund") + " - " + d.w("refund_title"), Align: printer.Center, Bold: true})
	d.amount(d.w("refund_now"), r.Amount.Format(d.lang))
	d.kv(d.w("orig")+" "+o.at(t.CreatedAt).Format("02/01/06"), t.Amount.Format(d.lang))
	if before := refundedBefore(t, r); before > 0 {
		d.kv(d.w("partial"), Amount{before, t.Amount.Currency}.Format(d.lang))
	}
	d.blank()
	d.center(d.w("refund_ok"), true)
	d.footer(o)
	return d.receipt()
}

// refundedBefore sums the refunds of t made before r: r is in t.Refunds
// once it is journaled, and must not count as already refunded on its own
// ticket.
func refundedBefore(t *Transaction, r Refund) int64 {
	var n int64
	for _, x := range t.Refunds {
		if x.ID == r.ID && x.At.Equal(r.At) {
			break
		}
		n += x.Amount.Minor
	}
	return n
}

// BuildReportReceipt lays out an X or Z report, dates in local time.
func BuildReportReceipt(r Report, m Merchant, lang string) printer.Receipt {
	return BuildReport(r, m, ReceiptOpts{Lang: lang, Copy: MerchantCopy})
}

// BuildReport lays out an X (running totals) or Z (batch closed) report:
// totals per method and brand, sales, refunds, net, declines, and offline
// approvals still to be sent or declined after sending (the merchant must
// act on those).
func BuildReport(r Report, m Merchant, o ReceiptOpts) printer.Receipt {
	d := &receiptDoc{lang: o.Lang}
	if d.lang != "fr" {
		d.lang = "en"
	}
	fm := func(minor int64) string { return Amount{minor, r.Currency}.Format(d.lang) }
	title := d.w("report_x")
	if r.Kind == "Z" {
		title = d.w("report_z")
	}
	d.header(m)
	d.blank()
	d.banner(title)
	d.dateTime(o.at(r.At))
	d.blank()
	if m.Contract != "" {
		d.kv(d.w("contract"), m.Contract)
	}
	d.kv(d.w("terminal"), r.TerminalID)
	d.kv(d.w("batch"), fmt.Sprint(r.Batch))
	d.rule()
	for _, line := range r.Lines {
		name := methodName(line.Method, d)
		switch {
		case line.Method == MethodAlipayPlus:
			if w := LookupWallet(line.Brand); w.Code != "" && w.Code != WalletAlipayPlus {
				name += " " + strings.ToUpper(w.Name)
			}
		case line.Brand != "":
			name += " " + strings.ToUpper(line.Brand)
		}
		d.add(printer.Line{Text: name, Bold: true})
		d.kv(fmt.Sprintf("  %s %d", d.w("sales"), line.SalesCount), fm(line.SalesTotal))
		if line.RefundsCount > 0 {
			d.kv(fmt.Sprintf("  %s %d", d.w("refunds"), line.RefundsCount), "-"+fm(line.RefundsTotal))
		}
	}
	if len(r.Lines) > 0 {
		d.rule()
	}
	d.kv(fmt.Sprintf("%s %d", d.w("sales"), r.SalesCount), fm(r.SalesTotal))
	d.kv(fmt.Sprintf("%s %d", d.w("refunds"), r.RefundsCount), "-"+fm(r.RefundsTotal))
	d.amount(d.w("net"), fm(r.Net))
	d.blank()
	d.kv(d.w("declines"), fmt.Sprint(r.Declined))
	if r.OfflinePending > 0 {
		d.kv(d.w("offline")+" "+d.w("pending"), fmt.Sprint(r.OfflinePending))
	}
	if r.ForwardDeclined > 0 {
		d.add(printer.Line{Text: d.w("fwd_declined"), Right: fmt.Sprint(r.ForwardDeclined), Bold: true})
	}
	d.rule()
	if r.Kind == "Z" {
		d.center(d.w("closed")+" "+fmt.Sprint(r.Batch), true)
	}
	d.center(d.w("end"), false)
	return d.receipt()
}

func methodName(m Method, d *receiptDoc) string {
	switch m {
	case MethodCard:
		return d.w("card")
	case MethodAlipayPlus:
		return strings.ToUpper(WalletName(WalletAlipayPlus))
	case MethodPayLink:
		return d.w("link")
	}
	return strings.ToUpper(string(m))
}

// ReportText is the report as plain text (e-mail, API).
func ReportText(r Report, m Merchant, lang string) string {
	return BuildReportReceipt(r, m, lang).PlainText(42)
}
