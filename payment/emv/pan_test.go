package emv_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"tpe/payment/emv"
)

// TestMaskedPAN: a PAN rebuilt from its masked form prints, logs and
// marshals exactly as the real one, holds no digits, and can never show
// more than the first six and last four even when fed the full number.
func TestMaskedPAN(t *testing.T) {
	tests := []struct {
		name, in              string
		masked, last4, first6 string
	}{
		{"16 digits masked", "476173******0010", "476173******0010", "************0010", "476173"},
		{"19 digits masked", "601100*********0004", "601100*********0004", "***************0004", "601100"},
		{"full number given", "4761739001010010", "476173******0010", "************0010", "476173"},
		{"short masked", "*********", "*********", "*********", ""},
		{"12 digits", "123456789012", "************", "************", ""},
		{"letters", "47617A******0010", "47617*******0010", "************0010", ""},
		{"empty", "", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := emv.NewMaskedPAN(tt.in)
			if got := p.Masked(); got != tt.masked {
				t.Errorf("Masked() = %q, want %q", got, tt.masked)
			}
			if got := p.MaskedLast4(); got != tt.last4 {
				t.Errorf("MaskedLast4() = %q, want %q", got, tt.last4)
			}
			if got := p.First6(); got != tt.first6 {
				t.Errorf("First6() = %q, want %q", got, tt.first6)
			}
			if p.Digits() != "" {
				t.Errorf("Digits() = %q, want empty", p.Digits())
			}
			if p.IsZero() != (tt.in == "") {
				t.Errorf("IsZero() = %v", p.IsZero())
			}
			b, _ := json.Marshal(p)
			if want, _ := json.Marshal(tt.masked); string(b) != string(want) {
				t.Errorf("JSON %s, want %s", b, want)
			}
			if got := fmt.Sprintf("%v %s %#v", p, p, p); got != tt.masked+" "+tt.masked+" "+tt.masked {
				t.Errorf("formatted %q", got)
			}
		})
	}
	// The masked form of a real PAN gives the same receipts back.
	real := emv.NewPAN("4761739001010010")
	m := emv.NewMaskedPAN(real.Masked())
	if m.Masked() != real.Masked() || m.MaskedLast4() != real.MaskedLast4() || m.Last4() != real.Last4() {
		t.Errorf("masked-only %q/%q, real %q/%q", m.Masked(), m.MaskedLast4(), real.Masked(), real.MaskedLast4())
	}
	if m.Equal(real) {
		t.Error("a masked-only PAN equals the real one")
	}
}
