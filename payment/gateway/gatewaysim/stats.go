package gatewaysim

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Stats summarises the card-present sales the ledger recorded for a group of
// terminals: what a load test (tpectl fleet sim) reads to judge a run from
// the acquirer's side rather than from the terminals' own counters. It is
// simulator-only: a real acquirer has no such endpoint.
type Stats struct {
	TerminalPrefix string `json:"terminal_prefix"`
	SinceMS        int64  `json:"since_ms"` // Unix ms; sales before it are left out
	// Sales counts card sale/authorize transactions in the ledger; Orders
	// the distinct order IDs among them. Sales > Orders would be an order
	// charged twice.
	Sales    int `json:"sales"`
	Orders   int `json:"orders"`
	Approved int `json:"approved"`
	Declined int `json:"declined"`
	Offline  int `json:"offline"` // sales sent as offline advices
	// DuplicateRequests counts sale requests refused because their order
	// was already recorded (result 094): a terminal sent an order twice.
	// Kept in memory since the simulator started, not in the ledger file.
	DuplicateRequests int   `json:"duplicate_requests"`
	FirstMS           int64 `json:"first_ms,omitempty"`
	LastMS            int64 `json:"last_ms,omitempty"`
	// PerSecond[i] is how many sales were recorded in second i after
	// SinceMS (after FirstMS when SinceMS is 0).
	PerSecond []int `json:"per_second"`
}

// Stats computes Stats over the sales of terminals whose ID starts with
// prefix, recorded at or after since (zero: all).
func (s *Server) Stats(prefix string, since time.Time) Stats {
	out := Stats{TerminalPrefix: prefix, PerSecond: []int{}}
	if !since.IsZero() {
		out.SinceMS = since.UnixMilli()
	}
	s.led.mu.Lock()
	defer s.led.mu.Unlock()
	for term, n := range s.led.dups {
		if strings.HasPrefix(term, prefix) {
			out.DuplicateRequests += n
		}
	}
	orders := map[string]bool{}
	var dates []int64
	for _, e := range s.led.txns {
		if e.PaymentMethod != "CreditCard" || (e.Operation != "sale" && e.Operation != "authorize") ||
			!strings.HasPrefix(e.TerminalID, prefix) || e.Date < out.SinceMS {
			continue
		}
		out.Sales++
		orders[e.OrderID] = true
		if e.ErrorCode == codeSuccess {
			out.Approved++
		} else {
			out.Declined++
		}
		if e.Offline {
			out.Offline++
		}
		dates = append(dates, e.Date)
		if out.FirstMS == 0 || e.Date < out.FirstMS {
			out.FirstMS = e.Date
		}
		out.LastMS = max(out.LastMS, e.Date)
	}
	out.Orders = len(orders)
	if len(dates) == 0 {
		return out
	}
	origin := out.SinceMS
	if origin == 0 {
		origin = out.FirstMS
	}
	out.PerSecond = make([]int, (out.LastMS-origin)/1000+1)
	for _, d := range dates {
		out.PerSecond[(d-origin)/1000]++
	}
	return out
}

// getStats serves GET /sim/stats?terminal_prefix=P&since=UNIX_MS.
func (s *Server) getStats(w http.ResponseWriter, r *http.Request) {
	var since time.Time
	if v := r.URL.Query().Get("since"); v != "" {
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil || ms < 0 {
			http.Error(w, "since: want Unix milliseconds", http.StatusBadRequest)
			return
		}
		since = time.UnixMilli(ms)
	}
	writeJSON(w, http.StatusOK, s.Stats(r.URL.Query().Get("terminal_prefix"), since))
}
