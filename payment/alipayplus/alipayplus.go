package alipayplus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"tpe/payment"
	"tpe/payment/alipayplus/cii"
	"tpe/payment/gateway"
)

// Gateway is what the wallet flows need of the Connect2Pay client
// (*gateway.Client).
type Gateway interface {
	Prepare(ctx context.Context, req gateway.PrepareRequest) (gateway.PrepareResponse, error)
	AlipayDirect(ctx context.Context, customerToken string, req gateway.AlipayDirectRequest) (gateway.DirectProcessResponse, error)
	PaymentStatus(ctx context.Context, merchantToken string) (gateway.PaymentStatus, error)
	TransactionInfo(ctx context.Context, transactionID string) (gateway.TransactionAttempt, error)
	C2PCancel(ctx context.Context, transactionID string, a payment.Amount) (gateway.C2PReferralResponse, error)
	C2PRefund(ctx context.Context, transactionID string, a payment.Amount) (gateway.C2PReferralResponse, error)
	CancelPayment(ctx context.Context, merchantToken string) error
}

var _ Gateway = (*gateway.Client)(nil)

// Opts configures the wallet flows. Zero fields take the defaults.
type Opts struct {
	// QRValidity is how long an order code is shown before the payment is
	// cancelled (MPM); default 2 min. It is also the prepared payment's
	// timeOut. Antom caps order codes at 30 min; a customer in front of
	// the till gives up well before.
	QRValidity time.Duration
	// CPMTimeout bounds the wait for a customer code in process (the
	// wallet asked its user to confirm); default 60 s (Alipay+ auto-debit
	// guidance: poll 60 s, then cancel).
	CPMTimeout time.Duration
	// PollFirst is the first poll interval, growing by PollFactor up to
	// PollMax: 1 s, ×1.5, 5 s by default (Alipay+: "incremental frequency").
	PollFirst, PollMax time.Duration
	PollFactor         float64
	// CancelTimeout is how long a cancel is retried until the gateway
	// confirms it; default 30 s.
	CancelTimeout time.Duration
	// Issuers is the acquirer's wallet table, naming the wallet of a
	// customer's code by its prefix (the built-in cii.Default when nil).
	Issuers *cii.Table
	// Description is the order description sent with each payment.
	Description string
	Logger      *slog.Logger
}

// Wallets runs Alipay+ payments through Connect2Pay's Alipay direct
// process. It implements payment.Wallets.
type Wallets struct {
	gw  Gateway
	o   Opts
	log *slog.Logger
}

var (
	_ payment.Wallets        = (*Wallets)(nil)
	_ payment.WalletReverser = (*Wallets)(nil)
)

