package gatewaysim

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"

	"tpe/payment/alipayplus/cii"
)

// Development credentials (documented in docs/gateway.md).
const (
	DevOriginator     = "tpe-dev"
	DevPassword       = "tpe-dev-secret"
	DevClientID       = "tpe-terminal"
	DevClientSecret   = "tpe-terminal-secret"
	DevCashierClient  = "tpe-cashier" // public client of the device sign-in
	AccessAudience    = "tpe-gateway" // aud of the access tokens
	defaultHangDelay  = 30 * time.Second
	defaultSlowDelay  = 3 * time.Second
	maxRequestBody    = 64 << 10
	defaultAccessTTL  = 5 * time.Minute
	defaultIDTokenTTL = 10 * time.Minute
)

// User is a person who can sign in on a terminal.
type User struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Name     string `json:"name"`
	Role     string `json:"role"` // cashier | supervisor
	Subject  string `json:"sub"`
}

// DefaultUsers are the development users: alice (cashier) and bob
// (supervisor); the password is the user name.
var DefaultUsers = []User{
	{Username: "alice", Password: "alice", Name: "Alice Martin", Role: "cashier", Subject: "user-alice"},
	{Username: "bob", Password: "bob", Name: "Bob Durand", Role: "supervisor", Subject: "user-bob"},
}

// CryptogramVerifier checks the application cryptogram of a card-present
// request: pan and panSeq identify the card (and its keys), icc is the EMV
// TLV the terminal sent. A non-nil error declines the payment (097).
type CryptogramVerifier func(pan, panSeq string, icc []byte) error

// DirectProcessor runs a Connect2Pay wallet "direct" process (Alipay,
// WeChat…) for a prepared payment. The Alipay+ engineer plugs one in per
// method through Opts.Direct; body is the raw JSON request.
type DirectProcessor interface {
	Process(s *Server, p *Payment, body []byte) DirectProcessResponse
}

// Opts configures the simulator. Zero fields take the documented defaults.
type Opts struct {
	// Issuer fixes the IdP issuer URL; empty derives it from each request
	// (scheme + Host), which suits loopback listeners on random ports.
	Issuer string
	// Originator and Password are the Basic credentials (DevOriginator…).
	Originator, Password string
	// Clients maps OAuth client IDs to secrets for client_credentials.
	Clients map[string]string
	// CashierClient is the public client ID of the device sign-in.
	CashierClient string
	// Users can sign in with the device grant (DefaultUsers).
	Users []User
	// AccessTokenTTL and IDTokenTTL are token lifetimes (5 and 10 min).
	AccessTokenTTL, IDTokenTTL time.Duration
	// DeviceCodeTTL (5 min) and DeviceInterval (5 s) shape the device grant.
	DeviceCodeTTL, DeviceInterval time.Duration
	// HangDelay is how long the "timeout" trigger holds its reply (30 s);
	// SlowDelay how long the "slow" trigger does (3 s).
	HangDelay, SlowDelay time.Duration
	// VerifyCryptogram checks ARQC/TC; nil uses DefaultCryptogramVerifier
	// (the virtual cards of payment/emv/cardsim). The amount authorised in
	// the ICC data (9F02) must also equal the request's.
	VerifyCryptogram CryptogramVerifier
	// RequireICC declines card-present requests without ICC data (as a
	// real acquirer does); off by default so card fakes in other packages'
	// tests still go through.
	RequireICC bool
	// Direct maps a lower-case wallet method ("alipay") to its processor.
	Direct map[string]DirectProcessor
	// Wallets is the acquirer's wallet table the default Alipay processor
	// names customers' codes with (AlipayOpts.Wallets; WalletTable when nil).
	Wallets *cii.Table
	// KeyBits is the RSA size of new IdP signing keys (2048).
	KeyBits int
	// CardKeyType is the card-encryption key published at /keys/card:
	// CardKeyEC (P-256, ECDH-ES+A256KW; the default) or CardKeyRSA
	// (RSA-OAEP-256). A data dir holding a key of the other type gets a
	// new one; the old one still opens card data sealed to it.
	CardKeyType string
	// CardKeyBits is the RSA size of an RSA card key (2048). Opening an
	// RSA JWE costs one RSA private operation per authorisation, which
	// bounds throughput (see BenchmarkSimulatorThroughput); 1024 is
	// accepted for load tests only.
	CardKeyBits int
	// Now is the simulator's clock, read for everything dated or expiring:
	// payment links and order codes (timeOut), access and ID tokens,
	// device codes, card expiry, ledger dates, key IDs. Default time.Now.
	// Tests move it instead of sleeping. The reply delays (HangDelay,
	// SlowDelay, Faults.LatencyMS) are timers, not clock reads: they run
	// on real time, or on a testing/synctest bubble's.
	Now func() time.Time
	// Latency is added to every reply but the simulator control's (/sim/):
	// a WAN round trip on loopback (gatewaysim --latency). A timer, like
	// the other reply delays.
	Latency time.Duration
	// NoAdviceBatch withholds the batched advices extension (batch.go): a
	// gateway that takes offline advices one sale at a time.
	NoAdviceBatch bool
	// PINBDK is the base derivation key online PINs are enciphered under
	// (AES DUKPT, X9.24-3-2017): 16 or 32 bytes; nil means TestBDK.
	PINBDK []byte
	// DisableSCA turns off the PSD2 rule (a 6th consecutive contactless
	// payment without PIN, or one bringing the total since the last PIN
	// above SCAMaxTotal, is soft-declined with 065). For tests that are not
	// about it; the simulator applies it by default, as issuers do.
	DisableSCA bool
	// SyncWrites fsyncs the ledger after each change.
	SyncWrites bool
	// Logger receives request logs; discard by default.
	Logger *slog.Logger
}

