package config

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"path/filepath"
	"reflect"
	"strings"
	"time"
)

// Validate checks every key and returns all problems at once, each naming
// its key and the fix. It is what tpe runs at start and `tpectl config
// check` runs, so both say the same thing.
func (c Config) Validate() error { return c.validate(false) }

// ValidateSim is Validate for tpe-sim: api.token may be empty.
func (c Config) ValidateSim() error { return c.validate(true) }

func (c Config) validate(sim bool) error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if c.DataDir == "" {
		add(keyError("data_dir", "", "is empty", "set the directory for the journal, e.g. /var/lib/tpe"))
	}
	t := c.Terminal
	if t.ID == "" || len(t.ID) > 16 || strings.ContainsAny(t.ID, " -/") {
		add(keyError("terminal.id", t.ID, "must be 1–16 characters without spaces, '-' or '/'", `set the terminal ID given by the acquirer, e.g. "T0000001"`))
	}
	if t.MerchantID == "" {
		add(keyError("terminal.merchant_id", t.MerchantID, "is empty", "set the merchant ID given by the acquirer"))
	}
	if t.MerchantName == "" {
		add(keyError("terminal.merchant_name", t.MerchantName, "is empty", "set the shop name printed on receipts"))
	}
	if len(t.MCC) != 4 || !digits(t.MCC) {
		add(keyError("terminal.mcc", t.MCC, "is not a 4-digit merchant category code", `use e.g. "5812" (restaurants)`))
	}
	if len(t.Country) != 2 || strings.ToUpper(t.Country) != t.Country {
		add(keyError("terminal.country", t.Country, "is not an ISO 3166 alpha-2 code", `use e.g. "FR"`))
	}
	if len(t.Currency) != 3 || strings.ToUpper(t.Currency) != t.Currency {
		add(keyError("terminal.currency", t.Currency, "is not an ISO 4217 code", `use e.g. "EUR"`))
	}
	add(oneOf("terminal.language", t.Language, "fr", "en"))
	if t.MaxAmount <= 0 {
		add(keyError("terminal.max_amount", t.MaxAmount, "must be positive", "set the largest payment in minor units, e.g. 1000000 for 10 000,00 €"))
	}
	if t.MerchantEmail != "" && !strings.Contains(t.MerchantEmail, "@") {
		add(keyError("terminal.merchant_email", t.MerchantEmail, "is not an e-mail address", "set the merchant's main address or leave it empty"))
	}

	h := c.Hardware
	add(oneOf("hardware.nfc.driver", h.NFC.Driver, "sim", "pn532"))
	if h.NFC.Driver == "pn532" {
		add(oneOf("hardware.nfc.bus", h.NFC.Bus, "uart", "i2c", "spi"))
		if h.NFC.Port == "" {
			add(keyError("hardware.nfc.port", "", "is empty", "set the reader's port: /dev/ttyS0 (uart), bus number (i2c) or /dev/spidev0.0 (spi)"))
		}
	}
	add(baud("hardware.nfc.baud", h.NFC.Baud))
	add(oneOf("hardware.printer.driver", h.Printer.Driver, "sim", "escpos", "none"))
	if h.Printer.Driver == "escpos" && h.Printer.Port == "" {
		add(keyError("hardware.printer.port", "", "is empty", "set the printer's serial port or device file, e.g. /dev/usb/lp0"))
	}
	if h.Printer.Width != 58 && h.Printer.Width != 80 {
		add(keyError("hardware.printer.width", h.Printer.Width, "is not a paper width", "use 58 or 80"))
	}
	add(baud("hardware.printer.baud", h.Printer.Baud))
	add(oneOf("hardware.display.driver", h.Display.Driver, "sim", "st7789", "none"))
	if h.Display.Driver == "st7789" {
		for k, v := range map[string]string{"spi_port": h.Display.SPIPort, "dc_pin": h.Display.DCPin, "reset_pin": h.Display.ResetPin} {
			if v == "" {
				add(keyError("hardware.display."+k, "", "is empty", "set it from the board's wiring (see docs/hardware.md)"))
			}
		}
	}
	if !(h.Display.Width == 240 && (h.Display.Height == 240 || h.Display.Height == 320)) {
		add(keyError("hardware.display.width/height", [2]int{h.Display.Width, h.Display.Height}, "is not a supported panel", "use 240×240 or 240×320"))
	}
	switch h.Display.Rotation {
	case 0, 90, 180, 270:
	default:
		add(keyError("hardware.display.rotation", h.Display.Rotation, "is not a right angle", "use 0, 90, 180 or 270"))
	}
	add(oneOf("hardware.scanner.driver", h.Scanner.Driver, "sim", "serial", "none"))
	if h.Scanner.Driver == "serial" && h.Scanner.Port == "" {
		add(keyError("hardware.scanner.port", "", "is empty", "set the scanner's serial port, e.g. /dev/ttyACM0"))
	}
	add(oneOf("hardware.scanner.terminator", h.Scanner.Terminator, "\r", "\n", "\r\n"))
	add(baud("hardware.scanner.baud", h.Scanner.Baud))

	g := c.Gateway
	if g.URL != "" {
		add(httpURL("gateway.url", g.URL))
	}
	if g.Connect2PayURL != "" {
		add(httpURL("gateway.connect2pay_url", g.Connect2PayURL))
	}
	add(oneOf("gateway.auth", g.Auth, "oauth2", "basic"))
	if g.URL != "" && g.Auth == "oauth2" && (g.ClientID == "" || g.ClientSecret == "") {
		add(keyError("gateway.client_id/client_secret", "", "are required with auth = \"oauth2\"", "set the terminal's credentials from provisioning"))
	}
	if g.URL != "" && g.Auth == "basic" && (g.Originator == "" || g.Password == "") {
		add(keyError("gateway.originator/password", "", "are required with auth = \"basic\"", "set the originator ID and password from the acquirer"))
	}
	if g.TokenURL != "" {
		add(httpURL("gateway.token_url", g.TokenURL))
	}
	if g.PinSHA256 != "" && len(g.PinSHA256) != 64 {
		add(keyError("gateway.pin_sha256", g.PinSHA256, "is not a SHA-256 in hex", "set the hex SHA-256 of the gateway's public key (SPKI)"))
	}
	if g.Timeout <= 0 {
		add(keyError("gateway.timeout", g.Timeout, "must be positive", `use e.g. "15s"`))
	}
	if c.OIDC.IdleTimeout < 0 {
		add(keyError("oidc.idle_timeout", c.OIDC.IdleTimeout, "must not be negative", `use e.g. "15m", or "0s" for no idle limit`))
	}
	if c.OIDC.Issuer != "" {
		add(httpURL("oidc.issuer", c.OIDC.Issuer))
		if c.OIDC.ClientID == "" {
			add(keyError("oidc.client_id", "", "is required with oidc.issuer", "set the terminal's client ID at the identity provider"))
		}
	}

	o := c.Offline
	add(oneOf("offline.mode", o.Mode, "prefer_online", "require_online", "force_offline"))
	for k, v := range map[string]int64{"offline.floor_limit": o.FloorLimit, "offline.max_total": o.MaxTotal, "offline.max_count": int64(o.MaxCount)} {
		if v < 0 {
			add(keyError(k, v, "is negative", "use 0 to forbid offline sales, or a positive limit"))
		}
	}
	for brand, v := range o.FloorLimits {
		if err := oneOf("offline.floor_limits."+brand, brand, "visa", "mastercard", "cb", "maestro", "amex"); err != nil {
			add(err)
		}
		if v < 0 {
			add(keyError("offline.floor_limits."+brand, v, "is negative", "use 0 to forbid offline sales for this brand"))
		}
	}
	if o.MaxAge <= 0 {
		add(keyError("offline.max_age", o.MaxAge, "must be positive", `use e.g. "72h"`))
	}
	if o.Retention < 24*60*60*1e9 {
		add(keyError("offline.retention", o.Retention, "is shorter than a day", `keep completed payments e.g. "2160h" (90 days)`))
	}
	add(CheckKeyFile(c.DataDir, o.KeyFile))
	if o.ForwardEvery <= 0 {
		add(keyError("offline.forward_every", o.ForwardEvery, "must be positive", `use e.g. "30s"`))
	}
	if o.ForwardConcurrency < 1 || o.ForwardConcurrency > 16 {
		add(keyError("offline.forward_concurrency", o.ForwardConcurrency, "must be between 1 and 16", "use 4"))
	}
	if o.ForwardBatch < 0 || o.ForwardBatch > 500 {
		add(keyError("offline.forward_batch", o.ForwardBatch, "must be between 0 and 500", "use 100, or 0 to send one sale per payment"))
	}
	if o.ForwardJitter < 0 || o.ForwardJitter > time.Hour {
		add(keyError("offline.forward_jitter", o.ForwardJitter, "must be between 0s and 1h", `use e.g. "30s"`))
	}
	if o.ForwardBackoffMax < time.Second {
		add(keyError("offline.forward_backoff_max", o.ForwardBackoffMax, "must be at least 1s", `use e.g. "5m"`))
	}
	if o.ForwardRate < 0 || math.IsNaN(o.ForwardRate) || math.IsInf(o.ForwardRate, 0) {
		add(keyError("offline.forward_rate", o.ForwardRate, "must be a number of requests per second, 0 for no cap", "use 50"))
	}
	e := c.EMV
	if e.ContactlessLimit <= 0 {
		add(keyError("emv.contactless_limit", e.ContactlessLimit, "must be positive", "set the contactless transaction limit in minor units"))
	}
	if e.CVMLimit <= 0 || e.CVMLimit > e.ContactlessLimit {
		// The kernel reads 0 as "no CVM limit": every amount without
		// cardholder verification. Never what a merchant means.
		add(keyError("emv.cvm_limit", e.CVMLimit, "must be between 1 and emv.contactless_limit", "set the amount above which the cardholder must be verified, e.g. 5000"))
	}
	if e.CardTimeout <= 0 {
		add(keyError("emv.card_timeout", e.CardTimeout, "must be positive", `use e.g. "60s"`))
	}
	if e.PINTimeout <= 0 {
		add(keyError("emv.pin_timeout", e.PINTimeout, "must be positive", `use e.g. "30s"`))
	}
	if e.Signature && strings.EqualFold(c.Terminal.Country, "FR") {
		// CB acceptance rules: a French terminal verifies the cardholder by
		// PIN or on the phone, never by signature.
		add(keyError("emv.signature", e.Signature, "is not accepted in France", "set emv.signature = false; emv.online_pin = true verifies the cardholder"))
	}

	for _, err := range c.API.check(sim) {
		add(err)
	}
	if c.SMTP.Host != "" {
		if c.SMTP.Port <= 0 || c.SMTP.Port > 65535 {
			add(keyError("smtp.port", c.SMTP.Port, "is not a TCP port", "use 587 (STARTTLS) or 25"))
		}
		if !strings.Contains(c.SMTP.From, "@") {
			add(keyError("smtp.from", c.SMTP.From, "is not an e-mail address", "set the sender, e.g. \"caisse@boulangerie.fr\""))
		}
	}
	n := c.Notifications
	for _, sw := range []struct {
		key string
		on  bool
	}{{"email_z_report", n.EmailZReport}, {"link_paid", n.LinkPaid}, {"link_expired", n.LinkExpired},
		{"forward_declined", n.ForwardDeclined}, {"refund_made", n.RefundMade}} {
		if sw.on && c.Terminal.MerchantEmail == "" {
			add(keyError("notifications."+sw.key, true, "needs terminal.merchant_email", "set the merchant's address or turn it off"))
		}
	}
	if n.Language != "" {
		add(oneOf("notifications.language", n.Language, "fr", "en"))
	}
	add(oneOf("log.level", c.Log.Level, "debug", "info", "warn", "error"))
	add(oneOf("log.format", c.Log.Format, "text", "json"))
	return errors.Join(errs...)
}

