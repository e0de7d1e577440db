package gatewaysim

import (
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"tpe/payment"
)

// Test triggers (documented in docs/gateway.md). An amount of 990.NN in any
// currency with two decimals, i.e. minor units 99 0NN, answers result code
// 0NN when that code is in the table; these are special:
const (
	TriggerBase     = 99000 // 990.00
	TriggerHang     = 99098 // approved, but the reply is held HangDelay (client timeout)
	TriggerSlow     = 99097 // approved after SlowDelay
	TriggerApproved = 99000 // plain approval
)

// TestPANs decline by card number, whatever the amount.
var TestPANs = map[string]string{
	"4000000000000051": codeInsufficientFunds,
	"4000000000000005": codeDeclined,
	"4000000000000054": codeCardExpired,
	"4000000000000033": codeExpiredCard,
	"4000000000000091": codeIssuerUnavailable,
	"4000000000000096": codeSystemError,
}

// isTrigger reports an amount of the test trigger range 990.00–990.99.
func isTrigger(amount int64) bool { return amount >= TriggerBase && amount < TriggerBase+100 }

// trigger returns the forced result code ("" = none) and the reply delay.
func (s *Server) trigger(amount int64, pan string) (code string, delay time.Duration) {
	if c, ok := TestPANs[pan]; ok {
		return c, 0
	}
	switch amount {
	case TriggerHang:
		return "", s.o.HangDelay
	case TriggerSlow:
		return "", s.o.SlowDelay
	}
	return triggerCode(amount), 0
}

func (s *Server) saleReply(w http.ResponseWriter, code, msg string) {
	if msg == "" {
		msg = codeMessage(code)
	}
	writeJSON(w, http.StatusOK, saleResponse{ErrorCode: code, ErrorMessage: msg})
}

func (s *Server) emvSale(op string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req emvSaleRequest
		if err := readWire(r, &req); err != nil {
			s.saleReply(w, codeFormatError, "format error: body is not a sale request")
			return
		}
		resp, delay := s.authorise(op, &req, nil)
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		writeJSON(w, http.StatusOK, resp)
	}
}

// authorise decides one card-present request and records it in the ledger:
// the reply, and how long the reply is to be held (test triggers). A
// request refused before processing (format, amount, duplicate order) is
// not recorded. The batch endpoint (batch.go) decides each advice here too,
// with the batch's key agreements in ag (nil for a single request).
func (s *Server) authorise(op string, req *emvSaleRequest, ag agreements) (saleResponse, time.Duration) {
	reply := func(code, msg string) (saleResponse, time.Duration) {
		if msg == "" {
			msg = codeMessage(code)
		}
		return saleResponse{ErrorCode: code, ErrorMessage: msg}, 0
	}
	if req.OrderID == "" || len(req.OrderID) > 100 || req.CardData == "" {
		return reply(codeFormatError, "format error: orderID and cardData are required")
	}
	if req.Amount <= 0 || req.Amount > 9_999_999_999 || !payment.KnownCurrency(req.Currency) {
		return reply(codeInvalidAmount, "")
	}
	card, err := openCard(s.cardKeys(), req.CardData, ag)
	if err != nil {
		return reply(codeFormatError, "format error: card data cannot be opened")
	}
	pd, err := parsePINData(req.PINBlock, req.KSN)
	if err != nil {
		return reply(codeFormatError, "format error: "+err.Error())
	}
	if pd != nil && req.Offline {
		// Online PIN is verified at authorisation; an offline approval
		// forwarded later has none to verify.
		return reply(codeFormatError, "format error: an offline forward carries no PIN")
	}
	// A repeated order is answered before the issuer sees it: a resent
	// wrong PIN must not count as a second try.
	s.led.mu.Lock()
	_, dup := s.led.order[req.OrderID]
	if dup {
		s.led.dups[req.TerminalID]++
	}
	s.led.mu.Unlock()
	if dup {
		s.metrics.duplicates.Inc()
		return reply(codeDuplicate, "")
	}
	pan := payment.NewPAN(card.PAN)
	code, delay := s.trigger(req.Amount, card.PAN)
	now := s.now()
	if code == "" && expired(card.Expiry, now) {
		code = codeCardExpired
	}
	msg := ""
	if code == "" {
		icc, err := hex.DecodeString(card.ICC)
		switch {
		case err != nil:
		case len(icc) == 0 && s.o.RequireICC:
			err = errors.New("no ICC data")
		case s.o.VerifyCryptogram != nil:
			if err = s.o.VerifyCryptogram(card.PAN, card.PANSeq, icc); err == nil {
				err = checkICCAmount(icc, req.Amount)
			}
		}
		if err != nil {
			code, msg = codeSecurityBreach, "cryptogram verification failed"
			s.log.Info("cryptogram rejected", "order_id", req.OrderID, "pan", pan)
		}
	}
	if code == "" {
		// Trigger amounts (990.NN) are above the PSD2 total by nature:
		// they test the gateway's answers, not SCA, so SCA leaves them alone.
		sca := req.EntryMode == "contactless" && !isTrigger(req.Amount)
		code, msg = s.iss.decide(card.PAN, req.Amount, sca, req.Offline, req.CVM, pd)
		if code != "" {
			s.log.Info("issuer cardholder rule", "order_id", req.OrderID, "pan", pan, "pin", pd != nil, "outcome", code)
		}
	}
	if code == "" {
		code = codeSuccess
	}
	if msg == "" {
		msg = codeMessage(code)
	}
	e := Entry{OrderID: req.OrderID, Operation: op, PaymentMethod: "CreditCard",
		Amount: req.Amount, Currency: req.Currency, ErrorCode: code, ErrorMessage: msg,
		CardMasked: pan.Masked(), CardBrand: req.CardBrand, Offline: req.Offline,
		TerminalID: req.TerminalID, Date: now.UnixMilli()}
	if code == codeSuccess {
		e.Status = statusAuthorized
		if op == "sale" {
			e.Status = statusCaptured
		}
		e.AuthCode = randomString(6, "0123456789")
	} else {
		e.Status = statusNotAuthorized
	}
	s.led.mu.Lock()
	if _, dup := s.led.order[req.OrderID]; dup {
		s.led.dups[req.TerminalID]++
		s.led.mu.Unlock()
		s.metrics.duplicates.Inc()
		return reply(codeDuplicate, "")
	}
	e.Seq = s.led.nextSeq()
	e.TransactionID = strconv.FormatInt(1_000_000+e.Seq, 10)
	err = s.led.put(record{Txn: &e})
	s.led.mu.Unlock()
	if err != nil {
		s.log.Error("ledger write failed", "err", err)
		return reply(codeSystemError, "")
	}
	s.metrics.recordSale(code == codeSuccess, req.Offline)
	s.log.Info("card-present "+op, "order_id", req.OrderID, "txn_id", e.TransactionID, "amount_minor", req.Amount, "outcome", code)
	return saleResponse{ErrorCode: code, ErrorMessage: msg,
		TransactionID: e.TransactionID, AuthorizationCode: e.AuthCode,
		PaymentMeanInfo: &paymentMeanInfo{CardNumber: e.CardMasked, CardBrand: e.CardBrand}}, delay
}

