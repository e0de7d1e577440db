package gateway

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"

	"tpe/payment"
)

var _ payment.Gateway = (*Client)(nil)

// Client talks to a PayXpert-compatible gateway: the direct gateway API for
// card-present sales and referrals, and Connect2Pay for prepared payments and
// wallets. It is safe for concurrent use.
type Client struct {
	base, c2p *url.URL
	o         Opts
	hc        *http.Client
	auth      authorizer
	log       *slog.Logger

	traced bool // the transport reports request writes (net/http's)

	keyMu   sync.Mutex
	cardKey *jose.JSONWebKey
	keyAt   time.Time

	capMu     sync.Mutex // the capability document (batch.go)
	capAt     time.Time
	batchMax  int
	batchPath string
}

// Opts configures a Client. Zero fields take the documented defaults.
type Opts struct {
	// C2PURL is the Connect2Pay root; empty means the gateway's base URL
	// (the simulator serves both).
	C2PURL string
	// OAuth selects OAuth2 client-credentials access tokens. When nil the
	// client uses PayXpert's native Basic originator authentication.
	OAuth *OAuth
	// Originator and Password are the Basic credentials (PayXpert originator).
	Originator, Password string
	// TerminalID identifies the terminal in card-present requests.
	TerminalID string
	// TLS selects the trust anchors (system roots by default).
	TLS TLSOpts
	// HTTPClient replaces the client built from TLS (its Timeout is ignored:
	// Timeout below applies per attempt).
	HTTPClient *http.Client
	// Timeout bounds one HTTP attempt. Default 15 s.
	Timeout time.Duration
	// Attempts bounds the tries of one operation. Default 3.
	Attempts int
	// Backoff is the base delay between tries, doubled each time with ±50 %
	// jitter. Default 400 ms.
	Backoff time.Duration
	// MaxReplyBytes caps a reply body. Default 1 MiB.
	MaxReplyBytes int64
	// LookupWindow is how far back an order lookup searches the export.
	// Default 30 days.
	LookupWindow time.Duration
	// CardKey is the gateway's card-encryption public key. When nil it is
	// fetched from {base}/keys/card and cached for CardKeyTTL.
	CardKey *jose.JSONWebKey
	// CardKeyTTL is how long a fetched card key is trusted. Default 1 h.
	CardKeyTTL time.Duration
	// Logger receives operation logs (never card data or tokens).
	Logger *slog.Logger
}

// OAuth is the terminal's client-credentials registration.
type OAuth struct {
	TokenURL     string
	ClientID     string
	ClientSecret string
	Scopes       []string
	// Margin refreshes a cached access token this long before it expires.
	// Default 30 s.
	Margin time.Duration
}

