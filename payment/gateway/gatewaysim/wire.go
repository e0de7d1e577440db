package gatewaysim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
)

// The simulator's own wire types: what it reads from and writes to the
// network. They are written from PayXpert's documentation
// (/work/shared/research/payxpert-api.md; the section of each type is
// named), never shared with the client in payment/gateway: a JSON tag
// misspelt on one side then fails the golden-fixture tests
// (payment/gateway/testdata) instead of passing on both sides.

// emvSaleRequest is the body of POST /transaction/sale/emv and
// /transaction/authorize/emv, our card-present extension (docs/gateway.md):
// the CCSale fields of §2.2 that make sense card-present (customerIP,
// amount, currency, orderID) with the card sealed in cardData instead of
// cardNumber/cardExpire*/cardSecurityCode.
type emvSaleRequest struct {
	CustomerIP     string `json:"customerIP"`
	Amount         int64  `json:"amount"`
	Currency       string `json:"currency"`
	OrderID        string `json:"orderID"`
	TerminalID     string `json:"terminalID"`
	CardData       string `json:"cardData"`
	CardMasked     string `json:"cardMasked"`
	CardBrand      string `json:"cardBrand"`
	AID            string `json:"aid"`
	EntryMode      string `json:"entryMode"`
	CryptogramType string `json:"cryptogramType"`
	CVM            string `json:"cvm"`
	ATC            int    `json:"atc"`
	Offline        bool   `json:"offline"`
	CapturedAt     int64  `json:"capturedAt"`
	Reference      string `json:"reference"`
	// PINBlock and KSN are the online PIN extension (docs/gateway.md): an
	// ISO 9564-1 format 4 block enciphered under the AES DUKPT PIN key of
	// KSN, both in hex.
	PINBlock string `json:"pinBlock"`
	KSN      string `json:"ksn"`
}

// sealedCard is the JSON inside emvSaleRequest.CardData (JWE, extension).
// The card also carries track2, which the simulator does not read.
type sealedCard struct {
	PAN    string `json:"pan"`
	Expiry string `json:"expiry"` // YYMM
	PANSeq string `json:"panSeq"`
	ICC    string `json:"icc"` // hex of the EMV TLV
}

// paymentMeanInfo is the card part of §2.4 (cardNumber masked, cardBrand).
type paymentMeanInfo struct {
	CardNumber string `json:"cardNumber,omitempty"`
	CardBrand  string `json:"cardBrand,omitempty"`
}

// saleResponse answers CCSale/CCAuthorize (§2.4); authorizationCode is
// our extension.
type saleResponse struct {
	ErrorCode         string           `json:"errorCode"`
	ErrorMessage      string           `json:"errorMessage"`
	TransactionID     string           `json:"transactionID,omitempty"`
	AuthorizationCode string           `json:"authorizationCode,omitempty"`
	PaymentMeanInfo   *paymentMeanInfo `json:"paymentMeanInfo,omitempty"`
}

// referralRequest is the body of refund, capture and cancel (§2.3).
type referralRequest struct {
	TransactionID string `json:"transactionID"`
	Amount        int64  `json:"amount"`
}

// referralResponse answers a referral (§2.3): transactionID is the new one.
type referralResponse struct {
	ErrorCode     string `json:"errorCode"`
	ErrorMessage  string `json:"errorMessage"`
	TransactionID string `json:"transactionID,omitempty"`
}

// transaction is the gateway's transaction object (§2.5): referralID is an
// integer there (developers.payzone.ma/gateway/reference/objects/transaction),
// date Unix seconds. refundedAmount, authorizationCode and offline are our
// extension.
type transaction struct {
	TransactionID     string           `json:"transactionID"`
	OrderID           string           `json:"orderID"`
	ReferralID        int64            `json:"referralID,omitempty"`
	Status            string           `json:"status"`
	ErrorCode         string           `json:"errorCode"`
	Operation         string           `json:"operation"`
	PaymentType       string           `json:"paymentType"`
	PaymentMeanInfo   *paymentMeanInfo `json:"paymentMeanInfo,omitempty"`
	Date              int64            `json:"date"`
	Amount            int64            `json:"amount"`
	Currency          string           `json:"currency"`
	RefundedAmount    int64            `json:"refundedAmount,omitempty"`
	AuthorizationCode string           `json:"authorizationCode,omitempty"`
	Offline           bool             `json:"offline,omitempty"`
}

