package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// The wire types below are the JSON bodies of the PayXpert gateway API
// (payxpert-api.md §2) and Connect2Pay (§3), plus our documented EMV
// extension. The simulator has its own types (gatewaysim/wire.go); both
// ends are held to PayXpert's documented shapes by the golden fixtures in
// testdata/ (fixtures_test.go), so a misspelt tag fails there instead of
// passing on both sides.

// EMVSaleRequest is the body of POST /transaction/sale/emv and
// /transaction/authorize/emv: the PayXpert CCSale fields that make sense
// card-present, with the card data sealed as a JWE instead of cardNumber.
type EMVSaleRequest struct {
	CustomerIP     string `json:"customerIP"`
	Amount         int64  `json:"amount"`
	Currency       string `json:"currency"`
	OrderID        string `json:"orderID"`
	TerminalID     string `json:"terminalID,omitempty"`
	CardData       string `json:"cardData"`       // JWE compact: SealedCard
	CardMasked     string `json:"cardMasked"`     // first 6 / last 4
	CardBrand      string `json:"cardBrand"`      // visa, mastercard…
	AID            string `json:"aid,omitempty"`  // application identifier
	EntryMode      string `json:"entryMode"`      // contactless
	CryptogramType string `json:"cryptogramType"` // ARQC online, TC forwarded offline
	CVM            string `json:"cvm,omitempty"`
	ATC            int    `json:"atc,omitempty"`
	Offline        bool   `json:"offline,omitempty"`    // an offline approval forwarded
	CapturedAt     int64  `json:"capturedAt,omitempty"` // Unix seconds the card was read
	Reference      string `json:"reference,omitempty"`
	// PINBlock and KSN carry an online PIN (extension, docs/gateway.md):
	// the ISO 9564-1 format 4 block enciphered under the AES DUKPT PIN key
	// of KSN, both upper-case hex. Never logged.
	PINBlock string `json:"pinBlock,omitempty"`
	KSN      string `json:"ksn,omitempty"`
}

// SealedCard is the plaintext inside EMVSaleRequest.CardData. It exists in
// clear only inside the JWE encrypter and the gateway.
type SealedCard struct {
	PAN    string `json:"pan"`
	Expiry string `json:"expiry"` // YYMM
	PANSeq string `json:"panSeq,omitempty"`
	Track2 string `json:"track2,omitempty"` // hex of the track-2 equivalent (tag 57)
	ICC    string `json:"icc,omitempty"`    // hex of the EMV TLV for online authorisation
}

// PaymentMeanInfo describes the card, masked.
type PaymentMeanInfo struct {
	CardNumber string `json:"cardNumber,omitempty"`
	CardBrand  string `json:"cardBrand,omitempty"`
}

// SaleResponse is the reply to a sale or authorisation (§2.4) plus the
// authorisation code of our extension.
type SaleResponse struct {
	ErrorCode           string           `json:"errorCode"`
	ErrorMessage        string           `json:"errorMessage"`
	TransactionID       string           `json:"transactionID,omitempty"`
	AuthorizationCode   string           `json:"authorizationCode,omitempty"`
	StatementDescriptor string           `json:"statementDescriptor,omitempty"`
	Amount              int64            `json:"amount,omitempty"`
	Currency            string           `json:"currency,omitempty"`
	PaymentMeanInfo     *PaymentMeanInfo `json:"paymentMeanInfo,omitempty"`
}

// ReferralRequest is the body of capture, cancel, refund and rebill (§2.3).
type ReferralRequest struct {
	TransactionID string `json:"transactionID"`
	Amount        int64  `json:"amount"`
	OrderID       string `json:"orderID,omitempty"`
}

// ReferralResponse answers a referral: TransactionID is the new transaction.
type ReferralResponse struct {
	ErrorCode     string `json:"errorCode"`
	ErrorMessage  string `json:"errorMessage"`
	TransactionID string `json:"transactionID,omitempty"`
}

