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
