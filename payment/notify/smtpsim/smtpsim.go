package smtpsim

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/textproto"
	"slices"
	"strings"
	"sync"
	"time"
)

// Opts configures the sink. The zero value accepts everything in clear
// without authentication.
type Opts struct {
	// StartTLS offers STARTTLS with a self-signed certificate for
	// 127.0.0.1, ::1 and localhost (CertPool trusts it).
	StartTLS bool
	// RequireTLS refuses MAIL before STARTTLS (530), as most relays do.
	RequireTLS bool
	// Users enables AUTH PLAIN and requires it before MAIL: user → password.
	Users map[string]string
	// Reject lists recipient addresses refused with 550 (case-insensitive).
	Reject []string
	// MaxSize bounds one message (DATA); default 10 MiB.
	MaxSize int
	// MaxMessages bounds the outbox (oldest dropped first); default 1000.
	MaxMessages int
	// Hostname is the server's name in the greeting; default "smtpsim.local".
	Hostname string
	// Logger receives session logs; discard by default.
	Logger *slog.Logger
}

// Message is one accepted message, parsed.
type Message struct {
	ID         int       `json:"id"`
	From       string    `json:"from"` // envelope MAIL FROM
	To         []string  `json:"to"`   // envelope RCPT TO
	HeaderFrom string    `json:"header_from"`
	HeaderTo   string    `json:"header_to"`
	Subject    string    `json:"subject"` // RFC 2047 decoded
	Date       string    `json:"date,omitempty"`
	MessageID  string    `json:"message_id,omitempty"`
	Text       string    `json:"text,omitempty"` // text/plain part, decoded
	HTML       string    `json:"html,omitempty"` // text/html part, decoded
	TLS        bool      `json:"tls"`            // received after STARTTLS
	User       string    `json:"user,omitempty"` // AUTH PLAIN identity
	Received   time.Time `json:"received"`
	Raw        string    `json:"-"`
	ParseError string    `json:"parse_error,omitempty"`
}

// Server is a running SMTP sink.
type Server struct {
	o    Opts
	ln   net.Listener
	tls  *tls.Config
	pool *x509.CertPool
	log  *slog.Logger

	mu     sync.Mutex
	msgs   []Message
	next   int
	reject map[string]bool
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// ErrClosed is returned by Wait on a closed server.
var ErrClosed = errors.New("smtpsim: server closed")

// Start listens on addr ("127.0.0.1:0" for a free port) and serves until Close.
func Start(addr string, o *Opts) (*Server, error) {
	var opts Opts
	if o != nil {
		opts = *o
	}
	if opts.MaxSize <= 0 {
		opts.MaxSize = 10 << 20
	}
	if opts.MaxMessages <= 0 {
		opts.MaxMessages = 1000
	}
	if opts.Hostname == "" {
		opts.Hostname = "smtpsim.local"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{o: opts, log: opts.Logger, reject: map[string]bool{}, conns: map[net.Conn]struct{}{}}
	for _, r := range opts.Reject {
		s.reject[strings.ToLower(r)] = true
	}
	if opts.StartTLS || opts.RequireTLS {
		cfg, pool, err := selfSigned()
		if err != nil {
			return nil, err
		}
		s.tls, s.pool = cfg, pool
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("smtpsim: %w", err)
	}
	s.ln = ln
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Addr is the listening address (host:port).
func (s *Server) Addr() string { return s.ln.Addr().String() }

// CertPool trusts the STARTTLS certificate (nil without STARTTLS).
func (s *Server) CertPool() *x509.CertPool { return s.pool }

// Messages returns a copy of the outbox, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.msgs)
	for i := range out {
		out[i].To = slices.Clone(out[i].To)
	}
	return out
}

// Reset empties the outbox.
func (s *Server) Reset() {
	s.mu.Lock()
	s.msgs = nil
	s.mu.Unlock()
}

// RejectRecipient makes RCPT TO refuse addr with 550 (reject true) or
// accept it again.
func (s *Server) RejectRecipient(addr string, reject bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if reject {
		s.reject[strings.ToLower(addr)] = true
	} else {
		delete(s.reject, strings.ToLower(addr))
	}
}

// Close stops listening, ends the sessions and waits for them.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	err := s.ln.Close()
	s.wg.Wait()
	return err
}

// ServeHTTP serves the outbox: GET returns {"messages": [...]}, DELETE
// empties it. tpe-sim mounts it at /v1/sim/outbox.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		msgs := s.Messages()
		if msgs == nil {
			msgs = []Message{}
		}
		json.NewEncoder(w).Encode(map[string]any{"messages": msgs})
	case http.MethodDelete:
		s.Reset()
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Header().Set("Allow", "GET, DELETE")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				c.Close()
			}()
			s.session(c)
		}()
	}
}

