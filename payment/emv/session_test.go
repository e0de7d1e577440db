package emv_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"tpe/payment/emv"
	"tpe/payment/emv/cardsim"
)

var txnDate = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

func testConfig(floor int64) *emv.Config {
	c := emv.DefaultConfig()
	c.CAKeys = cardsim.CAKeys()
	for i := range c.Apps {
		c.Apps[i].FloorLimit = floor
	}
	return &c
}

func run(t *testing.T, cfg *emv.Config, card emv.Card, amount int64, typ emv.TxnType) *emv.Result {
	t.Helper()
	res, err := emv.New(cfg).Run(context.Background(), card, emv.Transaction{
		Amount: amount, CurrencyNumeric: 978, CurrencyExponent: 2, Date: txnDate, Type: typ})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return res
}

func TestProfiles(t *testing.T) {
	tests := []struct {
		profile string
		amount  int64
		floor   int64
		typ     emv.TxnType
		outcome emv.Outcome
		crypto  emv.CryptogramType
		cvm     emv.CVM
		oda     emv.ODAResult
		brand   emv.Brand
		aid     string
	}{
		{"visa-credit", 1000, 0, emv.Purchase, emv.OutcomeOnlineRequest, emv.CryptogramARQC, emv.CVMNone, emv.ODANotPerformed, emv.BrandVisa, "A0000000031010"},
		{"visa-credit", 1000, 2000, emv.Purchase, emv.OutcomeApproved, emv.CryptogramTC, emv.CVMNone, emv.ODAFDDAOK, emv.BrandVisa, "A0000000031010"},
		{"visa-credit", 6000, 0, emv.Purchase, emv.OutcomeTryAnotherInterface, emv.CryptogramARQC, emv.CVMFailed, emv.ODANotPerformed, emv.BrandVisa, "A0000000031010"},
		{"visa-credit", 1000, 0, emv.Refund, emv.OutcomeOnlineRequest, emv.CryptogramAAC, emv.CVMNone, emv.ODANotPerformed, emv.BrandVisa, "A0000000031010"},
		{"visa-debit", 1500, 2000, emv.Purchase, emv.OutcomeApproved, emv.CryptogramTC, emv.CVMNone, emv.ODAFDDAOK, emv.BrandVisa, "A0000000031010"},
		{"mastercard", 1000, 0, emv.Purchase, emv.OutcomeOnlineRequest, emv.CryptogramARQC, emv.CVMNone, emv.ODACDAOK, emv.BrandMastercard, "A0000000041010"},
		{"mastercard", 1000, 2000, emv.Purchase, emv.OutcomeApproved, emv.CryptogramTC, emv.CVMNone, emv.ODACDAOK, emv.BrandMastercard, "A0000000041010"},
		{"mastercard", 6000, 0, emv.Purchase, emv.OutcomeTryAnotherInterface, "", emv.CVMFailed, emv.ODANotPerformed, emv.BrandMastercard, "A0000000041010"},
		{"mastercard", 1000, 0, emv.Refund, emv.OutcomeOnlineRequest, emv.CryptogramAAC, emv.CVMNone, emv.ODANotPerformed, emv.BrandMastercard, "A0000000041010"},
		{"maestro", 1000, 0, emv.Purchase, emv.OutcomeOnlineRequest, emv.CryptogramARQC, emv.CVMNone, emv.ODACDAOK, emv.BrandMaestro, "A0000000043060"},
		{"cb-visa", 1000, 0, emv.Purchase, emv.OutcomeOnlineRequest, emv.CryptogramARQC, emv.CVMNone, emv.ODANotPerformed, emv.BrandCB, "A0000000421010"},
		{"cb-visa", 1000, 2000, emv.Purchase, emv.OutcomeApproved, emv.CryptogramTC, emv.CVMNone, emv.ODAFDDAOK, emv.BrandCB, "A0000000421010"},
		{"amex", 1000, 0, emv.Purchase, emv.OutcomeTryAnotherInterface, "", emv.CVMNone, emv.ODANotPerformed, "", ""},
		{"phone-cdcvm", 1000, 0, emv.Purchase, emv.OutcomeOnlineRequest, emv.CryptogramARQC, emv.CVMCDCVM, emv.ODANotPerformed, emv.BrandVisa, "A0000000031010"},
		{"phone-cdcvm", 15000, 0, emv.Purchase, emv.OutcomeOnlineRequest, emv.CryptogramARQC, emv.CVMCDCVM, emv.ODANotPerformed, emv.BrandVisa, "A0000000031010"},
		{"expired", 1000, 0, emv.Purchase, emv.OutcomeDeclined, emv.CryptogramARQC, emv.CVMNone, emv.ODANotPerformed, emv.BrandVisa, "A0000000031010"},
		{"expired", 1000, 2000, emv.Purchase, emv.OutcomeDeclined, emv.CryptogramTC, emv.CVMNone, emv.ODANotPerformed, emv.BrandVisa, "A0000000031010"},
		{"blocked", 1000, 0, emv.Purchase, emv.OutcomeEndApplication, "", emv.CVMNone, emv.ODANotPerformed, "", ""},
		{"no-ppse", 1000, 0, emv.Purchase, emv.OutcomeTryAnotherInterface, "", emv.CVMNone, emv.ODANotPerformed, "", ""},
		{"malformed-record", 1000, 0, emv.Purchase, emv.OutcomeEndApplication, "", emv.CVMNone, emv.ODANotPerformed, emv.BrandVisa, "A0000000031010"},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			card, err := cardsim.New(tt.profile)
			if err != nil {
				t.Fatal(err)
			}
			res := run(t, testConfig(tt.floor), card, tt.amount, tt.typ)
			t.Logf("%s %d: %s (%s) %d apdus", tt.profile, tt.amount, res.Outcome, res.Reason, res.APDUs)
			if res.Outcome != tt.outcome || res.CryptogramType != tt.crypto || res.CVM != tt.cvm || res.ODA != tt.oda || res.Brand != tt.brand || res.AID != tt.aid {
				t.Errorf("got %s/%s/%s/%s/%s/%s, want %s/%s/%s/%s/%s/%s", res.Outcome, res.CryptogramType, res.CVM, res.ODA, res.Brand, res.AID,
					tt.outcome, tt.crypto, tt.cvm, tt.oda, tt.brand, tt.aid)
			}
			if res.CryptogramType != "" && res.Outcome != emv.OutcomeEndApplication {
				p := card.Profile()
				if res.PAN.Digits() != p.PAN || res.PANSeq != p.PANSeq() {
					t.Errorf("pan %s seq %d, want %s seq %d", res.PAN, res.PANSeq, p.PAN, p.PANSeq())
				}
				if res.Cryptogram.Len() == 8 {
					if err := cardsim.VerifyARQC(p.PAN, p.PANSeq(), res.ICC.Reveal()); err != nil {
						t.Errorf("VerifyARQC: %v", err)
					}
					if res.ATC != card.ATC() {
						t.Errorf("atc %d, card says %d", res.ATC, card.ATC())
					}
				}
			}
			if res.Reason == "" || res.APDUs == 0 {
				t.Errorf("reason %q apdus %d", res.Reason, res.APDUs)
			}
		})
	}
}

