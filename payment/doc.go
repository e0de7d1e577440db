// Package payment is the terminal's domain: money (Amount), the transaction
// model and its state machine, unique order IDs, and the Service that runs a
// payment from the cashier's request to a receipt.
//
// The Service reaches the outside world only through ports declared here:
// Gateway (the acquirer), Journal (durable store; offline.Store in
// production), CardReader (contactless reader + EMV kernel), Wallets
// (Alipay+), Links (pay by e-mail), Notifier (e-mails) and a printer. Each port
// is small and has an honest in-memory fake in paymenttest.
//
// Wallets have one identity (wallet.go): a code the journal, the API and
// the reports carry (Transaction.Wallet, ReportLine.Brand) and a display
// name for people; LookupWallet folds any spelling a gateway or a code
// table uses into it, so a wallet is one report line however it was spelled.
//
// Rules that hold everywhere in this package:
//   - money is integer minor units with an ISO 4217 code, never a float;
//   - a transaction's state change is saved to the Journal before the
//     terminal acts on it (before calling the gateway, printing, telling the
//     cashier), so a crash is recovered from the journal;
//   - a decline is an outcome, not an error;
//   - full PAN, track 2, cryptograms and keys are held in redacting types
//     (PAN, Secret) and never appear in logs, errors or JSON.
package payment
