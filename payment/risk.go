package payment

import (
	"fmt"
	"time"
)

// OfflineLimits is the merchant's terminal risk management for payments the
// terminal approves without the gateway. Zero values forbid offline sales.
type OfflineLimits struct {
	// FloorLimits is the highest amount (minor units) approved offline, per
	// brand (visa, mastercard, cb, maestro, amex); Default applies to others.
	FloorLimits  map[string]int64
	DefaultFloor int64
	MaxCount     int           // unforwarded offline approvals at once
	MaxTotal     int64         // their sum, minor units
	MaxAge       time.Duration // age of the oldest unforwarded one
}

// Check returns nil when a payment of amount on brand may be approved
// offline given the current exposure, else ErrOfflineRefused wrapped with
// the limit that stops it, in words a cashier understands.
func (l OfflineLimits) Check(e Exposure, amount Amount, brand string, now time.Time) error {
	floor, ok := l.FloorLimits[brand]
	if !ok {
		floor = l.DefaultFloor
	}
	switch {
	case amount.Minor > floor:
		return fmt.Errorf("%w: %s is above the offline floor limit of %s for %s",
			ErrOfflineRefused, amount, Amount{floor, amount.Currency}, brandOr(brand))
	case e.Count+1 > l.MaxCount:
		return fmt.Errorf("%w: %d payments already wait to be sent (limit %d)", ErrOfflineRefused, e.Count, l.MaxCount)
	case e.Total+amount.Minor > l.MaxTotal:
		return fmt.Errorf("%w: offline total would reach %s (limit %s)", ErrOfflineRefused,
			Amount{e.Total + amount.Minor, amount.Currency}, Amount{l.MaxTotal, amount.Currency})
	case e.Count > 0 && now.Sub(e.Oldest) > l.MaxAge:
		return fmt.Errorf("%w: the oldest unsent payment is %s old (limit %s)", ErrOfflineRefused,
			now.Sub(e.Oldest).Round(time.Minute), l.MaxAge)
	}
	return nil
}

func brandOr(b string) string {
	if b == "" {
		return "this card"
	}
	return b
}
