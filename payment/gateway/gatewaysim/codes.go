package gatewaysim

import "fmt"

// Result codes (payxpert-api.md §5.1: the payxpert-helpcentre "Result
// codes" page; 312 from §5.2). The simulator keeps its own table rather
// than the client's: what the acquirer answers and how the terminal reads
// it are two ends of the wire.
const (
	codeSuccess            = "000"
	codeDeclined           = "005"
	codeInvalidTransaction = "012"
	codeInvalidAmount      = "013"
	codeNoAction           = "021"
	codeFormatError        = "030"
	codePaymentExpired     = "032"
	codeExpiredCard        = "033"
	codeInsufficientFunds  = "051"
	codeCardExpired        = "054"
	codeRefundExceeds      = "064"
	codeIssuerUnavailable  = "091"
	codeDuplicate          = "094"
	codeSystemError        = "096"
	codeSecurityBreach     = "097"
	codeNotFound           = "312"
)

// codeMessages is the errorMessage the simulator sends with each code.
var codeMessages = map[string]string{
	"000": "approved",
	"001": "declined by issuer",
	"002": "declined by issuer",
	"003": "invalid merchant",
	"004": "invalid card",
	"005": "authorization declined",
	"006": "sequence number error",
	"007": "security code missing or invalid",
	"012": "invalid transaction",
	"013": "invalid amount",
	"014": "invalid card",
	"015": "card issuer unknown",
	"021": "no action taken",
	"030": "format error",
	"031": "card issuer not approved",
	"032": "payment expired",
	"033": "card expired",
	"034": "customer limits exceeded",
	"035": "transaction not permitted to cardholder",
	"041": "lost card",
	"043": "pick up card",
	"047": "card does not match original transaction",
	"051": "insufficient funds",
	"054": "expired card",
	"055": "incorrect pin",
	"056": "card not in authorizer database",
	"057": "card busy",
	"058": "terminal id unknown",
	"061": "card blocked",
	"062": "restricted card",
	"064": "amount above original",
	"065": "soft decline: strong authentication required",
	"075": "pin tries exceeded",
	"076": "key index not allowed",
	"077": "pin entry necessary",
	"080": "amount no longer available",
	"081": "message flow error",
	"082": "terminal blocked",
	"085": "rejected by card institute",
	"089": "crc incorrect",
	"091": "card issuer temporarily unreachable",
	"092": "card type not processed",
	"094": "duplicated request",
	"096": "acquirer system error",
	"097": "security breach",
}

// codeMessage is the simulator's wording of a result code.
func codeMessage(code string) string {
	if m, ok := codeMessages[code]; ok {
		return m
	}
	return "declined (unknown result code)"
}

// knownCode reports whether code is in the simulator's table.
func knownCode(code string) bool {
	_, ok := codeMessages[code]
	return ok
}

// triggerCode is the code an amount of 990.NN forces ("" when none).
func triggerCode(amount int64) string {
	if amount > TriggerBase && amount < TriggerBase+97 { // 097 and 098 are the slow and hang triggers
		if c := fmt.Sprintf("%03d", amount-TriggerBase); knownCode(c) && c != codeSuccess {
			return c
		}
	}
	return ""
}