// New returns the wallet flows over gw (a *gateway.Client).
func New(gw Gateway, o *Opts) (*Wallets, error) {
	if gw == nil {
		return nil, errors.New("alipayplus: a gateway client is required")
	}
	var opts Opts
	if o != nil {
		opts = *o
	}
	if opts.QRValidity <= 0 {
		opts.QRValidity = 2 * time.Minute
	}
	if opts.CPMTimeout <= 0 {
		opts.CPMTimeout = 60 * time.Second
	}
	if opts.PollFirst <= 0 {
		opts.PollFirst = time.Second
	}
	if opts.PollMax < opts.PollFirst {
		opts.PollMax = max(5*time.Second, opts.PollFirst)
	}
	if opts.PollFactor < 1 {
		opts.PollFactor = 1.5
	}
	if opts.CancelTimeout <= 0 {
		opts.CancelTimeout = 30 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Wallets{gw: gw, o: opts, log: opts.Logger}, nil
}

// flow is one payment being run.
type flow struct {
	req      payment.WalletRequest
	mt       string // merchant token: reads the status
	txn      string // the wallet attempt, once known
	wallet   string
	rate     string
	deadline time.Time
}

// Pay runs one wallet payment to its end (payment.Wallets). A malformed or
// unknown customer code is refused before the gateway is called. Wallet
// payments are never taken offline: a gateway that cannot be reached is an
// error.
func (w *Wallets) Pay(ctx context.Context, req payment.WalletRequest, update func(payment.WalletUpdate)) (payment.WalletResult, error) {
	if update == nil {
		update = func(payment.WalletUpdate) {}
	}
	if err := req.Amount.Validate(); err != nil {
		return payment.WalletResult{}, err
	}
	if req.OrderID == "" {
		return payment.WalletResult{}, fmt.Errorf("%w: no order ID", payment.ErrInvalidRequest)
	}
	f := &flow{req: req, wallet: WalletAlipayPlus}
	mode, validity := "pos", w.o.QRValidity
	if req.BuyerCode != "" {
		code, err := Recognise(req.BuyerCode, w.o.Issuers)
		if err != nil {
			return payment.WalletResult{}, err
		}
		// No update for CPM: an update is a code to show (the Service
		// publishes it as a QR event); the wallet comes with the result.
		req.BuyerCode, f.wallet = code.Digits, code.Wallet
		mode, validity = "app", w.o.CPMTimeout
	}
	prep, err := w.gw.Prepare(ctx, gateway.PrepareRequest{Currency: req.Amount.Currency, Amount: req.Amount.Minor,
		PaymentMode: "Single", PaymentMethod: "Alipay", Operation: "sale", TimeOut: gateway.ISODuration(validity),
		Order: gateway.C2POrder{ID: req.OrderID, Description: w.o.Description}})
	if err != nil {
		return payment.WalletResult{}, fmt.Errorf("alipayplus: preparing the payment: %w", err)
	}
	f.mt = prep.MerchantToken
	start := time.Now()
	f.deadline = start.Add(validity)
	dreq := gateway.AlipayDirectRequest{Mode: mode, NotificationLang: req.Lang}
	if mode == "app" {
		dreq.BuyerIdentityCode, dreq.IdentityCodeType = req.BuyerCode, "barcode"
	}
	dr, err := w.gw.AlipayDirect(ctx, prep.CustomerToken, dreq)
	var rej *gateway.RejectedError
	switch {
	case errors.As(err, &rej):
		// Refused before any wallet attempt: withdraw the prepared payment
		// so nothing can pay it later.
		w.withdraw(ctx, f)
		return payment.WalletResult{Wallet: f.wallet}, fmt.Errorf("alipayplus: starting the wallet payment: %w", err)
	case err != nil:
		// The process may have started. A customer code may have been
		// charged: the status tells (below). An order code nobody can see
		// cannot be paid: cancel whatever started, then fail.
		w.log.Warn("wallet direct process outcome unknown", "order_id", req.OrderID, "err", err)
		if ctx.Err() != nil {
			return w.cancel(ctx, f, false)
		}
		if mode == "pos" {
			res, cerr := w.cancel(ctx, f, false)
			if cerr != nil || res.Approved {
				return res, cerr
			}
			return payment.WalletResult{Wallet: f.wallet}, fmt.Errorf("alipayplus: starting the wallet payment: %w", err)
		}
	default:
		f.txn = dr.TransactionID
		if dr.ExchangeRate > 0 {
			f.rate = strconv.FormatFloat(dr.ExchangeRate, 'f', -1, 64)
		}
		if mode == "pos" {
			if dr.QRCodeURL == "" {
				w.cancel(ctx, f, false)
				return payment.WalletResult{Wallet: f.wallet}, fmt.Errorf("alipayplus: %w: no order code in the gateway's answer", gateway.ErrMalformedReply)
			}
			update(payment.WalletUpdate{QR: dr.QRCodeURL, ExpireAt: f.deadline, Wallet: f.wallet, GatewayID: f.txn})
		} else if a := dr.TransactionInfo; a != nil {
			if res, done := w.outcome(f, a); done {
				return res, nil
			}
		}
	}
	return w.wait(ctx, f)
}

// wait polls the payment with growing intervals until it ends, the
// deadline passes (cancel, expired) or ctx is cancelled (cancel, cashier).
func (w *Wallets) wait(ctx context.Context, f *flow) (payment.WalletResult, error) {
	interval := w.o.PollFirst
	t := time.NewTimer(min(interval, time.Until(f.deadline)))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return w.cancel(ctx, f, false)
		case <-t.C:
		}
		st, err := w.gw.PaymentStatus(ctx, f.mt)
		switch {
		case err != nil && ctx.Err() != nil:
			return w.cancel(ctx, f, false)
		case err != nil:
			w.log.Warn("wallet status not read", "order_id", f.req.OrderID, "err", err)
		default:
			if res, done := w.fromStatus(f, st); done {
				return res, nil
			}
			if st.Status == gateway.PaymentExpired {
				return w.cancel(ctx, f, true)
			}
		}
		left := time.Until(f.deadline)
		if left <= 0 {
			return w.cancel(ctx, f, true)
		}
		interval = min(time.Duration(float64(interval)*w.o.PollFactor), w.o.PollMax)
		t.Reset(min(interval, left))
	}
}

