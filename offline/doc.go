// Package offline is the terminal's durable journal and its store-and-forward
// machinery: Store implements payment.Journal on a bbolt file, Forwarder
// sends offline approvals to the gateway when it is reachable again, and
// Recover resolves the payments a power cut interrupted.
//
// # Journal
//
// One bbolt file, one bucket per concern:
//
//	txn     big-endian sequence → record (transaction JSON + sealed card data)
//	ids     transaction ID → sequence ‖ state (index, and the last state for stale-write checks)
//	queue   sequence → queue entry: offline approvals not yet forwarded, oldest first
//	active  sequence → ID: payments in flight (or awaiting a reversal), for boot recovery
//	flagged sequence → ID: offline approvals the issuer declined later (the merchant must act)
//	batch   batch number → open/close times
//	meta    schema version, key check value, open batch, queue counters
//
// Every Save is one bbolt read-write transaction committed with fsync (the
// bbolt default) before it returns: the payment service acts only after it.
// Opening the store reads meta only — counters and the queue make exposure,
// status and recovery independent of the journal's size.
//
// # Card data at rest
//
// The full PAN, track 2 equivalent data and the ICC (EMV TLV) data are what
// the gateway needs to forward an offline approval; they are sealed with
// AES-256-GCM under a per-device key file (32 random bytes, mode 0600,
// created by CreateKey at provisioning and never stored in the journal), with
// the transaction ID as additional data so that a sealed blob cannot be moved
// to another record. The clear part of a record holds the PAN masked (first 6
// / last 4) only. A key check value in meta detects a wrong key at Open.
//
// # Forwarding
//
// The gateway has no idempotency key (research/payxpert-api.md): the order ID
// is the only de-duplication key. The forwarder therefore records an attempt
// durably before each Sale, and whenever an attempt may have reached the
// gateway (a timeout, a crash after sending) it asks Gateway.Lookup(orderID)
// before sending again. An approval the issuer declines later ends in
// payment.StateForwardDeclined and stays flagged for the merchant.
//
// # Recovery
//
// Recover runs at boot, before the terminal sells: payments cut short are
// cancelled or failed when they never reached the gateway, and an
// authorisation that was in flight is looked up and, if it was approved but
// the cashier never saw it, reversed with Gateway.Void.
package offline
