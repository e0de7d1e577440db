package paylink

import "errors"

var (
	// ErrBadLinkID is a link ID this package did not make.
	ErrBadLinkID = errors.New("paylink: malformed link id")
	// ErrLinkClosed is a link that can no longer be paid (paid, expired or
	// cancelled): it cannot be re-sent or cancelled.
	ErrLinkClosed = errors.New("paylink: link no longer payable")
	// ErrNotSent is a link whose e-mail the relay did not accept. The
	// prepared payment has been withdrawn so nobody can pay it; the
	// terminal records the payment as failed with the reason.
	ErrNotSent = errors.New("paylink: payment link e-mail not sent")
)
