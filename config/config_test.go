package config

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func sample(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("tpe.sample.toml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSampleParses(t *testing.T) {
	c, err := Parse(sample(t), "tpe.sample.toml")
	if err != nil {
		t.Fatalf("sample does not load: %v", err)
	}
	if c.Terminal.ID != "T0000001" || c.Offline.MaxAge != 72*time.Hour || c.Offline.FloorLimits["cb"] != 5000 {
		t.Errorf("sample decoded wrong: %+v", c)
	}
}

// TestSampleDocumentsEveryKey keeps tpe.sample.toml and Config in step.
func TestSampleDocumentsEveryKey(t *testing.T) {
	text := sample(t)
	section := ""
	var present = map[string]bool{}
	hdr := regexp.MustCompile(`^\[([a-z_.]+)\]`)
	kv := regexp.MustCompile(`^([a-z_0-9]+)\s*=`)
	for _, line := range strings.Split(text, "\n") {
		if m := hdr.FindStringSubmatch(line); m != nil {
			section = m[1]
			for i, r := range section {
				if r == '.' {
					present[section[:i]] = true
				}
			}
			present[section] = true
			continue
		}
		if m := kv.FindStringSubmatch(line); m != nil {
			k := m[1]
			if section != "" {
				k = section + "." + k
			}
			present[k] = true
		}
	}
	for _, k := range knownKeys() {
		if !present[k] {
			t.Errorf("key %s is not in tpe.sample.toml", k)
		}
	}
}

func TestDefaultsAndSimDefaultsValidate(t *testing.T) {
	if err := SimDefaults(t.TempDir()).ValidateSim(); err != nil {
		t.Errorf("SimDefaults: %v", err)
	}
	// tpe itself never runs without a token, even on loopback.
	if err := SimDefaults(t.TempDir()).Validate(); err == nil || !strings.Contains(err.Error(), "api.token") {
		t.Errorf("SimDefaults().Validate() = %v, want it to name api.token", err)
	}
	// Plain defaults lack the identity: the error names each missing key.
	err := Defaults().Validate()
	for _, key := range []string{"terminal.id", "terminal.merchant_id", "terminal.merchant_name"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("Defaults().Validate() = %v, want it to name %s", err, key)
		}
	}
}