// CheckKeyFile refuses an empty device key path, and one inside the data
// directory: whoever copies the journal (a backup, a support export, a
// stolen SD card's data partition) must not get the key that unseals it.
// The check is on the paths as written; provisioning creates both.
func CheckKeyFile(dataDir, keyFile string) error {
	if keyFile == "" {
		return keyError("offline.key_file", keyFile, "is empty", `set the device key's path outside data_dir, e.g. "`+DefaultKeyFile+`"`)
	}
	if dataDir == "" {
		return nil // reported as data_dir
	}
	d, err1 := filepath.Abs(dataDir)
	k, err2 := filepath.Abs(keyFile)
	if err1 != nil || err2 != nil {
		return nil
	}
	if rel, err := filepath.Rel(d, k); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return keyError("offline.key_file", keyFile, "is inside data_dir ("+dataDir+"): a copy of the journal would carry the key that opens it",
			`copy the key out (e.g. install -d -m 0700 /etc/tpe/private && cp -p `+keyFile+` `+DefaultKeyFile+`), set key_file to its new path, `+
				`and delete the old copy only once tpectl offline status opens the journal (tpectl update apply does all this)`)
	}
	return nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func baud(key string, b int) error {
	switch b {
	case 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600:
		return nil
	}
	return keyError(key, b, "is not a standard baud rate", "use 9600, 19200, 38400, 57600, 115200, 230400, 460800 or 921600")
}

