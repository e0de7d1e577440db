package gateway

import "tpe/payment"

// CodeSuccess is PayXpert's "transaction successfully completed".
const CodeSuccess = "000"

// Result codes the simulator and the client name (PayXpert result-code table,
// payxpert-helpcentre "Result codes" page; see docs/gateway.md).
const (
	CodeDeclined           = "005"
	CodeInvalidTransaction = "012"
	CodeInvalidAmount      = "013"
	CodeFormatError        = "030"
	CodeExpiredCard        = "033"
	CodeInsufficientFunds  = "051"
	CodeCardExpired        = "054"
	CodeRefundExceeds      = "064"
	CodeIssuerUnavailable  = "091"
	CodeDuplicate          = "094"
	CodeSystemError        = "096"
	CodeSecurityBreach     = "097"
	CodeNotFound           = "312" // Connect2Pay "transaction not found"
)

// codeInfo is what the terminal makes of one result code.
type codeInfo struct {
	decline string
	message string
}

// codes maps the PayXpert result codes to our decline classes. A code not
// listed is still a decline (DeclineGeneric): an unknown answer must never
// approve a payment.
var codes = map[string]codeInfo{
	"001": {payment.DeclineGeneric, "declined by issuer"},
	"002": {payment.DeclineGeneric, "declined by issuer"},
	"003": {payment.DeclineGeneric, "invalid merchant"},
	"004": {payment.DeclineInvalidCard, "invalid card"},
	"005": {payment.DeclineDoNotHonour, "authorization declined"},
	"006": {payment.DeclineGeneric, "sequence number error"},
	"007": {payment.DeclineInvalidCard, "security code missing or invalid"},
	"012": {payment.DeclineGeneric, "invalid transaction"},
	"013": {payment.DeclineGeneric, "invalid amount"},
	"014": {payment.DeclineInvalidCard, "invalid card"},
	"015": {payment.DeclineInvalidCard, "card issuer unknown"},
	"021": {payment.DeclineGeneric, "no action taken"},
	"030": {payment.DeclineGeneric, "format error"},
	"031": {payment.DeclineInvalidCard, "card issuer not approved"},
	"032": {payment.DeclineExpiredCard, "payment expired"},
	"033": {payment.DeclineExpiredCard, "card expired"},
	"034": {payment.DeclineInsufficientFunds, "customer limits exceeded"},
	"035": {payment.DeclineGeneric, "transaction not permitted to cardholder"},
	"041": {payment.DeclineFraud, "lost card"},
	"043": {payment.DeclineFraud, "pick up card"},
	"047": {payment.DeclineInvalidCard, "card does not match original transaction"},
	"051": {payment.DeclineInsufficientFunds, "insufficient funds"},
	"054": {payment.DeclineExpiredCard, "expired card"},
	"055": {payment.DeclineIncorrectPIN, "incorrect pin"},
	"056": {payment.DeclineInvalidCard, "card not in authorizer database"},
	"057": {payment.DeclineGeneric, "card busy"},
	"058": {payment.DeclineGeneric, "terminal id unknown"},
	"061": {payment.DeclineInvalidCard, "card blocked"},
	"062": {payment.DeclineInvalidCard, "restricted card"},
	"064": {payment.DeclineGeneric, "amount above original"},
	"065": {payment.DeclinePINRequired, "soft decline: strong authentication required"},
	"075": {payment.DeclinePINTriesExceeded, "pin tries exceeded"},
	"076": {payment.DeclineGeneric, "key index not allowed"},
	"077": {payment.DeclinePINRequired, "pin entry necessary"},
	"080": {payment.DeclineGeneric, "amount no longer available"},
	"081": {payment.DeclineGeneric, "message flow error"},
	"082": {payment.DeclineGeneric, "terminal blocked"},
	"085": {payment.DeclineGeneric, "rejected by card institute"},
	"089": {payment.DeclineGeneric, "crc incorrect"},
	"091": {payment.DeclineIssuerUnavailable, "card issuer temporarily unreachable"},
	"092": {payment.DeclineInvalidCard, "card type not processed"},
	"094": {payment.DeclineDuplicate, "duplicated request"},
	"096": {payment.DeclineIssuerUnavailable, "acquirer system error"},
	"097": {payment.DeclineFraud, "security breach"},
}

// Classify maps a gateway result code to (approved, decline class,
// message). Only "000" approves; an unknown code is a generic decline.
func Classify(code string) (approved bool, decline, message string) {
	if code == CodeSuccess {
		return true, "", "approved"
	}
	if c, ok := codes[code]; ok {
		return false, c.decline, c.message
	}
	return false, payment.DeclineGeneric, "declined (unknown result code)"
}

// CodeMessage is the PayXpert wording of a result code, for the simulator.
func CodeMessage(code string) string {
	_, _, m := Classify(code)
	return m
}

// KnownCode reports whether code is in the mapped table (or "000").
func KnownCode(code string) bool {
	_, ok := codes[code]
	return ok || code == CodeSuccess
}

// Codes lists every mapped result code with its decline class.
func Codes() map[string]string {
	out := make(map[string]string, len(codes))
	for c, i := range codes {
		out[c] = i.decline
	}
	return out
}
