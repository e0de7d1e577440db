package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestFormatRoundTrip(t *testing.T) {
	sample, err := Load("tpe.sample.toml")
	if err != nil {
		t.Fatal(err)
	}
	prov := SimDefaults("/var/lib/tpe")
	prov.Terminal.ID = "T0000042"
	prov.Gateway.URL = "https://gw.example.com"
	prov.Gateway.ClientSecret = "s3cr\"et\\with\nquotes"
	prov.Terminal.MerchantName = "Café « Chez Léa »"
	prov.Hardware.Scanner.Terminator = "\r\n"
	prov.API.Token, prov.API.SupervisorToken = "0123456789abcdef0123", "supervisor-0123456789"
	prov.API.AllowedHosts = []string{"tpe-0042.local"}
	prov.API.TLSCert, prov.API.TLSKey = "/etc/tpe/api.crt", "/etc/tpe/api.key"
	sim := SimDefaults("/tmp/sim")
	sim.API.Token = "0123456789abcdef0123"
	tests := map[string]Config{"sample": sample, "sim": sim, "provisioned": prov}
	for name, c := range tests {
		t.Run(name, func(t *testing.T) {
			b, err := Format(c)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse(string(b), name)
			if err != nil {
				t.Fatalf("written config does not parse: %v\n%s", err, b)
			}
			if !reflect.DeepEqual(got, c) {
				t.Fatalf("round trip differs:\ngot  %+v\nwant %+v\n%s", got, c, b)
			}
			again, _ := Format(got)
			if string(again) != string(b) {
				t.Fatal("Format is not stable")
			}
			if !strings.Contains(string(b), `timeout = "`) {
				t.Errorf("durations should be strings like the sample:\n%s", b)
			}
		})
	}
}
