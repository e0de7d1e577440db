package paylink

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"tpe/payment"
	"tpe/payment/gateway"
	"tpe/payment/notify"
)

// Gateway is what links need of the Connect2Pay client (*gateway.Client).
type Gateway interface {
	Prepare(ctx context.Context, req gateway.PrepareRequest) (gateway.PrepareResponse, error)
	PaymentStatus(ctx context.Context, merchantToken string) (gateway.PaymentStatus, error)
	PaymentURL(customerToken string) string
	CancelPayment(ctx context.Context, merchantToken string) error
	C2PRefund(ctx context.Context, transactionID string, a payment.Amount) (gateway.C2PReferralResponse, error)
}

var _ Gateway = (*gateway.Client)(nil)

// Sender sends one e-mail (*notify.Mailer).
type Sender interface {
	Send(ctx context.Context, m notify.Message) error
}

var _ Sender = (*notify.Mailer)(nil)

// Opts configures links. Zero fields take the defaults.
type Opts struct {
	// Validity is how long a link can be paid (config
	// notifications.link_validity); default 7 days. It is the prepared
	// payment's timeOut.
	Validity time.Duration
	// Merchant names the shop in the e-mail.
	Merchant payment.Merchant
	// Lang is the e-mail language when a request has none: fr (default) or en.
	Lang string
	// Location renders the expiry date; default time.Local.
	Location *time.Location
	// Description is the order description shown on the payment page.
	Description string
	Now         func() time.Time
	Logger      *slog.Logger
}

// Links creates, tracks and e-mails payment links. It implements
// payment.Links.
type Links struct {
	gw   Gateway
	mail Sender
	o    Opts
	log  *slog.Logger
}

var _ payment.Links = (*Links)(nil)

