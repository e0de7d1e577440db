package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Config is the whole tpe.toml.
type Config struct {
	DataDir       string        `toml:"data_dir"`
	Terminal      Terminal      `toml:"terminal"`
	Hardware      Hardware      `toml:"hardware"`
	Gateway       Gateway       `toml:"gateway"`
	AlipayPlus    AlipayPlus    `toml:"alipayplus"`
	OIDC          OIDC          `toml:"oidc"`
	Offline       Offline       `toml:"offline"`
	EMV           EMV           `toml:"emv"`
	API           API           `toml:"api"`
	SMTP          SMTP          `toml:"smtp"`
	Notifications Notifications `toml:"notifications"`
	Log           Log           `toml:"log"`
}

// Terminal is the terminal's identity and the merchant it sells for.
type Terminal struct {
	ID              string `toml:"id"`
	MerchantID      string `toml:"merchant_id"`
	MerchantName    string `toml:"merchant_name"`
	MerchantAddress string `toml:"merchant_address"`
	MerchantCity    string `toml:"merchant_city"`
	MerchantEmail   string `toml:"merchant_email"`
	Contract        string `toml:"contract"`
	MCC             string `toml:"mcc"`
	Country         string `toml:"country"`
	Currency        string `toml:"currency"`
	Language        string `toml:"language"`
	MaxAmount       int64  `toml:"max_amount"`
}

// Hardware maps each peripheral to a driver: "sim" (emulated chip), a real
// driver, or "none".
type Hardware struct {
	NFC     NFC     `toml:"nfc"`
	Printer Printer `toml:"printer"`
	Display Display `toml:"display"`
	Scanner Scanner `toml:"scanner"`
}

// NFC is the contactless reader.
type NFC struct {
	Driver string `toml:"driver"` // sim | pn532
	Bus    string `toml:"bus"`    // uart | i2c | spi
	Port   string `toml:"port"`   // uart: /dev/ttyS0; i2c: bus name "1"; spi: /dev/spidev0.0
	Baud   int    `toml:"baud"`
}

// Printer is the receipt printer.
type Printer struct {
	Driver string `toml:"driver"` // sim | escpos | none
	Port   string `toml:"port"`   // /dev/ttyUSB0 or /dev/usb/lp0
	Baud   int    `toml:"baud"`
	Width  int    `toml:"width"` // paper width in mm: 58 or 80
}

// Display is the customer-facing LCD.
type Display struct {
	Driver       string `toml:"driver"` // sim | st7789 | none
	SPIPort      string `toml:"spi_port"`
	DCPin        string `toml:"dc_pin"`
	ResetPin     string `toml:"reset_pin"`
	BacklightPin string `toml:"backlight_pin"`
	Width        int    `toml:"width"`
	Height       int    `toml:"height"`
	Rotation     int    `toml:"rotation"` // 0, 90, 180, 270
}

// Scanner is the 2D barcode scanner for wallet payment codes.
type Scanner struct {
	Driver     string `toml:"driver"` // sim | serial | none
	Port       string `toml:"port"`
	Baud       int    `toml:"baud"`
	Terminator string `toml:"terminator"` // "\r", "\n" or "\r\n"
	Prefix     string `toml:"prefix"`
	Suffix     string `toml:"suffix"`
}

// Gateway is the acquirer connection.
type Gateway struct {
	URL            string        `toml:"url"`
	Connect2PayURL string        `toml:"connect2pay_url"`
	Auth           string        `toml:"auth"` // oauth2 | basic
	TokenURL       string        `toml:"token_url"`
	ClientID       string        `toml:"client_id"`
	ClientSecret   string        `toml:"client_secret"`
	Originator     string        `toml:"originator"`
	Password       string        `toml:"password"`
	CAFile         string        `toml:"ca_file"`
	PinSHA256      string        `toml:"pin_sha256"`
	Timeout        time.Duration `toml:"timeout"`
	// ProbeEvery is how often the terminal pings the gateway (GET /health)
	// to follow a network cut or return while idle; 0 means 500 ms.
	ProbeEvery time.Duration `toml:"probe_every"`
}

