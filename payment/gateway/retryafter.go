package gateway

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxRetryAfter caps a Retry-After: a broken or hostile header must not
// park a terminal's forwarding for days.
const maxRetryAfter = time.Hour

// retryAfter parses a Retry-After header (RFC 9110 §10.2.3): delay-seconds
// or an HTTP-date, relative to now. Anything else, or a date in the past,
// is 0 (no instruction); a longer wait than maxRetryAfter is capped.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseUint(v, 10, 32); err == nil {
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}

// RetryAfterOf returns the wait a gateway asked for with err (429 or 503
// with Retry-After), 0 if none.
func RetryAfterOf(err error) time.Duration {
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		return ra.RetryAfter()
	}
	return 0
}
