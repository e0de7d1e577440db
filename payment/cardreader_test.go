package payment_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"tpe/device/nfc"
	"tpe/payment"
	"tpe/payment/emv"
	"tpe/payment/emv/cardsim"
)

// fieldReader is a reader with one card already in its field.
type fieldReader struct{ card nfc.Card }

func (r fieldReader) Detect(ctx context.Context) (nfc.Card, error) {
	if r.card == nil {
		<-ctx.Done()
		return nil, nfc.ErrNoCard
	}
	return r.card, nil
}
func (fieldReader) String() string { return "field" }
func (fieldReader) Halt() error    { return nil }

// kernel is the simulator's kernel with a 20,00 floor limit for every brand.
func kernel() *emv.Kernel {
	cfg := emv.DefaultConfig()
	cfg.CAKeys = cardsim.CAKeys()
	for i := range cfg.Apps {
		cfg.Apps[i].FloorLimit = 2000
	}
	return emv.New(&cfg)
}

func TestEMVReaderWithVirtualCards(t *testing.T) {
	tests := []struct {
		profile string
		amount  int64
		want    payment.CardOutcome
		brand   string
		offline bool
		force   bool
	}{
		// Above the floor limit the card asks to go online. Only a Mastercard
		// ARQC carries a CDA signature, so only it may be kept offline.
		{"visa-credit", 2500, payment.CardOnlineRequest, "visa", false, false},
		{"mastercard", 2500, payment.CardOnlineRequest, "mastercard", true, false},
		{"cb-visa", 2500, payment.CardOnlineRequest, "cb", false, false},
		// Under it the card approves offline, with fDDA.
		{"visa-credit", 1500, payment.CardApproved, "visa", true, false},
		// Unless the terminal prefers the issuer's answer.
		{"visa-credit", 1500, payment.CardOnlineRequest, "visa", false, true},
		{"mastercard", 1500, payment.CardOnlineRequest, "mastercard", true, true},
		{"amex", 1500, payment.CardTryAnotherInterface, "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			card, err := cardsim.New(tt.profile)
			if err != nil {
				t.Fatal(err)
			}
			r := payment.NewEMVReader(fieldReader{card}, kernel())
			res, err := r.ReadCard(context.Background(), payment.CardRequest{
				Amount: payment.Amount{Minor: tt.amount, Currency: "EUR"}, At: time.Now(), ForceOnline: tt.force})
			if err != nil {
				t.Fatal(err)
			}
			if res.Outcome != tt.want {
				t.Fatalf("outcome %s (%s), want %s", res.Outcome, res.Reason, tt.want)
			}
			if tt.brand == "" {
				return
			}
			if res.Card.Brand != tt.brand || res.Card.PAN.IsZero() || res.Card.ICC.Len() == 0 || res.Card.EntryMode != "contactless" {
				t.Errorf("card data %+v", res.Card)
			}
			if res.OfflineAllowed != tt.offline {
				t.Errorf("OfflineAllowed = %v, want %v", res.OfflineAllowed, tt.offline)
			}
		})
	}
}

func TestEMVReaderNoCard(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err := payment.NewEMVReader(fieldReader{}, kernel()).ReadCard(ctx, payment.CardRequest{Amount: payment.Amount{Minor: 100, Currency: "EUR"}})
	if !errors.Is(err, nfc.ErrNoCard) {
		t.Errorf("got %v, want nfc.ErrNoCard", err)
	}
}