// DefaultCryptogramVerifier is the verifier used when Opts.VerifyCryptogram
// is nil. It is replaced by the virtual cards' verifier once wired.
var DefaultCryptogramVerifier CryptogramVerifier

// Server is the gateway simulator: acquirer (PayXpert gateway API and the
// EMV extension), Connect2Pay, identity provider and back office in one
// http.Handler.
type Server struct {
	o   Opts
	mux *http.ServeMux
	dir string
	log *slog.Logger
	led *ledger
	iss *issuer

	keyMu sync.RWMutex
	keys  *keyFile
	card  *cardKeys

	idp     idpState
	faults  faultState
	metrics *metrics
}

// New opens (or creates) the simulator's state in dataDir: keys.json and
// ledger.jsonl.
func New(dataDir string, o *Opts) (*Server, error) {
	var opts Opts
	if o != nil {
		opts = *o
	}
	if opts.Originator == "" {
		opts.Originator, opts.Password = DevOriginator, DevPassword
	}
	if opts.Clients == nil {
		opts.Clients = map[string]string{DevClientID: DevClientSecret}
	}
	if opts.CashierClient == "" {
		opts.CashierClient = DevCashierClient
	}
	if opts.Users == nil {
		opts.Users = DefaultUsers
	}
	if opts.AccessTokenTTL <= 0 {
		opts.AccessTokenTTL = defaultAccessTTL
	}
	if opts.IDTokenTTL <= 0 {
		opts.IDTokenTTL = defaultIDTokenTTL
	}
	if opts.DeviceCodeTTL <= 0 {
		opts.DeviceCodeTTL = 5 * time.Minute
	}
	if opts.DeviceInterval <= 0 {
		opts.DeviceInterval = 5 * time.Second
	}
	if opts.HangDelay <= 0 {
		opts.HangDelay = defaultHangDelay
	}
	if opts.SlowDelay <= 0 {
		opts.SlowDelay = defaultSlowDelay
	}
	if opts.VerifyCryptogram == nil {
		opts.VerifyCryptogram = DefaultCryptogramVerifier
	}
	if opts.KeyBits == 0 {
		opts.KeyBits = 2048
	}
	switch opts.CardKeyType {
	case "":
		opts.CardKeyType = CardKeyEC
	case CardKeyEC, CardKeyRSA:
	default:
		return nil, fmt.Errorf("gatewaysim: card key type %q: want %s or %s", opts.CardKeyType, CardKeyEC, CardKeyRSA)
	}
	if opts.CardKeyBits == 0 {
		opts.CardKeyBits = 2048
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if _, ok := opts.Direct["alipay"]; !ok {
		opts.Direct = maps.Clone(opts.Direct)
		if opts.Direct == nil {
			opts.Direct = map[string]DirectProcessor{}
		}
		opts.Direct["alipay"] = NewAlipay(&AlipayOpts{Wallets: opts.Wallets})
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("gatewaysim: data dir: %w", err)
	}
	kf, err := loadKeys(opts.Now(), dataDir, opts.KeyBits, opts.CardKeyType, opts.CardKeyBits)
	if err != nil {
		return nil, err
	}
	iss, err := newIssuer(opts.PINBDK, !opts.DisableSCA)
	if err != nil {
		return nil, err
	}
	led, err := openLedger(dataDir, opts.SyncWrites)
	if err != nil {
		return nil, err
	}
	ck, err := newCardKeys(kf)
	if err != nil {
		led.close()
		return nil, err
	}
	s := &Server{o: opts, dir: dataDir, log: opts.Logger, led: led, iss: iss, keys: kf, card: ck, metrics: newMetrics()}
	s.idp.init()
	s.routes()
	return s, nil
}

// now reads the simulator's clock (Opts.Now).
func (s *Server) now() time.Time { return s.o.Now() }

// Close flushes and closes the ledger.
func (s *Server) Close() error { return s.led.close() }

// ServeHTTP serves every endpoint.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.delay(r) {
		return
	}
	s.mux.ServeHTTP(w, r)
}

// Ledger lists every transaction the simulator recorded, in creation order.
func (s *Server) Ledger() []Entry { return s.led.entries() }

