package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
	"unicode/utf8"

	"tpe/payment"
	"tpe/payment/notify"
)

// Health is what GET /v1/health reports beyond the payment service.
type Health struct {
	Online      bool              `json:"online"`
	QueueLength int               `json:"queue_length"`
	Devices     map[string]string `json:"devices"` // device → "ok" or what is wrong
	// Storage names the journal's storage fault; nil when it is writable.
	Storage *payment.StorageFault `json:"storage,omitempty"`
	// Outbox is the merchant's mail outbox; nil when no notification is on.
	Outbox *OutboxHealth `json:"outbox,omitempty"`
}

// OutboxHealth is the merchant notifications' outbox in GET /v1/health.
// Parked mail was refused for good by the relay (a mistyped merchant
// address, a relay refusing the sender): it will not leave by itself, so
// the terminal reports itself degraded until a technician has retried or
// discarded it (GET /v1/outbox).
type OutboxHealth struct {
	Queued       int   `json:"queued"`
	Parked       int   `json:"parked"`
	OldestAgeSec int64 `json:"oldest_age_s"` // of the oldest mail still to send; 0 when none
}

// Opts configures a Server.
type Opts struct {
	Service *payment.Service
	// Token is the bearer token cash registers send, at least MinTokenLen
	// characters. Empty only with AllowNoToken (the simulator on loopback):
	// then only loopback connections are served.
	Token        string
	AllowNoToken bool
	// SupervisorToken, when set, is the only token allowed to refund, void
	// and close the batch; it also does everything Token does.
	SupervisorToken string
	// AllowedHosts are names (or name:port) the API answers to besides the
	// address a connection arrives on (see ownHost): DNS rebinding guard.
	AllowedHosts []string
	// Extra are operations the program adds (tpe-sim: /v1/sim/, see
	// ui/api/apisim).
	Extra []Route
	// Health reports devices and connectivity; nil reports none.
	Health func(ctx context.Context) Health
	// Metrics serves GET /metrics (Prometheus text format, behind the same
	// token as the rest); nil answers 404.
	Metrics http.Handler
	// Outbox is the merchant's mail outbox (GET /v1/outbox, retry and
	// discard of parked mail); nil, when no notification is on, answers
	// 404.
	Outbox  MailOutbox
	Version string
	// MaxBody bounds request bodies; default 64 KiB.
	MaxBody int64
	Logger  *slog.Logger
}

// Server is the API's http.Handler.
type Server struct {
	o   Opts
	mux *http.ServeMux
	log *slog.Logger
}

// route is one operation; the OpenAPI test walks this table.
type route struct {
	method, path string
	need         role // supervisor: refunds, voids, batch close
	h            func(w http.ResponseWriter, r *http.Request) error
}

func (s *Server) routes() []route {
	return []route{
		{"GET", "/v1/health", cashier, s.health},
		{"POST", "/v1/payments", cashier, s.createPayment},
		{"GET", "/v1/payments", cashier, s.listPayments},
		{"GET", "/v1/payments.csv", cashier, s.exportPayments},
		{"GET", "/v1/payments/{id}", cashier, s.getPayment},
		{"POST", "/v1/payments/{id}/cancel", cashier, s.cancelPayment},
		{"POST", "/v1/payments/{id}/resend", cashier, s.resendLink},
		{"POST", "/v1/payments/{id}/void", supervisor, s.voidPayment},
		{"POST", "/v1/payments/{id}/refunds", supervisor, s.refundPayment},
		{"GET", "/v1/payments/{id}/receipt", cashier, s.receipt},
		{"POST", "/v1/payments/{id}/receipt/print", cashier, s.printReceipt},
		{"GET", "/v1/reports/x", cashier, s.reportX},
		{"POST", "/v1/batches/close", supervisor, s.closeBatch},
		{"GET", "/v1/events", cashier, s.events},
		{"GET", "/metrics", cashier, s.metrics},
		{"GET", "/v1/outbox", cashier, s.listOutbox},
		{"POST", "/v1/outbox/{id}/retry", cashier, s.retryMail},
		{"POST", "/v1/outbox/parked/retry", cashier, s.retryParked},
		// Discarding loses a notification the merchant is owed for good.
		{"DELETE", "/v1/outbox/{id}", supervisor, s.discardMail},
		{"DELETE", "/v1/outbox/parked", supervisor, s.discardParked},
	}
}

