package gateway

import (
	"context"
	"net/http"
)

// PaymentCancelled is the status of a prepared payment the merchant
// cancelled before it was paid (CancelPayment), or of a wallet payment whose
// pending attempt was cancelled. Our extension: Connect2Pay documents no
// way to withdraw a payment link before its timeOut.
const PaymentCancelled = "Cancelled"

// CancelPaymentRequest is the body of POST /payment/{merchantToken}/cancel.
type CancelPaymentRequest struct {
	APIVersion string `json:"apiVersion"`
}

// CancelPayment withdraws a prepared payment that nobody has paid yet
// (POST /payment/{merchantToken}/cancel, our extension): its page stops
// taking payments and its status becomes PaymentCancelled. A payment already
// paid answers a *RejectedError; refund it instead. Cancelling twice is
// accepted, so a retry after an unknown outcome is safe.
func (c *Client) CancelPayment(ctx context.Context, merchantToken string) error {
	if err := checkID(merchantToken); err != nil {
		return err
	}
	var resp PrepareResponse
	_, err := c.do(ctx, call{op: "cancel payment", method: http.MethodPost, base: c.c2p,
		path: "payment/" + merchantToken + "/cancel", body: CancelPaymentRequest{APIVersion: APIVersion}, out: &resp})
	if err != nil {
		return err
	}
	if resp.Code != "200" {
		return &RejectedError{"cancel payment", resp.Code, resp.Message}
	}
	return nil
}
