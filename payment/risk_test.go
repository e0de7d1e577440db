package payment_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"tpe/payment"
)

// TestOfflineLimitsBoundaries walks each limit at, one below and one above
// its boundary, per brand and for the default floor.
func TestOfflineLimitsBoundaries(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	l := payment.OfflineLimits{
		FloorLimits:  map[string]int64{"visa": 3000, "cb": 10000, "amex": 0},
		DefaultFloor: 2000, MaxCount: 5, MaxTotal: 20000, MaxAge: 72 * time.Hour,
	}
	q := func(count int, total int64, age time.Duration) payment.Exposure {
		if count == 0 {
			return payment.Exposure{}
		}
		return payment.Exposure{Count: count, Total: total, Oldest: now.Add(-age)}
	}
	tests := []struct {
		name   string
		e      payment.Exposure
		minor  int64
		brand  string
		ok     bool
		reason string // a word the cashier's message must contain
	}{
		{"visa floor -1", q(0, 0, 0), 2999, "visa", true, ""},
		{"visa floor", q(0, 0, 0), 3000, "visa", true, ""},
		{"visa floor +1", q(0, 0, 0), 3001, "visa", false, "floor"},
		{"cb floor above default", q(0, 0, 0), 10000, "cb", true, ""},
		{"cb floor +1", q(0, 0, 0), 10001, "cb", false, "cb"},
		{"amex floor zero", q(0, 0, 0), 1, "amex", false, "amex"},
		{"unlisted brand default floor", q(0, 0, 0), 2000, "maestro", true, ""},
		{"unlisted brand default floor +1", q(0, 0, 0), 2001, "maestro", false, "maestro"},
		{"no brand default floor +1", q(0, 0, 0), 2001, "", false, "this card"},
		{"count limit -1 after", q(3, 300, time.Hour), 100, "visa", true, ""},
		{"count reaches limit", q(4, 400, time.Hour), 100, "visa", true, ""},
		{"count over limit", q(5, 500, time.Hour), 100, "visa", false, "5 payments"},
		{"total reaches limit", q(1, 17000, time.Hour), 3000, "visa", true, ""},
		{"total +1", q(1, 17001, time.Hour), 3000, "visa", false, "total"},
		{"total -1", q(1, 16999, time.Hour), 3000, "visa", true, ""},
		{"age at limit", q(1, 1, 72*time.Hour), 1, "visa", true, ""},
		{"age +1ns", q(1, 1, 72*time.Hour+time.Nanosecond), 1, "visa", false, "oldest"},
		{"age -1ns", q(1, 1, 72*time.Hour-time.Nanosecond), 1, "visa", true, ""},
		{"stale Oldest ignored when queue empty", payment.Exposure{Oldest: now.Add(-1000 * time.Hour)}, 1, "visa", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := l.Check(tt.e, payment.Amount{Minor: tt.minor, Currency: "EUR"}, tt.brand, now)
			if (err == nil) != tt.ok {
				t.Fatalf("got %v, want ok=%v", err, tt.ok)
			}
			if err == nil {
				return
			}
			if !errors.Is(err, payment.ErrOfflineRefused) {
				t.Errorf("got %v, want ErrOfflineRefused", err)
			}
			if !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("message %q does not say %q", err, tt.reason)
			}
		})
	}
}
