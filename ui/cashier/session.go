package cashier

import (
	"time"

	"tpe/payment"
)

// holdWhileBusy is how often a session due to end is looked at again while
// a payment is under way: the customer in front of the till comes first.
const holdWhileBusy = 5 * time.Second

// watchSession closes the cashier's session when the sign-in expires or the
// till stays idle for Opts.IdleTimeout. It sleeps until the next deadline on
// the UI's clock, then checks on fyne's goroutine, and waits for that check
// before looking again.
func (u *UI) watchSession() {
	for {
		var at time.Time
		var ok bool
		u.locked(func() { at, ok = u.sessionDeadline() })
		var due <-chan time.Time
		if ok {
			due = u.o.After(max(at.Sub(u.o.Now()), 0))
		}
		select {
		case <-u.ctx.Done():
			return
		case <-u.kick:
			continue
		case <-due:
		}
		done := make(chan struct{})
		u.do(func() {
			defer close(done)
			u.checkSession()
		})
		select {
		case <-u.ctx.Done():
			return
		case <-done:
		}
	}
}

// wakeSession tells the watcher that the session changed (sign-in).
func (u *UI) wakeSession() {
	select {
	case u.kick <- struct{}{}:
	default:
	}
}

// sessionDeadline is when the signed-in cashier's session is due to end;
// false when nothing ends it.
func (u *UI) sessionDeadline() (time.Time, bool) {
	if u.user == nil || u.o.SignIn == nil {
		return time.Time{}, false
	}
	var at time.Time
	if !u.user.Expires.IsZero() {
		at = u.user.Expires
	}
	if u.o.IdleTimeout > 0 {
		if idle := u.lastActive.Add(u.o.IdleTimeout); at.IsZero() || idle.Before(at) {
			at = idle
		}
	}
	if at.IsZero() {
		return at, false
	}
	if at.Before(u.sessionHold) {
		at = u.sessionHold
	}
	return at, true
}

// checkSession ends the session if it is due, unless a payment is under
// way: then it looks again a little later.
func (u *UI) checkSession() {
	if u.user == nil || u.o.SignIn == nil {
		return
	}
	now := u.o.Now()
	expired := !u.user.Expires.IsZero() && !now.Before(u.user.Expires)
	idle := u.o.IdleTimeout > 0 && now.Sub(u.lastActive) >= u.o.IdleTimeout
	if !expired && !idle {
		return
	}
	if u.sale.busy() {
		u.sessionHold = now.Add(holdWhileBusy)
		return
	}
	key := "session.idle"
	if expired {
		key = "session.expired"
	}
	u.endSession()
	u.say(u.T(key), true)
}

// busy reports whether a payment is under way on the sale screen.
func (s *saleScreen) busy() bool {
	switch s.phase {
	case phasePay:
		return s.cur != nil && !s.cur.State.Final() && !s.cur.State.Approved() &&
			!(s.cur.Method == payment.MethodPayLink && s.cur.State == payment.StateAwaitingCustomer)
	}
	return false
}

// endSession signs the cashier out: whatever was on screen goes, the
// sign-in screen comes back.
func (u *UI) endSession() {
	if u.sign != nil {
		u.sign.cancel()
		u.sign = nil
	}
	u.confirm = nil
	u.user = nil
	u.sale.saleState = saleState{}
	u.sessionHold = time.Time{}
	u.goSale()
}