// Transaction is the gateway's transaction object (§2.5), with the
// refundedAmount and authorizationCode of our extension.
type Transaction struct {
	TransactionID     string           `json:"transactionID"`
	OrderID           string           `json:"orderID"`
	ReferralID        json.Number      `json:"referralID,omitempty"` // documented Integer(32 bits); a numeric string is accepted too
	Status            string           `json:"status"`
	ErrorCode         string           `json:"errorCode"`
	ErrorMessage      string           `json:"errorMessage,omitempty"`
	Operation         string           `json:"operation"`
	PaymentType       string           `json:"paymentType"`
	PaymentMeanInfo   *PaymentMeanInfo `json:"paymentMeanInfo,omitempty"`
	Date              int64            `json:"date"`
	Amount            int64            `json:"amount"`
	Currency          string           `json:"currency"`
	RefundedAmount    int64            `json:"refundedAmount,omitempty"`
	AuthorizationCode string           `json:"authorizationCode,omitempty"`
	Offline           bool             `json:"offline,omitempty"`
}

// Transaction statuses the simulator reports.
const (
	StatusAuthorized        = "Authorized"
	StatusNotAuthorized     = "Not authorized"
	StatusCaptured          = "Captured"
	StatusCancelled         = "Cancelled"
	StatusRefunded          = "Refunded"
	StatusPartiallyRefunded = "Partially refunded"
	StatusDone              = "Done" // a refund, capture or cancel itself
)

// StatusResponse is the reply to GET /transaction/{id}.
type StatusResponse struct {
	ErrorCode    string       `json:"errorCode"`
	ErrorMessage string       `json:"errorMessage"`
	Transaction  *Transaction `json:"transaction,omitempty"`
}

// ExportResponse is the reply to GET /transactions[/{operation}].
type ExportResponse struct {
	ErrorCode       string        `json:"errorCode"`
	ErrorMessage    string        `json:"errorMessage"`
	TransactionList []Transaction `json:"transactionList"`
}

// Connect2Pay (hosted page and wallets, payxpert-api.md §3).

// C2PShopper is the 002.70 nested shopper, reduced to what a terminal knows.
type C2PShopper struct {
	Email     string `json:"email,omitempty"`
	FirstName string `json:"firstName,omitempty"`
	LastName  string `json:"lastName,omitempty"`
}

// C2POrder is the 002.70 nested order.
type C2POrder struct {
	ID          string `json:"id"`
	Description string `json:"description,omitempty"`
}

// PrepareRequest is the body of POST /payment/prepare.
type PrepareRequest struct {
	APIVersion      string      `json:"apiVersion"`
	Currency        string      `json:"currency"`
	Amount          int64       `json:"amount"`
	PaymentMode     string      `json:"paymentMode"`             // Single
	PaymentMethod   string      `json:"paymentMethod,omitempty"` // CreditCard, Alipay, WeChat…
	Operation       string      `json:"operation,omitempty"`     // sale
	TimeOut         string      `json:"timeOut,omitempty"`       // ISO 8601 duration, link validity
	CtrlCallbackURL string      `json:"ctrlCallbackURL,omitempty"`
	CtrlRedirectURL string      `json:"ctrlRedirectURL,omitempty"`
	CtrlCustomData  string      `json:"ctrlCustomData,omitempty"`
	Shopper         *C2PShopper `json:"shopper,omitempty"`
	Order           C2POrder    `json:"order"`
}

// PrepareResponse answers a prepare: code "200" = created.
type PrepareResponse struct {
	Code          string `json:"code"`
	Message       string `json:"message"`
	MerchantToken string `json:"merchantToken,omitempty"`
	CustomerToken string `json:"customerToken,omitempty"`
}

// TransactionAttempt is one Connect2Pay transaction (§3.4).
type TransactionAttempt struct {
	PaymentID        string `json:"paymentID,omitempty"`
	PaymentMethod    string `json:"paymentMethod,omitempty"`
	PaymentNetwork   string `json:"paymentNetwork,omitempty"`
	Operation        string `json:"operation"`
	Date             int64  `json:"date"` // epoch milliseconds
	Amount           int64  `json:"amount"`
	RefundedAmount   int64  `json:"refundedAmount,omitempty"`
	Currency         string `json:"currency"`
	ResultCode       string `json:"resultCode"`
	ResultMessage    string `json:"resultMessage"`
	Status           string `json:"status,omitempty"`
	TransactionID    string `json:"transactionID"`
	RefTransactionID string `json:"refTransactionID,omitempty"`
	OrderID          string `json:"orderID,omitempty"`
	IsTest           bool   `json:"isTest,omitempty"`
}

