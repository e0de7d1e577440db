package config

import (
	"os"
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
	if err := SimDefaults(t.TempDir()).Validate(); err != nil {
		t.Errorf("SimDefaults: %v", err)
	}
	// Plain defaults lack the identity: the error names each missing key.
	err := Defaults().Validate()
	for _, key := range []string{"terminal.id", "terminal.merchant_id", "terminal.merchant_name"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("Defaults().Validate() = %v, want it to name %s", err, key)
		}
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
		{"api open without token", set(`listen = "127.0.0.1:8080"`, `listen = "0.0.0.0:8080"`), []string{"api.token", "openssl rand"}},
		{"bad url", set(`url = "https://api.example-acquirer.com"`, `url = "api.example.com"`), []string{"gateway.url"}},
		{"oauth2 without secret", set(`client_secret = "change-me"`, `client_secret = ""`), []string{"gateway.client_id/client_secret"}},
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
