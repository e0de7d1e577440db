package gatewaysim

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"tpe/payment"
)

// Connect2Pay (payxpert-api.md §3): prepared payments, their status, the
// shopper's page (which the simulator lets you "pay" with a test card), and
// the wallet direct processes, which slot in through Opts.Direct.

const defaultLinkTimeout = 24 * time.Hour

// token22 is a 16-byte base64url token (22 characters), the shape of
// PayXpert merchant and customer tokens (§4.2 needs the 16 bytes).
func token22() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func c2pReply(w http.ResponseWriter, code, msg string) {
	writeJSON(w, http.StatusOK, map[string]string{"code": code, "message": msg})
}

func (s *Server) prepare(w http.ResponseWriter, r *http.Request) {
	var req prepareRequest
	if err := readWire(r, &req); err != nil {
		c2pReply(w, "402", "JSON error")
		return
	}
	if req.APIVersion == "" {
		c2pReply(w, "400", "missing parameter: apiVersion")
		return
	}
	if req.Currency == "" || req.Amount == 0 || req.Order.ID == "" || req.PaymentMode == "" {
		c2pReply(w, "401", "missing parameter: currency, amount, paymentMode and order.id are required")
		return
	}
	if req.Amount < 1 || req.Amount > 999_999_999 || !payment.KnownCurrency(req.Currency) {
		c2pReply(w, "501", "transaction incorrect data: amount or currency")
		return
	}
	ttl := defaultLinkTimeout
	if req.TimeOut != "" {
		d, err := ParseISODuration(req.TimeOut)
		if err != nil || d <= 0 {
			c2pReply(w, "501", "transaction incorrect data: timeOut")
			return
		}
		ttl = d
	}
	now := s.now()
	p := &Payment{PaymentID: randomString(10, "abcdefghijklmnopqrstuvwxyz0123456789"),
		MerchantToken: token22(), CustomerToken: token22(), OrderID: req.Order.ID,
		Description: req.Order.Description, Method: req.PaymentMethod, Amount: req.Amount,
		Currency: req.Currency, Status: paymentNotProcessed, CustomData: req.CtrlCustomData,
		Created: now.UnixMilli(), ExpireAt: now.Add(ttl).UnixMilli()}
	if req.Shopper != nil {
		p.Email = req.Shopper.Email
	}
	s.led.mu.Lock()
	err := s.led.put(record{Pay: p})
	s.led.mu.Unlock()
	if err != nil {
		c2pReply(w, "500", "internal operation error")
		return
	}
	writeJSON(w, http.StatusOK, c2pResult{Code: "200", Message: "Request processed successfully",
		MerchantToken: p.MerchantToken, CustomerToken: p.CustomerToken})
}

var isoDuration = regexp.MustCompile(`^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$`)

// ParseISODuration reads the ISO 8601 durations Connect2Pay uses for
// timeOut (P1D, PT30M, P1DT12H); months and years are refused.
func ParseISODuration(s string) (time.Duration, error) {
	m := isoDuration.FindStringSubmatch(s)
	if m == nil || s == "P" || s == "PT" {
		return 0, fmt.Errorf("gatewaysim: bad ISO 8601 duration %q", s)
	}
	var d time.Duration
	for i, unit := range []time.Duration{24 * time.Hour, time.Hour, time.Minute, time.Second} {
		if m[i+1] != "" {
			n, err := strconv.Atoi(m[i+1])
			if err != nil || n > 1_000_000 {
				return 0, fmt.Errorf("gatewaysim: bad ISO 8601 duration %q", s)
			}
			d += time.Duration(n) * unit
		}
	}
	return d, nil
}

// refresh marks an unpaid payment Expired once past its timeOut; callers
// hold s.led.mu.
func (s *Server) refresh(p *Payment, now time.Time) {
	if p.Status != paymentAuthorized && p.Status != paymentExpired && p.Status != paymentCancelled && now.UnixMilli() > p.ExpireAt {
		p.Status = paymentExpired
		p.ErrorCode = codePaymentExpired
		s.led.put(record{Pay: p})
	}
}

// PaymentByMerchantToken returns a copy of a prepared payment.
func (s *Server) PaymentByMerchantToken(mt string) (Payment, error) {
	s.led.mu.Lock()
	defer s.led.mu.Unlock()
	p, ok := s.led.pays[mt]
	if !ok {
		return Payment{}, ErrUnknownPayment
	}
	s.refresh(p, s.now())
	return *p, nil
}