func TestVerifyARQCRejectsTampering(t *testing.T) {
	card, _ := cardsim.New("visa-credit")
	res := run(t, testConfig(0), card, 1234, emv.Purchase)
	icc := res.ICC.Reveal()
	if err := cardsim.VerifyARQC("4761739001010119", 1, icc); err != nil {
		t.Fatal(err)
	}
	if err := cardsim.VerifyARQC("4761739001010127", 1, icc); err == nil {
		t.Error("other pan verified")
	}
	bad := bytes.Clone(icc)
	i := bytes.Index(bad, []byte{0x9F, 0x02, 0x06})
	bad[i+8]++ // amount
	if err := cardsim.VerifyARQC("4761739001010119", 1, bad); err == nil {
		t.Error("changed amount verified")
	}
}

func TestKernelConcurrentUse(t *testing.T) {
	k := emv.New(testConfig(2000))
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			profile := []string{"visa-credit", "mastercard", "cb-visa", "visa-debit"}[g%4]
			card, _ := cardsim.New(profile)
			for range 10 {
				res, err := k.Run(context.Background(), card, emv.Transaction{Amount: 1000, CurrencyNumeric: 978, CurrencyExponent: 2, Date: txnDate})
				if err == nil && res.Outcome != emv.OutcomeApproved {
					err = errors.New(profile + ": " + string(res.Outcome) + ": " + res.Reason)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestProfileExpectations keeps cardsim.Profile.Expect honest: the default
// terminal configuration, 10.00 EUR.
func TestProfileExpectations(t *testing.T) {
	for _, p := range cardsim.Profiles() {
		card, _ := cardsim.New(p.Name)
		cfg := emv.DefaultConfig()
		cfg.CAKeys = cardsim.CAKeys()
		if res := run(t, &cfg, card, 1000, emv.Purchase); string(res.Outcome) != p.Expect {
			t.Errorf("%s: got %s (%s), profile says %s", p.Name, res.Outcome, res.Reason, p.Expect)
		}
	}
}