// New returns the API server; it refuses to run open without a token unless
// told it is the loopback simulator.
func New(o Opts) (*Server, error) {
	if o.Service == nil {
		return nil, errors.New("api: a payment service is required")
	}
	if err := checkTokens(o); err != nil {
		return nil, err
	}
	if o.MaxBody == 0 {
		o.MaxBody = 64 << 10
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{o: o, mux: http.NewServeMux(), log: o.Logger}
	for _, rt := range s.routes() {
		s.mux.Handle(rt.method+" "+rt.path, s.require(rt.need, s.wrap(rt.h)))
	}
	for _, rt := range o.Extra {
		if rt.Handle == nil {
			return nil, fmt.Errorf("api: extra route %s %s has no handler", rt.Method, rt.Path)
		}
		need := cashier
		if rt.Supervisor {
			need = supervisor
		}
		s.mux.Handle(rt.Method+" "+rt.Path, s.require(need, s.wrap(rt.Handle)))
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such endpoint: "+r.Method+" "+r.URL.Path+" (see docs/api.md)")
	})
	return s, nil
}

// ServeHTTP checks Host, Origin and the token (guard.go), then routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r, ok := s.admit(w, r)
	if !ok {
		return
	}
	s.mux.ServeHTTP(w, r)
}

// apiError is an error with its HTTP status and stable code.
type apiError struct {
	status int
	code   string
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func badRequest(code, format string, args ...any) error {
	return &apiError{http.StatusBadRequest, code, fmt.Sprintf(format, args...)}
}

// wrap turns handler errors into JSON errors; payment errors map to codes.
func (s *Server) wrap(h func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, s.o.MaxBody)
		err := h(w, r)
		if err == nil {
			return
		}
		status, code := classify(err)
		if tellsItsText(status) {
			writeError(w, status, code, errorMessage(err))
			return
		}
		// The cash register gets the API's words and an ID; the log gets
		// the error under the same ID (servererror.go).
		id := newErrorID()
		s.log.Error("api request failed", "method", r.Method, "path", r.URL.Path, "status", status, "code", code,
			"error_id", id, "err", err)
		writeJSON(w, status, errorAnswer{errorBody{Code: code, Message: serverErrorMessage(err, code), ErrorID: id}})
	}
}