// AlipayPlus is the Alipay+ wallets' set-up.
type AlipayPlus struct {
	// WalletTable is the acquirer's wallet table (TOML, see
	// payment/alipayplus/cii): which wallet issued a customer's payment
	// code, by its first digits. Empty: the built-in table, which knows
	// only the published prefixes (Alipay, AlipayHK). Checked at start and
	// by tpectl config check.
	WalletTable string `toml:"wallet_table"`
}

// OIDC is the identity provider for cashier sign-in.
type OIDC struct {
	Issuer   string `toml:"issuer"`
	ClientID string `toml:"client_id"`
	// IdleTimeout closes a cashier's session after this long without a
	// tap or a key; 0 never does (the ID token's expiry still does).
	IdleTimeout time.Duration `toml:"idle_timeout"`
}

// Offline is the merchant's offline risk management.
type Offline struct {
	Mode        string           `toml:"mode"` // default policy: prefer_online | require_online | force_offline
	FloorLimit  int64            `toml:"floor_limit"`
	FloorLimits map[string]int64 `toml:"floor_limits"` // per brand
	MaxCount    int              `toml:"max_count"`
	MaxTotal    int64            `toml:"max_total"`
	MaxAge      time.Duration    `toml:"max_age"`
	Retention   time.Duration    `toml:"retention"`
	// KeyFile is the device key sealing card data in the journal. It must
	// live outside DataDir: a copy of the data directory (backup, support,
	// a pulled SD card's journal) must not carry the key that opens it.
	KeyFile      string        `toml:"key_file"`
	ForwardEvery time.Duration `toml:"forward_every"`
	// Forwarding after an outage (issue 19): requests in flight, advices
	// per batch (0: one sale each), the window the first forward is
	// spread over, the longest backoff, and the cap on gateway requests
	// per second (0: none).
	ForwardConcurrency int           `toml:"forward_concurrency"`
	ForwardBatch       int           `toml:"forward_batch"`
	ForwardJitter      time.Duration `toml:"forward_jitter"`
	ForwardBackoffMax  time.Duration `toml:"forward_backoff_max"`
	ForwardRate        float64       `toml:"forward_rate"`
}

// EMV is the contactless kernel's terminal data.
type EMV struct {
	ContactlessLimit int64         `toml:"contactless_limit"` // above: try another interface
	CVMLimit         int64         `toml:"cvm_limit"`         // above: CDCVM, online PIN or another method
	CAKeysFile       string        `toml:"ca_keys_file"`      // empty: built-in test keys (sim only)
	CardTimeout      time.Duration `toml:"card_timeout"`
	// PINTimeout is how long the PIN pad waits for the cardholder's PIN.
	PINTimeout time.Duration `toml:"pin_timeout"`
	// OnlinePIN: the touchscreen PIN pad collects online PINs, so plastic
	// cards pay above the CVM limit (advertised to the card: Visa TTQ,
	// Mastercard CVM capability).
	OnlinePIN bool `toml:"online_pin"`
	// Signature: the cardholder may sign the merchant receipt above the
	// CVM limit. Not accepted in France (Config.Validate refuses it there).
	Signature bool `toml:"signature"`
}

// API is the local terminal API for cash registers.
type API struct {
	Listen string `toml:"listen"`
	// Token is the bearer token cash registers send (CheckToken).
	Token string `toml:"token"`
	// SupervisorToken, when set, is needed for refunds, voids and batch close.
	SupervisorToken string `toml:"supervisor_token"`
	// AllowedHosts are names the API answers to besides its address (Host check).
	AllowedHosts []string `toml:"allowed_hosts"`
	// TLSCert and TLSKey are PEM files: when set, the API serves HTTPS.
	TLSCert string `toml:"tls_cert"`
	TLSKey  string `toml:"tls_key"`
}

// SMTP is the relay for payment links, receipts and reports.
type SMTP struct {
	Host     string `toml:"host"`
	Port     int    `toml:"port"`
	StartTLS bool   `toml:"starttls"`
	Username string `toml:"username"`
	Password string `toml:"password"`
	From     string `toml:"from"`
}