// expired reports whether a YYMM expiry is before the month of now.
func expired(yymm string, now time.Time) bool {
	if len(yymm) != 4 {
		return false
	}
	y, err1 := strconv.Atoi(yymm[:2])
	m, err2 := strconv.Atoi(yymm[2:])
	if err1 != nil || err2 != nil || m < 1 || m > 12 {
		return true
	}
	end := time.Date(2000+y, time.Month(m)+1, 1, 0, 0, 0, 0, time.UTC)
	return !now.Before(end)
}

// referral handles capture, cancel, refund (and rebill refused) on a
// gateway transaction, and the Connect2Pay referrals on wallet/link IDs.
func (s *Server) referral(w http.ResponseWriter, r *http.Request) {
	id, op := r.PathValue("id"), r.PathValue("op")
	if strings.Contains(id, "-") {
		s.c2pReferral(w, r, id, op)
		return
	}
	var req referralRequest
	if err := readWire(r, &req); err != nil || req.Amount <= 0 {
		writeJSON(w, http.StatusOK, referralResponse{ErrorCode: codeFormatError, ErrorMessage: "format error: amount is required"})
		return
	}
	reply := func(code, msg, txn string) {
		if msg == "" {
			msg = codeMessage(code)
		}
		writeJSON(w, http.StatusOK, referralResponse{ErrorCode: code, ErrorMessage: msg, TransactionID: txn})
	}
	s.led.mu.Lock()
	defer s.led.mu.Unlock()
	orig, ok := s.led.txns[id]
	if !ok {
		reply(codeNotFound, "transaction not found", "")
		return
	}
	o := *orig
	approved := o.ErrorCode == codeSuccess
	code, msg := codeSuccess, ""
	switch op {
	case "cancel":
		// Our extension: a captured card-present sale can be voided until the
		// batch settles (PayXpert allows cancel on an authorisation only).
		switch {
		case !approved || (o.Operation != "sale" && o.Operation != "authorize"):
			code, msg = codeInvalidTransaction, "transaction cannot be cancelled"
		case o.Status == statusCancelled:
			code, msg = codeInvalidTransaction, "transaction already cancelled"
		case o.RefundedAmount > 0:
			code, msg = codeInvalidTransaction, "transaction partly refunded"
		case req.Amount != o.Amount:
			code, msg = codeInvalidAmount, "cancel amount must equal the original"
		default:
			o.Status = statusCancelled
		}
	case "refund":
		switch {
		case !approved || (o.Operation != "sale" && o.Operation != "capture"):
			code, msg = codeInvalidTransaction, "refund only on a sale or capture"
		case o.Status == statusCancelled:
			code, msg = codeInvalidTransaction, "transaction cancelled"
		case o.RefundedAmount+req.Amount > o.Amount:
			code = codeRefundExceeds
		default:
			o.RefundedAmount += req.Amount
			o.Status = statusPartiallyRefunded
			if o.RefundedAmount == o.Amount {
				o.Status = statusRefunded
			}
		}
	case "capture":
		switch {
		case !approved || o.Operation != "authorize" || o.Status != statusAuthorized:
			code, msg = codeInvalidTransaction, "capture only on an open authorisation"
		case req.Amount > o.Amount:
			code = codeRefundExceeds
		default:
			o.Status = statusCaptured
		}
	default:
		reply(codeInvalidTransaction, "operation not supported by the simulator: "+op, "")
		return
	}
	if code != codeSuccess {
		reply(code, msg, "")
		return
	}
	n := Entry{OrderID: o.OrderID, ReferralID: o.TransactionID, Operation: op, PaymentMethod: o.PaymentMethod,
		Amount: req.Amount, Currency: o.Currency, ErrorCode: code, ErrorMessage: codeMessage(code),
		Status: statusDone, CardMasked: o.CardMasked, CardBrand: o.CardBrand, TerminalID: o.TerminalID,
		Date: s.now().UnixMilli(), Seq: s.led.nextSeq()}
	n.TransactionID = strconv.FormatInt(1_000_000+n.Seq, 10)
	if op == "capture" {
		n.Status = statusCaptured
	}
	if err := s.led.put(record{Txn: &o}, record{Txn: &n}); err != nil {
		reply(codeSystemError, "", "")
		return
	}
	s.log.Info("referral", "op", op, "txn_id", n.TransactionID, "referral_id", id, "amount_minor", req.Amount)
	reply(code, "", n.TransactionID)
}

