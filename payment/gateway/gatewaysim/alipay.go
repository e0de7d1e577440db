package gatewaysim

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/skip2/go-qrcode"

	"tpe/payment/alipayplus/cii"
)

// The Alipay direct process (payxpert-api.md §3.5) and the wallets that pay
// it. A wallet payment is one "sale" attempt on a prepared payment. While
// the customer has not confirmed it in the wallet, the attempt is in
// process: status Pending with no result code (Alipay+ PAYMENT_IN_PROCESS,
// alipay-qr-oidc-offline.md §1.4). It ends when a wallet pays or declines
// (WalletAction, WalletScan, POST /sim/wallet), when the terminal cancels it
// (POST /transaction/{id}/cancel) or when the payment's timeOut passes.
//
// Mode "pos" (MPM) answers the order code to show: an Alipay+-style
// merchant-presented URL, HTTPS://QR.GATEWAYSIM.TEST/MPM/3/<payload>, the
// payload being base64 of "GPLD" + 3-digit length + data objects of a
// 4-character ID, a 3-digit length and the value (Alipay+ MPM code format;
// the simulator's objects are TXID, the transaction, and ORID, the order).
// Mode "app" (CPM) charges the customer's payment code at once, except a
// code ending in 9999, which stays in process as if the wallet asked its
// user to confirm, until a WalletAction. The test amounts of the card API
// apply to both modes: 990.NN declines with result code 0NN.

// QRDomain is the domain of the simulator's order codes.
const QRDomain = "QR.GATEWAYSIM.TEST"

// HoldSuffix ends a customer payment code that the simulator keeps in
// process until a WalletAction.
const HoldSuffix = "9999"

// Wallet actions (WalletAction, POST /sim/wallet).
const (
	ActionPay     = "pay"
	ActionDecline = "decline" // "decline" declines with 051; "decline:0NN" with 0NN
)

// simWallets are the simulator acquirer's own Code Issuer Identifiers (the
// first 6 digits of a 24-digit payment code) for partner wallets whose CIIs
// Alipay+ does not publish. They are inventions: a terminal recognises them
// only with this table (WalletTable), as a real terminal recognises its
// acquirer's wallets only with the table the acquirer hands out.
var simWallets = []cii.Entry{
	{Code: "gcash", Name: "GCash", Prefixes: []string{"281011"}},
	{Code: "kakaopay", Name: "Kakao Pay", Prefixes: []string{"281012"}},
	{Code: "touchngo", Name: "Touch 'n Go", Prefixes: []string{"281013"}, Aliases: []string{"TNG"}},
	{Code: "truemoney", Name: "TrueMoney", Prefixes: []string{"281014"}},
	{Code: "dana", Name: "DANA", Prefixes: []string{"281015"}},
}

// WalletTable is the simulator acquirer's wallet table: the published
// prefixes (cii.Default) and the simulator's CIIs 281011–281015 for GCash,
// Kakao Pay, Touch 'n Go, TrueMoney and DANA. tpe-sim gives the same table
// to its terminal unless the config names another file.
func WalletTable() *cii.Table {
	t, err := cii.New("gatewaysim", cii.Extend(cii.Default(), simWallets))
	if err != nil {
		panic(err) // fixed entries, checked by the tests
	}
	return t
}

// AlipayOpts configures the Alipay processor.
type AlipayOpts struct {
	// Rates are exchange rates (CNY per unit of the payment's currency)
	// answered as exchangeRate; default EUR 7.8945, USD 7.1, GBP 9.2.
	Rates map[string]float64
	// QRSize is the side of the qrCode PNG in pixels; default 256.
	QRSize int
	// Wallets names the wallet that issued a customer's payment code (the
	// acquirer's table, loaded with cii.Load); default WalletTable. A code
	// it does not know is refused with 004.
	Wallets *cii.Table
}

// Alipay is the Alipay DirectProcessor. New registers one under "alipay"
// unless Opts.Direct already has one.
type Alipay struct {
	o AlipayOpts
}