// Notifications says what the terminal e-mails: the customer's receipt,
// and the merchant's notifications to terminal.merchant_email, each on or
// off.
type Notifications struct {
	EmailReceipts bool          `toml:"email_receipts"`
	EmailZReport  bool          `toml:"email_z_report"`
	LinkValidity  time.Duration `toml:"link_validity"`
	// LinkPaid, LinkExpired, ForwardDeclined and RefundMade tell the
	// merchant of a paid link, a link expired unpaid, an offline payment
	// the issuer declined when forwarded, and a refund.
	LinkPaid        bool `toml:"link_paid"`
	LinkExpired     bool `toml:"link_expired"`
	ForwardDeclined bool `toml:"forward_declined"`
	RefundMade      bool `toml:"refund_made"`
	// Language of the merchant's notifications (fr or en); empty: the
	// terminal's language.
	Language string `toml:"language"`
}

// Merchant reports whether any notification to the merchant is on.
func (n Notifications) Merchant() bool {
	return n.EmailZReport || n.LinkPaid || n.LinkExpired || n.ForwardDeclined || n.RefundMade
}

// Log is where and how the terminal logs.
type Log struct {
	Level  string `toml:"level"`  // debug | info | warn | error
	Format string `toml:"format"` // text | json
	File   string `toml:"file"`   // empty: standard error
}

// DefaultKeyFile is where provisioning puts the device key: under /etc/tpe,
// in a directory of its own (0700, the service user's) because /etc/tpe
// itself is group-readable for the config.
const DefaultKeyFile = "/etc/tpe/private/device.key"

// SimKeyFile is the simulator's device key for a data directory: in a
// sibling directory (dataDir + "-keys"), next to the journal but never in
// it, so each simulated terminal keeps its own key.
func SimKeyFile(dataDir string) string {
	d := filepath.Clean(dataDir)
	return filepath.Join(filepath.Dir(d), filepath.Base(d)+"-keys", "device.key")
}

// Defaults is a Config with every default filled; Load decodes over it.
func Defaults() Config {
	return Config{
		DataDir:  "/var/lib/tpe",
		Terminal: Terminal{Country: "FR", Currency: "EUR", Language: "fr", MCC: "5999", MaxAmount: 1_000_000},
		Hardware: Hardware{
			NFC:     NFC{Driver: "pn532", Bus: "uart", Port: "/dev/ttyS0", Baud: 115200},
			Printer: Printer{Driver: "escpos", Port: "/dev/usb/lp0", Baud: 19200, Width: 80},
			Display: Display{Driver: "st7789", SPIPort: "/dev/spidev0.0", DCPin: "GPIO25", ResetPin: "GPIO27", Width: 240, Height: 320},
			Scanner: Scanner{Driver: "none", Baud: 9600, Terminator: "\r"},
		},
		Gateway: Gateway{Auth: "oauth2", Timeout: 15 * time.Second},
		OIDC:    OIDC{IdleTimeout: 15 * time.Minute},
		Offline: Offline{
			Mode: "prefer_online", FloorLimit: 5000, MaxCount: 50, MaxTotal: 100_000,
			MaxAge: 72 * time.Hour, Retention: 90 * 24 * time.Hour, ForwardEvery: 30 * time.Second,
			ForwardConcurrency: 4, ForwardBatch: 100, ForwardJitter: 30 * time.Second, ForwardBackoffMax: 5 * time.Minute,
			ForwardRate: 50,
			KeyFile:     DefaultKeyFile,
		},
		EMV:           EMV{ContactlessLimit: 100_000, CVMLimit: 5000, CardTimeout: 60 * time.Second, PINTimeout: 30 * time.Second, OnlinePIN: true},
		API:           API{Listen: "127.0.0.1:8080"},
		SMTP:          SMTP{Port: 587, StartTLS: true},
		Notifications: Notifications{LinkValidity: 7 * 24 * time.Hour},
		Log:           Log{Level: "info", Format: "text"},
	}
}

