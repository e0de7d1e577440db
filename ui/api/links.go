// Listing and following payments: the filters of GET /v1/payments and its
// CSV export, re-sending a pending payment link.

package api

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"tpe/payment"
)

// Listing limits: the JSON list pages by limit (default 50); the CSV export
// is for a spreadsheet and takes up to maxCSVRows at once.
const (
	defaultListLimit = 50
	maxListLimit     = 500
	maxCSVRows       = 10000
)

// listParams are the query parameters GET /v1/payments and
// /v1/payments.csv accept; anything else is refused (unknown_filter) so
// that a misspelt filter never silently lists everything.
var listParams = map[string]bool{
	"status": true, "method": true, "email": true, "reference": true,
	"min_amount": true, "max_amount": true, "since": true, "until": true, "limit": true,
}

// filterError is a 422 naming the parameter at fault.
func filterError(code, format string, args ...any) error {
	return &apiError{http.StatusUnprocessableEntity, code, fmt.Sprintf(format, args...)}
}

// parseListQuery validates every filter of a listing. maxLimit is the
// largest limit allowed (and the default for the CSV export).
func parseListQuery(v url.Values, defLimit, maxLimit int) (payment.Query, error) {
	var q payment.Query
	for k, vals := range v {
		if !listParams[k] {
			return q, filterError("unknown_filter", "unknown parameter %q: filters are status, method, email, reference, min_amount, max_amount, since, until and limit", k)
		}
		if len(vals) > 1 {
			return q, filterError("unknown_filter", "parameter %q given %d times: give each filter once", k, len(vals))
		}
	}
	if s := v.Get("method"); s != "" {
		m, err := payment.ParseMethod(s)
		if err != nil {
			return q, filterError("invalid_method_filter", "method %q: use card, alipayplus or paylink", s)
		}
		q.Method = m
	}
	if s := v.Get("status"); s != "" {
		// A link's merchant-facing status (paid) is asked with method=paylink;
		// the payment statuses work for every method.
		if ls, ok := payment.ParseLinkStatus(s); ok && q.Method == payment.MethodPayLink {
			q.States = ls.States()
		} else if st, ok := payment.ParseStatus(s); ok {
			q.Status = st
		} else if ok {
			return q, filterError("invalid_status_filter", "status %q is a link status: add method=paylink", s)
		} else {
			return q, filterError("invalid_status_filter", "status %q: use pending, processing, approved, declined, cancelled, failed, expired, refunded, partially_refunded, refund_pending or void_pending; with method=paylink also paid", s)
		}
	}
	if s := v.Get("email"); s != "" {
		if err := plainFilter(s, 254); err != nil {
			return q, filterError("invalid_email_filter", "email: %v", err)
		}
		q.Email = s
	}
	if s := v.Get("reference"); s != "" {
		if err := plainFilter(s, 64); err != nil {
			return q, filterError("invalid_reference_filter", "reference: %v", err)
		}
		q.Reference = s
	}
	var err error
	if q.MinAmount, err = amountFilter(v, "min_amount"); err != nil {
		return q, err
	}
	if q.MaxAmount, err = amountFilter(v, "max_amount"); err != nil {
		return q, err
	}
	if q.MinAmount > 0 && q.MaxAmount > 0 && q.MinAmount > q.MaxAmount {
		return q, filterError("invalid_amount_range", "min_amount %d is above max_amount %d", q.MinAmount, q.MaxAmount)
	}
	if q.Since, err = dateFilter(v, "since"); err != nil {
		return q, err
	}
	if q.Until, err = dateFilter(v, "until"); err != nil {
		return q, err
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Until.After(q.Since) {
		return q, filterError("invalid_date_range", "until %s is not after since %s", q.Until.Format(time.RFC3339), q.Since.Format(time.RFC3339))
	}
	q.Limit = defLimit
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			return q, filterError("invalid_limit", "limit %q: use 1 to %d", s, maxLimit)
		}
		q.Limit = n
	}
	return q, nil
}

// plainFilter refuses what no address or reference holds: invalid UTF-8,
// control characters, more than max bytes.
func plainFilter(s string, max int) error {
	if !utf8.ValidString(s) {
		return errors.New("not valid UTF-8")
	}
	if len(s) > max {
		return fmt.Errorf("longer than %d bytes", max)
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return errors.New("control character")
	}
	return nil
}

// amountFilter reads a bound in minor units (1250 = 12,50 €); 0 if absent.
func amountFilter(v url.Values, name string) (int64, error) {
	s := v.Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 {
		return 0, filterError("invalid_amount_filter", "%s %q: a positive whole number of minor units, e.g. 1250 for 12,50 €", name, s)
	}
	return n, nil
}

// dateFilter reads an RFC 3339 instant; zero if absent.
func dateFilter(v url.Values, name string) (time.Time, error) {
	s := v.Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, filterError("invalid_date_filter", "%s %q: use RFC 3339, e.g. 2026-11-26T08:00:00+01:00", name, s)
	}
	return t, nil
}

