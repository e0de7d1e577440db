package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"time"

	"tpe/payment"
)

var _ payment.AdviceBatcher = (*Client)(nil)

// Batched offline advices (docs/gateway.md, "Batched advices"): our
// extension, announced by the gateway's capability document GET
// /capabilities. A gateway without the document (404, as PayXpert's own
// API answers) or without "adviceBatch" in it takes advices one sale each.

// Capabilities is GET /capabilities.
type Capabilities struct {
	ErrorCode    string           `json:"errorCode"`
	ErrorMessage string           `json:"errorMessage"`
	AdviceBatch  *AdviceBatchCaps `json:"adviceBatch,omitempty"`
}

// AdviceBatchCaps announces the batch endpoint: its path under the API
// root and how many advices one batch may carry.
type AdviceBatchCaps struct {
	Path       string `json:"path"`
	MaxAdvices int    `json:"maxAdvices"`
}

// AdviceBatchRequest is the batch endpoint's body: offline advices, each
// exactly the body of POST /transaction/sale/emv with offline true.
type AdviceBatchRequest struct {
	Advices []*EMVSaleRequest `json:"advices"`
}

// AdviceBatchResponse answers a batch: errorCode 000 and one result per
// advice in the request's order, or another errorCode and no results when
// the gateway refused the whole batch before processing any advice.
type AdviceBatchResponse struct {
	ErrorCode    string              `json:"errorCode"`
	ErrorMessage string              `json:"errorMessage"`
	Results      []AdviceBatchResult `json:"results"`
}

// AdviceBatchResult is one advice's answer: a sale reply and its orderID.
type AdviceBatchResult struct {
	OrderID string `json:"orderID"`
	SaleResponse
}

// maxAdviceBatch caps what the terminal sends in one request whatever the
// gateway announces: a batch reply lost is one lookup per advice.
const maxAdviceBatch = 500

// batchPath is a capability's path: relative, under the API root, plain
// segments only — a capability document must not send card data elsewhere.
var batchPath = regexp.MustCompile(`^[a-z0-9_-]+(/[a-z0-9_-]+)*$`)

// batchCaps returns the cached batch capability, reading the document
// when the cache is older than CardKeyTTL. A document that cannot be read
// (gateway unreachable) leaves the last answer in place.
func (c *Client) batchCaps(ctx context.Context) (max int, path string) {
	c.capMu.Lock()
	defer c.capMu.Unlock()
	if !c.capAt.IsZero() && time.Since(c.capAt) < c.o.CardKeyTTL {
		return c.batchMax, c.batchPath
	}
	var caps Capabilities
	err := c.get(ctx, call{op: "capabilities", method: http.MethodGet, base: c.base, path: "capabilities", out: &caps})
	switch {
	case err == nil && caps.ErrorCode == CodeSuccess && caps.AdviceBatch != nil &&
		caps.AdviceBatch.MaxAdvices > 0 && batchPath.MatchString(caps.AdviceBatch.Path):
		c.batchMax, c.batchPath = min(caps.AdviceBatch.MaxAdvices, maxAdviceBatch), caps.AdviceBatch.Path
	case err == nil || errors.Is(err, payment.ErrNotFound):
		c.batchMax, c.batchPath = 0, ""
	default:
		c.log.Warn("gateway capabilities unreadable, keeping the last", "err", err)
		return c.batchMax, c.batchPath
	}
	c.capAt = time.Now()
	c.log.Info("gateway capabilities", "advice_batch_max", c.batchMax)
	return c.batchMax, c.batchPath
}

// dropBatches forgets the batch capability until the next CardKeyTTL:
// the gateway no longer takes batches (404) or refused one whole.
func (c *Client) dropBatches() {
	c.capMu.Lock()
	c.batchMax, c.batchPath, c.capAt = 0, "", time.Now()
	c.capMu.Unlock()
}

// AdviceBatchMax is how many offline advices one SaleBatch may carry: what
// the gateway's capability document announces (cached for CardKeyTTL), 0
// when it offers no batches.
func (c *Client) AdviceBatchMax(ctx context.Context) int {
	n, _ := c.batchCaps(ctx)
	return n
}