// SimDefaults is the simulator's built-in configuration: every peripheral
// emulated, the embedded gateway simulator, demo offline limits and data
// under dataDir. tpe-sim needs no file.
func SimDefaults(dataDir string) Config {
	c := Defaults()
	c.DataDir = dataDir
	c.Terminal = Terminal{
		ID: "SIM00001", MerchantID: "100001", MerchantName: "Boulangerie du Simulateur",
		MerchantAddress: "12 rue des Tests", MerchantCity: "75011 Paris", MerchantEmail: "gerant@example.com",
		Contract: "1234567", MCC: "5462", Country: "FR", Currency: "EUR", Language: "fr", MaxAmount: 1_000_000,
	}
	c.Hardware = Hardware{
		NFC:     NFC{Driver: "sim", Baud: 115200},
		Printer: Printer{Driver: "sim", Baud: 19200, Width: 58},
		Display: Display{Driver: "sim", Width: 240, Height: 320},
		Scanner: Scanner{Driver: "sim", Baud: 9600, Terminator: "\r"},
	}
	// The gateway simulator's development credentials (docs/gateway.md).
	c.Gateway = Gateway{Auth: "oauth2", ClientID: "tpe-terminal", ClientSecret: "tpe-terminal-secret", Timeout: 5 * time.Second}
	c.Offline.KeyFile = SimKeyFile(dataDir)
	// One terminal on a desk: nothing to spread. The network switch's
	// "back online" forwards at once, as the walkthrough shows
	// (tpectl fleet sim is where the reconnect window is exercised).
	c.Offline.ForwardJitter = 0
	c.API = API{Listen: "127.0.0.1:8080"}
	// Every notification on, so developers see them in /v1/sim/outbox.
	c.Notifications.EmailReceipts = true
	c.Notifications.EmailZReport = true
	c.Notifications.LinkPaid, c.Notifications.LinkExpired = true, true
	c.Notifications.ForwardDeclined, c.Notifications.RefundMade = true, true
	return c
}

// Load reads path over Defaults and validates the result.
func Load(path string) (Config, error) {
	return load(path, false)
}

// LoadSim is Load for tpe-sim: api.token may be empty, because the
// simulator serves without a token on loopback only (it checks that itself).
func LoadSim(path string) (Config, error) {
	return load(path, true)
}

func load(path string, sim bool) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return parse(string(b), path, sim)
}

// Parse decodes TOML text (name is for messages) over Defaults and validates.
func Parse(text, name string) (Config, error) {
	return parse(text, name, false)
}

func parse(text, name string, sim bool) (Config, error) {
	c := Defaults()
	md, err := toml.Decode(text, &c)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return Config{}, fmt.Errorf("config: %s: line %d: %s", name, pe.Position.Line, pe.Message)
		}
		return Config{}, fmt.Errorf("config: %s: %w", name, err)
	}
	var errs []error
	for _, k := range md.Undecoded() {
		key := k.String()
		msg := fmt.Sprintf("config: %s: unknown key %q", name, key)
		if s := suggest(key); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		} else {
			msg += "; see config/tpe.sample.toml for every key"
		}
		errs = append(errs, errors.New(msg))
	}
	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	if err := c.validate(sim); err != nil {
		return Config{}, err
	}
	return c, nil
}

// knownKeys lists every dotted key of Config, from its toml tags.
func knownKeys() []string {
	var keys []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		for _, f := range fieldsOf(v) {
			keys = append(keys, prefix+f.name)
			if f.sub != nil {
				walk(prefix+f.name+".", f.sub)
			}
		}
	}
	walk("", Config{})
	sort.Strings(keys)
	return keys
}

// suggest returns the known key closest to an unknown one, if close enough.
func suggest(key string) string {
	best, bestD := "", 3
	for _, k := range knownKeys() {
		if d := distance(key, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// keyError is a validation failure of one key.
func keyError(key string, value any, problem, fix string) error {
	return fmt.Errorf("config: %s = %v: %s; %s", key, quote(value), problem, fix)
}

func quote(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprint(v)
}

func oneOf(key, value string, allowed ...string) error {
	for _, a := range allowed {
		if value == a {
			return nil
		}
	}
	return keyError(key, value, "not a valid choice", "use one of "+strings.Join(allowed, ", "))
}