func httpURL(key, s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return keyError(key, s, "is not an http(s) URL", `use e.g. "https://api.example.com"`)
	}
	return nil
}

// MinTokenLen is the shortest API token accepted (the API's own rule too).
const MinTokenLen = 16

// CheckToken is the one rule for an API bearer token, used by Validate
// (so by tpe at start and by `tpectl config check`) and by tpe-sim's
// --token. key names it in the message; the token itself never appears.
func CheckToken(key, token string) error {
	const fix = "run `tpectl provision` (it writes a random one) or set 16+ random characters, e.g. `openssl rand -hex 24`"
	switch {
	case token == "":
		return keyError(key, "", "is empty: tpe refuses to start without a token", fix)
	case len(token) < MinTokenLen:
		return keyError(key, "<hidden>", fmt.Sprintf("is %d characters, want at least %d", len(token), MinTokenLen), fix)
	}
	return nil
}

// check validates [api]. sim: the simulator may run without a token.
func (a API) check(sim bool) []error {
	var errs []error
	if _, _, err := net.SplitHostPort(a.Listen); err != nil {
		errs = append(errs, keyError("api.listen", a.Listen, "is not host:port", `use e.g. "127.0.0.1:8080"`))
	}
	if !sim || a.Token != "" {
		if err := CheckToken("api.token", a.Token); err != nil {
			errs = append(errs, err)
		}
	}
	if a.SupervisorToken != "" {
		if err := CheckToken("api.supervisor_token", a.SupervisorToken); err != nil {
			errs = append(errs, err)
		} else if a.SupervisorToken == a.Token {
			errs = append(errs, keyError("api.supervisor_token", "<hidden>", "is the same as api.token", "give the supervisor a token of their own, or leave it empty"))
		}
	}
	for _, h := range a.AllowedHosts {
		if h == "" || strings.ContainsAny(h, "/ @?#") {
			errs = append(errs, keyError("api.allowed_hosts", h, "is not a host name", `use names such as "tpe-0042.local" (or "name:port")`))
		}
	}
	if (a.TLSCert == "") != (a.TLSKey == "") {
		errs = append(errs, keyError("api.tls_cert/tls_key", "", "must be set together", "set both PEM files (`tpectl provision --api-tls` writes a pair), or neither for plain HTTP"))
	}
	return errs
}

// LoopbackHost reports whether a listen host is loopback only: localhost,
// 127.0.0.0/8 or ::1. An empty host (":8080") listens everywhere.
func LoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// field is one toml-tagged field of a config struct.
type field struct {
	name string
	sub  any // the nested struct value, nil for leaves and maps
}

func fieldsOf(v any) []field {
	rt := reflect.TypeOf(v)
	var out []field
	for i := range rt.NumField() {
		f := rt.Field(i)
		tag := f.Tag.Get("toml")
		if tag == "" {
			continue
		}
		fl := field{name: tag}
		if f.Type.Kind() == reflect.Struct && f.Type.PkgPath() == rt.PkgPath() {
			fl.sub = reflect.Zero(f.Type).Interface()
		}
		out = append(out, fl)
	}
	return out
}