// session is one SMTP conversation (RFC 5321 §4.1, STARTTLS RFC 3207,
// AUTH PLAIN RFC 4954 + RFC 4616).
type session struct {
	s       *Server
	conn    net.Conn
	tp      *textproto.Conn
	helo    bool
	isTLS   bool
	user    string
	from    string
	hasFrom bool
	rcpt    []string
}

func (s *Server) session(c net.Conn) {
	ss := &session{s: s, conn: c, tp: textproto.NewConn(c)}
	ss.reply(220, s.o.Hostname+" ESMTP smtpsim ready")
	for {
		c.SetDeadline(time.Now().Add(5 * time.Minute))
		line, err := ss.tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		if !ss.handle(strings.ToUpper(verb), strings.TrimSpace(arg)) {
			return
		}
	}
}

func (ss *session) reply(code int, lines ...string) {
	for i, l := range lines {
		sep := " "
		if i < len(lines)-1 {
			sep = "-"
		}
		ss.tp.PrintfLine("%d%s%s", code, sep, l)
	}
}

func (ss *session) resetTxn() { ss.from, ss.hasFrom, ss.rcpt = "", false, nil }

// handle runs one command; false ends the session.
func (ss *session) handle(verb, arg string) bool {
	s := ss.s
	switch verb {
	case "EHLO", "HELO":
		if arg == "" {
			ss.reply(501, "5.5.4 "+verb+" needs a domain")
			return true
		}
		ss.helo = true
		ss.resetTxn()
		if verb == "HELO" {
			ss.reply(250, s.o.Hostname)
			return true
		}
		lines := []string{s.o.Hostname + " greets " + arg, "8BITMIME", fmt.Sprintf("SIZE %d", s.o.MaxSize)}
		if s.tls != nil && !ss.isTLS {
			lines = append(lines, "STARTTLS")
		}
		if len(s.o.Users) > 0 {
			lines = append(lines, "AUTH PLAIN")
		}
		ss.reply(250, append(lines, "HELP")...)
	case "STARTTLS":
		if s.tls == nil || ss.isTLS {
			ss.reply(502, "5.5.1 STARTTLS not available")
			return true
		}
		ss.reply(220, "2.0.0 ready to start TLS")
		tc := tls.Server(ss.conn, s.tls)
		tc.SetDeadline(time.Now().Add(30 * time.Second))
		if err := tc.Handshake(); err != nil {
			s.log.Debug("smtpsim: tls handshake", "err", err)
			return false
		}
		// RFC 3207 §4.2: the client starts over with EHLO.
		ss.conn, ss.tp, ss.isTLS, ss.helo, ss.user = tc, textproto.NewConn(tc), true, false, ""
		ss.resetTxn()
	case "AUTH":
		ss.auth(arg)
	case "MAIL":
		switch {
		case !ss.helo:
			ss.reply(503, "5.5.1 EHLO first")
		case s.o.RequireTLS && !ss.isTLS:
			ss.reply(530, "5.7.0 must issue a STARTTLS command first")
		case len(s.o.Users) > 0 && ss.user == "":
			ss.reply(530, "5.7.0 authentication required")
		case ss.hasFrom:
			ss.reply(503, "5.5.1 nested MAIL command")
		default:
			addr, ok := pathArg(arg, "FROM:")
			if !ok {
				ss.reply(501, "5.5.4 syntax: MAIL FROM:<address>")
				return true
			}
			ss.from, ss.hasFrom = addr, true
			ss.reply(250, "2.1.0 sender ok")
		}
	case "RCPT":
		if !ss.hasFrom {
			ss.reply(503, "5.5.1 MAIL first")
			return true
		}
		addr, ok := pathArg(arg, "TO:")
		if !ok || !strings.Contains(addr, "@") {
			ss.reply(501, "5.1.3 syntax: RCPT TO:<address>")
			return true
		}
		s.mu.Lock()
		rej := s.reject[strings.ToLower(addr)]
		s.mu.Unlock()
		if rej {
			ss.reply(550, "5.1.1 <"+addr+">: recipient address rejected")
			return true
		}
		if len(ss.rcpt) >= 100 {
			ss.reply(452, "4.5.3 too many recipients")
			return true
		}
		ss.rcpt = append(ss.rcpt, addr)
		ss.reply(250, "2.1.5 recipient ok")
	case "DATA":
		if !ss.hasFrom || len(ss.rcpt) == 0 {
			ss.reply(503, "5.5.1 MAIL and RCPT first")
			return true
		}
		ss.reply(354, "end data with <CR><LF>.<CR><LF>")
		dr := ss.tp.DotReader()
		raw, err := io.ReadAll(io.LimitReader(dr, int64(s.o.MaxSize)+1))
		if err != nil {
			return false
		}
		if len(raw) > s.o.MaxSize {
			if _, err := io.Copy(io.Discard, dr); err != nil {
				return false
			}
			ss.reply(552, "5.3.4 message too big")
			ss.resetTxn()
			return true
		}
		id := s.store(ss, raw)
		ss.reply(250, fmt.Sprintf("2.0.0 ok: queued as %d", id))
		ss.resetTxn()
	case "RSET":
		ss.resetTxn()
		ss.reply(250, "2.0.0 ok")
	case "NOOP":
		ss.reply(250, "2.0.0 ok")
	case "VRFY":
		ss.reply(252, "2.5.2 cannot verify, will attempt delivery")
	case "QUIT":
		ss.reply(221, "2.0.0 bye")
		return false
	default:
		ss.reply(500, "5.5.2 command not recognised")
	}
	return true
}

