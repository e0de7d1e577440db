// Package notify sends the terminal's e-mail: the customer's receipt after
// a payment (when the merchant enabled it and the customer gave an
// address), the end-of-day Z report to the merchant, and the payment-link
// mails of payment/paylink. Mailer implements payment.Notifier. Its words
// are in the terminal's catalogue (payment/i18n, mail.* keys).
//
// Mail follows RFC 5322 with MIME (RFC 2045/2046/2047): UTF-8 subjects and
// display names are encoded words, bodies are multipart/alternative with a
// plain-text part first and an HTML part last, both quoted-printable.
// Sending uses net/smtp (RFC 5321) with STARTTLS (RFC 3207) when
// configured — a relay that does not offer it is refused rather than
// falling back to clear text — and AUTH PLAIN (RFC 4954) when a user name
// is configured.
//
// A send returns only once the relay accepted the message. A refused
// recipient or sender is a *SMTPError (ErrRejected for 5xx, ErrTemporary
// for 4xx); a malformed address is ErrInvalidAddress before anything is
// sent. Failures never change a payment: the Service logs a receipt that
// could not be mailed, and paylink fails the link it could not send.
//
// Notices are the merchant's notifications: they follow the payment
// service's events (a link paid or expired, an offline payment the issuer
// declined when forwarded, a refund, a batch closed with its Z report),
// each switched on or off, and queue the mail — fr or en, text and HTML,
// the masked PAN at most — in an Outbox. The Outbox writes each mail to a
// durable Spool (offline.Outbox, a bbolt file beside the journal) before
// sending, retries with backoff while the relay is down, and removes it
// once the relay accepted it: nothing is lost across a restart and each
// mail leaves once (Message.ID keeps the Message-ID of a mail re-sent after
// a crash in between). The terminal sends the Z report this way, not with
// SendReport.
//
// Wiring (cmd): notify.New(&notify.Opts{Host: cfg.SMTP.Host, Port:
// cfg.SMTP.Port, StartTLS: cfg.SMTP.StartTLS, Username: cfg.SMTP.Username,
// Password: cfg.SMTP.Password, From: cfg.SMTP.From, Merchant: merchant,
// Lang: cfg.Terminal.Language}); then, when any merchant notification is
// on, NewOutbox(offline.OpenOutbox(dataDir/outbox.db), mailer) and
// NewNotices(outbox, &NoticesOpts{To: terminal.merchant_email, On: the
// [notifications] switches}), its Run fed by Service.Subscribe and the
// outbox's Run in the errgroup (cmd/internal/terminal/notices.go). The
// simulator's sink is payment/notify/smtpsim.
package notify
