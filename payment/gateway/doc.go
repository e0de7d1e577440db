// Package gateway is the terminal's client of a PayXpert-compatible
// acquiring gateway, and the terminal's token security: OAuth 2.0 access
// tokens for the terminal, OpenID Connect ID tokens for the cashier.
//
// # Gateway API
//
// It follows PayXpert's two public APIs (see docs/gateway.md and the
// research note payxpert-api.md): the direct Payment Gateway API (integer
// minor units, ISO 4217 codes, errorCode "000" = success, referral
// operations under /transaction/{id}/…, status GET /transaction/{id}, export
// GET /transactions) and Connect2Pay (POST /payment/prepare, GET
// /payment/{merchantToken}/status, POST /payment/{customerToken}/process/
// alipay/direct). Card-present authorisation is our documented extension:
// POST /transaction/sale/emv and /transaction/authorize/emv carry the EMV
// data, with the PAN, track 2 and ICC TLV sealed as a JWE (RFC 7516,
// ECDH-ES+A256KW for a P-256 key or RSA-OAEP-256 for an RSA key, A256GCM) to
// the gateway's published key {base}/keys/card. Offline advices may go in
// batches (SaleBatch, POST /transaction/sale/emv/batch) when the gateway's
// capability document GET /capabilities offers them (batch.go).
//
// Result codes map to payment's Decline classes (codes.go). A decline is a
// GatewayResult, never an error; an unknown code is a generic decline. A
// transport failure is an error: payment.ErrGatewayUnavailable when the
// request certainly did not reach the gateway (dial failure, nothing
// written, 503 or 429 — their Retry-After in StatusError.Wait —, credentials
// refused), ErrOutcomeUnknown otherwise.
//
// The gateway has no idempotency key. Client.Sale never resends a request
// whose outcome is unknown: it looks the order up first (export filtered by
// orderID) and resends only if the gateway does not know it; a 094
// duplicate answer is resolved the same way. Tries are bounded (Opts.Attempts)
// with exponential backoff and ±50 % jitter; each try has its own timeout.
// Refunds are not resent once written; voids are resolved by status.
//
// # Access tokens
//
// With Opts.OAuth the client uses the client-credentials grant (RFC 6749
// §4.4, golang.org/x/oauth2/clientcredentials). The JWT access token is
// cached until OAuth.Margin before it expires and refetched once when the
// gateway answers 401. Tokens are never logged and token-endpoint errors
// keep only the OAuth error code. Without OAuth, PayXpert's Basic originator
// authentication is used. TLS trusts the system roots, a configured CA, or a
// pinned SubjectPublicKeyInfo SHA-256 (TLSOpts).
//
// # ID tokens and cashier sign-in
//
// IDVerifier checks ID tokens per OpenID Connect Core 1.0 §3.1.3.7 with
// github.com/coreos/go-oidc/v3 and go-jose over a KeySet that caches the
// discovered JWKS and refetches it, rate-limited, on an unknown kid. It
// refuses alg "none", HMAC algorithms (so a public key can never be used as
// an HMAC secret), typ "at+jwt" access tokens (RFC 9068 §4), untrusted
// audiences and a wrong azp, with a clock skew bounded by MaxSkew.
// DeviceSignIn signs a cashier in with the device authorization grant
// (RFC 8628) and returns a Cashier with the "role" claim (cashier or
// supervisor).
//
// The simulator of all of this is payment/gateway/gatewaysim.
package gateway
