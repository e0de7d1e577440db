package main

import (
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// network is the simulator's network switch between the terminal and the
// gateway: unplugged, every request fails before a byte leaves, exactly as
// a terminal with no route sees it; latency delays each request.
type network struct {
	inner   http.RoundTripper
	down    atomic.Bool
	latency atomic.Int64 // nanoseconds
}

var errUnplugged = errors.New("network unreachable (simulator network switch is off)")

func (n *network) RoundTrip(r *http.Request) (*http.Response, error) {
	if n.down.Load() {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errUnplugged}
	}
	if d := time.Duration(n.latency.Load()); d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	return n.inner.RoundTrip(r)
}

func (n *network) SetOnline(on bool)          { n.down.Store(!on) }
func (n *network) Online() bool               { return !n.down.Load() }
func (n *network) SetLatency(d time.Duration) { n.latency.Store(int64(d)) }