// TestKeyFileOutsideDataDir: the device key must not sit in the data
// directory, however the path is written.
func TestKeyFileOutsideDataDir(t *testing.T) {
	tests := []struct {
		data, key string
		problem   string // "" when accepted
	}{
		{"/var/lib/tpe", "/etc/tpe/private/device.key", ""},
		{"/var/lib/tpe", "/var/lib/tpe-keys/device.key", ""},
		{"/var/lib/tpe", "/var/lib/tpe/device.key", "inside data_dir"},
		{"/var/lib/tpe", "/var/lib/tpe/keys/device.key", "inside data_dir"},
		{"/var/lib/tpe/", "/var/lib/./tpe/device.key", "inside data_dir"},
		{"/var/lib/tpe", "/var/lib/tpe/../tpe/device.key", "inside data_dir"},
		{"data", "data/device.key", "inside data_dir"},
		{"/var/lib/tpe", "", "is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.data+" "+tt.key, func(t *testing.T) {
			c := SimDefaults(tt.data)
			c.API.Token = "0123456789abcdef0123" // tpe's validation needs one
			c.Offline.KeyFile = tt.key
			err := c.Validate()
			if tt.problem == "" {
				if err != nil {
					t.Errorf("got %v, want accepted", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "offline.key_file") || !strings.Contains(err.Error(), tt.problem) {
				t.Errorf("got %v, want offline.key_file %s", err, tt.problem)
			}
		})
	}
	if k := SimKeyFile("/home/dev/.local/share/tpe-sim/"); k != "/home/dev/.local/share/tpe-sim-keys/device.key" {
		t.Errorf("SimKeyFile = %s", k)
	}
	if Defaults().Offline.KeyFile != DefaultKeyFile {
		t.Errorf("default key file %q", Defaults().Offline.KeyFile)
	}
}

func TestParseErrors(t *testing.T) {
	base := sample(t)
	set := func(old, new string) string {
		if !strings.Contains(base, old) {
			t.Fatalf("sample has no %q", old)
		}
		return strings.Replace(base, old, new, 1)
	}
	tests := []struct {
		name, text string
		want       []string // substrings of the error
	}{
		{"unknown key with suggestion", set(`currency = "EUR"`, `curency = "EUR"`), []string{`unknown key "terminal.curency"`, `did you mean "terminal.currency"`}},
		{"unknown section", base + "\n[printer]\nwidth = 80\n", []string{`unknown key "printer`}},
		{"bad currency", set(`currency = "EUR"`, `currency = "euro"`), []string{"terminal.currency", "ISO 4217", `"EUR"`}},
		{"bad language", set(`language = "fr"`, `language = "de"`), []string{"terminal.language", "fr, en"}},
		{"bad driver", set(`driver = "pn532"`, `driver = "acr122"`), []string{"hardware.nfc.driver", "sim, pn532"}},
		{"bad width", set("width = 80", "width = 76"), []string{"hardware.printer.width", "58 or 80"}},
		{"bad baud", set("baud = 115200", "baud = 115201"), []string{"hardware.nfc.baud"}},
		{"bad duration", set(`max_age = "72h"`, `max_age = "3 days"`), []string{"tpe.sample.toml"}},
		{"zero max age", set(`max_age = "72h"`, `max_age = "0s"`), []string{"offline.max_age", "72h"}},
		{"negative idle timeout", set(`idle_timeout = "15m"`, `idle_timeout = "-1m"`), []string{"oidc.idle_timeout", "negative"}},
		{"negative floor", set("floor_limit = 5000", "floor_limit = -1"), []string{"offline.floor_limit", "negative"}},
		{"unknown brand", set("cb = 5000", "diners = 5000"), []string{"offline.floor_limits.diners"}},
		{"bad policy", set(`mode = "prefer_online"`, `mode = "sometimes"`), []string{"offline.mode"}},
		{"cvm above contactless", set("cvm_limit = 5000", "cvm_limit = 500000"), []string{"emv.cvm_limit"}},
		{"cvm zero", set("cvm_limit = 5000", "cvm_limit = 0"), []string{"emv.cvm_limit", "between 1"}},
		{"signature in France", set("signature = false", "signature = true"), []string{"emv.signature", "not accepted in France"}},
		{"api without token", set(`token = "change-me-to-a-random-token-of-32"`, `token = ""`), []string{"api.token", "is empty", "tpe refuses to start", "tpectl provision"}},
		{"api short token", set(`token = "change-me-to-a-random-token-of-32"`, `token = "0123456789abcde"`), []string{"api.token", "15 characters, want at least 16"}},
		{"short supervisor token", set(`supervisor_token = ""`, `supervisor_token = "short"`), []string{"api.supervisor_token", "want at least 16"}},
		{"supervisor token same as token", set(`supervisor_token = ""`, `supervisor_token = "change-me-to-a-random-token-of-32"`), []string{"api.supervisor_token", "same as api.token"}},
		{"tls cert without key", set(`tls_cert = ""`, `tls_cert = "/etc/tpe/api.crt"`), []string{"api.tls_cert/tls_key", "together"}},
		{"bad allowed host", set(`allowed_hosts = []`, `allowed_hosts = ["http://tpe.local/"]`), []string{"api.allowed_hosts"}},
		{"bad url", set(`url = "https://api.example-acquirer.com"`, `url = "api.example.com"`), []string{"gateway.url"}},
		{"oauth2 without secret", set(`client_secret = "change-me"`, `client_secret = ""`), []string{"gateway.client_id/client_secret"}},
		{"forward concurrency", set("forward_concurrency = 4", "forward_concurrency = 0"), []string{"offline.forward_concurrency", "between 1 and 16"}},
		{"forward batch", set("forward_batch = 100", "forward_batch = 1000"), []string{"offline.forward_batch", "between 0 and 500"}},
		{"forward jitter", set(`forward_jitter = "30s"`, `forward_jitter = "-1s"`), []string{"offline.forward_jitter"}},
		{"forward backoff", set(`forward_backoff_max = "5m"`, `forward_backoff_max = "10ms"`), []string{"offline.forward_backoff_max", "at least 1s"}},
		{"forward rate", set("forward_rate = 50", "forward_rate = -2"), []string{"offline.forward_rate", "0 for no cap"}},
		{"syntax", base + "\n[terminal\n", []string{"line"}},
		{"wrong type", set("max_amount = 1000000", `max_amount = "lots"`), []string{"max_amount"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.text, "tpe.sample.toml")
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	if _, err := Load("/nonexistent/tpe.toml"); err == nil || !strings.Contains(err.Error(), "/nonexistent/tpe.toml") {
		t.Errorf("Load = %v, want an error naming the file", err)
	}
}

func FuzzParse(f *testing.F) {
	b, _ := os.ReadFile("tpe.sample.toml")
	f.Add(string(b))
	f.Add("[terminal]\nid = 1\n")
	f.Add("data_dir = \"\"\n[offline.floor_limits]\nvisa = -3\n")
	f.Fuzz(func(t *testing.T, text string) {
		c, err := Parse(text, "fuzz")
		if err == nil {
			if verr := c.Validate(); verr != nil {
				t.Fatalf("Parse accepted a config that does not validate: %v", verr)
			}
		}
	})
}

func TestCheckToken(t *testing.T) {
	tests := []struct {
		token string
		want  string // substring of the error, "" for none
	}{
		{"", "is empty"},
		{"0123456789abcde", "15 characters, want at least 16"},
		{"0123456789abcdef", ""},
		{"Zm9vYmFyYmF6cXV4LXNvbWUtcmFuZG9tLWJ5dGVz", ""},
	}
	for _, tt := range tests {
		err := CheckToken("api.token", tt.token)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("CheckToken(%d chars) = %v, want nil", len(tt.token), err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("CheckToken(%d chars) = %v, want %q", len(tt.token), err, tt.want)
		case err != nil && tt.token != "" && strings.Contains(err.Error(), tt.token):
			t.Errorf("the error shows the token: %v", err)
		}
	}
}

func TestLoadSimAllowsNoToken(t *testing.T) {
	text := strings.Replace(sample(t), `token = "change-me-to-a-random-token-of-32"`, `token = ""`, 1)
	p := filepath.Join(t.TempDir(), "sim.toml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSim(p); err != nil {
		t.Errorf("LoadSim: %v", err)
	}
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), "api.token") {
		t.Errorf("Load = %v, want an api.token error", err)
	}
}

func TestLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "127.1.2.3": true, "::1": true, "localhost": true, "LocalHost": true,
		"": false, "0.0.0.0": false, "::": false, "192.168.1.20": false, "tpe.local": false, "localhost.evil.example": false,
	} {
		if got := LoopbackHost(host); got != want {
			t.Errorf("LoopbackHost(%q) = %v, want %v", host, got, want)
		}
	}
}