// classify maps an error to its HTTP status and API code.
func classify(err error) (int, string) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.status, ae.code
	}
	if status, code, ok := storageStatus(err); ok {
		return status, code
	}
	var mbe *http.MaxBytesError
	table := []struct {
		target error
		status int
		code   string
	}{
		{payment.ErrNotFound, http.StatusNotFound, "not_found"},
		{payment.ErrInvalidAmount, http.StatusUnprocessableEntity, "invalid_amount"},
		{payment.ErrUnknownCurrency, http.StatusUnprocessableEntity, "unknown_currency"},
		{payment.ErrCurrencyNotAccepted, http.StatusUnprocessableEntity, "currency_not_accepted"},
		{payment.ErrCurrencyMismatch, http.StatusUnprocessableEntity, "currency_mismatch"},
		{payment.ErrUnknownMethod, http.StatusUnprocessableEntity, "unknown_method"},
		{payment.ErrUnknownPolicy, http.StatusUnprocessableEntity, "unknown_offline_policy"},
		{payment.ErrInvalidEmail, http.StatusUnprocessableEntity, "invalid_email"},
		{payment.ErrInvalidRequest, http.StatusUnprocessableEntity, "invalid_request"},
		{payment.ErrOfflineRefused, http.StatusUnprocessableEntity, "offline_refused"},
		{payment.ErrRefundExceeds, http.StatusUnprocessableEntity, "refund_exceeds_remaining"},
		{payment.ErrNotRefundable, http.StatusConflict, "not_refundable"},
		{payment.ErrAlreadyApproved, http.StatusConflict, "payment_approved"},
		{payment.ErrNotCancellable, http.StatusConflict, "not_cancellable"},
		{payment.ErrBusy, http.StatusConflict, "terminal_busy"},
		{payment.ErrOperationInProgress, http.StatusConflict, "operation_in_progress"},
		{payment.ErrOperationDropped, http.StatusBadGateway, "operation_not_made"},
		{payment.ErrOutcomeUnknown, http.StatusAccepted, "outcome_unknown"},
		{payment.ErrNotSupported, http.StatusNotImplemented, "not_supported"},
		{ErrNotAvailable, http.StatusNotImplemented, "not_available"},
		{payment.ErrNotALink, http.StatusConflict, "not_a_link"},
		{payment.ErrLinkNotPending, http.StatusConflict, "link_not_pending"},
		{payment.ErrGatewayUnavailable, http.StatusBadGateway, "gateway_unavailable"},
		{payment.ErrLinkNotSent, http.StatusBadGateway, "link_not_sent"},
		{notify.ErrMailNotFound, http.StatusNotFound, "not_found"},
		{notify.ErrMailNotParked, http.StatusConflict, "mail_not_parked"},
		{notify.ErrMailUnreadable, http.StatusConflict, "mail_unreadable"},
	}
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge, "body_too_large"
	}
	for _, t := range table {
		if errors.Is(err, t.target) {
			return t.status, t.code
		}
	}
	return http.StatusInternalServerError, "internal"
}

// errorAnswer is every error's body (docs/api.md, openapi.json's Error).
type errorAnswer struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// ErrorID names a server-side failure (5xx but 501) in the terminal's
	// log, where the error itself is.
	ErrorID string `json:"error_id,omitempty"`
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, errorAnswer{errorBody{Code: code, Message: msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// decode reads a JSON body strictly: one object, no unknown fields. The
// Content-Type is not checked: `curl -d` sends a form type with JSON inside.
func decode(r *http.Request, v any) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return badRequest("invalid_json", "reading the body: %v", err)
	}
	// encoding/json would quietly turn invalid UTF-8 into U+FFFD: a
	// reference or an e-mail address must arrive as sent, or be refused.
	if !utf8.Valid(body) {
		return &apiError{http.StatusUnprocessableEntity, "invalid_request", "the body is not valid UTF-8"}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		if errors.Is(err, io.EOF) {
			return errEmptyBody
		}
		return badRequest("invalid_json", "malformed JSON: %v", err)
	}
	if dec.More() {
		return badRequest("invalid_json", "one JSON object expected, found more")
	}
	return nil
}

var errEmptyBody = badRequest("invalid_json", "empty body: send a JSON object")

// decodeOptional is decode for a body that may be empty.
func decodeOptional(r *http.Request, v any) error {
	if err := decode(r, v); err != errEmptyBody {
		return err
	}
	return nil
}