// New returns links over gw (a *gateway.Client) sending through mail (a
// *notify.Mailer).
func New(gw Gateway, mail Sender, o *Opts) (*Links, error) {
	if gw == nil || mail == nil {
		return nil, errors.New("paylink: a gateway client and a mail sender are required")
	}
	var opts Opts
	if o != nil {
		opts = *o
	}
	if opts.Validity <= 0 {
		opts.Validity = 7 * 24 * time.Hour
	}
	if opts.Lang != "en" {
		opts.Lang = "fr"
	}
	if opts.Location == nil {
		opts.Location = time.Local
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Links{gw: gw, mail: mail, o: opts, log: opts.Logger}, nil
}

// Link IDs are "merchantToken.customerToken": the merchant token reads the
// status (and is useless without the terminal's gateway credentials), the
// customer token rebuilds the URL to re-send. The link needs no store of
// its own: the journal keeps the ID with the payment.
func linkID(mt, ct string) string { return mt + "." + ct }

func splitID(id string) (mt, ct string, err error) {
	mt, ct, ok := strings.Cut(id, ".")
	if !ok || mt == "" || ct == "" || strings.ContainsAny(id, "/?#% ") || len(id) > 130 {
		return "", "", ErrBadLinkID
	}
	return mt, ct, nil
}

func (l *Links) lang(req string) string {
	if req == "en" || req == "fr" {
		return req
	}
	return l.o.Lang
}

// Create prepares a payment with only the amount fixed (order ID from the
// terminal, timeOut = Validity) and e-mails its link. If the e-mail is
// not accepted the prepared payment is withdrawn and ErrNotSent returned
// with the relay's reason: nobody can pay a link that was never sent.
func (l *Links) Create(ctx context.Context, req payment.LinkRequest) (payment.Link, error) {
	if err := payment.ValidateEmail(req.Email); err != nil {
		return payment.Link{}, err
	}
	if err := req.Amount.Validate(); err != nil {
		return payment.Link{}, err
	}
	if req.OrderID == "" {
		return payment.Link{}, fmt.Errorf("%w: no order ID", payment.ErrInvalidRequest)
	}
	now := l.o.Now()
	prep, err := l.gw.Prepare(ctx, gateway.PrepareRequest{Currency: req.Amount.Currency, Amount: req.Amount.Minor,
		PaymentMode: "Single", Operation: "sale", TimeOut: gateway.ISODuration(l.o.Validity),
		Shopper: &gateway.C2PShopper{Email: req.Email},
		Order:   gateway.C2POrder{ID: req.OrderID, Description: l.o.Description}})
	if err != nil {
		return payment.Link{}, fmt.Errorf("paylink: preparing the payment: %w", err)
	}
	link := payment.Link{ID: linkID(prep.MerchantToken, prep.CustomerToken), URL: l.gw.PaymentURL(prep.CustomerToken),
		ExpireAt: now.Add(l.o.Validity)}
	withdraw := func(err error) error {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		defer cancel()
		if werr := l.gw.CancelPayment(wctx, prep.MerchantToken); werr != nil {
			l.log.Error("unsent payment link not withdrawn", "order_id", req.OrderID, "err", werr)
			return fmt.Errorf("%w: %w (and the link could not be withdrawn: %w)", ErrNotSent, err, werr)
		}
		return fmt.Errorf("%w: %w", ErrNotSent, err)
	}
	if req.Prepared != nil {
		if err := req.Prepared(link); err != nil {
			return payment.Link{}, withdraw(err)
		}
	}
	lang := l.lang(req.Lang)
	if err := l.send(ctx, req.Email, lang, req.Amount, req.OrderID, link, false); err != nil {
		return payment.Link{}, withdraw(err)
	}
	l.log.Info("payment link sent", "order_id", req.OrderID, "amount_minor", req.Amount.Minor)
	return link, nil
}

func (l *Links) send(ctx context.Context, to, lang string, a payment.Amount, orderID string, link payment.Link, reminder bool) error {
	msg, err := compose(to, linkMail{Lang: lang, Merchant: l.o.Merchant.Name, Amount: formatAmount(a, lang),
		OrderID: orderID, URL: link.URL, Expires: formatDate(link.ExpireAt, lang, l.o.Location), Reminder: reminder})
	if err != nil {
		return err
	}
	return l.mail.Send(ctx, msg)
}

// Link statuses (payment.LinkState.Status).
const (
	StatusPending   = "pending"
	StatusPaid      = "paid"
	StatusExpired   = "expired"
	StatusCancelled = "cancelled"
)

// Status reads where a link stands at the gateway. A declined card try
// leaves it pending: the shopper may try again until it expires.
func (l *Links) Status(ctx context.Context, id string) (payment.LinkState, error) {
	mt, _, err := splitID(id)
	if err != nil {
		return payment.LinkState{}, err
	}
	st, err := l.gw.PaymentStatus(ctx, mt)
	if err != nil {
		return payment.LinkState{}, fmt.Errorf("paylink: reading the link status: %w", err)
	}
	return state(st), nil
}

func state(st gateway.PaymentStatus) payment.LinkState {
	s := payment.LinkState{Status: StatusPending, Code: st.ErrorCode}
	switch st.Status {
	case gateway.PaymentAuthorized:
		s.Status = StatusPaid
		for _, a := range st.Transactions {
			if a.Operation == "sale" && a.ResultCode == gateway.CodeSuccess && a.RefTransactionID == "" {
				s.GatewayID = a.TransactionID
			}
		}
	case gateway.PaymentExpired:
		s.Status = StatusExpired
	case gateway.PaymentCancelled:
		s.Status = StatusCancelled
	}
	return s
}

// Cancel withdraws a link nobody paid. A paid link answers
// payment.ErrAlreadyApproved (refund it instead); an expired one
// ErrLinkClosed; cancelling a cancelled link is accepted.
func (l *Links) Cancel(ctx context.Context, id string) error {
	mt, _, err := splitID(id)
	if err != nil {
		return err
	}
	st, err := l.gw.PaymentStatus(ctx, mt)
	if err != nil {
		return fmt.Errorf("paylink: reading the link status: %w", err)
	}
	switch state(st).Status {
	case StatusPaid:
		return payment.ErrAlreadyApproved
	case StatusExpired:
		return fmt.Errorf("%w: expired", ErrLinkClosed)
	case StatusCancelled:
		return nil
	}
	if err := l.gw.CancelPayment(ctx, mt); err != nil {
		return fmt.Errorf("paylink: cancelling the link: %w", err)
	}
	return nil
}

// Resend e-mails a pending link again (to a corrected address, or the
// same one), in the merchant's language, as a reminder.
func (l *Links) Resend(ctx context.Context, id, email string) error {
	mt, ct, err := splitID(id)
	if err != nil {
		return err
	}
	if err := payment.ValidateEmail(email); err != nil {
		return err
	}
	st, err := l.gw.PaymentStatus(ctx, mt)
	if err != nil {
		return fmt.Errorf("paylink: reading the link status: %w", err)
	}
	if s := state(st).Status; s != StatusPending {
		return fmt.Errorf("%w: %s", ErrLinkClosed, s)
	}
	link := payment.Link{ID: id, URL: l.gw.PaymentURL(ct), ExpireAt: l.o.Now().Add(l.o.Validity)}
	if st.ExpireAt > 0 {
		link.ExpireAt = time.UnixMilli(st.ExpireAt)
	}
	orderID := ""
	if st.Order != nil {
		orderID = st.Order.ID
	}
	a := payment.Amount{Minor: st.Amount, Currency: st.Currency}
	if err := l.send(ctx, email, l.o.Lang, a, orderID, link, true); err != nil {
		return fmt.Errorf("%w: %w", ErrNotSent, err)
	}
	return nil
}

// Refund gives back part or all of a paid link (POST
// /transaction/{id}/refund of Connect2Pay, gatewayID being the paid
// attempt of LinkState.GatewayID); repeated refunds add up to the payment
// at most. A refusal is a result, not an error. The card gateway's Refund
// (the direct API) does not apply to Connect2Pay transactions.
func (l *Links) Refund(ctx context.Context, gatewayID string, a payment.Amount) (payment.GatewayResult, error) {
	resp, err := l.gw.C2PRefund(ctx, gatewayID, a)
	if err != nil {
		return payment.GatewayResult{}, fmt.Errorf("paylink: refund: %w", err)
	}
	return gateway.RefundResult(resp, a), nil
}