// needVersion answers 400 to a GET without the apiVersion query parameter
// that Connect2Pay requires (§3.1, consult-payment "required: yes").
func needVersion(w http.ResponseWriter, r *http.Request) bool {
	if r.URL.Query().Get("apiVersion") == "" {
		c2pReply(w, "400", "missing parameter: apiVersion")
		return false
	}
	return true
}

func (s *Server) paymentStatus(w http.ResponseWriter, r *http.Request) {
	if !needVersion(w, r) {
		return
	}
	s.led.mu.Lock()
	p, ok := s.led.pays[r.PathValue("token")]
	if !ok {
		s.led.mu.Unlock()
		c2pReply(w, "312", "transaction not found")
		return
	}
	s.refresh(p, s.now())
	st := paymentStatus{APIVersion: apiVersion, Status: p.Status,
		MerchantToken: p.MerchantToken, Operation: "sale", ErrorCode: p.ErrorCode,
		ErrorMessage: codeMessage(p.ErrorCode), Currency: p.Currency, Amount: p.Amount,
		CtrlCustomData: p.CustomData, ExpirationDate: p.ExpireAt, Order: &c2pOrder{ID: p.OrderID, Description: p.Description},
		Transactions: []TransactionAttempt{}}
	if p.ErrorCode == "" {
		st.ErrorMessage = ""
	}
	for _, id := range p.TxnIDs {
		if e, ok := s.led.txns[id]; ok {
			st.Transactions = append(st.Transactions, attempt(p, e))
		}
	}
	s.led.mu.Unlock()
	writeJSON(w, http.StatusOK, st)
}

func attempt(p *Payment, e *Entry) TransactionAttempt {
	return TransactionAttempt{PaymentID: p.PaymentID, PaymentMethod: e.PaymentMethod, PaymentNetwork: e.Wallet, Operation: e.Operation,
		Date: e.Date, Amount: e.Amount, RefundedAmount: e.RefundedAmount, Currency: e.Currency,
		ResultCode: e.ErrorCode, ResultMessage: e.ErrorMessage, Status: e.Status, TransactionID: e.TransactionID,
		RefTransactionID: e.ReferralID, OrderID: e.OrderID, IsTest: true}
}

func (s *Server) transactionInfo(w http.ResponseWriter, r *http.Request) {
	if !needVersion(w, r) {
		return
	}
	s.led.mu.Lock()
	defer s.led.mu.Unlock()
	e, ok := s.led.txns[r.PathValue("id")]
	if !ok || e.PaymentMethod == "CreditCard" && !strings.Contains(e.TransactionID, "-") {
		c2pReply(w, "312", "transaction not found")
		return
	}
	p := s.paymentOf(e)
	writeJSON(w, http.StatusOK, attempt(p, e))
}

// paymentOf finds the payment of a Connect2Pay transaction (IDs are
// paymentID-xxxx); callers hold s.led.mu.
func (s *Server) paymentOf(e *Entry) *Payment {
	pid, _, _ := strings.Cut(e.TransactionID, "-")
	for _, p := range s.led.pays {
		if p.PaymentID == pid {
			return p
		}
	}
	return &Payment{PaymentID: pid}
}

// AddAttempt records a Connect2Pay transaction attempt on a payment and
// updates its status: the hook the wallet processors and the payment page
// use. code "000" authorises the payment. It returns the attempt.
func (s *Server) AddAttempt(merchantToken, method, operation, code, refID string, amount int64) (Entry, error) {
	s.led.mu.Lock()
	defer s.led.mu.Unlock()
	return s.addAttemptLocked(merchantToken, method, operation, code, refID, amount)
}

// addAttemptLocked is AddAttempt for callers holding s.led.mu.
func (s *Server) addAttemptLocked(merchantToken, method, operation, code, refID string, amount int64) (Entry, error) {
	p, ok := s.led.pays[merchantToken]
	if !ok {
		return Entry{}, ErrUnknownPayment
	}
	now := s.now()
	s.refresh(p, now)
	if operation == "sale" && (p.Status == paymentAuthorized || p.Status == paymentExpired) {
		return Entry{}, fmt.Errorf("gatewaysim: payment is %s", strings.ToLower(p.Status))
	}
	e := Entry{OrderID: p.OrderID, ReferralID: refID, Operation: operation, PaymentMethod: method,
		Amount: amount, Currency: p.Currency, ErrorCode: code, ErrorMessage: codeMessage(code),
		Date: now.UnixMilli(), Seq: s.led.nextSeq()}
	e.TransactionID = p.PaymentID + "-" + randomString(4, "abcdefghijklmnopqrstuvwxyz0123456789")
	e.Status = statusNotAuthorized
	if code == codeSuccess {
		e.Status = statusCaptured
		if operation != "sale" {
			e.Status = statusDone
		}
	}
	if operation == "sale" {
		p.ErrorCode = code
		p.Status = paymentPending
		if code == codeSuccess {
			p.Status = paymentAuthorized
		}
	}
	p.TxnIDs = append(p.TxnIDs, e.TransactionID)
	return e, s.led.put(record{Txn: &e}, record{Pay: p})
}

