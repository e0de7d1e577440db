package offline

import (
	"context"
	"math"
	"sync"
	"time"
)

// pacer caps the rate of gateway requests a forwarder starts: one every
// 1/rate, with a burst of one second's worth after a quiet spell (a
// generic cell rate algorithm). Waits are timers, so a testing/synctest
// bubble drives them.
type pacer struct {
	every time.Duration
	burst time.Duration // how far next may lag behind now
	now   func() time.Time

	mu   sync.Mutex
	next time.Time // when the next request may start
}

func newPacer(rate float64, now func() time.Time) *pacer {
	every := time.Duration(float64(time.Second) / rate)
	n := max(1, int(math.Ceil(rate)))
	return &pacer{every: every, burst: time.Duration(n-1) * every, now: now}
}

// wait blocks until the next request may start, or ctx ends. A nil pacer
// never waits.
func (p *pacer) wait(ctx context.Context) error {
	if p == nil {
		return ctx.Err()
	}
	p.mu.Lock()
	now := p.now()
	if earliest := now.Add(-p.burst); p.next.Before(earliest) {
		p.next = earliest
	}
	at := p.next
	p.next = at.Add(p.every)
	p.mu.Unlock()
	d := at.Sub(now)
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