// SaleBatch forwards offline approvals in one request (payment.AdviceBatcher).
// It is tried once: pacing and retries are the forwarder's. A reply lost
// leaves every advice unknown (the caller looks each order up); a per-advice
// duplicate-order answer (094) is resolved by lookup here, as Sale does.
func (c *Client) SaleBatch(ctx context.Context, reqs []payment.SaleRequest) ([]payment.AdviceResult, error) {
	if len(reqs) == 0 {
		return nil, nil
	}
	max, path := c.batchCaps(ctx)
	if max == 0 || len(reqs) > max {
		return nil, fmt.Errorf("%w: the gateway takes batches of at most %d advices, not %d", payment.ErrGatewayUnavailable, max, len(reqs))
	}
	body, err := c.adviceBodies(ctx, reqs)
	if err != nil {
		return nil, err // nothing was sent
	}
	var resp AdviceBatchResponse
	_, err = c.do(ctx, call{op: "advice batch", method: http.MethodPost, base: c.base, path: path, body: body, out: &resp})
	switch {
	case errors.Is(err, payment.ErrNotFound):
		// The route is gone (the gateway rolled the extension back):
		// nothing was processed. One sale each until the next look.
		c.dropBatches()
		return nil, fmt.Errorf("%w: %w", payment.ErrGatewayUnavailable, err)
	case err != nil:
		return nil, err
	case resp.ErrorCode != CodeSuccess:
		c.dropBatches()
		return nil, fmt.Errorf("%w: %w", payment.ErrGatewayUnavailable, &RejectedError{"advice batch", resp.ErrorCode, resp.ErrorMessage})
	case len(resp.Results) != len(reqs):
		return nil, fmt.Errorf("gateway: advice batch: %w: %d results for %d advices", ErrOutcomeUnknown, len(resp.Results), len(reqs))
	}
	out := make([]payment.AdviceResult, len(reqs))
	for i, r := range resp.Results {
		if r.OrderID != reqs[i].OrderID {
			return nil, fmt.Errorf("gateway: advice batch: %w: result %d is for another order", ErrOutcomeUnknown, i)
		}
	}
	for i, r := range resp.Results {
		if r.ErrorCode == CodeDuplicate {
			// The order exists at the gateway (an earlier try got through):
			// its record is the answer.
			res, err := c.Lookup(ctx, r.OrderID)
			if err != nil {
				out[i].Err = fmt.Errorf("gateway: advice %s: duplicate order not found by lookup: %w", r.OrderID, err)
				continue
			}
			out[i].Result = res
			continue
		}
		out[i].Result = saleResult(r.SaleResponse, reqs[i].Amount)
	}
	return out, nil
}

// adviceBodies is the wire body of a batch: its advices checked and their
// cards sealed under one card-key agreement (cardSealer), forgotten before
// the batch goes out.
func (c *Client) adviceBodies(ctx context.Context, reqs []payment.SaleRequest) (AdviceBatchRequest, error) {
	body := AdviceBatchRequest{Advices: make([]*EMVSaleRequest, len(reqs))}
	for _, req := range reqs {
		if err := req.Amount.Validate(); err != nil {
			return body, fmt.Errorf("%w: advice %s: %w", payment.ErrGatewayUnavailable, req.OrderID, err)
		}
		if req.OrderID == "" || !req.Offline {
			return body, fmt.Errorf("%w: %w: a batch carries offline advices with an order ID", payment.ErrGatewayUnavailable, payment.ErrInvalidRequest)
		}
	}
	sealer, err := c.cardSealer(ctx)
	if err != nil {
		return body, fmt.Errorf("%w: %w", payment.ErrGatewayUnavailable, err)
	}
	defer sealer.close()
	for i, req := range reqs {
		if body.Advices[i], err = saleBody(c.o.TerminalID, sealer, req); err != nil {
			return body, fmt.Errorf("%w: %w", payment.ErrGatewayUnavailable, err)
		}
	}
	return body, nil
}