// CardKey is the public card-encryption key terminals seal card data to.
func (s *Server) CardKey() jose.JSONWebKey {
	s.keyMu.RLock()
	defer s.keyMu.RUnlock()
	return s.keys.Card.Public()
}

func (s *Server) routes() {
	mux := http.NewServeMux()
	m := instrumentedMux{mux, s.metrics}
	api := func(h http.HandlerFunc) http.Handler { return s.authed(s.faulty(h)) }
	// Gateway API (payxpert-api.md §2) and the EMV extension.
	m.Handle("GET /health", s.faulty(s.health))
	m.Handle("GET /keys/card", s.faulty(s.cardKeySet))
	m.Handle("POST /transaction/sale/emv", api(s.emvSale("sale")))
	m.Handle("POST /transaction/authorize/emv", api(s.emvSale("authorize")))
	m.Handle("POST /"+adviceBatchPath, api(s.adviceBatch)) // batch.go
	m.Handle("GET /capabilities", api(s.capabilities))     // batch.go
	m.Handle("POST /transaction/{id}/{op}", api(s.referral))
	m.Handle("GET /transaction/{id}", api(s.status))
	m.Handle("GET /transactions", api(s.export))
	m.Handle("GET /transactions/{operation}", api(s.export))
	// Connect2Pay (§3).
	m.Handle("POST /payment/prepare", api(s.prepare))
	m.Handle("POST /transaction/prepare", api(s.prepare))
	m.Handle("GET /payment/{token}/status", api(s.paymentStatus))
	m.Handle("GET /transaction/{id}/info", api(s.transactionInfo))
	m.Handle("POST /payment/{token}/process/{method}/direct", api(s.directProcess))
	m.HandleFunc("GET /payment/{token}", s.hostedPage)     // hostedpage.go
	m.HandleFunc("POST /payment/{token}/pay", s.hostedPay) // hostedpage.go
	m.Handle("POST /payment/{token}/cancel", api(s.cancelPayment))
	// Identity provider.
	m.HandleFunc("GET /.well-known/openid-configuration", s.discovery)
	m.HandleFunc("GET /oauth/jwks", s.jwks)
	m.HandleFunc("POST /oauth/token", s.token)
	m.HandleFunc("POST /oauth/device_authorization", s.deviceAuthorization)
	m.HandleFunc("GET /device", s.devicePage)
	m.HandleFunc("POST /device", s.deviceSubmit)
	// Simulator control.
	m.HandleFunc("GET /sim/faults", s.getFaults)
	m.HandleFunc("POST /sim/faults", s.postFaults)
	m.HandleFunc("DELETE /sim/faults", s.deleteFaults)
	m.HandleFunc("POST /sim/rotate-keys", s.postRotate)
	m.HandleFunc("GET /sim/ledger", s.getLedger)
	m.HandleFunc("POST /sim/device/approve", s.postApprove)
	m.HandleFunc("POST /sim/wallet", s.postWallet)           // alipay.go
	m.Handle("GET /sim/stats", http.HandlerFunc(s.getStats)) // stats.go
	mux.Handle("GET /metrics", s.metrics.handler())
	s.mux = mux
}

// instrumentedMux registers every route with its request metrics, labelled
// by the route's pattern (bounded, unlike raw paths with IDs in them).
type instrumentedMux struct {
	mux *http.ServeMux
	met *metrics
}

func (m instrumentedMux) Handle(pattern string, h http.Handler) {
	m.mux.Handle(pattern, m.met.instrument(pattern, h))
}

func (m instrumentedMux) HandleFunc(pattern string, h http.HandlerFunc) { m.Handle(pattern, h) }

// authed accepts Basic originator credentials or a valid access token.
func (s *Server) authed(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); ok {
			if subtle.ConstantTimeCompare([]byte(u), []byte(s.o.Originator))&
				subtle.ConstantTimeCompare([]byte(p), []byte(s.o.Password)) == 1 {
				h.ServeHTTP(w, r)
				return
			}
			w.Header().Set("WWW-Authenticate", `Basic realm="gateway"`)
			http.Error(w, `{"errorCode":"403","errorMessage":"Authentication failed"}`, http.StatusUnauthorized)
			return
		}
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			if err := s.checkAccessToken(r, tok); err == nil {
				h.ServeHTTP(w, r)
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			http.Error(w, `{"errorCode":"403","errorMessage":"Invalid access token"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="gateway", Bearer`)
		http.Error(w, `{"errorCode":"403","errorMessage":"Authentication required"}`, http.StatusUnauthorized)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// readJSON decodes a request body of at most maxRequestBody bytes.
func readJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		return err
	}
	if len(b) > maxRequestBody {
		return errors.New("request too large")
	}
	return json.Unmarshal(b, v)
}

func (s *Server) health(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, referralResponse{ErrorCode: codeSuccess, ErrorMessage: "ok"})
}

func (s *Server) cardKeySet(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, publicSet(s.CardKey()))
}

func (s *Server) getLedger(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"transactions": s.Ledger()})
}

// randomString returns n characters of alphabet.
func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