// statusResponse answers GET /transaction/{id} (§2.1 StatusTransaction).
type statusResponse struct {
	ErrorCode    string       `json:"errorCode"`
	ErrorMessage string       `json:"errorMessage"`
	Transaction  *transaction `json:"transaction,omitempty"`
}

// exportResponse answers GET /transactions[/{operation}] (§2.1 ExportTransaction).
type exportResponse struct {
	ErrorCode       string        `json:"errorCode"`
	ErrorMessage    string        `json:"errorMessage"`
	TransactionList []transaction `json:"transactionList"`
}

// Gateway transaction statuses the simulator reports (§2.5 documents
// "Authorized" and unauthorised; the others are our extension).
const (
	statusAuthorized        = "Authorized"
	statusNotAuthorized     = "Not authorized"
	statusCaptured          = "Captured"
	statusCancelled         = "Cancelled"
	statusRefunded          = "Refunded"
	statusPartiallyRefunded = "Partially refunded"
	statusDone              = "Done"
)

// Connect2Pay (§3).

// apiVersion is the Connect2Pay API version the simulator answers with.
const apiVersion = "002.73"

// c2pShopper is the 002.70 nested shopper (§3.3), the fields the simulator keeps.
type c2pShopper struct {
	Email string `json:"email"`
}

// c2pOrder is the 002.70 nested order (§3.3).
type c2pOrder struct {
	ID          string `json:"id"`
	Description string `json:"description,omitempty"`
}

// prepareRequest is the body of POST /payment/prepare (§3.3).
type prepareRequest struct {
	APIVersion      string      `json:"apiVersion"`
	Currency        string      `json:"currency"`
	Amount          int64       `json:"amount"`
	PaymentMode     string      `json:"paymentMode"`
	PaymentMethod   string      `json:"paymentMethod"`
	PaymentNetwork  string      `json:"paymentNetwork"`
	Operation       string      `json:"operation"`
	TimeOut         string      `json:"timeOut"`
	CtrlCallbackURL string      `json:"ctrlCallbackURL"`
	CtrlRedirectURL string      `json:"ctrlRedirectURL"`
	CtrlCustomData  string      `json:"ctrlCustomData"`
	Shopper         *c2pShopper `json:"shopper"`
	Order           c2pOrder    `json:"order"`
}

// c2pResult is {code, message}: the answer to a prepare (code "200" and the
// tokens), and every Connect2Pay API-level error (§3.3, §5.2).
type c2pResult struct {
	Code          string `json:"code"`
	Message       string `json:"message"`
	MerchantToken string `json:"merchantToken,omitempty"`
	CustomerToken string `json:"customerToken,omitempty"`
}

