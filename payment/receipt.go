package payment

import (
	"context"
	"fmt"
	"strings"
	"time"

	"tpe/device/printer"
	"tpe/payment/i18n"
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

// receiptDoc accumulates lines.
type receiptDoc struct {
	l    []printer.Line
	lang string
}

func (d *receiptDoc) add(l ...printer.Line) { d.l = append(d.l, l...) }

// T is key in the receipt's language (payment/i18n's receipt table).
func (d *receiptDoc) T(key string, args ...any) string { return i18n.T(d.lang, key, args...) }
func (d *receiptDoc) kv(k, v string)                   { d.add(printer.Line{Text: k, Right: v}) }
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
	return d.T("receipt.dated", t.Format(d.T("receipt.date_layout")), t.Format("15:04:05"))
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
		d.banner("*** " + d.T("receipt.duplicate") + " ***")
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
	op := d.T("receipt.sale")
	if voided {
		op = d.T("receipt.voided")
	}
	d.add(printer.Line{Text: op, Align: printer.Center, Bold: true})
	d.amount(d.T("receipt.amount"), t.Amount.Format(d.lang))
	for _, r := range t.Refunds {
		d.kv(d.T("receipt.refund")+" "+o.at(r.At).Format("02/01 15:04"), "-"+r.Amount.Format(d.lang))
	}
	d.blank()
	switch {
	case declined:
		d.banner(d.T("receipt.declined"))
		if t.Result != "" && t.Result != "000" {
			d.kv(d.T("receipt.resp"), t.Result)
		}
		switch t.Code {
		case ReasonIncorrectPIN:
			d.center(d.T("receipt.pin_wrong"), false)
		case ReasonPINTriesExceeded:
			d.center(d.T("receipt.pin_tries"), false)
		}
		if t.Method == MethodCard {
			d.center(d.T("receipt.not_charged"), false)
		} else {
			d.center(d.T("receipt.wallet_not_charged"), false)
		}
	case voided:
		d.banner(d.T("receipt.cancelled"))
	case t.Offline && !t.Forwarded && t.State == StateOfflineApproved:
		d.banner(d.T("receipt.approved"))
		d.center("*** "+d.T("receipt.offline")+" ***", true)
		d.center(d.T("receipt.offline_note"), false)
	case t.State.Approved():
		d.banner(d.T("receipt.approved"))
		if t.Offline {
			d.center(d.T("receipt.offline"), false)
		}
		if t.AuthCode != "" && t.Method == MethodCard {
			d.kv(d.T("receipt.auth"), t.AuthCode)
		}
	}
	if t.Method == MethodCard && t.Card != nil && t.Card.CVM != "" && t.State.Approved() {
		if k := "receipt.cvm." + t.Card.CVM; t.Card.CVM != "signature" && i18n.Has(k) {
			d.center(d.T(k), false)
		}
		if t.Card.CVM == "signature" && o.Copy == MerchantCopy {
			d.blank()
			d.add(printer.Line{Text: d.T("receipt.signature")})
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
				label = d.T("receipt.card") + " " + strings.ToUpper(c.Brand)
			}
			d.center(label, true)
			if c.AID != "" {
				d.center(c.AID, false)
			}
		}
		d.center(d.T("receipt.contactless"), true)
	case MethodAlipayPlus:
		d.center(strings.ToUpper(WalletName(WalletAlipayPlus)), true)
		if w := LookupWallet(t.Wallet); w.Code != "" && w.Code != WalletAlipayPlus {
			d.center(d.T("receipt.wallet")+" "+strings.ToUpper(w.Name), true)
		}
		d.center(d.T("receipt.qr"), false)
	case MethodPayLink:
		d.center(d.T("receipt.link"), true)
	}
}

func (d *receiptDoc) ids(t *Transaction, m Merchant) {
	if m.Contract != "" {
		d.kv(d.T("receipt.contract"), m.Contract)
	}
	d.kv(d.T("receipt.terminal"), m.TerminalID)
	d.kv(d.T("receipt.txn"), t.ReceiptNumber())
	if t.Reference != "" {
		d.kv(d.T("receipt.pos_ref"), t.Reference)
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
			d.kv(d.T("receipt.ref"), t.GatewayID)
		}
		if t.ExchangeRate != "" {
			d.kv(d.T("receipt.rate"), t.ExchangeRate)
		}
	case MethodPayLink:
		d.longKV(d.T("receipt.order"), t.OrderID)
		if t.GatewayID != "" {
			d.kv(d.T("receipt.ref"), t.GatewayID)
		}
	}
}

func (d *receiptDoc) footer(o ReceiptOpts) {
	d.blank()
	d.center(d.T("receipt.copy."+string(o.Copy)), true)
	if o.Copy == CustomerCopy {
		d.center(d.T("receipt.keep"), false)
	}
	if o.Duplicate {
		d.center("*** "+d.T("receipt.duplicate")+" ***", true)
	}
	d.blank()
	d.center(d.T("receipt.thanks"), false)
}