// fromStatus reads the wallet attempt in a payment status.
func (w *Wallets) fromStatus(f *flow, st gateway.PaymentStatus) (payment.WalletResult, bool) {
	a := lastSale(st, f.txn)
	if a == nil {
		if st.Status == gateway.PaymentCancelled {
			return payment.WalletResult{Cancelled: true, Wallet: f.wallet, Code: st.ErrorCode}, true
		}
		return payment.WalletResult{}, false
	}
	f.txn = a.TransactionID
	return w.outcome(f, a)
}

// lastSale is the attempt txn, or without one the newest initial attempt.
func lastSale(st gateway.PaymentStatus, txn string) *gateway.TransactionAttempt {
	var found *gateway.TransactionAttempt
	for i := range st.Transactions {
		a := &st.Transactions[i]
		if txn != "" && a.TransactionID == txn {
			return a
		}
		if txn == "" && a.Operation == "sale" && a.RefTransactionID == "" {
			found = a
		}
	}
	return found
}

// outcome maps a wallet attempt to a result; done is false while the
// attempt is in process.
func (w *Wallets) outcome(f *flow, a *gateway.TransactionAttempt) (payment.WalletResult, bool) {
	if a.PaymentNetwork != "" {
		// The gateway's spelling (GCash, GCASH, alipay…): one code per
		// wallet on the journal, the receipts and the reports.
		f.wallet = payment.WalletCode(a.PaymentNetwork)
	}
	res := payment.WalletResult{Wallet: f.wallet, GatewayID: a.TransactionID, Code: a.ResultCode,
		Message: a.ResultMessage, ExchangeRate: f.rate}
	switch {
	case a.Status == gateway.PaymentPending || a.ResultCode == "" && a.Status == "":
		return res, false
	case a.Status == gateway.StatusCancelled:
		res.Cancelled = true
		return res, true
	case a.ResultCode == gateway.CodeSuccess:
		res.Approved = true
		return res, true
	}
	_, res.Decline, _ = gateway.Classify(a.ResultCode)
	if a.ResultCode == "032" {
		res.Expired, res.Decline = true, ""
	}
	return res, true
}

