// Package i18n is the terminal's one message catalogue: every word a
// cashier reads on the till, a customer reads on the display, a receipt
// prints and an e-mail says, in French (the terminal's home language) and
// English, served by golang.org/x/text/message catalogues.
//
// Every layer may import it (cmd, ui, payment and its subpackages): it
// imports nothing of the project, so the import rules of
// docs/architecture.md hold (scripts/lint-imports.sh checks it stays so).
//
// # Adding a string
//
// Add one row to the table of its audience — till.go (the cashier UI),
// display.go (the customer display), receipt.go (printed receipts and
// reports), mail.go (e-mails), reasons.go (why a payment was not taken) —
// as key: {French, English}, then call
//
//	i18n.T(lang, "sale.amount")            // cashier.UI has u.T(key) for its language
//	i18n.T(lang, "rep.z.done", batch)      // fmt verbs, the same in both languages
//
// A counted message ("%d paiements") also gets its "one" form in the
// singular table of its file (CLDR: French "one" is 0 and 1, English 1).
// Keys are dotted and start with their audience's prefix (receipt.,
// display., mail., reason.; the till's keys name their screen). The
// tests fail when a key lacks a language or one language's verbs differ
// from the other's, when a key is defined twice, when code calls T with a
// key the catalogue lacks, and when a key is used nowhere.
//
// # Reason codes
//
// Each payment.ReasonCode has one entry, reason.<code>: what happened and
// what the cashier does next; a method may refine it
// (reason.timeout.alipayplus). Screens, receipts and e-mails switch on the
// code and read its words with Reason; the payment's free-text detail is
// for logs only. payment's tests check every code has both languages.
package i18n
