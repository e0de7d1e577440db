package gateway

import (
	"errors"
	"fmt"
	"time"

	"tpe/payment"
)

var (
	// ErrMalformedReply is a gateway reply that is not the JSON it should be.
	ErrMalformedReply = errors.New("gateway: malformed reply")
	// ErrReplyTooLarge is a reply body above Opts.MaxReplyBytes.
	ErrReplyTooLarge = errors.New("gateway: reply too large")
	// ErrUnauthorized means the gateway refused the terminal's credentials
	// (HTTP 401/403) even after one fresh access token.
	ErrUnauthorized = errors.New("gateway: credentials refused")
	// ErrOutcomeUnknown means the request reached the gateway but no answer
	// came back and the order could not be resolved: the caller must Lookup
	// the order later (never resend blindly).
	ErrOutcomeUnknown = fmt.Errorf("gateway: %w", payment.ErrOutcomeUnknown)
	// ErrNoCardKey means the gateway's card-encryption key could not be had.
	ErrNoCardKey = errors.New("gateway: no card encryption key")
	// ErrRejected is an operation the gateway refused with an API-level
	// error (not a card decline): unknown transaction, refund above the
	// original, wrong state.
	ErrRejected = errors.New("gateway: request rejected")

	// ErrInvalidIDToken is the root of every ID-token rejection (see *TokenError).
	ErrInvalidIDToken = errors.New("gateway: invalid id token")
	// ErrAccessDenied is a device sign-in the user refused.
	ErrAccessDenied = errors.New("gateway: sign-in denied")
	// ErrSignInExpired is a device sign-in not approved before its code expired.
	ErrSignInExpired = errors.New("gateway: sign-in code expired")
	// ErrNoRole is an ID token without a known TPE role.
	ErrNoRole = errors.New("gateway: no cashier role in the id token")
)

// StatusError is an HTTP status the gateway answered with that carries no
// usable JSON result.
type StatusError struct {
	Op     string
	Status int
	// Wait is the gateway's Retry-After on a 429 or 503: do not call
	// again before it has passed. 0 when the gateway gave none.
	Wait time.Duration
}

func (e *StatusError) Error() string {
	if e.Wait > 0 {
		return fmt.Sprintf("gateway: %s: http status %d, retry after %s", e.Op, e.Status, e.Wait)
	}
	return fmt.Sprintf("gateway: %s: http status %d", e.Op, e.Status)
}

// RetryAfter is how long the gateway asked to be left alone (Retry-After);
// callers find it with errors.As on an interface{ RetryAfter() time.Duration }.
func (e *StatusError) RetryAfter() time.Duration { return e.Wait }

// RejectedError is an API-level refusal; Unwrap gives ErrRejected.
type RejectedError struct {
	Op      string
	Code    string
	Message string
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("gateway: %s rejected: code %s (%s)", e.Op, e.Code, e.Message)
}

func (e *RejectedError) Unwrap() error { return ErrRejected }

// TokenError says why an ID token was refused. Reason is a stable word
// (see the Reason constants); the token itself never appears in it.
type TokenError struct {
	Reason string
	Err    error
}

// Reasons an ID token is refused.
const (
	ReasonMalformed    = "malformed"
	ReasonAlg          = "alg_not_allowed"
	ReasonAccessToken  = "access_token_not_id_token"
	ReasonUnknownKey   = "unknown_kid"
	ReasonSignature    = "bad_signature"
	ReasonIssuer       = "issuer"
	ReasonAudience     = "audience"
	ReasonAZP          = "azp"
	ReasonExpired      = "expired"
	ReasonNotYetValid  = "not_yet_valid"
	ReasonIssuedFuture = "issued_in_future"
	ReasonTooOld       = "issued_too_long_ago"
	ReasonMissingClaim = "missing_claim"
	ReasonDiscovery    = "discovery"
)

func (e *TokenError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("gateway: invalid id token: %s: %v", e.Reason, e.Err)
	}
	return "gateway: invalid id token: " + e.Reason
}

func (e *TokenError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrInvalidIDToken, e.Err}
	}
	return []error{ErrInvalidIDToken}
}
