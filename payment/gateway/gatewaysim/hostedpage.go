package gatewaysim

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"tpe/payment"
)

// The hosted payment page behind each payment link (GET /payment/{token}):
// the amount is fixed by the merchant and shown, the card fields are empty
// and the shopper fills them. The form posts the amount back, as hosted
// pages do, and the simulator refuses any amount other than the prepared
// one: a page tampered with cannot pay less. Link states: a prepared payment
// is pending (Not processed, or Pending after a declined try), paid
// (Authorized), expired (Expired, past its timeOut) or cancelled
// (Cancelled, POST /payment/{merchantToken}/cancel).

// LinkState is the link-state word of a prepared payment's status.
func LinkState(status string) string {
	switch status {
	case paymentAuthorized:
		return "paid"
	case paymentExpired:
		return "expired"
	case paymentCancelled:
		return "cancelled"
	case paymentNotAuthorized:
		return "declined"
	}
	return "pending"
}

var hostedPageT = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.T.title}}</title></head><body>
<h1>{{.T.title}}</h1>
<p class="order">{{.T.order}} {{.Order}}{{if .Description}} — {{.Description}}{{end}}</p>
<p class="amount" id="amount">{{.Amount}}</p>
<p class="state" id="state" data-state="{{.State}}">{{.StateText}}</p>
{{if .Error}}<p class="error" id="error" role="alert">{{.Error}}</p>{{end}}
{{if .Open}}<form method="post" action="/payment/{{.Token}}/pay" autocomplete="off">
<input type="hidden" name="amount" value="{{.Minor}}">
<input type="hidden" name="currency" value="{{.Currency}}">
<label>{{.T.number}} <input name="cardNumber" inputmode="numeric" value="" required></label>
<label>{{.T.expiry}} <input name="expiry" placeholder="MM/YY" value="" required></label>
<label>{{.T.cvv}} <input name="cvv" inputmode="numeric" value="" required></label>
<label>{{.T.holder}} <input name="holder" value=""></label>
<button type="submit">{{.T.pay}} {{.Amount}}</button>
</form>{{end}}
<p class="hint">{{.T.hint}}</p>
</body></html>`))

var pageWords = map[string]map[string]string{
	"en": {"title": "Secure payment", "order": "Order", "number": "Card number", "expiry": "Expiry",
		"cvv": "Security code", "holder": "Cardholder", "pay": "Pay",
		"pending": "Waiting for payment", "paid": "Paid — thank you", "expired": "This payment link has expired",
		"cancelled": "This payment link was cancelled by the merchant", "declined": "Payment declined",
		"hint": "Simulator: any Luhn-valid card number pays; 4000000000000051 declines (insufficient funds)."},
	"fr": {"title": "Paiement sécurisé", "order": "Commande", "number": "Numéro de carte", "expiry": "Expiration",
		"cvv": "Cryptogramme", "holder": "Titulaire", "pay": "Payer",
		"pending": "En attente de paiement", "paid": "Payé — merci", "expired": "Ce lien de paiement a expiré",
		"cancelled": "Ce lien de paiement a été annulé par le commerçant", "declined": "Paiement refusé",
		"hint": "Simulateur : tout numéro valide (Luhn) paie ; 4000000000000051 est refusé (provision insuffisante)."},
}

func (s *Server) renderPage(w http.ResponseWriter, r *http.Request, status int, tok string, p Payment, msg string) {
	lang := "en"
	if strings.HasPrefix(r.Header.Get("Accept-Language"), "fr") || r.URL.Query().Get("lang") == "fr" {
		lang = "fr"
	}
	t := pageWords[lang]
	st := LinkState(p.Status)
	open := st == "pending" || st == "declined"
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	hostedPageT.Execute(w, map[string]any{
		"Lang": lang, "T": t, "Order": p.OrderID, "Description": p.Description,
		"Amount": payment.Amount{Minor: p.Amount, Currency: p.Currency}.String(),
		"Minor":  p.Amount, "Currency": p.Currency, "State": st, "StateText": t[st],
		"Open": open, "Token": tok, "Error": msg,
	})
}

// hostedPage is GET /payment/{customerToken}.
func (s *Server) hostedPage(w http.ResponseWriter, r *http.Request) {
	tok := r.PathValue("token")
	p, err := s.paymentByCustomerToken(tok)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	s.renderPage(w, r, http.StatusOK, tok, p, "")
}

func (s *Server) paymentByCustomerToken(tok string) (Payment, error) {
	s.led.mu.Lock()
	mt, ok := s.led.cust[tok]
	s.led.mu.Unlock()
	if !ok {
		return Payment{}, ErrUnknownPayment
	}
	return s.PaymentByMerchantToken(mt)
}

// hostedPay is POST /payment/{customerToken}/pay: the shopper's card.
func (s *Server) hostedPay(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
	tok := r.PathValue("token")
	p, err := s.paymentByCustomerToken(tok)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.renderPage(w, r, http.StatusBadRequest, tok, p, "bad form")
		return
	}
	if st := LinkState(p.Status); st != "pending" && st != "declined" {
		s.renderPage(w, r, http.StatusConflict, tok, p, "this payment cannot be paid: "+st)
		return
	}
	// The amount is the merchant's: a form posting another one was
	// tampered with, and is refused without any attempt recorded.
	minor, err := strconv.ParseInt(r.PostFormValue("amount"), 10, 64)
	if err != nil || minor != p.Amount || r.PostFormValue("currency") != p.Currency {
		s.renderPage(w, r, http.StatusUnprocessableEntity, tok, p, "amount changed: refused, the amount is fixed by the merchant")
		return
	}
	pan := strings.ReplaceAll(strings.ReplaceAll(r.PostFormValue("cardNumber"), " ", ""), "-", "")
	if !luhnOK(pan) {
		s.renderPage(w, r, http.StatusUnprocessableEntity, tok, p, "invalid card number")
		return
	}
	if !expiryOK(r.PostFormValue("expiry"), s.now()) {
		s.renderPage(w, r, http.StatusUnprocessableEntity, tok, p, "invalid or past expiry date")
		return
	}
	if cvv := r.PostFormValue("cvv"); len(cvv) < 3 || len(cvv) > 4 || strings.Trim(cvv, "0123456789") != "" {
		s.renderPage(w, r, http.StatusUnprocessableEntity, tok, p, "invalid security code")
		return
	}
	code := codeSuccess
	if c, ok := TestPANs[pan]; ok {
		code = c
	} else if c := forcedCode(p.Amount); c != "" {
		code = c
	}
	if _, err := s.AddAttempt(p.MerchantToken, "CreditCard", "sale", code, "", p.Amount); err != nil {
		s.renderPage(w, r, http.StatusConflict, tok, p, "this payment cannot be paid")
		return
	}
	http.Redirect(w, r, "/payment/"+tok, http.StatusSeeOther)
}

func luhnOK(pan string) bool {
	if len(pan) < 12 || len(pan) > 19 || strings.Trim(pan, "0123456789") != "" {
		return false
	}
	sum := 0
	for i := range len(pan) {
		d := int(pan[len(pan)-1-i] - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

func expiryOK(v string, now time.Time) bool {
	mm, yy, ok := strings.Cut(strings.TrimSpace(v), "/")
	m, err1 := strconv.Atoi(mm)
	y, err2 := strconv.Atoi(yy)
	if !ok || err1 != nil || err2 != nil || m < 1 || m > 12 || len(yy) != 2 {
		return false
	}
	end := time.Date(2000+y, time.Month(m)+1, 1, 0, 0, 0, 0, time.UTC)
	return now.Before(end)
}

// CancelPayment withdraws an unpaid prepared payment (a payment link): its
// page stops taking payments. Cancelling a cancelled payment is accepted.
func (s *Server) CancelPayment(merchantToken string) error {
	s.led.mu.Lock()
	defer s.led.mu.Unlock()
	p, ok := s.led.pays[merchantToken]
	if !ok {
		return ErrUnknownPayment
	}
	s.refresh(p, s.now())
	switch p.Status {
	case paymentCancelled:
		return nil
	case paymentAuthorized, paymentExpired:
		return ErrPaymentClosed
	}
	for _, id := range p.TxnIDs {
		if e := s.led.txns[id]; e != nil && e.Status == paymentPending {
			return ErrPaymentClosed // a wallet attempt is running: cancel that transaction
		}
	}
	p.Status = paymentCancelled
	return s.led.put(record{Pay: p})
}

// cancelPayment is POST /payment/{merchantToken}/cancel (our extension).
func (s *Server) cancelPayment(w http.ResponseWriter, r *http.Request) {
	switch err := s.CancelPayment(r.PathValue("token")); {
	case err == nil:
		c2pReply(w, "200", "Request processed successfully")
	case err == ErrUnknownPayment:
		c2pReply(w, "312", "transaction not found")
	default:
		c2pReply(w, "501", "transaction incorrect data: the payment can no longer be cancelled")
	}
}
