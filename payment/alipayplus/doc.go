// Package alipayplus takes Alipay+ multi-wallet payments (Alipay, AlipayHK,
// GCash, Kakao Pay, Touch 'n Go, TrueMoney, DANA…) through PayXpert
// Connect2Pay's Alipay direct process (payxpert-api.md §3.5). Wallets
// implements payment.Wallets.
//
// Merchant-presented (MPM): the payment is prepared (paymentMethod Alipay,
// timeOut = Opts.QRValidity) and started with mode "pos"; the order code
// (qrCodeUrl) goes to the customer display through the update callback,
// then the payment status is polled with growing intervals (1 s ×1.5 up to
// 5 s: Alipay+ asks for an "incremental frequency", alipay-qr-oidc-offline.md
// §1.5) until it is paid, declined or expired. At expiry, or when the
// cashier cancels (ctx), the flow inquires once more, then cancels the
// attempt (POST /transaction/{id}/cancel) and retries until the gateway
// confirms: a failure is reported only once the cancel is confirmed
// (Alipay+ auto-debit rule), and ErrCancelUnconfirmed otherwise, naming the
// order to check. An attempt found ended at that last inquiry keeps its end
// (a payment made at the last second is approved).
//
// User-presented (CPM): the customer's payment code is recognised first
// (Recognise: 17–32 digits, reserved lengths refused, 24-digit codes are
// CII + BTI 02 + UIN, legacy 17–19 digit codes start 28, Alipay mainland
// barcodes 25–30; Alipay+ Code Format Specification). The wallet family
// comes from the issuer prefix, looked up in the acquirer's wallet table
// (Opts.Issuers, a cii.Table loaded from the file the config names; the
// built-in cii.Default knows only the published prefixes); an unknown issuer or a malformed code is a *CodeError and
// never reaches the gateway. The code has no check digit in the standard,
// so structure is what is checked. The payment runs with mode "app"; an
// answer "in process" is polled like MPM up to Opts.CPMTimeout, then
// cancelled the same way.
//
// The wallet that paid (paymentNetwork) names the payment on receipts, the
// exchange rate the gateway returns is kept, and refunds (partial,
// repeated up to the payment) go through POST /transaction/{id}/refund.
// Wallet payments are online only: nothing here queues.
//
// Reverse (payment.WalletReverser) gives back a payment whose cancel was
// never confirmed, for recovery: it reads the attempt (GET
// /transaction/{id}/info), cancels it while in process, refunds what is
// left once paid, and sends nothing when nothing is owed.
//
// Wiring (cmd): alipayplus.New(gatewayClient, &alipayplus.Opts{Logger: …})
// as payment.Opts.Wallets, and as the WalletReverser of offline.Recover and
// offline.ForwarderOpts.Wallets. The simulator side is gatewaysim's Alipay
// processor (WalletAction / WalletScan / POST /sim/wallet).
package alipayplus
