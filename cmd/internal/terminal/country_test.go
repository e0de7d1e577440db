package terminal

import (
	"testing"

	"tpe/config"
	"tpe/payment/emv"
)

func TestCountryNumeric(t *testing.T) {
	tests := []struct {
		alpha2 string
		want   uint16 // 0: an error
	}{
		{"FR", 250},
		{"BE", 56},
		{"GB", 826},
		{"US", 840},
		{"JP", 392},
		{"BR", 76},
		{"AQ", 10},
		{"SS", 728}, // South Sudan, 2011
		{"CW", 531}, // Curaçao, 2010
		{"ZZ", 0},   // unknown region
		{"XK", 0},   // user-assigned, M.49 983 is not ISO
		{"EU", 0},   // not a country
		{"UK", 0},   // reserved: GB is the code
		{"DD", 0},   // withdrawn, canonicalizes to DE
		{"YU", 0},   // withdrawn, no single successor
		{"EA", 0},   // exceptionally reserved, no numeric code
		{"fr", 0},
		{"FRA", 0},
		{"250", 0},
		{"", 0},
	}
	for _, tt := range tests {
		t.Run(tt.alpha2, func(t *testing.T) {
			got, err := countryNumeric(tt.alpha2)
			if tt.want == 0 {
				if err == nil {
					t.Errorf("countryNumeric(%q) = %d, want an error", tt.alpha2, got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("countryNumeric(%q) = %d, %v, want %d", tt.alpha2, got, err, tt.want)
			}
		})
	}
}

// ISO 3166-1 has 249 country codes; every one has its own numeric code.
func TestCountryNumericEveryCountry(t *testing.T) {
	seen := map[uint16]string{}
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			c := string([]rune{a, b})
			n, err := countryNumeric(c)
			if err != nil {
				continue
			}
			if n == 250 && c != "FR" {
				t.Errorf("%s gets France's code 250", c)
			}
			if prev, ok := seen[n]; ok {
				t.Errorf("%s and %s share numeric code %d", prev, c, n)
			}
			seen[n] = c
		}
	}
	if len(seen) != 249 {
		t.Errorf("got %d countries, want the 249 of ISO 3166-1", len(seen))
	}
}

// The configured country reaches the kernel's 9F1A; an unknown one stops the
// terminal from starting instead of posing as France.
func TestKernelConfigCountry(t *testing.T) {
	keys := []emv.CAKey{{RID: []byte{0xA0, 0, 0, 0, 3}, Index: 1}}
	cfg := config.Defaults()
	cfg.Terminal.Country = "CH"
	k, err := kernelConfig(cfg, keys)
	if err != nil {
		t.Fatal(err)
	}
	if k.CountryCode != 756 {
		t.Errorf("CountryCode = %d, want 756", k.CountryCode)
	}
	cfg.Terminal.Country = "QZ"
	if k, err := kernelConfig(cfg, keys); err == nil {
		t.Errorf("country QZ: CountryCode = %d, want an error", k.CountryCode)
	}
}

// The [emv] CVM keys reach the kernel: a terminal with the PIN pad offers
// online PIN (the default), signature only where configured.
func TestKernelConfigCVM(t *testing.T) {
	keys := []emv.CAKey{{RID: []byte{0xA0, 0, 0, 0, 3}, Index: 1}}
	cfg := config.Defaults()
	k, err := kernelConfig(cfg, keys)
	if err != nil {
		t.Fatal(err)
	}
	if !k.OnlinePIN || k.Signature {
		t.Errorf("defaults: OnlinePIN %v Signature %v, want true false", k.OnlinePIN, k.Signature)
	}
	cfg.EMV.OnlinePIN, cfg.EMV.Signature = false, true
	if k, _ = kernelConfig(cfg, keys); k.OnlinePIN || !k.Signature {
		t.Errorf("online_pin = false, signature = true: OnlinePIN %v Signature %v", k.OnlinePIN, k.Signature)
	}
}