func (s *Server) listPayments(w http.ResponseWriter, r *http.Request) error {
	q, err := parseListQuery(r.URL.Query(), defaultListLimit, maxListLimit)
	if err != nil {
		return err
	}
	txns, err := s.o.Service.List(r.Context(), q)
	if err != nil {
		return err
	}
	out := make([]Payment, 0, len(txns))
	for _, t := range txns {
		out = append(out, view(t))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"payments": out})
}

// csvColumns is the export's header; csvRow writes the same order.
var csvColumns = []string{"id", "sequence", "created_at", "method", "status", "link_status", "state", "reference", "order_id", "email",
	"amount", "currency", "amount_minor", "refunded_minor", "resends", "expires_at", "brand", "pan_masked", "auth_code",
	"error_code", "updated_at"}

// exportPayments is GET /v1/payments.csv: the same filters as the list, as
// an RFC 4180 file a spreadsheet opens. Cells that a spreadsheet would run
// as a formula are defused (csvCell).
func (s *Server) exportPayments(w http.ResponseWriter, r *http.Request) error {
	q, err := parseListQuery(r.URL.Query(), maxCSVRows, maxCSVRows)
	if err != nil {
		return err
	}
	txns, err := s.o.Service.List(r.Context(), q)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("payments-%s-%s.csv", fileSafe(s.o.Service.Merchant().TerminalID), time.Now().UTC().Format("20060102-150405"))
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.WriteHeader(http.StatusOK)
	return writeCSV(w, txns)
}

// writeCSV writes the header and one row per payment (CRLF line ends).
func writeCSV(w interface{ Write([]byte) (int, error) }, txns []*payment.Transaction) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(csvColumns); err != nil {
		return err
	}
	for _, t := range txns {
		if err := cw.Write(csvRow(t)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvRow(t *payment.Transaction) []string {
	p := view(t)
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	seq := "" // never journaled: no TRANS. number yet
	if t.Sequence != 0 {
		seq = strconv.FormatUint(t.Sequence, 10)
	}
	row := []string{p.ID, seq, ts(t.CreatedAt), p.Method, p.Status, p.LinkStatus, p.State, p.Reference, p.OrderID, p.Email,
		majorUnits(t.Amount), p.Currency, strconv.FormatInt(p.Amount, 10), strconv.FormatInt(p.RefundedAmount, 10),
		strconv.Itoa(p.Resends), ts(t.ExpireAt), p.Brand, p.PANMasked, p.AuthCode, p.ErrorCode, ts(t.UpdatedAt)}
	for i, c := range row {
		row[i] = csvCell(c)
	}
	return row
}

// csvCell defuses CSV injection (OWASP "CSV Injection"): a cell a
// spreadsheet would evaluate — starting with = + - @, or a tab or carriage
// return that some strip before evaluating — is prefixed with an
// apostrophe, which the spreadsheet shows as text. References and e-mail
// addresses are typed by people; amounts and dates never start so.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// majorUnits writes an amount in major units with a dot ("12.50"), the
// form spreadsheets read whatever their locale's display.
func majorUnits(a payment.Amount) string {
	exp, ok := payment.CurrencyExponent(a.Currency)
	if !ok || exp == 0 {
		return strconv.FormatInt(a.Minor, 10)
	}
	div := int64(1)
	for range exp {
		div *= 10
	}
	sign := ""
	m := a.Minor
	if m < 0 {
		sign, m = "-", -m
	}
	return fmt.Sprintf("%s%d.%0*d", sign, m/div, exp, m%div)
}

// fileSafe keeps letters, digits, dash and underscore of a file name part.
func fileSafe(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_') {
			return r
		}
		return -1
	}, s)
	if s == "" {
		return "terminal"
	}
	return s
}

// resendLink is POST /v1/payments/{id}/resend: e-mail a pending link again,
// to a new address when the body gives one.
func (s *Server) resendLink(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Email string `json:"email"`
	}
	if r.ContentLength != 0 {
		if err := decodeOptional(r, &req); err != nil {
			return err
		}
	}
	t, err := s.o.Service.Resend(r.Context(), r.PathValue("id"), req.Email)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, view(t))
}

// linkRefreshTimeout bounds the gateway call GET /v1/payments/{id} makes for
// a pending link: past it the journaled state is served.
const linkRefreshTimeout = 3 * time.Second

// current returns payment id, asking the gateway first when it is a pending
// link so that a paid link reads paid at once. A gateway that does not
// answer costs nothing but the wait: the journaled payment is served.
func (s *Server) current(ctx context.Context, id string) (*payment.Transaction, error) {
	t, err := s.o.Service.Get(ctx, id)
	if err != nil || t.Method != payment.MethodPayLink || t.State != payment.StateAwaitingCustomer {
		return t, err
	}
	rctx, cancel := context.WithTimeout(ctx, linkRefreshTimeout)
	defer cancel()
	now, err := s.o.Service.RefreshLink(rctx, id)
	if err != nil {
		s.log.Debug("link status not refreshed", "txn_id", id, "err", err)
		return t, nil
	}
	return now, nil
}
