package gateway

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"tpe/payment"
)

// Connect2Pay calls (payxpert-api.md §3) for payment/paylink and
// payment/alipayplus. They are typed, low-level calls: the flows (polling,
// expiry, cancel on timeout) belong to those packages. A non-"200" API code
// is a *RejectedError; a payment that failed is a PaymentStatus, not an
// error.

// Prepare creates a payment (POST /payment/prepare). The customer's link is
// PaymentURL(resp.CustomerToken); the merchantToken is secret and is how
// the status is read.
func (c *Client) Prepare(ctx context.Context, req PrepareRequest) (PrepareResponse, error) {
	if req.APIVersion == "" {
		req.APIVersion = APIVersion
	}
	if req.PaymentMode == "" {
		req.PaymentMode = "Single"
	}
	if err := (payment.Amount{Minor: req.Amount, Currency: req.Currency}).Validate(); err != nil {
		return PrepareResponse{}, err
	}
	var resp PrepareResponse
	// Not retried once sent: a second prepare would create a second payment.
	_, err := c.do(ctx, call{op: "prepare", method: http.MethodPost, base: c.c2p, path: "payment/prepare", body: req, out: &resp})
	if err != nil {
		return resp, err
	}
	if resp.Code != "200" {
		return resp, &RejectedError{"prepare", resp.Code, resp.Message}
	}
	return resp, nil
}

// PaymentURL is the shopper's page of a prepared payment: the pay-by-link URL.
func (c *Client) PaymentURL(customerToken string) string {
	return c.c2p.JoinPath("payment", url.PathEscape(customerToken)).String()
}

// PaymentStatus reads a prepared payment (GET /payment/{merchantToken}/status).
func (c *Client) PaymentStatus(ctx context.Context, merchantToken string) (PaymentStatus, error) {
	var resp PaymentStatus
	if err := checkID(merchantToken); err != nil {
		return resp, err
	}
	q := url.Values{"apiVersion": {APIVersion}}
	err := c.get(ctx, call{op: "payment status", method: http.MethodGet, base: c.c2p, path: "payment/" + merchantToken + "/status", query: q, out: &resp})
	if err != nil {
		return resp, err
	}
	if resp.Code != "" && resp.Code != "200" {
		return resp, &RejectedError{"payment status", resp.Code, resp.Message}
	}
	return resp, nil
}

// AlipayDirect starts an Alipay payment without the hosted page (POST
// /payment/{customerToken}/process/alipay/direct): mode "pos" returns the
// QR to show, mode "app" charges BuyerIdentityCode. Not retried once sent.
func (c *Client) AlipayDirect(ctx context.Context, customerToken string, req AlipayDirectRequest) (DirectProcessResponse, error) {
	var resp DirectProcessResponse
	if err := checkID(customerToken); err != nil {
		return resp, err
	}
	if req.APIVersion == "" {
		req.APIVersion = APIVersion
	}
	if req.Mode == "" {
		req.Mode = "pos"
	}
	_, err := c.do(ctx, call{op: "alipay direct", method: http.MethodPost, base: c.c2p,
		path: "payment/" + customerToken + "/process/alipay/direct", body: req, out: &resp})
	if err != nil {
		return resp, err
	}
	if resp.Code != "200" {
		return resp, &RejectedError{"alipay direct", resp.Code, resp.Message}
	}
	return resp, nil
}

// TransactionInfo reads one Connect2Pay transaction (GET /transaction/{id}/info).
func (c *Client) TransactionInfo(ctx context.Context, transactionID string) (TransactionAttempt, error) {
	var resp TransactionAttempt
	if err := checkID(transactionID); err != nil {
		return resp, err
	}
	q := url.Values{"apiVersion": {APIVersion}}
	err := c.get(ctx, call{op: "transaction info", method: http.MethodGet, base: c.c2p, path: "transaction/" + transactionID + "/info", query: q, out: &resp})
	return resp, err
}

// C2PCancel cancels a Connect2Pay transaction (a pending wallet payment or
// an authorisation): POST /transaction/{id}/cancel with apiVersion.
func (c *Client) C2PCancel(ctx context.Context, transactionID string, a payment.Amount) (C2PReferralResponse, error) {
	return c.c2pReferral(ctx, "cancel", transactionID, a)
}

// C2PRefund refunds a Connect2Pay transaction (wallets, links), in part or in full.
func (c *Client) C2PRefund(ctx context.Context, transactionID string, a payment.Amount) (C2PReferralResponse, error) {
	return c.c2pReferral(ctx, "refund", transactionID, a)
}

func (c *Client) c2pReferral(ctx context.Context, op, id string, a payment.Amount) (C2PReferralResponse, error) {
	var resp C2PReferralResponse
	if err := checkID(id); err != nil {
		return resp, err
	}
	if err := a.Validate(); err != nil {
		return resp, err
	}
	_, err := c.do(ctx, call{op: "c2p " + op, method: http.MethodPost, base: c.c2p,
		path: "transaction/" + id + "/" + op, body: C2PReferralRequest{APIVersion: APIVersion, Amount: a.Minor}, out: &resp})
	if err != nil {
		return resp, fmt.Errorf("gateway: c2p %s: %w", op, err)
	}
	if resp.Code == "" {
		// Processed, but the answer does not say how (a card-API reply has
		// errorCode instead): not a refusal, an unknown outcome.
		return resp, fmt.Errorf("gateway: c2p %s: %w: %w: no code", op, ErrOutcomeUnknown, ErrMalformedReply)
	}
	return resp, nil
}

// RefundResult is a Connect2Pay refund answer as the payment ports see it: a
// refusal (for instance 064, refunds beyond the payment) is a result, not
// an error.
func RefundResult(r C2PReferralResponse, a payment.Amount) payment.GatewayResult {
	ok, decline, msg := Classify(r.Code)
	if r.Message != "" {
		msg = r.Message
	}
	res := payment.GatewayResult{Approved: ok, Code: r.Code, Message: msg, GatewayID: r.TransactionID, Amount: a}
	if !ok {
		res.Decline = decline
	}
	return res
}

// ISODuration renders d as the ISO 8601 duration Connect2Pay's timeOut
// takes (PT120S, P7D, P1DT2H30M), rounded up to the second.
func ISODuration(d time.Duration) string {
	s := int64((d + time.Second - 1) / time.Second)
	if s <= 0 {
		return "PT0S"
	}
	days, s := s/86400, s%86400
	h, s := s/3600, s%3600
	m, s := s/60, s%60
	out := "P"
	if days > 0 {
		out += strconv.FormatInt(days, 10) + "D"
	}
	if h > 0 || m > 0 || s > 0 {
		out += "T"
		for _, p := range []struct {
			v int64
			u string
		}{{h, "H"}, {m, "M"}, {s, "S"}} {
			if p.v > 0 {
				out += strconv.FormatInt(p.v, 10) + p.u
			}
		}
	}
	return out
}
