package emv_test

import (
	"strings"
	"testing"

	"tpe/payment/emv"
	"tpe/payment/emv/cardsim"
	"tpe/payment/emv/tlv"
)

// pinConfig is the terminal with a PIN pad (and signature when sig).
func pinConfig(pin, sig bool) *emv.Config {
	c := testConfig(0)
	c.OnlinePIN, c.Signature = pin, sig
	return c
}

// TestCVMPerProfile runs every card kind above and below the CVM limit
// with the terminal's CVM capabilities, and checks what went over the air:
// the TTQ the Visa cards saw, the GENERATE AC the Mastercards got, and the
// CVM data the issuer will read in the ICC data.
func TestCVMPerProfile(t *testing.T) {
	tests := []struct {
		name     string
		profile  string
		amount   int64
		pin, sig bool
		outcome  emv.Outcome
		cvm      emv.CVM
		cvmRes   string // 9F34 in the ICC data, "" when not checked
		caps2    byte   // 9F33 byte 2 in the ICC data
	}{
		{"visa plastic above limit: online PIN", "visa-credit", 8000, true, false, emv.OutcomeOnlineRequest, emv.CVMOnlinePIN, "", 0x40},
		{"visa debit above limit: online PIN", "visa-debit", 8000, true, false, emv.OutcomeOnlineRequest, emv.CVMOnlinePIN, "", 0x40},
		{"cb co-badged above limit: online PIN", "cb-visa", 8000, true, false, emv.OutcomeOnlineRequest, emv.CVMOnlinePIN, "", 0x40},
		{"visa below limit: no CVM though PIN offered", "visa-credit", 1000, true, false, emv.OutcomeOnlineRequest, emv.CVMNone, "", 0x08},
		{"mastercard above limit: online PIN", "mastercard", 8000, true, false, emv.OutcomeOnlineRequest, emv.CVMOnlinePIN, "420300", 0x40},
		{"maestro above limit: online PIN", "maestro", 8000, true, false, emv.OutcomeOnlineRequest, emv.CVMOnlinePIN, "420300", 0x40},
		{"mastercard below limit: no CVM", "mastercard", 1000, true, false, emv.OutcomeOnlineRequest, emv.CVMNone, "1F0302", 0x08},
		{"visa phone: CDCVM, no PIN", "phone-cdcvm", 8000, true, false, emv.OutcomeOnlineRequest, emv.CVMCDCVM, "", 0x40},
		{"mastercard phone: CDCVM, no PIN", "phone-mastercard", 8000, true, false, emv.OutcomeOnlineRequest, emv.CVMCDCVM, "010002", 0x40},
		{"visa contact-only CVM above limit: another method", "visa-chip-pin", 8000, true, false, emv.OutcomeTryAnotherInterface, emv.CVMFailed, "", 0},
		{"mastercard contact-only CVM above limit: another method", "mastercard-chip-pin", 8000, true, false, emv.OutcomeTryAnotherInterface, emv.CVMFailed, "", 0},
		{"visa contact-only CVM below limit: pays", "visa-chip-pin", 1000, true, false, emv.OutcomeOnlineRequest, emv.CVMNone, "", 0x08},
		{"mastercard contact-only CVM below limit: pays", "mastercard-chip-pin", 1000, true, false, emv.OutcomeOnlineRequest, emv.CVMNone, "1F0302", 0x08},
		{"no PIN pad, visa: another method", "visa-credit", 8000, false, false, emv.OutcomeTryAnotherInterface, emv.CVMFailed, "", 0},
		{"no PIN pad, mastercard: another method", "mastercard", 8000, false, false, emv.OutcomeTryAnotherInterface, emv.CVMFailed, "", 0},
		{"signature enabled, visa", "visa-credit", 8000, false, true, emv.OutcomeOnlineRequest, emv.CVMSignature, "", 0x20},
		{"signature enabled, mastercard", "mastercard", 8000, false, true, emv.OutcomeOnlineRequest, emv.CVMSignature, "1E0300", 0x20},
		{"PIN and signature: the card's list puts PIN first", "mastercard", 8000, true, true, emv.OutcomeOnlineRequest, emv.CVMOnlinePIN, "420300", 0x60},
		{"PIN and signature: the visa card asks for PIN", "visa-credit", 8000, true, true, emv.OutcomeOnlineRequest, emv.CVMOnlinePIN, "", 0x60},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			card, err := cardsim.New(tt.profile)
			if err != nil {
				t.Fatal(err)
			}
			m := &mutator{card: card, fn: func(_, r []byte) []byte { return r }}
			res := run(t, pinConfig(tt.pin, tt.sig), m, tt.amount, emv.Purchase)
			if res.Outcome != tt.outcome || res.CVM != tt.cvm {
				t.Fatalf("got %s/%s (%s), want %s/%s", res.Outcome, res.CVM, res.Reason, tt.outcome, tt.cvm)
			}
			if strings.Contains(strings.ToLower(res.Reason+res.Message.String()), "insert") {
				t.Errorf("reason %q / message %q tells to insert the card: there is no chip slot", res.Reason, res.Message)
			}
			if res.Outcome == emv.OutcomeTryAnotherInterface {
				if res.Message != emv.MsgTryAnotherMethod || !strings.Contains(res.Reason, "use another payment method") {
					t.Errorf("got message %q reason %q, want use another payment method", res.Message, res.Reason)
				}
				if res.TVR[2]&0x80 == 0 {
					t.Errorf("tvr %X: cardholder verification not successful is not set", res.TVR)
				}
				return
			}
			for _, c := range m.seen {
				if !isGPO(c) || res.Kernel != emv.Kernel3 {
					continue
				}
				// 83 L TTQ… : TTQ byte 1 is c[7].
				if got := c[7]&0x04 != 0; got != tt.pin {
					t.Errorf("ttq byte 1 %02X: online PIN supported = %v, want %v", c[7], got, tt.pin)
				}
				if got := c[7]&0x02 != 0; got != tt.sig {
					t.Errorf("ttq byte 1 %02X: signature supported = %v, want %v", c[7], got, tt.sig)
				}
			}
			icc, err := tlv.Parse(res.ICC.Reveal())
			if err != nil {
				t.Fatal(err)
			}
			if caps := icc.Value(0x9F33); len(caps) != 3 || caps[1] != tt.caps2 {
				t.Errorf("9F33 %X: byte 2 want %02X", caps, tt.caps2)
			}
			if tt.cvmRes != "" {
				if got := strings.ToUpper(hexString(icc.Value(0x9F34))); got != tt.cvmRes {
					t.Errorf("9F34 %s, want %s", got, tt.cvmRes)
				}
			}
			if res.CVM == emv.CVMOnlinePIN {
				if res.CryptogramType != emv.CryptogramARQC {
					t.Errorf("online PIN with %s: only an ARQC carries a PIN to the issuer", res.CryptogramType)
				}
				if res.Kernel == emv.Kernel3 && res.CTQ[0]&0x80 == 0 {
					t.Errorf("ctq %X: the card did not ask for online PIN", res.CTQ)
				}
				if res.Kernel == emv.Kernel2 {
					for _, c := range m.seen {
						if isGenAC(c) && c[2]&0xC0 != 0x80 {
							t.Errorf("generate ac p1 %02X: online PIN needs an ARQC request", c[2])
						}
					}
					if res.TVR[2]&0x04 == 0 {
						t.Errorf("tvr %X: online PIN entered not set", res.TVR)
					}
				}
			}
		})
	}
}

