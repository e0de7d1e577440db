package payment

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"
)

// Connectivity is the terminal's belief about the gateway, kept by every
// gateway call (WatchGateway) and by a probe while the terminal is idle
// (Probe), so that it follows a network cut or return within a probe
// period instead of waiting for a sale to fail.
type Connectivity struct {
	mu       sync.Mutex
	online   bool
	known    bool
	since    time.Time
	now      func() time.Time
	onChange func(online bool)
}

// NewConnectivity starts unknown (answered as online: the first payment
// asks the gateway). onChange, when set, is told of each change; it must
// not block.
func NewConnectivity(now func() time.Time, onChange func(online bool)) *Connectivity {
	if now == nil {
		now = time.Now
	}
	return &Connectivity{now: now, onChange: onChange}
}

// Online reports whether the gateway is believed reachable.
func (c *Connectivity) Online() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.online || !c.known
}

// Since is when the belief last changed (zero while unknown).
func (c *Connectivity) Since() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.since
}

// Report updates the belief from one gateway call's error: nil or any
// answer (a decline, a rejection) means reachable; ErrGatewayUnavailable
// or a timeout means not. Other errors say nothing about the network.
func (c *Connectivity) Report(err error) {
	switch {
	case err == nil || errors.Is(err, ErrNotFound) || errors.Is(err, ErrInvalidRequest):
		c.set(true)
	case unreachable(err):
		c.set(false)
	}
}

func unreachable(err error) bool {
	if errors.Is(err, ErrGatewayUnavailable) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (c *Connectivity) set(online bool) {
	c.mu.Lock()
	changed := !c.known || c.online != online
	c.online, c.known = online, true
	if changed {
		c.since = c.now()
	}
	notify := c.onChange
	c.mu.Unlock()
	if changed && notify != nil {
		notify(online)
	}
}

// Probe pings the gateway every period (each ping bounded by the same
// period) until ctx ends, and reports each answer.
func (c *Connectivity) Probe(ctx context.Context, ping func(context.Context) error, period time.Duration) error {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		pctx, cancel := context.WithTimeout(ctx, period)
		err := ping(pctx)
		cancel()
		if ctx.Err() != nil {
			return nil
		}
		if err != nil && !unreachable(err) {
			// The gateway answered the ping with an error: it is there.
			err = nil
		}
		c.Report(err)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// WatchGateway returns gw with every call's outcome reported to c.
func WatchGateway(gw Gateway, c *Connectivity) Gateway { return &watched{gw, c} }

type watched struct {
	gw Gateway
	c  *Connectivity
}

func (w *watched) Sale(ctx context.Context, req SaleRequest) (GatewayResult, error) {
	r, err := w.gw.Sale(ctx, req)
	w.c.Report(err)
	return r, err
}

func (w *watched) Lookup(ctx context.Context, orderID string) (GatewayResult, error) {
	r, err := w.gw.Lookup(ctx, orderID)
	w.c.Report(err)
	return r, err
}

func (w *watched) Void(ctx context.Context, id string, a Amount) (GatewayResult, error) {
	r, err := w.gw.Void(ctx, id, a)
	w.c.Report(err)
	return r, err
}

func (w *watched) Refund(ctx context.Context, id string, a Amount) (GatewayResult, error) {
	r, err := w.gw.Refund(ctx, id, a)
	w.c.Report(err)
	return r, err
}

func (w *watched) Record(ctx context.Context, id string) (GatewayResult, error) {
	r, err := w.gw.Record(ctx, id)
	w.c.Report(err)
	return r, err
}

func (w *watched) Ping(ctx context.Context) error {
	err := w.gw.Ping(ctx)
	w.c.Report(err)
	return err
}