func toTransaction(e *Entry) *transaction {
	ref, _ := strconv.ParseInt(e.ReferralID, 10, 64) // gateway IDs are numeric (§5.3)
	return &transaction{TransactionID: e.TransactionID, OrderID: e.OrderID, ReferralID: ref,
		Status: e.Status, ErrorCode: e.ErrorCode, Operation: e.Operation,
		PaymentType:     strings.ToLower(e.PaymentMethod),
		PaymentMeanInfo: &paymentMeanInfo{CardNumber: e.CardMasked, CardBrand: e.CardBrand},
		Date:            e.Date / 1000, Amount: e.Amount, Currency: e.Currency, RefundedAmount: e.RefundedAmount,
		AuthorizationCode: e.AuthCode, Offline: e.Offline}
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	s.led.mu.Lock()
	e, ok := s.led.txns[r.PathValue("id")]
	var t *transaction
	if ok {
		t = toTransaction(e)
	}
	s.led.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusOK, statusResponse{ErrorCode: codeNotFound, ErrorMessage: "transaction not found"})
		return
	}
	writeJSON(w, http.StatusOK, statusResponse{ErrorCode: codeSuccess, ErrorMessage: "ok", Transaction: t})
}

// export is GET /transactions[/{operation}]?startDate=&endDate= (epoch
// seconds, PayXpert) plus our orderID and transactionErrorCode filters.
func (s *Server) export(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var from, to int64 = 0, 1<<62 - 1
	if v := q.Get("startDate"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			writeJSON(w, http.StatusOK, exportResponse{ErrorCode: codeFormatError, ErrorMessage: "bad startDate"})
			return
		}
		from = n
	}
	if v := q.Get("endDate"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			writeJSON(w, http.StatusOK, exportResponse{ErrorCode: codeFormatError, ErrorMessage: "bad endDate"})
			return
		}
		to = n
	}
	op, order, code := r.PathValue("operation"), q.Get("orderID"), q.Get("transactionErrorCode")
	list := []transaction{}
	entries := s.led.forOrder(order)
	if order == "" {
		entries = s.Ledger()
	}
	for _, e := range entries {
		sec := e.Date / 1000
		if sec < from || sec > to || (op != "" && e.Operation != op) || (order != "" && e.OrderID != order) ||
			(code != "" && e.ErrorCode != code) || e.PaymentMethod != "CreditCard" {
			continue
		}
		list = append(list, *toTransaction(&e))
	}
	slices.SortStableFunc(list, func(a, b transaction) int { return int(a.Date - b.Date) })
	writeJSON(w, http.StatusOK, exportResponse{ErrorCode: codeSuccess, ErrorMessage: "ok", TransactionList: list})
}
