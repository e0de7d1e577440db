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
//	ids     transaction ID → sequence ‖ batch ‖ state (index; the state backs stale-write checks)
//	bybatch batch ‖ sequence → nothing, for every batch the payment moved money
//	        in (its sale's, its refunds'): X/Z reports read their batch only
//	queue   sequence → queue entry: offline approvals not yet forwarded, oldest first
//	active  sequence → ID: payments in flight (or owed a reversal), for recovery
//	flagged sequence → ID: offline approvals the issuer declined later (the merchant must act)
//	batch   batch number → open/close times
//	meta    schema version, key check value, open batch, queue and sealed-record counters
//
// Every Save is one bbolt read-write transaction committed with fsync (the
// bbolt default) before it returns: the payment service acts only after it.
// A Save that would move a payment backwards from its stored state (a stale
// copy racing another writer) is refused with ErrStale. Opening the store
// reads the two bbolt meta pages and meta only — counters and the small
// buckets make exposure, status and recovery independent of the journal's
// size. A file shorter than its own high-water mark, with bad meta pages or
// damaged pages met later is refused with a *CorruptError, never reset.
// Schema changes are forward migrations run inside the opening transaction;
// one that rewrites every record (schema 4: dropping card data) continues
// after it in bounded, resumable transactions before Open returns.
// CloseBatch purges what Opts.Retention allows: completed payments of
// closed batches, never queued, in-flight, owed or forward-declined ones.
//
// # Card data at rest
//
// The full PAN, track 2 equivalent data and the ICC (EMV TLV) data are what
// the gateway needs to forward an offline approval, and the journal keeps
// them only for that: an offline approval not yet forwarded is the one
// state whose record carries them (keepsCardData, applied by every write;
// PCI DSS 3.2.1 / 3.3.1 and the card schemes forbid keeping track data after
// authorisation, encrypted or not). They are sealed with AES-256-GCM under a
// per-device key file (32 random bytes, mode 0600, created by CreateKey at
// provisioning, outside the data directory, never stored in the journal),
// with the transaction ID as additional data so that a sealed blob cannot be
// moved to another record. The clear part of a record holds the PAN masked
// (first 6 / last 4) only; a record without a seal decodes to a masked-only
// PAN (payment.NewMaskedPAN), which receipts print as before. Stats counts
// the sealed records from a counter kept by every write, without the key. A
// key check value in meta detects a wrong key at Open.
//
// # Forwarding
//
// The gateway has no idempotency key (research/payxpert-api.md): the order ID
// is the only de-duplication key. The forwarder works through the queue in
// order, in chunks (default 64; BatchSize × Concurrency with batches) with at
// most Concurrency requests in flight: it records the chunk's attempts
// durably before any request leaves, and records all outcomes in one commit
// after — two fsyncs per chunk, not two per payment. A gateway that offers
// batched advices (payment.AdviceBatcher, docs/gateway.md) gets up to
// BatchSize per request, a result each; others one Sale each. Whenever an
// attempt may have reached the gateway (a timeout, a batch reply lost, a
// crash after sending) it asks Gateway.Lookup(orderID) before sending again.
// An approval the issuer declines later ends in payment.StateForwardDeclined
// and stays flagged for the merchant (Store.ForwardDeclined, Status). Pacing
// for a fleet reconnecting at once: after start and after an outage the
// first forward of a waiting queue waits a random part of Jitter; rounds
// that fail back off exponentially with full jitter, and a gateway's
// Retry-After (429, 503) is waited out; at most Rate requests start per
// second. A new offline approval, Kick or ForwardNow start a round early.
// Each round also finishes reversals owed since (a sale whose outcome was
// lost, a wallet payment whose cancel was never confirmed) once the gateway
// answers.
//
// # Recovery
//
// Recover runs at boot, before the terminal sells: payments cut short are
// cancelled or failed when they never reached the gateway, and an
// authorisation that was in flight is looked up and, if it was approved but
// the cashier never saw it, recorded approved and reversed with
// Gateway.Void. A wallet payment owed a reversal is given back through
// payment.WalletReverser (the wallet's own Connect2Pay cancel or refund,
// which the card API's void does not serve) when its record shows it paid
// or still payable. What the gateway cannot answer stays as it is and is
// listed in Report.Pending; hand those to Forwarder.Resolve so they are
// retried.
//
// Wiring (cmd): Open → Recover (with the wallets' reversals) →
// NewForwarder (ForwarderOpts.Wallets, OnChange →
// payment.Service.Announce) → Resolve(report.Pending...) → Run in the
// errgroup; Status feeds /v1/health.
package offline
