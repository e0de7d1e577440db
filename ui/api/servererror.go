package api

import (
	"crypto/rand"
	"errors"
	"net/http"

	"tpe/device/printer"
)

// A server-side failure (5xx) answers in the API's own words, fixed per
// code and documented in docs/api.md, plus an error ID. The error's text
// never reaches the cash register: it can name files, carry the gateway's
// or the mail relay's reply, a customer's address. It goes to the
// terminal's log with the same ID, so a technician finds it from what the
// cash register shows. That log holds no card data (the card types format
// themselves masked) and `tpectl logs export` masks it again; the ID is
// made to pass that masking unchanged (see newErrorID).

// serverMessages are the 5xx answers' messages by code; a 5xx code missing
// here says internalMessage.
var serverMessages = map[string]string{
	"gateway_unavailable": "the gateway could not be reached: nothing was sent; retry later",
	"operation_not_made":  "the bank's record shows the operation was not made: the payment is as before and it can be asked again",
	"link_not_sent":       "the link's e-mail was not sent (refused by the mail relay, or the relay or the gateway unreachable): check the address and retry; the link is unchanged and still payable",
}

// internalMessage answers an error the API has no code for.
const internalMessage = "internal error: the terminal's log has the details under this error_id"

// serverErrorMessage is what a 5xx answer (other than 501) says.
func serverErrorMessage(err error, code string) string {
	// An error a handler made with its status and code has its vetted
	// message, as has a storage fault (never the file's path).
	var ae *apiError
	if errors.As(err, &ae) || isStorageFault(err) {
		return errorMessage(err)
	}
	if m, ok := serverMessages[code]; ok {
		return m
	}
	return internalMessage
}

// tellsItsText reports whether an answer with this status carries the
// error's own message: 4xx messages are the API's contract (they name the
// field, the limit, the state), and a 501 names what this terminal lacks.
func tellsItsText(status int) bool {
	return status < 500 || status == http.StatusNotImplemented
}

// printerMessages say what to do about a printer that did not print.
var printerMessages = []struct {
	err error
	msg string
}{
	{printer.ErrPaperOut, "the printer is out of paper: load a roll and print again"},
	{printer.ErrCoverOpen, "the printer's cover is open: close it and print again"},
	{printer.ErrOffline, "the printer does not answer: check its cable and power, then print again"},
	{printer.ErrFault, "the printer reports a fault: switch it off and on, then print again"},
}

// printerError is the 503 of a receipt that did not print: what to do
// when the printer said what is wrong, otherwise a pointer to the health
// check (the error's text, a device path, goes to the log only).
func printerError(err error) error {
	answer := &apiError{http.StatusServiceUnavailable, "printer_error",
		"the receipt was not printed: GET /v1/health names the printer's state; fix it and print again"}
	for _, p := range printerMessages {
		if errors.Is(err, p.err) {
			answer.msg = p.msg
		}
	}
	return &causedError{answer, err}
}

// causedError is a handler's answer with the error behind it: the client
// gets the answer, the log the whole.
type causedError struct {
	answer *apiError
	cause  error
}

func (e *causedError) Error() string { return e.answer.msg + ": " + e.cause.Error() }
func (e *causedError) Unwrap() error { return e.answer }

// errorIDLetters are consonants: an ID reads out over the phone without
// ambiguity (no 0/O, 1/l) or accidental words, and, holding no digit and
// far fewer than 32 characters, it is neither a card number nor a key to
// the support bundle's redaction (cmd/internal/support), which keeps it.
const errorIDLetters = "bcdfghjkmnpqrstvwxz"

// newErrorID names one failed request in the answer and the log.
func newErrorID() string {
	const n = 10 // 19^10 ≈ 6·10^12: no two alike in a terminal's log
	id := make([]byte, 0, 4+n)
	id = append(id, "err-"...)
	var b [1]byte
	for len(id) < cap(id) {
		rand.Read(b[:])
		// Rejection keeps every letter equally likely: 247 = 13·19.
		if b[0] < 247 {
			id = append(id, errorIDLetters[int(b[0])%len(errorIDLetters)])
		}
	}
	return string(id)
}