// PayLink pays a prepared payment as the shopper would on its page, with a
// test card: code "000" approves, anything else declines.
func (s *Server) PayLink(customerToken, code string) error {
	s.led.mu.Lock()
	mt, ok := s.led.cust[customerToken]
	s.led.mu.Unlock()
	if !ok {
		return ErrUnknownPayment
	}
	p, err := s.PaymentByMerchantToken(mt)
	if err != nil {
		return err
	}
	_, err = s.AddAttempt(mt, "CreditCard", "sale", code, "", p.Amount)
	return err
}

func (s *Server) directProcess(w http.ResponseWriter, r *http.Request) {
	method := strings.ToLower(r.PathValue("method"))
	proc, ok := s.o.Direct[method]
	if !ok {
		c2pReply(w, "400", "payment method "+method+" is not available in the simulator")
		return
	}
	s.led.mu.Lock()
	mt, ok := s.led.cust[r.PathValue("token")]
	var p Payment
	if ok {
		p = *s.led.pays[mt]
	}
	s.led.mu.Unlock()
	if !ok {
		c2pReply(w, "312", "transaction not found")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
	var v struct {
		APIVersion string `json:"apiVersion"`
	}
	if err != nil || decodeExact(body, &v) != nil {
		c2pReply(w, "402", "JSON error")
		return
	}
	if v.APIVersion == "" {
		c2pReply(w, "400", "missing parameter: apiVersion")
		return
	}
	writeJSON(w, http.StatusOK, proc.Process(s, &p, body))
}

// c2pReferral refunds or cancels a Connect2Pay transaction.
func (s *Server) c2pReferral(w http.ResponseWriter, r *http.Request, id, op string) {
	var req c2pReferralRequest
	if err := readWire(r, &req); err != nil || req.Amount <= 0 {
		c2pReply(w, "401", "missing parameter: amount")
		return
	}
	if req.APIVersion == "" {
		c2pReply(w, "400", "missing parameter: apiVersion")
		return
	}
	reply := func(code, msg, txn string) {
		writeJSON(w, http.StatusOK, c2pReferralResponse{Code: code, Message: msg, TransactionID: txn, Operation: op})
	}
	// One critical section: two concurrent refunds must not both fit.
	s.led.mu.Lock()
	defer s.led.mu.Unlock()
	e, ok := s.led.txns[id]
	if !ok {
		reply("312", "transaction not found", "")
		return
	}
	orig := *e
	mt := s.paymentOf(e).MerchantToken
	if mt == "" {
		reply("312", "transaction not found", "")
		return
	}
	if resp, ok := s.cancelPending(op, e, mt); ok {
		writeJSON(w, http.StatusOK, resp) // a wallet payment still in process (alipay.go)
		return
	}
	if orig.ErrorCode != codeSuccess || orig.Operation != "sale" {
		reply(codeInvalidTransaction, "Invalid Transaction", "")
		return
	}
	switch op {
	case "refund":
		if orig.RefundedAmount+req.Amount > orig.Amount {
			reply(codeRefundExceeds, codeMessage(codeRefundExceeds), "")
			return
		}
		orig.RefundedAmount += req.Amount
		orig.Status = statusPartiallyRefunded
		if orig.RefundedAmount == orig.Amount {
			orig.Status = statusRefunded
		}
	case "cancel":
		if req.Amount != orig.Amount || orig.RefundedAmount > 0 || orig.Status == statusCancelled {
			reply(codeInvalidTransaction, "Invalid Transaction", "")
			return
		}
		orig.Status = statusCancelled
	default:
		reply(codeInvalidTransaction, "operation not supported by the simulator", "")
		return
	}
	n, err := s.addAttemptLocked(mt, orig.PaymentMethod, op, codeSuccess, id, req.Amount)
	if err == nil {
		err = s.led.put(record{Txn: &orig})
	}
	if err != nil {
		reply("500", "internal operation error", "")
		return
	}
	reply(codeSuccess, "Request processed successfully", n.TransactionID)
}