// TransactionAttempt is one Connect2Pay transaction (§3.4): the status's
// transactions[], GET /transaction/{id}/info and a direct process's
// transactionInfo. date is epoch milliseconds.
type TransactionAttempt struct {
	PaymentID        string `json:"paymentID,omitempty"`
	PaymentMethod    string `json:"paymentMethod,omitempty"`
	PaymentNetwork   string `json:"paymentNetwork,omitempty"`
	Operation        string `json:"operation"`
	Date             int64  `json:"date"`
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

// Connect2Pay payment statuses (§3.4); Cancelled is our extension
// (POST /payment/{merchantToken}/cancel).
const (
	paymentAuthorized    = "Authorized"
	paymentNotAuthorized = "Not authorized"
	paymentNotProcessed  = "Not processed"
	paymentExpired       = "Expired"
	paymentPending       = "Pending"
	paymentCancelled     = "Cancelled"
)

// paymentStatus answers GET /payment/{merchantToken}/status (§3.4);
// expirationDate (epoch ms) is our extension.
type paymentStatus struct {
	APIVersion     string               `json:"apiVersion"`
	Status         string               `json:"status"`
	MerchantToken  string               `json:"merchantToken"`
	Operation      string               `json:"operation,omitempty"`
	ErrorCode      string               `json:"errorCode"`
	ErrorMessage   string               `json:"errorMessage"`
	Currency       string               `json:"currency"`
	Amount         int64                `json:"amount"`
	CtrlCustomData string               `json:"ctrlCustomData,omitempty"`
	ExpirationDate int64                `json:"expirationDate,omitempty"`
	Transactions   []TransactionAttempt `json:"transactions"`
	Order          *c2pOrder            `json:"order,omitempty"`
}

// AlipayDirectRequest is the body of POST
// /payment/{customerToken}/process/alipay/direct (§3.5).
type AlipayDirectRequest struct {
	APIVersion           string `json:"apiVersion"`
	Mode                 string `json:"mode"`
	BuyerIdentityCode    string `json:"buyerIdentityCode"`
	IdentityCodeType     string `json:"identityCodeType"`
	SDKOSType            string `json:"sdkOsType"`
	NotificationLang     string `json:"notificationLang"`
	NotificationTimeZone string `json:"notificationTimeZone"`
}

// DirectProcessResponse answers a wallet direct process (§3.5).
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

// c2pReferralRequest is the body of a Connect2Pay refund or cancel (§3.1).
type c2pReferralRequest struct {
	APIVersion string `json:"apiVersion"`
	Amount     int64  `json:"amount"`
}

// c2pReferralResponse answers a Connect2Pay refund or cancel (§3.1):
// code "000" = done.
type c2pReferralResponse struct {
	Code          string `json:"code"`
	Message       string `json:"message"`
	TransactionID string `json:"transactionID,omitempty"`
	Operation     string `json:"operation,omitempty"`
}

// readWire reads a PayXpert request body (at most maxRequestBody bytes)
// into v with decodeExact.
func readWire(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		return err
	}
	if len(b) > maxRequestBody {
		return errors.New("request too large")
	}
	return decodeExact(b, v)
}

// decodeExact unmarshals b into v matching field names case-sensitively,
// as PayXpert's Java servers do (Jackson's default). encoding/json alone
// would take "orderId" for "orderID", and a client's misspelt tag would go
// unnoticed here and be ignored by the real gateway. Keys that match no
// field exactly are dropped before decoding.
func decodeExact(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // re-encoded below: keep large integers exact
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	clean, err := json.Marshal(exactKeys(raw, reflect.TypeOf(v)))
	if err != nil {
		return err
	}
	return json.Unmarshal(clean, v)
}

func exactKeys(v any, t reflect.Type) any {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch x := v.(type) {
	case map[string]any:
		if t == nil || t.Kind() != reflect.Struct {
			return x
		}
		fields := map[string]reflect.Type{}
		jsonFields(t, fields)
		out := make(map[string]any, len(x))
		for k, e := range x {
			if ft, ok := fields[k]; ok {
				out[k] = exactKeys(e, ft)
			}
		}
		return out
	case []any:
		if t == nil || (t.Kind() != reflect.Slice && t.Kind() != reflect.Array) {
			return x
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = exactKeys(e, t.Elem())
		}
		return out
	}
	return v
}

// jsonFields lists the JSON names of struct type t's fields.
func jsonFields(t reflect.Type, into map[string]reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-" || (!f.IsExported() && !f.Anonymous):
			continue
		case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
			jsonFields(f.Type, into)
			continue
		case name == "":
			name = f.Name
		}
		into[name] = f.Type
	}
}
