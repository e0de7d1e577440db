// Package smtpsim is a local SMTP sink for the simulator and tests: it
// speaks enough of RFC 5321 (EHLO/HELO, MAIL FROM, RCPT TO, DATA, RSET,
// NOOP, VRFY, QUIT), optionally STARTTLS (RFC 3207, self-signed loopback
// certificate, CertPool) and AUTH PLAIN (RFC 4954/4616), and keeps every
// accepted message parsed: envelope, decoded subject (RFC 2047), and the
// text and HTML parts of multipart/alternative bodies (RFC 2045/2046).
//
// It can be told to refuse recipients (Opts.Reject, RejectRecipient) so the
// terminal's handling of a rejected e-mail can be tested. It never relays.
// tpe-sim starts one with Start("127.0.0.1:0", nil), points the terminal's
// [smtp] config at Addr(), and mounts the Server (an http.Handler) at
// /v1/sim/outbox: GET lists the messages, DELETE empties the outbox.
package smtpsim
