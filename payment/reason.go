package payment

// ReasonCode says why a payment ended as it did: a small closed set that
// screens, receipts, e-mails and cash registers switch on and translate.
// Transaction.Reason keeps the free text (the gateway's message, an error)
// for logs and technicians; nothing switches on it.
type ReasonCode string

// Declines: an issuer said no (online, after forwarding, or through the
// card's own offline decision made on its issuer's rules). Only these go
// with state declined or forward_declined.
const (
	ReasonIssuerDeclined    ReasonCode = "issuer_declined"
	ReasonInsufficientFunds ReasonCode = "insufficient_funds"
	ReasonExpiredCard       ReasonCode = "expired_card"
	ReasonDoNotHonour       ReasonCode = "do_not_honour"
	ReasonInvalidCard       ReasonCode = "invalid_card"
	ReasonIssuerUnavailable ReasonCode = "issuer_unavailable"
	ReasonDuplicate         ReasonCode = "duplicate"
	ReasonSuspectedFraud    ReasonCode = "suspected_fraud"
	ReasonIncorrectPIN      ReasonCode = "incorrect_pin"
	ReasonPINTriesExceeded  ReasonCode = "pin_tries_exceeded"
	ReasonCardDeclined      ReasonCode = "card_declined" // the card declined offline (AAC)
	ReasonWalletDeclined    ReasonCode = "wallet_declined"
)

// Failures: the terminal could not complete the payment; nobody declined
// it. The state is failed and the cashier is told what to do next.
const (
	// ReasonGatewayUnreachable: the gateway did not answer and the card or
	// the payment's policy forbids offline: retry, or another method.
	ReasonGatewayUnreachable ReasonCode = "gateway_unreachable"
	// ReasonNoAnswer: the request may have reached the gateway and no answer
	// came: if it went through it is reversed.
	ReasonNoAnswer ReasonCode = "no_answer"
	// ReasonOnlineRequired: the payment was forced offline and the card
	// insists on an online authorisation.
	ReasonOnlineRequired ReasonCode = "online_required"
	// ReasonOfflineLimit: the terminal's offline limits (floor, count,
	// total, age) refuse one more offline approval.
	ReasonOfflineLimit     ReasonCode = "offline_limit"
	ReasonCardNotSupported ReasonCode = "card_not_supported"
	// ReasonTryAnotherMethod: the card cannot be used contactless here
	// (another interface, a chip-only verification).
	ReasonTryAnotherMethod ReasonCode = "try_another_method"
	ReasonCardReadFailed   ReasonCode = "card_read_failed"
	// ReasonPINUnavailable: the card needs an online PIN and the terminal
	// cannot encipher one (no PIN key injected, or its DUKPT key life is
	// over: the technician injects a new key).
	ReasonPINUnavailable ReasonCode = "pin_unavailable"
	ReasonCodeNotRead    ReasonCode = "code_not_read"
	ReasonWalletFailed   ReasonCode = "wallet_failed"
	ReasonLinkNotSent    ReasonCode = "link_not_sent"
	// ReasonStorage: the journal could not record the payment.
	ReasonStorage ReasonCode = "storage"
	// ReasonInterrupted: the terminal stopped during the payment.
	ReasonInterrupted ReasonCode = "interrupted"
)

// Ends without a sale that are nobody's failure.
const (
	ReasonCancelledByCashier ReasonCode = "cancelled_by_cashier"
	// ReasonPINCancelled: the customer cancelled at the PIN pad.
	ReasonPINCancelled  ReasonCode = "pin_cancelled"
	ReasonTimeout       ReasonCode = "timeout"          // no card or code presented in time
	ReasonNotPaidInTime ReasonCode = "not_paid_in_time" // a QR or link expired unpaid
	ReasonVoided        ReasonCode = "voided"
)

// ReasonCodes lists every reason code, declines first: the contract the
// API documents.
func ReasonCodes() []ReasonCode {
	return []ReasonCode{
		ReasonIssuerDeclined, ReasonInsufficientFunds, ReasonExpiredCard, ReasonDoNotHonour, ReasonInvalidCard,
		ReasonIssuerUnavailable, ReasonDuplicate, ReasonSuspectedFraud, ReasonIncorrectPIN, ReasonPINTriesExceeded,
		ReasonCardDeclined, ReasonWalletDeclined,
		ReasonGatewayUnreachable, ReasonNoAnswer, ReasonOnlineRequired, ReasonOfflineLimit, ReasonCardNotSupported,
		ReasonTryAnotherMethod, ReasonCardReadFailed, ReasonPINUnavailable, ReasonCodeNotRead, ReasonWalletFailed, ReasonLinkNotSent,
		ReasonStorage, ReasonInterrupted,
		ReasonCancelledByCashier, ReasonPINCancelled, ReasonTimeout, ReasonNotPaidInTime, ReasonVoided,
	}
}

// IsDecline reports whether c is an issuer's (or card's) decline.
func (c ReasonCode) IsDecline() bool {
	switch c {
	case ReasonIssuerDeclined, ReasonInsufficientFunds, ReasonExpiredCard, ReasonDoNotHonour, ReasonInvalidCard,
		ReasonIssuerUnavailable, ReasonDuplicate, ReasonSuspectedFraud, ReasonIncorrectPIN, ReasonPINTriesExceeded,
		ReasonCardDeclined, ReasonWalletDeclined:
		return true
	}
	return false
}

// DeclineCode maps a gateway decline class (GatewayResult.Decline) to its
// reason code; an unknown or empty class is a plain issuer decline.
func DeclineCode(class string) ReasonCode {
	switch class {
	case DeclineInsufficientFunds:
		return ReasonInsufficientFunds
	case DeclineExpiredCard:
		return ReasonExpiredCard
	case DeclineDoNotHonour:
		return ReasonDoNotHonour
	case DeclineInvalidCard:
		return ReasonInvalidCard
	case DeclineIssuerUnavailable:
		return ReasonIssuerUnavailable
	case DeclineDuplicate:
		return ReasonDuplicate
	case DeclineFraud:
		return ReasonSuspectedFraud
	case DeclineIncorrectPIN:
		return ReasonIncorrectPIN
	case DeclinePINTriesExceeded:
		return ReasonPINTriesExceeded
	}
	return ReasonIssuerDeclined
}
