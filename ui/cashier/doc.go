// Package cashier is the cashier's touchscreen UI of the terminal, in fyne.
//
// It holds no business logic: every action calls *payment.Service (Pay,
// Cancel, Refund, Void, List, Report, PrintReport, CloseBatch, Reprint,
// Receipt) and every
// screen that follows a payment is driven by the service's events
// (Service.Subscribe), applied on fyne's goroutine with fyne.Do.
//
// Screens: sale (amount on a large keypad, in integer minor units; method
// card, Alipay+ or pay-by-e-mail link), live progress with cancel at every
// waiting step (the Alipay+ QR counts down to its real expiry), result
// (approved, approved offline, declined with the reason in the cashier's
// words) with the receipt's state and options — "Réimprimer" only after a
// print failure, "Duplicata" on purpose, e-mail — and a big "Nouvelle
// vente", history (time, method, reference and ticket number, status,
// amount) with search and filters, refund and void behind the supervisor
// role, payment links, X report (printable) and end-of-day close (Z),
// settings behind the technician role, and cashier sign-in with the OAuth
// 2.0 device authorization grant (RFC 8628: the cashier scans a QR code on a
// phone and approves there). Network errors during a sign-in are retried
// with backoff; a session ends when the sign-in expires or after
// Opts.IdleTimeout without a tap, never during a payment.
//
// Layout: each screen is its own type and file behind the screen interface
// (screen.go: view, onEvent, nav, a typed screenID): sale.go with amount.go,
// pay.go and result.go, history.go, detail.go, refund.go, links.go,
// reports.go, settings.go; the sign-in and confirmation overlays in
// signin.go and confirm.go. UI (ui.go) keeps navigation, the shared
// services, the status bar and the event fan-out.
//
// Wallets are named by payment.LookupWallet, as on receipts and reports.
// Waits (countdown, retries, session end) run on Opts.Now/Opts.After, so
// tests drive them with a fake clock.
//
// Every visible string comes from the terminal's one message catalogue,
// payment/i18n (its till table), in French and English; a payment not
// taken is told by its reason code (words.go switches on it, never on
// text). Amounts are formatted by
// payment.Amount.Format. The language switches live from the top bar.
//
// Wiring (cmd/tpe, cmd/tpe-sim):
//
//	ui := cashier.New(app, svc, &cashier.Opts{Lang: "fr", SignIn: s, Status: st})
//	w := ui.Window() // or frame ui.Content() and call ui.BindKeys(w.Canvas())
//	ui.Start()       // follows the service's events until Stop
//
// Only cmd creates the fyne application; this package takes the fyne.App it
// is given.
package cashier
