package gateway

import (
	"testing"
	"time"
)

func TestRetryAfterHeader(t *testing.T) {
	now := time.Date(2026, 12, 3, 16, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                              0,
		"0":                             0,
		"7":                             7 * time.Second,
		" 120 ":                         2 * time.Minute,
		"-5":                            0,
		"1.5":                           0,
		"99999999":                      maxRetryAfter,
		"Thu, 03 Dec 2026 16:00:30 GMT": 30 * time.Second,
		"Thu, 03 Dec 2026 15:59:00 GMT": 0,
		"Sat, 03 Dec 2033 16:00:30 GMT": maxRetryAfter,
		"soon":                          0,
	} {
		if got := retryAfter(v, now); got != want {
			t.Errorf("Retry-After %q = %s, want %s", v, got, want)
		}
	}
}

func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"", "3", "Thu, 03 Dec 2026 16:00:30 GMT", "Thursday, 03-Dec-26 16:00:30 GMT", "Thu Dec  3 16:00:30 2026", "18446744073709551616"} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 3, 16, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		if d := retryAfter(v, now); d < 0 || d > maxRetryAfter {
			t.Fatalf("Retry-After %q = %s, outside [0, %s]", v, d, maxRetryAfter)
		}
	})
}