// NewAlipay returns the Alipay direct processor.
func NewAlipay(o *AlipayOpts) *Alipay {
	var opts AlipayOpts
	if o != nil {
		opts = *o
	}
	if opts.Rates == nil {
		opts.Rates = map[string]float64{"EUR": 7.8945, "USD": 7.1, "GBP": 9.2}
	}
	if opts.QRSize <= 0 {
		opts.QRSize = 256
	}
	if opts.Wallets == nil {
		opts.Wallets = WalletTable()
	}
	return &Alipay{o: opts}
}

var (
	// ErrNoWalletPayment is a wallet action on an order with no wallet
	// payment waiting for the customer.
	ErrNoWalletPayment = errors.New("gatewaysim: no wallet payment in process for this order")
	// ErrBadQR is a scanned code that is not one of the simulator's order codes.
	ErrBadQR = errors.New("gatewaysim: not an order code of this simulator")
	// ErrBadAction is a wallet action other than pay or decline[:0NN].
	ErrBadAction = errors.New("gatewaysim: unknown wallet action")
	// ErrPaymentClosed is a payment that can no longer be paid: expired,
	// cancelled or already paid.
	ErrPaymentClosed = errors.New("gatewaysim: payment is closed")
)

func directReply(code, msg string) DirectProcessResponse {
	return DirectProcessResponse{APIVersion: apiVersion, Code: code, Message: msg}
}

// Process runs one Alipay direct process for the prepared payment p.
func (a *Alipay) Process(s *Server, p *Payment, body []byte) DirectProcessResponse {
	var req AlipayDirectRequest
	if err := decodeExact(body, &req); err != nil {
		return directReply("402", "JSON error")
	}
	mode := strings.ToLower(req.Mode)
	if mode == "" {
		mode = "pos"
	}
	if mode != "pos" && mode != "app" {
		return directReply("501", "transaction incorrect data: mode "+req.Mode+" is not supported by the simulator")
	}
	if p.Method != "" && !strings.EqualFold(p.Method, "Alipay") {
		return directReply("501", "transaction incorrect data: the payment was prepared for "+p.Method)
	}
	code := strings.TrimSpace(req.BuyerIdentityCode)
	if mode == "app" {
		if code == "" || len(code) > 32 || strings.Trim(code, "0123456789") != "" {
			return directReply("401", "missing parameter: buyerIdentityCode (up to 32 digits) is required in app mode")
		}
	}
	rate := a.o.Rates[p.Currency]

	s.led.mu.Lock()
	defer s.led.mu.Unlock()
	cur, ok := s.led.pays[p.MerchantToken]
	if !ok {
		return directReply("312", "transaction not found")
	}
	now := s.now()
	s.refresh(cur, now)
	if cur.Status != paymentNotProcessed {
		return directReply("501", "transaction incorrect data: payment is "+strings.ToLower(cur.Status))
	}
	for _, id := range cur.TxnIDs {
		if e := s.led.txns[id]; e != nil && e.Status == paymentPending {
			return directReply("501", "transaction incorrect data: a wallet payment is already in process")
		}
	}
	e := Entry{OrderID: cur.OrderID, Operation: "sale", PaymentMethod: "Alipay", Amount: cur.Amount,
		Currency: cur.Currency, Status: paymentPending, Date: now.UnixMilli(), Seq: s.led.nextSeq()}
	e.TransactionID = cur.PaymentID + "-" + randomString(4, "abcdefghijklmnopqrstuvwxyz0123456789")
	resp := directReply("200", "Request processed successfully")
	resp.TransactionID, resp.ExchangeRate = e.TransactionID, rate
	if mode == "pos" {
		payload := OrderCode(e.TransactionID, cur.OrderID)
		png, err := qrcode.Encode(payload, qrcode.Medium, a.o.QRSize)
		if err != nil {
			return directReply("500", "internal operation error")
		}
		resp.QRCodeURL, resp.QRCode = payload, base64.StdEncoding.EncodeToString(png)
	} else {
		e.Wallet = a.codeWallet(code)
		forced := forcedCode(cur.Amount)
		switch {
		case forced != "":
			settle(cur, &e, forced)
		case e.Wallet == "":
			settle(cur, &e, "004") // a code no wallet of the simulator issued
		case strings.HasSuffix(code, HoldSuffix):
			// stays in process: the customer confirms in the wallet
		default:
			settle(cur, &e, codeSuccess)
		}
	}
	cur.TxnIDs = append(cur.TxnIDs, e.TransactionID)
	if err := s.led.put(record{Txn: &e}, record{Pay: cur}); err != nil {
		return directReply("500", "internal operation error")
	}
	if mode == "app" {
		at := attempt(cur, &e)
		resp.TransactionInfo = &at
	}
	return resp
}

