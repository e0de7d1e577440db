package gatewaysim

import (
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// Faults is the fault injection applied to the API endpoints (gateway,
// Connect2Pay, health and the card key; never the IdP or /sim/). Counters
// act on the next N API requests and count down; rates apply to every
// request. Switch them at run time with SetFaults or POST /sim/faults.
type Faults struct {
	// Down answers every API request 503 without processing it: the
	// gateway is unreachable, and a client may take payments offline.
	Down bool `json:"down"`
	// LatencyMS delays every API reply.
	LatencyMS int `json:"latency_ms"`
	// Fail5xx answers the next N requests 503 without processing them.
	Fail5xx int `json:"fail_5xx"`
	// Fail5xxAfter processes the next N requests, then answers 500 (the
	// outcome is unknown to the client).
	Fail5xxAfter int `json:"fail_5xx_after"`
	// Drop closes the next N connections before processing.
	Drop int `json:"drop"`
	// DropAfter processes the next N requests, then closes the connection
	// without a reply (the ambiguous case).
	DropAfter int `json:"drop_after"`
	// Rate5xx and RateDrop are probabilities (0..1) of a 503 or a dropped
	// connection before processing, for soak tests.
	Rate5xx  float64 `json:"rate_5xx"`
	RateDrop float64 `json:"rate_drop"`
}

type faultState struct {
	mu sync.Mutex
	f  Faults
}

// SetFaults replaces the fault injection.
func (s *Server) SetFaults(f Faults) {
	s.faults.mu.Lock()
	s.faults.f = f
	s.faults.mu.Unlock()
}

// Faults returns the current fault injection (counters as they stand).
func (s *Server) Faults() Faults {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	return s.faults.f
}

type faultPlan struct {
	latency    time.Duration
	fail, drop bool // before processing
	failAfter  bool
	dropAfter  bool
}

func (s *Server) plan() faultPlan {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	f := &s.faults.f
	p := faultPlan{latency: time.Duration(f.LatencyMS) * time.Millisecond}
	switch {
	case f.Down:
		p.fail = true
	case f.Drop > 0:
		f.Drop--
		p.drop = true
	case f.Fail5xx > 0:
		f.Fail5xx--
		p.fail = true
	case f.DropAfter > 0:
		f.DropAfter--
		p.dropAfter = true
	case f.Fail5xxAfter > 0:
		f.Fail5xxAfter--
		p.failAfter = true
	case f.RateDrop > 0 && rand.Float64() < f.RateDrop:
		p.drop = true
	case f.Rate5xx > 0 && rand.Float64() < f.Rate5xx:
		p.fail = true
	}
	return p
}

// faulty applies the fault plan around h.
func (s *Server) faulty(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := s.plan()
		if p.latency > 0 {
			t := time.NewTimer(p.latency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		switch {
		case p.drop:
			dropConn(w)
			return
		case p.fail:
			http.Error(w, "service unavailable (injected)", http.StatusServiceUnavailable)
			return
		case p.dropAfter, p.failAfter:
			rec := &discardWriter{h: http.Header{}}
			h(rec, r)
			if p.dropAfter {
				dropConn(w)
			} else {
				http.Error(w, "internal error (injected)", http.StatusInternalServerError)
			}
			return
		}
		h(w, r)
	})
}

// dropConn closes the client connection without an HTTP answer.
func dropConn(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if c, _, err := hj.Hijack(); err == nil {
			c.Close()
			return
		}
	}
	panic(http.ErrAbortHandler) // HTTP/2 or a recorder: abort the stream
}

// discardWriter swallows the reply of a request processed before a fault.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

func (s *Server) getFaults(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Faults())
}

func (s *Server) postFaults(w http.ResponseWriter, r *http.Request) {
	var f Faults
	if err := readJSON(r, &f); err != nil {
		http.Error(w, "bad faults JSON", http.StatusBadRequest)
		return
	}
	s.SetFaults(f)
	writeJSON(w, http.StatusOK, f)
}

func (s *Server) deleteFaults(w http.ResponseWriter, _ *http.Request) {
	s.SetFaults(Faults{})
	writeJSON(w, http.StatusOK, Faults{})
}
