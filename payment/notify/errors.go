package notify

import (
	"errors"
	"fmt"
)

var (
	// ErrNotConfigured is a send without an SMTP relay or sender configured.
	ErrNotConfigured = errors.New("notify: no smtp relay configured")
	// ErrInvalidAddress is a sender or recipient that is not one plain
	// e-mail address (it also matches payment.ErrInvalidEmail).
	ErrInvalidAddress = errors.New("notify: invalid e-mail address")
	// ErrRejected is a permanent refusal by the relay (5xx): retrying the
	// same message will not help.
	ErrRejected = errors.New("notify: rejected by the smtp server")
	// ErrTemporary is a transient refusal (4xx): the message may be retried.
	ErrTemporary = errors.New("notify: smtp server temporarily refused")
	// ErrNoStartTLS is a relay that does not offer STARTTLS while the
	// configuration requires it: credentials are never sent in clear.
	ErrNoStartTLS = errors.New("notify: smtp server does not offer STARTTLS")
	// ErrBadHeader is a header value with a line break (header injection).
	ErrBadHeader = errors.New("notify: line break in a header value")

	// ErrMailNotFound is an outbox mail ID that is neither queued nor
	// parked (sent, discarded, or never there).
	ErrMailNotFound = errors.New("notify: no such mail in the outbox")
	// ErrMailNotParked is a retry or discard of a mail still queued: the
	// outbox is sending it, and only parked mail is the technician's.
	ErrMailNotParked = errors.New("notify: the mail is queued, not parked")
	// ErrMailUnreadable is a retry of a parked record that does not
	// decode as a mail: there is nothing to send, it can only be discarded.
	ErrMailUnreadable = errors.New("notify: the parked mail is unreadable")
)

// SMTPError is a reply code the relay refused a step with. Unwrap gives
// ErrRejected (5xx) or ErrTemporary (4xx).
type SMTPError struct {
	Stage string // "MAIL FROM", "RCPT TO", "DATA", "AUTH", …
	Code  int
	Msg   string
}

func (e *SMTPError) Error() string {
	return fmt.Sprintf("notify: smtp %s refused: %d %s", e.Stage, e.Code, e.Msg)
}

func (e *SMTPError) Unwrap() error {
	if e.Code >= 400 && e.Code < 500 {
		return ErrTemporary
	}
	return ErrRejected
}
