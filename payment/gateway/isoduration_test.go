package gateway_test

import (
	"testing"
	"time"

	"tpe/payment/gateway"
	"tpe/payment/gateway/gatewaysim"
)

// TestISODuration also round-trips through the simulator's parser.
func TestISODuration(t *testing.T) {
	for d, want := range map[string]string{"2m0s": "PT2M", "168h0m0s": "P7D", "26h30m1s": "P1DT2H30M1S", "1.5s": "PT2S", "0s": "PT0S"} {
		dd, _ := time.ParseDuration(d)
		if got := gateway.ISODuration(dd); got != want {
			t.Errorf("%s: got %s, want %s", d, got, want)
		}
		if back, err := gatewaysim.ParseISODuration(want); err != nil || back != dd.Round(time.Second) && d != "1.5s" {
			t.Errorf("%s: parsed back as %v, %v", want, back, err)
		}
	}
}
