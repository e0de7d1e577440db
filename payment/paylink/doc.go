// Package paylink is payment by e-mail: the cashier enters an amount and
// the customer's address, the terminal prepares a Connect2Pay payment with
// only the amount fixed (order ID from the terminal, timeOut = link
// validity, shopper e-mail) and e-mails its link through payment/notify in
// the merchant's language (plain text + HTML). PayXpert has no "payment
// link" API and does not mail links itself (payxpert-api.md §6): the link is
// the prepared payment's page, GET /payment/{customerToken}. Links
// implements payment.Links.
//
// A link is pending until paid (the gateway's status Authorized), expired
// (past its timeOut) or cancelled. Status reads it from the gateway; the
// Service's RefreshLinks records the change in the journal. A declined card
// try leaves the link pending: the shopper may try again. Cancel withdraws
// an unpaid link (POST /payment/{merchantToken}/cancel, our documented
// extension: Connect2Pay can only let a link expire). Resend mails a
// pending link again as a reminder.
//
// Nothing is lost: an invalid address is refused before anything is
// prepared (payment.ErrInvalidEmail); a mail the relay refuses makes Create
// fail with ErrNotSent and the relay's reason, after withdrawing the
// prepared payment so nobody can pay a link the terminal recorded as
// failed.
//
// Links are listed from the journal (List with a Filter on status and
// date): Service.List with Method paylink, the link statuses mapping onto
// journal states.
//
// Wiring (cmd): paylink.New(gatewayClient, mailer, &paylink.Opts{Validity:
// cfg.Notifications.LinkValidity, Merchant: merchant, Lang:
// cfg.Terminal.Language}) as payment.Opts.Links, and a periodic
// Service.RefreshLinks.
package paylink