func (ss *session) auth(arg string) {
	s := ss.s
	mech, initial, _ := strings.Cut(arg, " ")
	switch {
	case len(s.o.Users) == 0:
		ss.reply(502, "5.5.1 AUTH not available")
		return
	case ss.user != "":
		ss.reply(503, "5.5.1 already authenticated")
		return
	case !strings.EqualFold(mech, "PLAIN"):
		ss.reply(504, "5.5.4 only PLAIN")
		return
	case s.o.RequireTLS && !ss.isTLS:
		ss.reply(538, "5.7.11 encryption required for PLAIN")
		return
	}
	if initial == "" {
		ss.reply(334, "")
		l, err := ss.tp.ReadLine()
		if err != nil {
			return
		}
		initial = l
	}
	b, err := base64.StdEncoding.DecodeString(initial)
	parts := bytes.Split(b, []byte{0})
	if err != nil || len(parts) != 3 {
		ss.reply(501, "5.5.2 malformed AUTH PLAIN response")
		return
	}
	user, pass := string(parts[1]), string(parts[2])
	if want, ok := s.o.Users[user]; !ok || want != pass {
		ss.reply(535, "5.7.8 authentication credentials invalid")
		return
	}
	ss.user = user
	ss.reply(235, "2.7.0 authentication successful")
}

// pathArg reads "FROM:<a@b> PARAMS" (RFC 5321 §4.1.2); <> is the null path.
func pathArg(arg, prefix string) (string, bool) {
	if len(arg) < len(prefix) || !strings.EqualFold(arg[:len(prefix)], prefix) {
		return "", false
	}
	rest := strings.TrimSpace(arg[len(prefix):])
	if !strings.HasPrefix(rest, "<") {
		return "", false
	}
	end := strings.IndexByte(rest, '>')
	if end < 0 {
		return "", false
	}
	addr := rest[1:end]
	if strings.ContainsAny(addr, " <>\r\n") {
		return "", false
	}
	return addr, true
}

func (s *Server) store(ss *session, raw []byte) int {
	m := parse(raw)
	m.From, m.To, m.TLS, m.User, m.Received = ss.from, slices.Clone(ss.rcpt), ss.isTLS, ss.user, time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	m.ID = s.next
	s.msgs = append(s.msgs, m)
	if len(s.msgs) > s.o.MaxMessages {
		s.msgs = slices.Delete(s.msgs, 0, len(s.msgs)-s.o.MaxMessages)
	}
	s.log.Info("smtpsim: message accepted", "id", m.ID, "rcpt_count", len(m.To))
	return m.ID
}

// selfSigned makes a short-lived ECDSA certificate for the loopback names.
func selfSigned() (*tls.Config, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "smtpsim"},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(30 * 24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:        true, BasicConstraintsValid: true,
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("smtpsim: certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	cfg := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}, MinVersion: tls.VersionTLS12}
	return cfg, pool, nil
}