// forcedCode is the result code a test amount (990.NN) forces, or "".
func forcedCode(amount int64) string { return triggerCode(amount) }

// codeWallet names the wallet that issued a customer code: the wallet
// table's for a 24-digit code, Alipay for the 17–19 digit codes of the
// Alipay (mainland) and Alipay+ legacy formats; "" for any other code.
func (a *Alipay) codeWallet(code string) string {
	switch {
	case len(code) == 24 && code[6:8] == "02":
		if e, ok := a.o.Wallets.Match(code); ok {
			return e.Name
		}
	case len(code) >= 17 && len(code) <= 19 && code[:2] >= "25" && code[:2] <= "30":
		return "Alipay"
	}
	return ""
}

// settle ends a wallet attempt with code; callers hold s.led.mu.
func settle(p *Payment, e *Entry, code string) {
	e.ErrorCode, e.ErrorMessage = code, codeMessage(code)
	p.ErrorCode = code
	if code == codeSuccess {
		e.Status, p.Status = statusCaptured, paymentAuthorized
		return
	}
	e.Status, p.Status = statusNotAuthorized, paymentNotAuthorized
}

// OrderCode is the MPM payload the simulator shows for a wallet transaction.
func OrderCode(transactionID, orderID string) string {
	var objs bytes.Buffer
	for _, o := range [][2]string{{"TXID", transactionID}, {"ORID", orderID}} {
		fmt.Fprintf(&objs, "%s%03d%s", o[0], len(o[1]), o[1])
	}
	gpld := fmt.Sprintf("GPLD%03d%s", objs.Len(), objs.String())
	return "HTTPS://" + QRDomain + "/MPM/3/" + base64.StdEncoding.EncodeToString([]byte(gpld))
}

// ParseOrderCode returns the transaction ID in one of the simulator's
// order codes.
func ParseOrderCode(payload string) (transactionID string, err error) {
	rest, ok := strings.CutPrefix(payload, "HTTPS://"+QRDomain+"/MPM/3/")
	if !ok {
		return "", ErrBadQR
	}
	b, err := base64.StdEncoding.DecodeString(rest)
	if err != nil || len(b) < 7 || string(b[:4]) != "GPLD" {
		return "", ErrBadQR
	}
	n, err := strconv.Atoi(string(b[4:7]))
	if err != nil || n != len(b)-7 {
		return "", ErrBadQR
	}
	for d := b[7:]; len(d) >= 7; {
		l, err := strconv.Atoi(string(d[4:7]))
		if err != nil || l < 0 || 7+l > len(d) {
			return "", ErrBadQR
		}
		if string(d[:4]) == "TXID" {
			return string(d[7 : 7+l]), nil
		}
		d = d[7+l:]
	}
	return "", ErrBadQR
}

// WalletAction makes a wallet pay or decline the wallet payment of orderID
// that is waiting for its customer (an MPM order code on the display, or a
// CPM code held in process). wallet names the wallet that pays ("GCash");
// empty means "Alipay". action is ActionPay, ActionDecline or "decline:0NN".
func (s *Server) WalletAction(orderID, wallet, action string) error {
	s.led.mu.Lock()
	defer s.led.mu.Unlock()
	for i := len(s.led.byOrd[orderID]) - 1; i >= 0; i-- {
		e := s.led.txns[s.led.byOrd[orderID][i]]
		if e.PaymentMethod == "Alipay" && e.Operation == "sale" {
			return s.walletActLocked(e, wallet, action)
		}
	}
	return ErrNoWalletPayment
}

// WalletScan is WalletAction for a wallet that scanned an order code (the
// QR payload shown by the terminal).
func (s *Server) WalletScan(payload, wallet, action string) error {
	id, err := ParseOrderCode(payload)
	if err != nil {
		return err
	}
	s.led.mu.Lock()
	defer s.led.mu.Unlock()
	e, ok := s.led.txns[id]
	if !ok {
		return ErrBadQR
	}
	return s.walletActLocked(e, wallet, action)
}

