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
	tests := map[string]Config{"sample": sample, "sim": SimDefaults("/tmp/sim"), "provisioned": prov}
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