// New returns a Client of the gateway at baseURL (for example
// https://api.payxpert.com/).
func New(baseURL string, o *Opts) (*Client, error) {
	var opts Opts
	if o != nil {
		opts = *o
	}
	base, err := parseBase(baseURL)
	if err != nil {
		return nil, err
	}
	c2p := base
	if opts.C2PURL != "" {
		if c2p, err = parseBase(opts.C2PURL); err != nil {
			return nil, err
		}
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 15 * time.Second
	}
	if opts.Attempts <= 0 {
		opts.Attempts = 3
	}
	if opts.Backoff <= 0 {
		opts.Backoff = 400 * time.Millisecond
	}
	if opts.MaxReplyBytes <= 0 {
		opts.MaxReplyBytes = 1 << 20
	}
	if opts.LookupWindow <= 0 {
		opts.LookupWindow = 30 * 24 * time.Hour
	}
	if opts.CardKeyTTL <= 0 {
		opts.CardKeyTTL = time.Hour
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	hc := opts.HTTPClient
	if hc == nil {
		tc, err := opts.TLS.Config()
		if err != nil {
			return nil, err
		}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = tc
		tr.MaxIdleConnsPerHost = 8
		hc = &http.Client{Transport: tr}
	}
	// Redirects would resend card data to another host: refuse them.
	nc := *hc
	nc.Timeout = 0
	nc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c := &Client{base: base, c2p: c2p, o: opts, hc: &nc, log: opts.Logger, cardKey: opts.CardKey}
	switch nc.Transport.(type) {
	case nil, *http.Transport:
		c.traced = true
	}
	if opts.OAuth != nil {
		c.auth = newTokenCache(opts.OAuth, &nc)
	} else {
		if opts.Originator == "" {
			return nil, errors.New("gateway: no credentials: set OAuth or Originator/Password")
		}
		c.auth = basicAuth{opts.Originator, opts.Password}
	}
	return c, nil
}

func parseBase(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("gateway: bad base URL %q", s)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

// call is one HTTP exchange. sent reports whether the request was written
// completely: if not, the gateway certainly did not process it.
type call struct {
	op     string
	method string
	base   *url.URL
	path   string
	query  url.Values
	body   any
	out    any
}

// do runs one attempt, with a single fresh-token retry on 401 (a 401 means
// the gateway refused before processing, so resending is safe).
func (c *Client) do(ctx context.Context, k call) (sent bool, err error) {
	for try := 0; ; try++ {
		status, sent, err := c.once(ctx, k)
		if err == nil || status != http.StatusUnauthorized {
			return sent, err
		}
		if try == 1 || !c.auth.invalidate() {
			return false, fmt.Errorf("gateway: %s: %w", k.op, ErrUnauthorized)
		}
	}
}

func (c *Client) once(ctx context.Context, k call) (status int, sent bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.o.Timeout)
	defer cancel()
	u := k.base.JoinPath(k.path)
	if k.query != nil {
		u.RawQuery = k.query.Encode()
	}
	var body io.Reader
	if k.body != nil {
		b, err := json.Marshal(k.body)
		if err != nil {
			return 0, false, fmt.Errorf("gateway: %s: encoding request: %w", k.op, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, k.method, u.String(), body)
	if err != nil {
		return 0, false, fmt.Errorf("gateway: %s: %w", k.op, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "TPE gateway client")
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	if err := c.auth.apply(ctx, req); err != nil {
		return 0, false, fmt.Errorf("gateway: %s: %w: %w", k.op, payment.ErrGatewayUnavailable, err)
	}
	// Whether any byte of the request may have reached the gateway: with
	// net/http's transport the trace says so; with another RoundTripper
	// (tests, a network switch) only errors known to happen before sending
	// count as "not sent". When in doubt, "sent": a needless lookup is
	// cheap, a resent sale is a double charge.
	var mu sync.Mutex
	writing := false
	trace := &httptrace.ClientTrace{
		WroteHeaderField: func(string, []string) { mu.Lock(); writing = true; mu.Unlock() },
		WroteRequest:     func(httptrace.WroteRequestInfo) { mu.Lock(); writing = true; mu.Unlock() },
	}
	req = req.WithContext(httptrace.WithClientTrace(ctx, trace))
	start := time.Now()
	resp, err := c.hc.Do(req)
	mu.Lock()
	sent = writing
	mu.Unlock()
	if err != nil && !c.traced {
		sent = !beforeSend(err)
	}
	if err != nil {
		c.log.Warn("gateway call failed", "op", k.op, "sent", sent, "latency_ms", time.Since(start).Milliseconds(), "err", err)
		if !sent {
			return 0, false, fmt.Errorf("gateway: %s: %w: %w", k.op, payment.ErrGatewayUnavailable, err)
		}
		return 0, true, fmt.Errorf("gateway: %s: %w: %w", k.op, ErrOutcomeUnknown, err)
	}
	defer resp.Body.Close()
	c.log.Debug("gateway call", "op", k.op, "status", resp.StatusCode, "latency_ms", time.Since(start).Milliseconds())
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return resp.StatusCode, false, fmt.Errorf("gateway: %s: %w", k.op, ErrUnauthorized)
	case resp.StatusCode == http.StatusForbidden:
		return resp.StatusCode, false, fmt.Errorf("gateway: %s: %w", k.op, ErrUnauthorized)
	case resp.StatusCode == http.StatusNotFound:
		return resp.StatusCode, true, fmt.Errorf("gateway: %s: %w", k.op, payment.ErrNotFound)
	case resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusTooManyRequests:
		// Our gateway contract (docs/gateway.md): 503 means "not taken in",
		// as a load balancer with no healthy backend answers; 429 is the
		// gateway's rate limit, refused before processing too. Either may
		// say when to come back (Retry-After), which callers honour.
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		se := &StatusError{Op: k.op, Status: resp.StatusCode, Wait: retryAfter(resp.Header.Get("Retry-After"), time.Now())}
		return resp.StatusCode, false, fmt.Errorf("gateway: %s: %w: %w", k.op, payment.ErrGatewayUnavailable, se)
	case resp.StatusCode >= 500:
		// A 5xx may come from a proxy before or after processing: unknown.
		return resp.StatusCode, true, fmt.Errorf("gateway: %s: %w: %w", k.op, ErrOutcomeUnknown, &StatusError{Op: k.op, Status: resp.StatusCode})
	case resp.StatusCode != http.StatusOK:
		return resp.StatusCode, true, &StatusError{Op: k.op, Status: resp.StatusCode}
	}
	if err := DecodeReply(resp.Body, c.o.MaxReplyBytes, k.out); err != nil {
		return resp.StatusCode, true, fmt.Errorf("gateway: %s: %w: %w", k.op, ErrOutcomeUnknown, err)
	}
	return resp.StatusCode, true, nil
}

// sleep waits the jittered backoff of try n (1-based) or until ctx ends;
// at least the Retry-After the gateway gave with last, when it did.
func (c *Client) sleep(ctx context.Context, n int, last error) error {
	d := c.o.Backoff << (n - 1)
	d = d/2 + time.Duration(rand.Int64N(int64(d)))
	if ra := RetryAfterOf(last); ra > d {
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < ra {
			// Not allowed to call again before the caller gives up.
			return fmt.Errorf("gateway: the gateway asked to wait %s, beyond the deadline: %w", ra, context.DeadlineExceeded)
		}
		d = ra
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// get runs an idempotent read with bounded retries.
func (c *Client) get(ctx context.Context, k call) error {
	var err error
	for n := 0; n < c.o.Attempts; n++ {
		if n > 0 {
			if e := c.sleep(ctx, n, err); e != nil {
				return errors.Join(err, e)
			}
		}
		_, err = c.do(ctx, k)
		if err == nil || !retryable(err) {
			return err
		}
	}
	return err
}

// beforeSend reports errors that happen before any request byte is
// written: dialing, name resolution, TLS handshake and trust.
func beforeSend(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	var cv *tls.CertificateVerificationError
	var alert tls.AlertError
	var rh tls.RecordHeaderError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	return (errors.As(err, &op) && op.Op == "dial") || errors.As(err, &dns) || errors.As(err, &cv) ||
		errors.As(err, &alert) || errors.As(err, &rh) || errors.As(err, &ua) || errors.As(err, &hn) ||
		errors.Is(err, ErrPinMismatch)
}

func retryable(err error) bool {
	return errors.Is(err, payment.ErrGatewayUnavailable) || errors.Is(err, ErrOutcomeUnknown)
}

// Sale authorises and captures one card-present payment. The gateway has no
// idempotency key, so a try whose outcome is unknown (timeout after the
// request was written, 5xx, dropped connection, unreadable reply) is never
// resent blindly: the order is looked up first and resent only when the
// gateway does not know it. Duplicate-order answers (094) are resolved by
// lookup too. A decline is a result, not an error.
func (c *Client) Sale(ctx context.Context, req payment.SaleRequest) (payment.GatewayResult, error) {
	return c.cardPresent(ctx, "sale", "transaction/sale/emv", req)
}

// Authorize is Sale without capture (POST /transaction/authorize/emv); the
// payment is captured later with Capture.
func (c *Client) Authorize(ctx context.Context, req payment.SaleRequest) (payment.GatewayResult, error) {
	return c.cardPresent(ctx, "authorize", "transaction/authorize/emv", req)
}

func (c *Client) cardPresent(ctx context.Context, op, path string, req payment.SaleRequest) (payment.GatewayResult, error) {
	if err := req.Amount.Validate(); err != nil {
		return payment.GatewayResult{}, err
	}
	if req.OrderID == "" {
		return payment.GatewayResult{}, fmt.Errorf("%w: empty order ID", payment.ErrInvalidRequest)
	}
	if err := checkPIN(req); err != nil {
		return payment.GatewayResult{}, err
	}
	sealer, err := c.cardSealer(ctx)
	var body *EMVSaleRequest
	if err == nil {
		body, err = saleBody(c.o.TerminalID, sealer, req)
		sealer.close()
	}
	if err != nil {
		// Without the card key nothing was sent: the sale did not happen.
		if !errors.Is(err, payment.ErrGatewayUnavailable) {
			err = fmt.Errorf("%w: %w", payment.ErrGatewayUnavailable, err)
		}
		return payment.GatewayResult{}, err
	}
	unknown := false // some try may have reached the gateway
	var lastErr error
	for n := 0; n < c.o.Attempts; n++ {
		if n > 0 {
			if err := c.sleep(ctx, n, lastErr); err != nil {
				break
			}
		}
		if unknown {
			res, err := c.Lookup(ctx, req.OrderID)
			if err == nil {
				c.log.Info("sale resolved by order lookup", "op", op, "order_id", req.OrderID, "outcome", outcome(res))
				return res, nil
			}
			if !errors.Is(err, payment.ErrNotFound) {
				lastErr = err
				continue
			}
		}
		var resp SaleResponse
		sent, err := c.do(ctx, call{op: op, method: http.MethodPost, base: c.base, path: path, body: body, out: &resp})
		if err != nil {
			lastErr = err
			unknown = unknown || sent
			if !retryable(err) {
				break
			}
			continue
		}
		if resp.ErrorCode == CodeDuplicate {
			// The order exists: an earlier try (or an earlier run of this
			// terminal) got through. Its result is the answer.
			if res, err := c.Lookup(ctx, req.OrderID); err == nil {
				return res, nil
			}
		}
		return saleResult(resp, req.Amount), nil
	}
	if unknown {
		// One last look before giving up: the gateway may have caught up.
		if res, err := c.Lookup(ctx, req.OrderID); err == nil {
			return res, nil
		}
		return payment.GatewayResult{}, fmt.Errorf("gateway: %s of order %s: %w (last: %w)", op, req.OrderID, ErrOutcomeUnknown, lastErr)
	}
	if lastErr == nil {
		lastErr = ctx.Err()
	}
	// Nothing was written (or the gateway refused before processing, as
	// with bad credentials): the sale certainly did not happen.
	if !errors.Is(lastErr, payment.ErrGatewayUnavailable) {
		lastErr = fmt.Errorf("%w: %w", payment.ErrGatewayUnavailable, lastErr)
	}
	return payment.GatewayResult{}, lastErr
}

func outcome(r payment.GatewayResult) string {
	if r.Approved {
		return "approved"
	}
	return "declined"
}

func saleResult(r SaleResponse, a payment.Amount) payment.GatewayResult {
	ok, decline, msg := Classify(r.ErrorCode)
	if r.ErrorMessage != "" {
		msg = r.ErrorMessage
	}
	res := payment.GatewayResult{Approved: ok, Code: r.ErrorCode, Message: msg, Decline: decline,
		GatewayID: r.TransactionID, AuthCode: r.AuthorizationCode, Amount: a}
	if r.Amount > 0 && r.Currency != "" {
		res.Amount = payment.Amount{Minor: r.Amount, Currency: r.Currency}
	}
	return res
}

// saleBody is the wire body of a card-present request, its card sealed by
// the request's sealer.
func saleBody(terminalID string, sealer *cardSealer, req payment.SaleRequest) (*EMVSaleRequest, error) {
	sealed, err := sealer.seal(req.Card)
	if err != nil {
		return nil, err
	}
	crypt := req.Card.CryptogramType
	if crypt == "" {
		crypt = "ARQC"
	}
	entry := req.Card.EntryMode
	if entry == "" {
		entry = "contactless"
	}
	b := &EMVSaleRequest{
		CustomerIP: "127.0.0.1", Amount: req.Amount.Minor, Currency: req.Amount.Currency,
		OrderID: req.OrderID, TerminalID: terminalID, CardData: sealed,
		CardMasked: req.Card.PAN.Masked(), CardBrand: req.Card.Brand, AID: req.Card.AID,
		EntryMode: entry, CryptogramType: crypt, CVM: req.Card.CVM, ATC: req.Card.ATC,
		Offline: req.Offline, Reference: req.Reference,
	}
	if !req.CapturedAt.IsZero() {
		b.CapturedAt = req.CapturedAt.Unix()
	}
	if req.PIN != nil {
		b.PINBlock = strings.ToUpper(hex.EncodeToString(req.PIN.Block.Reveal()))
		b.KSN = strings.ToUpper(hex.EncodeToString(req.PIN.KSN[:]))
	}
	return b, nil
}

// checkPIN refuses an online PIN the gateway could not use: a block that is
// not one AES block, a KSN without counter, or a PIN on an offline forward
// (online PIN is verified at authorisation only). The error names neither.
func checkPIN(req payment.SaleRequest) error {
	p := req.PIN
	switch {
	case p == nil:
		return nil
	case req.Offline:
		return fmt.Errorf("%w: an offline forward carries no PIN", payment.ErrInvalidRequest)
	case p.Block.Len() != 16:
		return fmt.Errorf("%w: PIN block of %d bytes, want 16 (ISO 9564 format 4)", payment.ErrInvalidRequest, p.Block.Len())
	case p.KSN[8]|p.KSN[9]|p.KSN[10]|p.KSN[11] == 0:
		return fmt.Errorf("%w: PIN KSN has a zero transaction counter", payment.ErrInvalidRequest)
	}
	return nil
}

// Lookup finds an order through the transaction export (GET /transactions
// with our orderID filter; the client filters again in case the gateway
// ignores it). An approved sale wins over declined tries of the same order.
func (c *Client) Lookup(ctx context.Context, orderID string) (payment.GatewayResult, error) {
	list, err := c.export(ctx, "lookup", orderID)
	if err != nil {
		return payment.GatewayResult{}, err
	}
	var best *Transaction
	for i := range list {
		t := &list[i]
		if t.OrderID != orderID || (t.Operation != "sale" && t.Operation != "authorize") {
			continue
		}
		if best == nil || (t.ErrorCode == CodeSuccess && best.ErrorCode != CodeSuccess) ||
			(t.ErrorCode == best.ErrorCode && t.Date > best.Date) {
			best = t
		}
	}
	if best == nil {
		return payment.GatewayResult{}, fmt.Errorf("gateway: lookup of order %s: %w", orderID, payment.ErrNotFound)
	}
	return txnResult(best), nil
}

// export lists an order's transactions over the lookup window (GET
// /transactions with our orderID filter; callers filter again in case the
// gateway ignores it).
func (c *Client) export(ctx context.Context, op, orderID string) ([]Transaction, error) {
	now := time.Now()
	q := url.Values{
		"startDate": {fmt.Sprint(now.Add(-c.o.LookupWindow).Unix())},
		"endDate":   {fmt.Sprint(now.Add(time.Hour).Unix())},
		"orderID":   {orderID},
	}
	var resp ExportResponse
	if err := c.get(ctx, call{op: op, method: http.MethodGet, base: c.base, path: "transactions", query: q, out: &resp}); err != nil {
		return nil, err
	}
	if resp.ErrorCode != CodeSuccess {
		return nil, &RejectedError{op, resp.ErrorCode, resp.ErrorMessage}
	}
	return resp.TransactionList, nil
}

func txnResult(t *Transaction) payment.GatewayResult {
	ok, decline, msg := Classify(t.ErrorCode)
	if t.ErrorMessage != "" {
		msg = t.ErrorMessage
	}
	if ok && t.Status != "" && t.Status != StatusAuthorized && t.Status != StatusCaptured {
		msg = strings.ToLower(t.Status)
	}
	return payment.GatewayResult{Approved: ok, Status: txnStatus(ok, t), Refunded: t.RefundedAmount,
		Code: t.ErrorCode, Message: msg, Decline: decline,
		GatewayID: t.TransactionID, AuthCode: t.AuthorizationCode,
		Amount: payment.Amount{Minor: t.Amount, Currency: t.Currency}}
}

// txnStatus maps the gateway's status text to the terminal's: a cancelled
// sale is voided, never approved.
func txnStatus(ok bool, t *Transaction) payment.TxnStatus {
	switch {
	case t.Status == PaymentPending:
		return payment.TxnPending
	case !ok || t.Status == StatusNotAuthorized:
		return payment.TxnDeclined
	case t.Status == StatusCancelled:
		return payment.TxnVoided
	case t.Status == StatusRefunded || t.Status == StatusPartiallyRefunded || t.RefundedAmount > 0:
		return payment.TxnRefunded
	}
	return payment.TxnApproved
}

// Record returns the gateway's record of one transaction (GET
// /transaction/{id}): status and refunded amount (payment.Gateway). A
// gateway that does not sum refunds on the sale (refundedAmount is our
// extension) records each refund or cancel as a transaction of its own,
// linked to the sale by referralID: those are read from the order's
// transactions and added up.
func (c *Client) Record(ctx context.Context, gatewayID string) (payment.GatewayResult, error) {
	t, err := c.Status(ctx, gatewayID)
	if err != nil {
		return payment.GatewayResult{}, err
	}
	res := txnResult(t)
	if !res.Approved || t.RefundedAmount > 0 || res.Status == payment.TxnVoided || t.OrderID == "" {
		return res, nil
	}
	list, err := c.export(ctx, "record", t.OrderID)
	if err != nil {
		return payment.GatewayResult{}, err
	}
	for _, r := range list {
		if r.ReferralID.String() != gatewayID || r.ErrorCode != CodeSuccess {
			continue
		}
		switch r.Operation {
		case "refund":
			res.Refunded += r.Amount
		case "cancel":
			res.Status = payment.TxnVoided
		}
	}
	if res.Refunded > 0 && res.Status != payment.TxnVoided {
		res.Status = payment.TxnRefunded
	}
	return res, nil
}

// Status returns the gateway's transaction object (GET /transaction/{id}).
func (c *Client) Status(ctx context.Context, gatewayID string) (*Transaction, error) {
	if err := checkID(gatewayID); err != nil {
		return nil, err
	}
	var resp StatusResponse
	if err := c.get(ctx, call{op: "status", method: http.MethodGet, base: c.base, path: "transaction/" + gatewayID, out: &resp}); err != nil {
		return nil, err
	}
	if resp.ErrorCode != CodeSuccess || resp.Transaction == nil {
		if resp.ErrorCode == CodeNotFound {
			return nil, fmt.Errorf("gateway: status of %s: %w", gatewayID, payment.ErrNotFound)
		}
		return nil, &RejectedError{"status", resp.ErrorCode, resp.ErrorMessage}
	}
	return resp.Transaction, nil
}

// isC2PID reports whether id is a Connect2Pay transaction ID
// ({paymentID}-{suffix}, payxpert-api.md §5.3); the card API's are integers.
func isC2PID(id string) bool { return strings.Contains(id, "-") }

func checkID(id string) error {
	if id == "" || len(id) > 64 || strings.ContainsAny(id, "/?#%") {
		return fmt.Errorf("%w: bad gateway transaction ID", payment.ErrInvalidRequest)
	}
	return nil
}

// Void cancels an approved payment before settlement (POST
// /transaction/{id}/cancel). A try whose outcome is unknown is resolved by
// reading the transaction's status.
func (c *Client) Void(ctx context.Context, gatewayID string, a payment.Amount) (payment.GatewayResult, error) {
	res, err := c.referral(ctx, "cancel", gatewayID, a)
	if err != nil && errors.Is(err, ErrOutcomeUnknown) {
		if t, serr := c.Status(ctx, gatewayID); serr == nil && t.Status == StatusCancelled {
			return payment.GatewayResult{Approved: true, Code: CodeSuccess, Message: "cancelled", GatewayID: gatewayID, Amount: a}, nil
		}
	}
	return res, err
}

// Capture captures an authorisation, in part or in full.
func (c *Client) Capture(ctx context.Context, gatewayID string, a payment.Amount) (payment.GatewayResult, error) {
	return c.referral(ctx, "capture", gatewayID, a)
}

// Refund gives back part or all of a payment; refunds add up to at most the
// original amount (the gateway answers 064 beyond). A refund is not
// idempotent: it is resent only when the earlier try certainly did not reach
// the gateway; an unknown outcome is returned as ErrOutcomeUnknown for the
// caller to check with Status (RefundedAmount).
func (c *Client) Refund(ctx context.Context, gatewayID string, a payment.Amount) (payment.GatewayResult, error) {
	return c.referral(ctx, "refund", gatewayID, a)
}

func (c *Client) referral(ctx context.Context, op, gatewayID string, a payment.Amount) (payment.GatewayResult, error) {
	if err := checkID(gatewayID); err != nil {
		return payment.GatewayResult{}, err
	}
	if isC2PID(gatewayID) {
		// A wallet or link payment: Connect2Pay's own refund and cancel
		// (C2PRefund, C2PCancel) serve it, with their own reply.
		return payment.GatewayResult{}, fmt.Errorf("%w: %s is a Connect2Pay transaction, not a card-present one", payment.ErrInvalidRequest, gatewayID)
	}
	if err := a.Validate(); err != nil {
		return payment.GatewayResult{}, err
	}
	body := ReferralRequest{TransactionID: gatewayID, Amount: a.Minor}
	var err error
	for n := 0; n < c.o.Attempts; n++ {
		if n > 0 {
			if e := c.sleep(ctx, n, err); e != nil {
				return payment.GatewayResult{}, errors.Join(err, e)
			}
		}
		var resp ReferralResponse
		var sent bool
		sent, err = c.do(ctx, call{op: op, method: http.MethodPost, base: c.base, path: "transaction/" + gatewayID + "/" + op, body: body, out: &resp})
		if err == nil && resp.ErrorCode == "" {
			// Processed, but the answer does not say how: not a refusal.
			return payment.GatewayResult{}, fmt.Errorf("gateway: %s: %w: %w: no errorCode", op, ErrOutcomeUnknown, ErrMalformedReply)
		}
		if err == nil {
			ok, decline, msg := Classify(resp.ErrorCode)
			if resp.ErrorMessage != "" {
				msg = resp.ErrorMessage
			}
			return payment.GatewayResult{Approved: ok, Code: resp.ErrorCode, Message: msg, Decline: decline, GatewayID: resp.TransactionID, Amount: a}, nil
		}
		if sent || !errors.Is(err, payment.ErrGatewayUnavailable) {
			return payment.GatewayResult{}, err
		}
	}
	return payment.GatewayResult{}, err
}

// Ping reports whether the gateway answers (GET /health, our extension).
func (c *Client) Ping(ctx context.Context) error {
	var resp ReferralResponse
	_, err := c.do(ctx, call{op: "ping", method: http.MethodGet, base: c.base, path: "health", out: &resp})
	if err != nil {
		return err
	}
	if resp.ErrorCode != CodeSuccess {
		return &RejectedError{"ping", resp.ErrorCode, resp.ErrorMessage}
	}
	return nil
}