// Payment is the API's view of a transaction.
type Payment struct {
	ID        string `json:"id"`
	Reference string `json:"reference"`
	OrderID   string `json:"order_id"`
	Sequence  uint64 `json:"sequence"` // the TRANS. number on receipts (payment.Transaction.Sequence)
	// Batch is the batch the payment counts in (its Z report). CreatedBatch,
	// present only for a link paid after the batch it was created in had
	// closed, is that batch: the payment counts where its money came in.
	Batch          int    `json:"batch"`
	CreatedBatch   int    `json:"created_batch,omitempty"`
	Method         string `json:"method"`
	Status         string `json:"status"`
	State          string `json:"state"`
	Amount         int64  `json:"amount"`
	Currency       string `json:"currency"`
	RefundedAmount int64  `json:"refunded_amount"`
	Brand          string `json:"brand"`
	Wallet         string `json:"wallet"`
	PANMasked      string `json:"pan_masked"`
	AID            string `json:"aid"`
	// CVM is how the cardholder was verified: no_cvm, cdcvm (on the
	// phone), online_pin (PIN checked by the issuer), signature.
	CVM       string `json:"cvm,omitempty"`
	AuthCode  string `json:"auth_code"`
	Offline   bool   `json:"offline"`
	Forwarded bool   `json:"forwarded"`
	LinkURL   string `json:"link_url"`
	// Email is the customer's address (receipt, or the link's recipient).
	Email string `json:"email,omitempty"`
	// LinkStatus is a payment link's status for the merchant: pending,
	// paid, expired, cancelled or failed; absent for other methods.
	LinkStatus string `json:"link_status,omitempty"`
	// Resends counts the times a pending link was e-mailed again.
	Resends        int        `json:"resends"`
	ResentAt       *time.Time `json:"resent_at,omitempty"`
	QR             string     `json:"qr,omitempty"`
	ExpiresAt      *time.Time `json:"expires_at,omitempty"`
	ReceiptPrinted bool       `json:"receipt_printed"`
	// Pending is the refund, void or cancel journaled on the payment and not
	// yet settled; another one is refused meanwhile (operation_in_progress).
	Pending *PendingOperation `json:"pending_operation,omitempty"`
	// Attempts are earlier authorisations the issuer soft-declined (PSD2:
	// PIN required) before the payment went on under a new order ID.
	Attempts []Attempt `json:"attempts,omitempty"`
	// Refunds are the refunds made, oldest first, each with the batch it
	// counts in: the batch open when the bank accepted it, which is a
	// later batch than the payment's when its batch was already closed.
	Refunds []RefundView `json:"refunds,omitempty"`
	// ErrorCode is why the payment was declined, failed or ended without a
	// sale (payment.ReasonCode): what a cash register switches on. Error is
	// the detail in words, for people and logs.
	ErrorCode string    `json:"error_code,omitempty"`
	Error     string    `json:"error"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Attempt is a soft-declined authorisation of a payment: nothing was
// charged under its order ID.
type Attempt struct {
	OrderID string    `json:"order_id"`
	Result  string    `json:"result"`  // gateway result code (065, 077)
	Decline string    `json:"decline"` // pin_required
	At      time.Time `json:"at"`
}

// RefundView is one refund of a payment.
type RefundView struct {
	ID     string    `json:"id"`
	Amount int64     `json:"amount"`
	At     time.Time `json:"at"`
	Batch  int       `json:"batch"`
}

// PendingOperation is a payment's unsettled refund, void or cancel.
type PendingOperation struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"` // refund, void, cancel
	Amount int64  `json:"amount"`
	// OutcomeUnknown: the bank's answer was lost; the terminal settles it
	// from the bank's record and never sends it again.
	OutcomeUnknown bool `json:"outcome_unknown"`
}

// view builds the API object. The PAN is masked first 6 / last 4.
func view(t *payment.Transaction) Payment {
	p := Payment{
		ID: t.ID, Reference: t.Reference, OrderID: t.OrderID, Sequence: t.Sequence, Batch: t.Batch, CreatedBatch: t.CreatedBatch,
		Method: string(t.Method),
		Status: string(t.State.Status()), State: string(t.State), Amount: t.Amount.Minor,
		Currency: t.Amount.Currency, RefundedAmount: t.Refunded(), Wallet: t.Wallet,
		AuthCode: t.AuthCode, Offline: t.Offline, Forwarded: t.State == payment.StateForwarded || t.Forwarded,
		LinkURL: t.LinkURL, QR: t.QR, ReceiptPrinted: t.ReceiptPrinted,
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
	}
	if !t.ExpireAt.IsZero() {
		e := t.ExpireAt
		p.ExpiresAt = &e
	}
	p.Email, p.LinkStatus, p.Resends = t.Email, string(payment.LinkStatusOf(t)), t.Resends
	if !t.ResentAt.IsZero() {
		r := t.ResentAt
		p.ResentAt = &r
	}
	if c := t.Card; c != nil {
		p.Brand, p.PANMasked, p.AID, p.CVM = c.Brand, c.PAN.Masked(), c.AID, c.CVM
	}
	for _, a := range t.Attempts {
		p.Attempts = append(p.Attempts, Attempt{OrderID: a.OrderID, Result: a.Result, Decline: a.Decline, At: a.At})
	}
	for _, r := range t.Refunds {
		p.Refunds = append(p.Refunds, RefundView{ID: r.ID, Amount: r.Amount.Minor, At: r.At, Batch: t.RefundBatch(r)})
	}
	if op := t.Pending; op != nil {
		p.Pending = &PendingOperation{ID: op.ID, Kind: string(op.Kind), Amount: op.Amount.Minor, OutcomeUnknown: op.Unknown}
	}
	switch t.State.Status() {
	case payment.StatusDeclined, payment.StatusFailed, payment.StatusCancelled, payment.StatusExpired:
		p.ErrorCode, p.Error = string(t.Code), t.Reason
	}
	return p
}