func (s *Server) walletActLocked(e *Entry, wallet, action string) error {
	code := codeSuccess
	switch {
	case action == ActionPay:
	case action == ActionDecline:
		code = codeInsufficientFunds
	case strings.HasPrefix(action, ActionDecline+":"):
		code = strings.TrimPrefix(action, ActionDecline+":")
		if code == codeSuccess || !knownCode(code) {
			return fmt.Errorf("%w: %q", ErrBadAction, action)
		}
	default:
		return fmt.Errorf("%w: %q", ErrBadAction, action)
	}
	p := s.paymentOf(e)
	if p.MerchantToken == "" {
		return ErrNoWalletPayment
	}
	s.refresh(p, s.now())
	if e.Status != paymentPending {
		return fmt.Errorf("%w: the wallet payment is %s", ErrPaymentClosed, strings.ToLower(e.Status))
	}
	if p.Status == paymentExpired {
		// The order code outlived the payment: the wallet is told so and
		// the attempt ends unpaid.
		settle(p, e, codePaymentExpired)
		p.Status = paymentExpired
		s.led.put(record{Txn: e}, record{Pay: p})
		return fmt.Errorf("%w: the payment expired", ErrPaymentClosed)
	}
	if wallet == "" {
		wallet = "Alipay"
	}
	if e.Wallet == "" {
		e.Wallet = wallet
	}
	settle(p, e, code)
	return s.led.put(record{Txn: e}, record{Pay: p})
}

// cancelPending cancels a wallet attempt still in process (the
// terminal gave up waiting, or the cashier cancelled): the attempt and its
// payment become Cancelled, a "cancel" attempt records it, and a wallet can
// no longer pay it. ok is false when e is not such an attempt (the normal
// referral rules apply). Callers hold s.led.mu.
func (s *Server) cancelPending(op string, e *Entry, mt string) (resp c2pReferralResponse, ok bool) {
	if op != "cancel" || e.Operation != "sale" || e.Status != paymentPending {
		return resp, false
	}
	p := s.led.pays[mt]
	orig := *e
	orig.Status, orig.ErrorCode, orig.ErrorMessage = statusCancelled, codeNoAction, codeMessage(codeNoAction)
	p.Status, p.ErrorCode = paymentCancelled, codeNoAction
	n, err := s.addAttemptLocked(mt, orig.PaymentMethod, "cancel", codeSuccess, orig.TransactionID, orig.Amount)
	if err == nil {
		p = s.led.pays[mt]
		p.Status, p.ErrorCode = paymentCancelled, codeNoAction
		err = s.led.put(record{Txn: &orig}, record{Pay: p})
	}
	if err != nil {
		return c2pReferralResponse{Code: "500", Message: "internal operation error", Operation: "cancel"}, true
	}
	return c2pReferralResponse{Code: codeSuccess, Message: "Request processed successfully",
		TransactionID: n.TransactionID, Operation: "cancel"}, true
}

// WalletRequest is the body of POST /sim/wallet.
type WalletRequest struct {
	OrderID string `json:"order_id,omitempty"`
	QR      string `json:"qr,omitempty"` // instead of order_id: the scanned order code
	Wallet  string `json:"wallet,omitempty"`
	Action  string `json:"action"`
}

// postWallet is POST /sim/wallet: {"order_id"|"qr", "wallet", "action"}.
func (s *Server) postWallet(w http.ResponseWriter, r *http.Request) {
	var req WalletRequest
	if err := readJSON(r, &req); err != nil {
		http.Error(w, "bad JSON", http.StatusBadRequest)
		return
	}
	var err error
	if req.QR != "" {
		err = s.WalletScan(req.QR, req.Wallet, req.Action)
	} else {
		err = s.WalletAction(req.OrderID, req.Wallet, req.Action)
	}
	switch {
	case errors.Is(err, ErrBadAction), errors.Is(err, ErrBadQR):
		http.Error(w, err.Error(), http.StatusBadRequest)
	case errors.Is(err, ErrNoWalletPayment):
		http.Error(w, err.Error(), http.StatusNotFound)
	case err != nil:
		http.Error(w, err.Error(), http.StatusConflict)
	default:
		writeJSON(w, http.StatusOK, map[string]string{"result": "ok"})
	}
}
