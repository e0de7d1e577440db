package gatewaysim

import (
	"net/http"
	"strings"
	"time"
)

// delay holds a request Opts.Latency before it is served, as a shop's WAN
// link would (30–100 ms round trip). It reports false when the client gave
// up meanwhile: nothing is processed then. The simulator control (/sim/)
// answers at once: test harnesses drive it between requests.
func (s *Server) delay(r *http.Request) bool {
	if s.o.Latency <= 0 || strings.HasPrefix(r.URL.Path, "/sim/") {
		return true
	}
	t := time.NewTimer(s.o.Latency)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}