// cancel ends a payment that must not go on (expiry or cashier): it
// cancels the wallet attempt, retrying until the gateway confirms, and
// only then reports it. If the attempt ended meanwhile, that end is
// reported instead (a payment the wallet completed is approved).
func (w *Wallets) cancel(ctx context.Context, f *flow, expired bool) (payment.WalletResult, error) {
	cctx, stop := context.WithTimeout(context.WithoutCancel(ctx), w.o.CancelTimeout)
	defer stop()
	ended := payment.WalletResult{Wallet: f.wallet, GatewayID: f.txn, ExchangeRate: f.rate, Expired: expired, Cancelled: !expired}
	backoff := 500 * time.Millisecond
	var last error
	for {
		st, err := w.gw.PaymentStatus(cctx, f.mt)
		if err == nil {
			a := lastSale(st, f.txn)
			if a == nil {
				// No wallet attempt at all: withdraw the prepared payment.
				if err = w.gw.CancelPayment(cctx, f.mt); err == nil || st.Status == gateway.PaymentExpired || st.Status == gateway.PaymentCancelled {
					return ended, nil
				}
			} else {
				f.txn, ended.GatewayID = a.TransactionID, a.TransactionID
				if res, done := w.outcome(f, a); done {
					// Inquire before cancel: an attempt that ended stays
					// as it ended (paid, declined, already cancelled or
					// expired); only one in process is cancelled.
					if res.Approved || res.Decline != "" {
						return res, nil
					}
					return ended, nil
				}
				// In process. Should the wallet complete it meanwhile, the
				// cancel wins (Alipay+) and the money goes back.
				var resp gateway.C2PReferralResponse
				resp, err = w.gw.C2PCancel(cctx, f.txn, f.req.Amount)
				if err == nil && resp.Code == gateway.CodeSuccess {
					w.log.Info("wallet payment cancelled", "order_id", f.req.OrderID, "expired", expired)
					return ended, nil
				}
				if err == nil {
					err = &gateway.RejectedError{Op: "c2p cancel", Code: resp.Code, Message: resp.Message}
				}
			}
		}
		last = err
		w.log.Warn("wallet cancel not confirmed yet", "order_id", f.req.OrderID, "err", err)
		select {
		case <-cctx.Done():
			return ended, fmt.Errorf("%w (order %s): %w", ErrCancelUnconfirmed, f.req.OrderID, last)
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// withdraw cancels a prepared payment no wallet attempt was made on.
func (w *Wallets) withdraw(ctx context.Context, f *flow) {
	cctx, stop := context.WithTimeout(context.WithoutCancel(ctx), w.o.CancelTimeout)
	defer stop()
	if err := w.gw.CancelPayment(cctx, f.mt); err != nil {
		w.log.Warn("prepared wallet payment not withdrawn", "order_id", f.req.OrderID, "err", err)
	}
}

// Refund gives back part or all of a wallet payment (payment.Wallets);
// repeated refunds add up to the payment at most, which the gateway
// enforces (064). A refusal is a result, not an error.
func (w *Wallets) Refund(ctx context.Context, gatewayID string, a payment.Amount) (payment.GatewayResult, error) {
	resp, err := w.gw.C2PRefund(ctx, gatewayID, a)
	if err != nil {
		return payment.GatewayResult{}, fmt.Errorf("alipayplus: refund: %w", err)
	}
	return gateway.RefundResult(resp, a), nil
}

// Reverse gives back in full a wallet payment the terminal ended without
// knowing it was paid (payment.WalletReverser), through the wallet's own
// Connect2Pay referrals — never the card API's void, whose format the
// wallet side does not speak. The attempt is read first (inquire before
// cancel): Connect2Pay cancels only an operation still in process
// (payxpert-api.md §3.1), so a paid one is refunded, for what is left of
// it: a refund the gateway recorded before is never sent again.
func (w *Wallets) Reverse(ctx context.Context, gatewayID string, a payment.Amount) (payment.GatewayResult, error) {
	if err := a.Validate(); err != nil {
		return payment.GatewayResult{}, err
	}
	info, err := w.gw.TransactionInfo(ctx, gatewayID)
	switch {
	case err != nil:
		return payment.GatewayResult{}, fmt.Errorf("alipayplus: reversal: reading the payment: %w", err)
	case info.TransactionID == "":
		// Connect2Pay answers an unknown ID with a bare {code: "312"}.
		return payment.GatewayResult{}, fmt.Errorf("alipayplus: reversal of %s: %w", gatewayID, payment.ErrNotFound)
	case info.TransactionID != gatewayID || info.Amount != a.Minor || !strings.EqualFold(info.Currency, a.Currency):
		return payment.GatewayResult{}, fmt.Errorf("%w: wallet transaction %s is %d %s, the payment %s", payment.ErrRecordMismatch,
			gatewayID, info.Amount, info.Currency, a)
	}
	done := payment.GatewayResult{Approved: true, Code: info.ResultCode, GatewayID: gatewayID, Amount: a}
	switch {
	case info.Status == gateway.PaymentPending || info.ResultCode == "" && info.Status == "":
		// Still payable: cancelled, the attempt can no longer be paid
		// (Alipay+: a later success is overridden by the cancel).
		resp, err := w.gw.C2PCancel(ctx, gatewayID, a)
		if err != nil {
			return payment.GatewayResult{}, fmt.Errorf("alipayplus: reversal: %w", err)
		}
		res := gateway.RefundResult(resp, a)
		if res.Approved {
			res.Status = payment.TxnVoided
			w.log.Info("wallet payment reversed: cancelled in process", "gateway_id", gatewayID)
		}
		return res, nil
	case info.Status == gateway.StatusCancelled:
		done.Status, done.Message = payment.TxnVoided, "cancelled: nothing charged"
		return done, nil
	case info.ResultCode != gateway.CodeSuccess:
		done.Status, done.Message = payment.TxnDeclined, "not paid: nothing charged"
		return done, nil
	}
	left := info.Amount - info.RefundedAmount
	if left <= 0 {
		done.Status, done.Message, done.Refunded = payment.TxnRefunded, "already given back", info.RefundedAmount
		return done, nil
	}
	resp, err := w.gw.C2PRefund(ctx, gatewayID, payment.Amount{Minor: left, Currency: a.Currency})
	if err != nil {
		return payment.GatewayResult{}, fmt.Errorf("alipayplus: reversal: %w", err)
	}
	res := gateway.RefundResult(resp, a)
	if res.Approved {
		res.Status, res.Refunded = payment.TxnRefunded, info.Amount
		w.log.Info("wallet payment reversed: refunded", "gateway_id", gatewayID, "amount_minor", left)
	}
	return res, nil
}