// metrics serves the program's Prometheus registry. The path is the
// Prometheus convention, outside /v1: its format is Prometheus's, versioned
// by the exposition format itself.
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) error {
	if s.o.Metrics == nil {
		writeError(w, http.StatusNotFound, "not_found", "this server exposes no metrics")
		return nil
	}
	s.o.Metrics.ServeHTTP(w, r)
	return nil
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) error {
	h := Health{Devices: map[string]string{}}
	if s.o.Health != nil {
		h = s.o.Health(r.Context())
	}
	status := "ok"
	for _, st := range h.Devices {
		if st != "ok" {
			status = "degraded"
		}
	}
	body := map[string]any{
		"status": status, "version": s.o.Version, "online": h.Online,
		"queue_length": h.QueueLength, "devices": h.Devices,
		"terminal_id": s.o.Service.Merchant().TerminalID,
	}
	if h.Storage != nil {
		body["status"], body["storage"] = "degraded", h.Storage
	}
	if h.Outbox != nil {
		body["outbox"] = h.Outbox
		if h.Outbox.Parked > 0 {
			body["status"] = "degraded"
		}
	}
	return writeJSON(w, http.StatusOK, body)
}

type createRequest struct {
	Amount    *int64 `json:"amount"`
	Currency  string `json:"currency"`
	Method    string `json:"method"`
	Reference string `json:"reference"`
	Email     string `json:"email"`
	Offline   string `json:"offline"`
	BuyerCode string `json:"buyer_code"`
	Scan      bool   `json:"scan"`
}

func (s *Server) createPayment(w http.ResponseWriter, r *http.Request) error {
	var req createRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.Amount == nil {
		return &apiError{http.StatusUnprocessableEntity, "invalid_amount", "amount is required, in minor units (1250 = 12,50 €)"}
	}
	if req.Currency == "" {
		req.Currency = s.o.Service.Currency()
	}
	if req.Method == "" {
		req.Method = string(payment.MethodCard)
	}
	t, err := s.o.Service.Pay(r.Context(), payment.Request{
		Amount: payment.Amount{Minor: *req.Amount, Currency: req.Currency}, Method: payment.Method(req.Method),
		Reference: req.Reference, Email: req.Email, Policy: payment.OfflinePolicy(req.Offline), BuyerCode: req.BuyerCode, ScanCode: req.Scan,
	})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/payments/"+t.ID)
	return writeJSON(w, http.StatusCreated, view(t))
}

func (s *Server) getPayment(w http.ResponseWriter, r *http.Request) error {
	t, err := s.current(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, view(t))
}

func (s *Server) cancelPayment(w http.ResponseWriter, r *http.Request) error {
	t, err := s.o.Service.Cancel(r.Context(), r.PathValue("id"))
	if err == nil {
		return writeJSON(w, http.StatusOK, view(t))
	}
	return writeOperation(w, t, err)
}