// linkRequest is the slip handed to a customer who pays later by link: the
// amount, the deadline and the link as a QR to scan.
func linkRequest(d *receiptDoc, t *Transaction, m Merchant, o ReceiptOpts) printer.Receipt {
	d.header(m)
	d.blank()
	d.banner(d.T("receipt.link_pending"))
	d.dateTime(o.at(t.CreatedAt))
	d.blank()
	d.kv(d.T("receipt.terminal"), m.TerminalID)
	d.kv(d.T("receipt.txn"), t.ReceiptNumber())
	d.longKV(d.T("receipt.order"), t.OrderID)
	d.blank()
	d.amount(d.T("receipt.amount"), t.Amount.Format(d.lang))
	if !t.ExpireAt.IsZero() {
		d.center(d.T("receipt.pay_before")+" "+o.at(t.ExpireAt).Format("02/01/06 15:04"), false)
	}
	if t.Email != "" {
		d.center(d.T("receipt.sent_to")+" "+maskEmail(t.Email), false)
	}
	if t.LinkURL != "" {
		d.blank()
		d.center(d.T("receipt.scan"), true)
		d.add(printer.Line{QR: t.LinkURL})
	}
	d.blank()
	d.center(d.T("receipt.thanks"), false)
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
		d.banner("*** " + d.T("receipt.duplicate") + " ***")
		d.blank()
	}
	d.methodHead(t, o)
	d.dateTime(o.at(r.At))
	d.header(m)
	d.blank()
	d.ids(t, m)
	if r.GatewayID != "" && t.Method != MethodCard {
		d.kv(d.T("receipt.ref"), r.GatewayID)
	}
	d.payer(t, o)
	d.blank()
	d.add(printer.Line{Text: d.T("receipt.refund") + " - " + d.T("receipt.refund_title"), Align: printer.Center, Bold: true})
	d.amount(d.T("receipt.refund_now"), r.Amount.Format(d.lang))
	d.kv(d.T("receipt.orig")+" "+o.at(t.CreatedAt).Format("02/01/06"), t.Amount.Format(d.lang))
	if before := refundedBefore(t, r); before > 0 {
		d.kv(d.T("receipt.partial"), Amount{before, t.Amount.Currency}.Format(d.lang))
	}
	d.blank()
	d.center(d.T("receipt.refund_ok"), true)
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
// totals per method and brand, sales, refunds, net, the refunds of earlier
// batches' sales each with its sale's batch and TRANS. number, declines,
// and offline approvals still to be sent or declined after sending (the
// merchant must act on those).
func BuildReport(r Report, m Merchant, o ReceiptOpts) printer.Receipt {
	d := &receiptDoc{lang: o.Lang}
	if d.lang != "fr" {
		d.lang = "en"
	}
	fm := func(minor int64) string { return Amount{minor, r.Currency}.Format(d.lang) }
	title := d.T("receipt.report_x")
	if r.Kind == "Z" {
		title = d.T("receipt.report_z")
	}
	d.header(m)
	d.blank()
	d.banner(title)
	d.dateTime(o.at(r.At))
	d.blank()
	if m.Contract != "" {
		d.kv(d.T("receipt.contract"), m.Contract)
	}
	d.kv(d.T("receipt.terminal"), r.TerminalID)
	d.kv(d.T("receipt.batch"), fmt.Sprint(r.Batch))
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
		d.kv(fmt.Sprintf("  %s %d", d.T("receipt.sales"), line.SalesCount), fm(line.SalesTotal))
		if line.RefundsCount > 0 {
			d.kv(fmt.Sprintf("  %s %d", d.T("receipt.refunds"), line.RefundsCount), "-"+fm(line.RefundsTotal))
		}
	}
	if len(r.Lines) > 0 {
		d.rule()
	}
	d.kv(fmt.Sprintf("%s %d", d.T("receipt.sales"), r.SalesCount), fm(r.SalesTotal))
	d.kv(fmt.Sprintf("%s %d", d.T("receipt.refunds"), r.RefundsCount), "-"+fm(r.RefundsTotal))
	d.amount(d.T("receipt.net"), fm(r.Net))
	if len(r.EarlierRefunds) > 0 {
		// Counted in the refunds above: named here, so that the closed
		// batch's Z report (its sales) and this one agree with the bank.
		d.blank()
		d.add(printer.Line{Text: fmt.Sprintf("%s %d", d.T("receipt.earlier_refunds"), len(r.EarlierRefunds)), Bold: true})
		for _, e := range r.EarlierRefunds {
			d.kv("  "+d.T("receipt.earlier_refund", e.SaleBatch, e.ReceiptNumber()), "-"+fm(e.Amount))
		}
	}
	d.blank()
	d.kv(d.T("receipt.declines"), fmt.Sprint(r.Declined))
	if r.OfflinePending > 0 {
		d.kv(d.T("receipt.offline")+" "+d.T("receipt.pending"), fmt.Sprint(r.OfflinePending))
	}
	if r.ForwardDeclined > 0 {
		d.add(printer.Line{Text: d.T("receipt.fwd_declined"), Right: fmt.Sprint(r.ForwardDeclined), Bold: true})
	}
	d.rule()
	if r.Kind == "Z" {
		d.center(d.T("receipt.closed")+" "+fmt.Sprint(r.Batch), true)
	}
	d.center(d.T("receipt.end"), false)
	return d.receipt()
}

func methodName(m Method, d *receiptDoc) string {
	switch m {
	case MethodCard:
		return d.T("receipt.card")
	case MethodAlipayPlus:
		return strings.ToUpper(WalletName(WalletAlipayPlus))
	case MethodPayLink:
		return d.T("receipt.link")
	}
	return strings.ToUpper(string(m))
}

// ReportText is the report as plain text (e-mail, API).
func ReportText(r Report, m Merchant, lang string) string {
	return BuildReportReceipt(r, m, lang).PlainText(42)
}
