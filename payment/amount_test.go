package payment

import (
	"errors"
	"testing"
)

func TestAmountFormat(t *testing.T) {
	tests := []struct {
		a      Amount
		fr, en string
	}{
		{Amount{1250, "EUR"}, "12,50\u00a0€", "€12.50"},
		{Amount{5, "EUR"}, "0,05\u00a0€", "€0.05"},
		{Amount{123456789, "EUR"}, "1\u202f234\u202f567,89\u00a0€", "€1,234,567.89"},
		{Amount{1500, "JPY"}, "1\u202f500\u00a0¥", "¥1,500"},
		{Amount{-250, "EUR"}, "-2,50\u00a0€", "-€2.50"},
		{Amount{990, "CHF"}, "9,90\u00a0CHF", "CHF\u00a09.90"},
		{Amount{100, "GBP"}, "1,00\u00a0£", "£1.00"},
	}
	for _, tt := range tests {
		if got := tt.a.Format("fr"); got != tt.fr {
			t.Errorf("%v fr: got %q, want %q", tt.a.Minor, got, tt.fr)
		}
		if got := tt.a.Format("en"); got != tt.en {
			t.Errorf("%v en: got %q, want %q", tt.a.Minor, got, tt.en)
		}
	}
}

func TestAmountValidate(t *testing.T) {
	tests := []struct {
		a    Amount
		want error
	}{
		{Amount{1, "EUR"}, nil},
		{Amount{MaxMinor, "EUR"}, nil},
		{Amount{0, "EUR"}, ErrInvalidAmount},
		{Amount{-1, "EUR"}, ErrInvalidAmount},
		{Amount{MaxMinor + 1, "EUR"}, ErrInvalidAmount},
		{Amount{100, "XXX"}, ErrUnknownCurrency},
		{Amount{100, "eur"}, ErrUnknownCurrency},
		{Amount{100, ""}, ErrUnknownCurrency},
	}
	for _, tt := range tests {
		if err := tt.a.Validate(); !errors.Is(err, tt.want) {
			t.Errorf("%+v: got %v, want %v", tt.a, err, tt.want)
		}
	}
}

func TestAmountAdd(t *testing.T) {
	if s, err := (Amount{100, "EUR"}).Add(Amount{50, "EUR"}); err != nil || s.Minor != 150 {
		t.Errorf("got %v %v, want 150", s, err)
	}
	if _, err := (Amount{100, "EUR"}).Add(Amount{50, "USD"}); !errors.Is(err, ErrCurrencyMismatch) {
		t.Errorf("got %v, want ErrCurrencyMismatch", err)
	}
}

func TestCurrencyCodes(t *testing.T) {
	if n, ok := CurrencyNumeric("EUR"); !ok || n != 978 {
		t.Errorf("EUR numeric = %d %v", n, ok)
	}
	if e, ok := CurrencyExponent("JPY"); !ok || e != 0 {
		t.Errorf("JPY exponent = %d %v", e, ok)
	}
}