// Connect2Pay payment statuses (§3.4).
const (
	PaymentAuthorized    = "Authorized"
	PaymentNotAuthorized = "Not authorized"
	PaymentNotProcessed  = "Not processed"
	PaymentExpired       = "Expired"
	PaymentCallFailed    = "Call failed"
	PaymentPending       = "Pending"
)

// PaymentStatus is the reply to GET /payment/{merchantToken}/status.
type PaymentStatus struct {
	APIVersion     string               `json:"apiVersion"`
	Code           string               `json:"code,omitempty"`
	Message        string               `json:"message,omitempty"`
	Status         string               `json:"status"`
	MerchantToken  string               `json:"merchantToken"`
	Operation      string               `json:"operation,omitempty"`
	ErrorCode      string               `json:"errorCode"`
	ErrorMessage   string               `json:"errorMessage"`
	Currency       string               `json:"currency"`
	Amount         int64                `json:"amount"`
	CtrlCustomData string               `json:"ctrlCustomData,omitempty"`
	ExpireAt       int64                `json:"expirationDate,omitempty"` // our extension, epoch ms
	Transactions   []TransactionAttempt `json:"transactions"`
	Order          *C2POrder            `json:"order,omitempty"`
}

// AlipayDirectRequest is the body of POST /payment/{customerToken}/process/alipay/direct.
type AlipayDirectRequest struct {
	APIVersion           string `json:"apiVersion"`
	Mode                 string `json:"mode"`                        // pos (terminal shows QR) | app (terminal scans buyer code)
	BuyerIdentityCode    string `json:"buyerIdentityCode,omitempty"` // app mode
	IdentityCodeType     string `json:"identityCodeType,omitempty"`  // qrcode | barcode
	NotificationLang     string `json:"notificationLang,omitempty"`
	NotificationTimeZone string `json:"notificationTimeZone,omitempty"`
}

// DirectProcessResponse answers a wallet direct process.
type DirectProcessResponse struct {
	APIVersion      string              `json:"apiVersion"`
	Code            string              `json:"code"`
	Message         string              `json:"message"`
	TransactionID   string              `json:"transactionID,omitempty"`
	QRCode          string              `json:"qrCode,omitempty"`
	QRCodeURL       string              `json:"qrCodeUrl,omitempty"`
	ExchangeRate    float64             `json:"exchangeRate,omitempty"`
	WebSocketURL    string              `json:"webSocketUrl,omitempty"`
	TransactionInfo *TransactionAttempt `json:"transactionInfo,omitempty"`
}

// C2PReferralRequest is the body of a Connect2Pay refund/cancel/capture.
type C2PReferralRequest struct {
	APIVersion string `json:"apiVersion"`
	Amount     int64  `json:"amount"`
}

// C2PReferralResponse answers a Connect2Pay refund/cancel/capture: code "000" = done.
type C2PReferralResponse struct {
	Code          string `json:"code"`
	Message       string `json:"message"`
	TransactionID string `json:"transactionID,omitempty"`
	Operation     string `json:"operation,omitempty"`
}

// APIVersion is the Connect2Pay API version the client speaks.
const APIVersion = "002.73"

// DecodeReply reads at most max bytes of a JSON reply into v. It refuses a
// larger body, trailing data and non-object JSON: a gateway reply is a
// contract, and anything else means the answer cannot be trusted.
func DecodeReply(r io.Reader, max int64, v any) error {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return fmt.Errorf("gateway: reading reply: %w", err)
	}
	if int64(len(b)) > max {
		return fmt.Errorf("%w: more than %d bytes", ErrReplyTooLarge, max)
	}
	return decodeBytes(b, v)
}

func decodeBytes(b []byte, v any) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return fmt.Errorf("%w: not a JSON object", ErrMalformedReply)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformedReply, sanitize(err))
	}
	if dec.More() {
		return fmt.Errorf("%w: trailing data", ErrMalformedReply)
	}
	return nil
}

// sanitize keeps a JSON error's kind but not the offending bytes, which
// could be card or token data echoed by a broken gateway.
func sanitize(err error) string {
	switch e := err.(type) {
	case *json.SyntaxError:
		return fmt.Sprintf("syntax error at offset %d", e.Offset)
	case *json.UnmarshalTypeError:
		return fmt.Sprintf("field %q has the wrong type", e.Field)
	}
	return "invalid JSON"
}
