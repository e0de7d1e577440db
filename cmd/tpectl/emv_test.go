package main

import (
	"encoding/json"
	"testing"
)

// emv run shows the CVM the terminal's capabilities lead to above the CVM
// limit: online PIN by default, another payment method without a PIN pad
// or for a card that verifies its holder only with a contact chip.
func TestEMVRunCVM(t *testing.T) {
	tests := []struct {
		args              []string
		outcome, cvm, msg string
	}{
		{[]string{"--card", "visa-credit", "--amount", "8000"}, "online_request", "online_pin", "authorising, please wait"},
		{[]string{"--card", "mastercard", "--amount", "8000"}, "online_request", "online_pin", "authorising, please wait"},
		{[]string{"--card", "visa-credit", "--amount", "8000", "--online-pin=false"}, "try_another_interface", "failed", "use another payment method"},
		{[]string{"--card", "mastercard", "--amount", "8000", "--online-pin=false", "--signature"}, "online_request", "signature", "authorising, please wait"},
		{[]string{"--card", "mastercard-chip-pin", "--amount", "8000"}, "try_another_interface", "failed", "use another payment method"},
		{[]string{"--card", "phone-mastercard", "--amount", "8000"}, "online_request", "cdcvm", "authorising, please wait"},
	}
	for _, tt := range tests {
		out := mustTech(t, append([]string{"emv", "run", "--json"}, tt.args...)...)
		var got struct{ Outcome, CVM, Message string }
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%v: %v\n%s", tt.args, err, out)
		}
		if got.Outcome != tt.outcome || got.CVM != tt.cvm || got.Message != tt.msg {
			t.Errorf("%v: got %s/%s/%q, want %s/%s/%q", tt.args, got.Outcome, got.CVM, got.Message, tt.outcome, tt.cvm, tt.msg)
		}
	}
}
