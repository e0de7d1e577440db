package api

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// MinTokenLen is the shortest bearer token the API accepts (config
// validation applies the same rule to api.token and api.supervisor_token).
const MinTokenLen = 16

// role is what a request's bearer token allows.
type role uint8

const (
	// cashier is the API token: sales, reads, receipts.
	cashier role = iota
	// supervisor is the supervisor token: also refunds, voids, batch
	// close and discarding parked mail when Opts.SupervisorToken is set
	// (else the API token does).
	supervisor
)

type roleKey struct{}

// checkTokens applies the token rules of New.
func checkTokens(o Opts) error {
	if o.Token == "" && !o.AllowNoToken {
		return errors.New("api: a bearer token is required (config api.token)")
	}
	if o.Token != "" && len(o.Token) < MinTokenLen {
		return fmt.Errorf("api: the bearer token is %d characters, want at least %d (generate one with `openssl rand -hex 24`)", len(o.Token), MinTokenLen)
	}
	if o.SupervisorToken != "" {
		if len(o.SupervisorToken) < MinTokenLen {
			return fmt.Errorf("api: the supervisor token is %d characters, want at least %d", len(o.SupervisorToken), MinTokenLen)
		}
		if o.SupervisorToken == o.Token {
			return errors.New("api: the supervisor token must differ from the bearer token")
		}
	}
	return nil
}

// admit runs before routing: it refuses requests addressed to another host
// (DNS rebinding), cross-origin requests from web pages and CORS preflights,
// then checks the bearer token. It returns the request carrying the
// caller's role, or false when it has answered.
//
// Cash registers send no Origin header and name the terminal in Host as
// they connect to it, so they pass; a browser tab on another site cannot
// make a request that does.
func (s *Server) admit(w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
	local, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !s.ownHost(r.Host, r.TLS != nil, local) {
		writeError(w, http.StatusMisdirectedRequest, "forbidden_host",
			"this API does not answer to host "+strconv.Quote(r.Host)+": use the terminal's address or a name in api.allowed_hosts")
		return nil, false
	}
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		// A CORS preflight: never allowed, so no Access-Control-Allow-* header.
		writeError(w, http.StatusForbidden, "forbidden_origin", "cross-origin requests are refused: the API serves cash registers, not web pages")
		return nil, false
	}
	if o := r.Header.Get("Origin"); o != "" && !s.ownOrigin(o, r.TLS != nil, local) {
		writeError(w, http.StatusForbidden, "forbidden_origin", "requests from web page "+strconv.Quote(o)+" are refused: the API serves cash registers, not web pages")
		return nil, false
	}
	if s.o.Token == "" && !isLoopback(local) {
		// Open mode is for the simulator on loopback only: even if it were
		// served on another interface, nobody else drives the till.
		writeError(w, http.StatusForbidden, "forbidden_host", "this API has no token and answers on loopback only")
		return nil, false
	}
	rl, ok := s.authorised(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="tpe"`)
		writeError(w, http.StatusUnauthorized, "unauthorized", "missing or wrong bearer token")
		return nil, false
	}
	return r.WithContext(context.WithValue(r.Context(), roleKey{}, rl)), true
}

// authorised returns the role of the request's bearer token.
func (s *Server) authorised(r *http.Request) (role, bool) {
	got, hasBearer := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if s.o.SupervisorToken != "" && hasBearer && subtle.ConstantTimeCompare([]byte(got), []byte(s.o.SupervisorToken)) == 1 {
		return supervisor, true
	}
	if s.o.Token == "" {
		return cashier, s.o.AllowNoToken
	}
	return cashier, hasBearer && subtle.ConstantTimeCompare([]byte(got), []byte(s.o.Token)) == 1
}

// require serves h only to callers with role need. Without a supervisor
// token configured, the API token does everything.
func (s *Server) require(need role, h http.Handler) http.Handler {
	if need == cashier {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got, _ := r.Context().Value(roleKey{}).(role); s.o.SupervisorToken != "" && got < need {
			writeError(w, http.StatusForbidden, "supervisor_required", "refunds, voids, batch close and discarding parked mail need the supervisor token (config api.supervisor_token)")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// ownOrigin reports whether a browser Origin header is this API's own
// origin (same scheme, a host:port ownHost accepts).
func (s *Server) ownOrigin(origin string, tls bool, local net.Addr) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || u.Path != "" || u.User != nil {
		return false // includes "null": sandboxed frames, file:// pages
	}
	want := "http"
	if tls {
		want = "https"
	}
	return u.Scheme == want && s.ownHost(u.Host, tls, local)
}

// ownHost reports whether hostport (a Host header or an origin's host) names
// this API: the address the connection arrived on, a loopback alias of it
// when it arrived on loopback, or a name of Opts.AllowedHosts, with the
// port the connection arrived on. An allowed name written "name:port"
// matches that port instead (a port-forwarding front). Without a local
// address (a handler called outside net/http) only allowed names match.
func (s *Server) ownHost(hostport string, tls bool, local net.Addr) bool {
	host, port := splitHost(hostport, tls)
	if host == "" {
		return false
	}
	for _, a := range s.o.AllowedHosts {
		ah, ap, err := net.SplitHostPort(a)
		if err != nil {
			ah, ap = a, ""
		}
		if !strings.EqualFold(strings.Trim(ah, "[]"), host) {
			continue
		}
		if ap != "" && ap == port {
			return true
		}
		if ap == "" && (local == nil || port == localPort(local)) {
			return true
		}
	}
	if local == nil || port != localPort(local) {
		return false
	}
	lip := localIP(local)
	if ip := net.ParseIP(host); ip != nil {
		if ip.Equal(lip) {
			return true
		}
		// 0.0.0.0 and :: reach the loopback interface; a browser never
		// resolves a name to them in a rebinding attack that matters here.
		return lip.IsLoopback() && (ip.IsLoopback() || ip.IsUnspecified())
	}
	return lip.IsLoopback() && host == "localhost"
}

// splitHost returns the lower-case host name and the port of a Host header,
// the scheme's default port when it has none.
func splitHost(hostport string, tls bool) (host, port string) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host, port = hostport, "80"
		if tls {
			port = "443"
		}
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	return host, port
}

func localIP(a net.Addr) net.IP {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.IP
	}
	h, _, _ := net.SplitHostPort(a.String())
	return net.ParseIP(h)
}

func localPort(a net.Addr) string {
	if t, ok := a.(*net.TCPAddr); ok {
		return strconv.Itoa(t.Port)
	}
	_, p, _ := net.SplitHostPort(a.String())
	return p
}

func isLoopback(a net.Addr) bool {
	if a == nil {
		return false
	}
	ip := localIP(a)
	return ip != nil && ip.IsLoopback()
}
