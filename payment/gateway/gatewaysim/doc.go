// Package gatewaysim simulates the acquirer side for development and
// tests: the PayXpert gateway API with our card-present EMV extension,
// Connect2Pay prepared payments, an OpenID Connect identity provider
// (discovery, rotating JWKS, client credentials, device authorization
// grant) and a back office (ledger, export, fault injection). It is one
// http.Handler built by New(dataDir, opts); cmd/gatewaysim serves it and
// tpe-sim embeds it.
//
// State lives in the data directory: keys.json (0600: the IdP signing keys
// and the card-encryption key) and ledger.jsonl, an append-only journal of
// every transaction and prepared payment, replayed at start (a torn last
// line from a crash is ignored). Ledger() and GET /sim/ledger list every
// transaction; GET /transactions is the PayXpert export. GET /sim/stats
// summarises a group of terminals' sales for load tests (stats.go), and
// GET /metrics exposes the simulator's request rate and latency
// (metrics.go).
//
// Behaviour worth knowing (all documented in docs/gateway.md):
//
//   - test triggers: an amount of 990.NN (minor units 99 0NN) answers result
//     code 0NN; 990.97 answers slowly (Opts.SlowDelay), 990.98 records the
//     approval then holds the reply for Opts.HangDelay (a client timeout
//     with the payment made); TestPANs decline by card number;
//   - a card whose expiry month is past answers 054;
//   - Opts.VerifyCryptogram checks the ARQC/TC in the ICC data against the
//     virtual cards' keys; a failure answers 097;
//   - an order ID already used by a sale or authorisation answers 094;
//   - online PIN (issuer.go): pinBlock/ksn (ISO 9564-1 format 4 under the
//     AES DUKPT key of the KSN, X9.24-3-2017) are deciphered with the PIN
//     BDK (Opts.PINBDK, default TestBDK) and checked against cardsim.PIN
//     (1234): 055 wrong, 075 at the 3rd wrong in a row (blocked), a right
//     PIN resets; cvm online_pin without a PIN answers 077;
//   - PSD2 (unless Opts.DisableSCA): a contactless payment without PIN or
//     CDCVM is soft-declined with 065 when it would be the 6th in a row on
//     the card or bring its total since the last SCA above 150,00;
//     card state is in memory, keyed by a hash of the PAN;
//   - Faults (SetFaults, POST /sim/faults) inject latency, 503 before
//     processing, 500 after processing, connections dropped before or after
//     processing, and a "down" switch;
//   - wallet direct processes (Alipay, WeChat) slot in through Opts.Direct.
//
// The simulator has its own wire types (wire.go), written from PayXpert's
// documentation and never shared with the client; both are tested against
// the golden exchanges in payment/gateway/testdata/payxpert. Request field
// names match case-sensitively, as on PayXpert's servers. Opts.Now is the
// clock of everything dated or expiring, so tests move time instead of
// sleeping.
package gatewaysim