func (s *Server) voidPayment(w http.ResponseWriter, r *http.Request) error {
	t, err := s.o.Service.Void(r.Context(), r.PathValue("id"))
	if err == nil {
		return writeJSON(w, http.StatusOK, view(t))
	}
	return writeOperation(w, t, err)
}

func (s *Server) refundPayment(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Amount   *int64 `json:"amount"`
		Currency string `json:"currency"`
	}
	// No body, or no amount: refund what remains.
	if r.ContentLength != 0 {
		if err := decodeOptional(r, &req); err != nil {
			return err
		}
	}
	var t *payment.Transaction
	var err error
	if req.Amount == nil {
		if req.Currency != "" && req.Currency != s.o.Service.Currency() {
			return fmt.Errorf("%w: the terminal refunds in %s", payment.ErrCurrencyMismatch, s.o.Service.Currency())
		}
		t, err = s.o.Service.RefundRest(r.Context(), r.PathValue("id"))
	} else {
		if req.Currency == "" {
			req.Currency = s.o.Service.Currency()
		}
		t, err = s.o.Service.Refund(r.Context(), r.PathValue("id"), payment.Amount{Minor: *req.Amount, Currency: req.Currency})
	}
	return writeOperation(w, t, err)
}

// writeOperation answers a refund or void: 201 with the payment when it is
// done; 202 with the payment in refund_pending or void_pending when the
// bank's answer was lost (it will be settled from the bank's record, never
// resent); the error otherwise.
func writeOperation(w http.ResponseWriter, t *payment.Transaction, err error) error {
	switch {
	case err == nil:
		return writeJSON(w, http.StatusCreated, view(t))
	case errors.Is(err, payment.ErrOutcomeUnknown) && t != nil:
		return writeJSON(w, http.StatusAccepted, view(t))
	}
	return err
}

func copyParam(r *http.Request) (payment.Copy, error) {
	switch c := r.URL.Query().Get("copy"); c {
	case "", "customer":
		return payment.CustomerCopy, nil
	case "merchant":
		return payment.MerchantCopy, nil
	default:
		return "", badRequest("invalid_query", "copy %q: use customer or merchant", c)
	}
}

func (s *Server) receipt(w http.ResponseWriter, r *http.Request) error {
	c, err := copyParam(r)
	if err != nil {
		return err
	}
	lang := r.URL.Query().Get("lang")
	if lang != "" && lang != "fr" && lang != "en" {
		return badRequest("invalid_query", "lang %q: use fr or en", lang)
	}
	rc, err := s.o.Service.Receipt(r.Context(), r.PathValue("id"), payment.ReceiptOpts{Copy: c, Lang: lang})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err = io.WriteString(w, rc.PlainText(42))
	return err
}

func (s *Server) printReceipt(w http.ResponseWriter, r *http.Request) error {
	c, err := copyParam(r)
	if err != nil {
		return err
	}
	if err := s.o.Service.Reprint(r.Context(), r.PathValue("id"), c); err != nil {
		if errors.Is(err, payment.ErrNotFound) || errors.Is(err, payment.ErrNotSupported) || isStorageFault(err) {
			return err
		}
		return printerError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) reportX(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.o.Service.Report(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}

func (s *Server) closeBatch(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.o.Service.CloseBatch(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}

// events streams service events as Server-Sent Events until the client
// goes away. A comment line every 15 s keeps proxies from closing it.
func (s *Server) events(w http.ResponseWriter, r *http.Request) error {
	fl, ok := w.(http.Flusher)
	if !ok {
		return errors.New("api: streaming not supported by this connection")
	}
	ch, stop := s.o.Service.Subscribe(64)
	defer stop()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": tpe events\n\n")
	fl.Flush()
	tick := time.NewTicker(15 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-tick.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case e, ok := <-ch:
			if !ok {
				return nil
			}
			data := map[string]any{"type": e.Type, "at": e.At, "message": e.Message}
			if e.Payment != nil {
				data["payment"] = view(e.Payment)
			}
			b, _ := json.Marshal(data)
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", e.Type, b)
		}
		fl.Flush()
	}
}
