package emv_test

import (
	"path/filepath"
	"testing"

	"tpe/payment/emv"
	"tpe/payment/emv/cardsim"
)

func TestScriptedCards(t *testing.T) {
	tests := []struct {
		file    string
		amount  int64
		outcome emv.Outcome
		brand   emv.Brand
		cvm     emv.CVM
		apdus   int
	}{
		{"visa-apple-pay", 6000, emv.OutcomeOnlineRequest, emv.BrandVisa, emv.CVMCDCVM, 4},
		{"mastercard-no-cda", 1000, emv.OutcomeOnlineRequest, emv.BrandMastercard, emv.CVMNone, 5},
		{"maestro-gpo-6985", 1000, emv.OutcomeTryAnotherInterface, "", emv.CVMNone, 3},
		{"cb-blocked-visa-aac", 1000, emv.OutcomeDeclined, emv.BrandVisa, emv.CVMNone, 5},
	}
	files, _ := filepath.Glob("cardsim/testdata/*.card.json")
	if len(files) != len(tests) {
		t.Errorf("%d scripted files, %d tests: every file needs a test", len(files), len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			card, err := cardsim.LoadScript(filepath.Join("cardsim", "testdata", tt.file+".card.json"))
			if err != nil {
				t.Fatal(err)
			}
			res := run(t, testConfig(0), card, tt.amount, emv.Purchase)
			if res.Outcome != tt.outcome || res.Brand != tt.brand || res.CVM != tt.cvm || res.APDUs != tt.apdus {
				t.Errorf("got %s %s %s %d apdus (%s), want %s %s %s %d", res.Outcome, res.Brand, res.CVM, res.APDUs, res.Reason,
					tt.outcome, tt.brand, tt.cvm, tt.apdus)
			}
			if tt.file == "mastercard-no-cda" && (res.TVR[0]&0x80 == 0 || res.ODA != emv.ODANotPerformed) {
				t.Errorf("no-cda card: tvr %X oda %s, want ODA not performed", res.TVR, res.ODA)
			}
		})
	}
}