// TestCVMWordsForContactOnlyCards: the reason names why, so the cashier's
// detail view explains it.
func TestCVMWordsForContactOnlyCards(t *testing.T) {
	card, _ := cardsim.New("mastercard-chip-pin")
	res := run(t, pinConfig(true, false), card, 8000, emv.Purchase)
	if !strings.Contains(res.Reason, "offline pin (contact chip)") {
		t.Errorf("reason %q does not say the card wants a contact-chip PIN", res.Reason)
	}
	card, _ = cardsim.New("visa-chip-pin")
	res = run(t, pinConfig(true, false), card, 8000, emv.Purchase)
	if !strings.Contains(res.Reason, "contact chip") {
		t.Errorf("reason %q does not say the card verifies only with a contact chip", res.Reason)
	}
}

// TestOfflineOnlyTerminalOffersNoOnlinePIN: a PIN pad is useless without
// the issuer, so an offline-only reader does not advertise online PIN.
func TestOfflineOnlyTerminalOffersNoOnlinePIN(t *testing.T) {
	cfg := pinConfig(true, false)
	cfg.TerminalType = 0x23 // attended, offline only
	for _, profile := range []string{"visa-credit", "mastercard"} {
		card, _ := cardsim.New(profile)
		m := &mutator{card: card, fn: func(_, r []byte) []byte { return r }}
		res := run(t, cfg, m, 8000, emv.Purchase)
		if res.CVM == emv.CVMOnlinePIN {
			t.Errorf("%s: online PIN on an offline-only terminal", profile)
		}
		for _, c := range m.seen {
			if isGPO(c) && res.Kernel == emv.Kernel3 && c[7]&0x04 != 0 {
				t.Errorf("%s: ttq byte 1 %02X advertises online PIN", profile, c[7])
			}
		}
	}
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&0x0F])
	}
	return string(out)
}
