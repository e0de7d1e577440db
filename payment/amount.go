package payment

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// Amount is money in integer minor units of an ISO 4217 currency.
type Amount struct {
	Minor    int64  `json:"minor"`
	Currency string `json:"currency"`
}

// currency is what the terminal needs to know about an ISO 4217 currency.
type currency struct {
	numeric  int    // ISO 4217 numeric code, EMV tag 5F2A
	exponent int    // number of minor-unit digits
	symbol   string // as printed on receipts and screens
}

// currencies lists the currencies a European terminal accepts, plus the
// wallet-home currencies Alipay+ may report an exchange rate in.
var currencies = map[string]currency{
	"EUR": {978, 2, "€"},
	"USD": {840, 2, "$"},
	"GBP": {826, 2, "£"},
	"CHF": {756, 2, "CHF"},
	"SEK": {752, 2, "kr"},
	"DKK": {208, 2, "kr"},
	"NOK": {578, 2, "kr"},
	"PLN": {985, 2, "zł"},
	"CZK": {203, 2, "Kč"},
	"JPY": {392, 0, "¥"},
	"CNY": {156, 2, "¥"},
	"HKD": {344, 2, "HK$"},
	"KRW": {410, 0, "₩"},
	"SGD": {702, 2, "S$"},
	"MYR": {458, 2, "RM"},
	"THB": {764, 2, "฿"},
	"PHP": {608, 2, "₱"},
	"IDR": {360, 2, "Rp"},
	"XPF": {953, 0, "F"},
}

// MaxMinor bounds any single amount: EMV amounts are n12 (tag 9F02).
const MaxMinor int64 = 999_999_999_999

// KnownCurrency reports whether code is an ISO 4217 currency the terminal handles.
func KnownCurrency(code string) bool {
	_, ok := currencies[code]
	return ok
}

// CurrencyNumeric returns the ISO 4217 numeric code (EMV tag 5F2A).
func CurrencyNumeric(code string) (int, bool) {
	c, ok := currencies[code]
	return c.numeric, ok
}

// CurrencyExponent returns the number of minor-unit digits (EMV tag 5F36).
func CurrencyExponent(code string) (int, bool) {
	c, ok := currencies[code]
	return c.exponent, ok
}

// NewAmount checks minor and code and returns the Amount.
func NewAmount(minor int64, code string) (Amount, error) {
	a := Amount{Minor: minor, Currency: code}
	return a, a.Validate()
}

// Validate reports why a cannot be charged: unknown currency, zero,
// negative or above MaxMinor.
func (a Amount) Validate() error {
	if !KnownCurrency(a.Currency) {
		return fmt.Errorf("%w: %q", ErrUnknownCurrency, a.Currency)
	}
	if a.Minor <= 0 {
		return fmt.Errorf("%w: must be positive, got %d", ErrInvalidAmount, a.Minor)
	}
	if a.Minor > MaxMinor {
		return fmt.Errorf("%w: %d is above %d", ErrAmountTooLarge, a.Minor, MaxMinor)
	}
	return nil
}

// Add returns a+b; both must be in the same currency.
func (a Amount) Add(b Amount) (Amount, error) {
	if a.Currency != b.Currency {
		return Amount{}, fmt.Errorf("%w: %s and %s", ErrCurrencyMismatch, a.Currency, b.Currency)
	}
	return Amount{Minor: a.Minor + b.Minor, Currency: a.Currency}, nil
}

// String formats a in English, for logs and debugging.
func (a Amount) String() string { return a.Format("en") }

// Format renders a for people in lang: "fr" gives "1 234,50 €" (symbol after,
// comma decimal, thin-space grouping), anything else "€1,234.50".
func (a Amount) Format(lang string) string {
	c, ok := currencies[a.Currency]
	if !ok {
		c = currency{exponent: 2, symbol: a.Currency}
	}
	neg := a.Minor < 0
	m := a.Minor
	if neg {
		m = -m
	}
	digits := strconv.FormatInt(m, 10)
	for len(digits) <= c.exponent {
		digits = "0" + digits
	}
	whole, frac := digits[:len(digits)-c.exponent], digits[len(digits)-c.exponent:]
	sign := ""
	if neg {
		sign = "-"
	}
	if lang == "fr" {
		s := group(whole, "\u202f")
		if frac != "" {
			s += "," + frac
		}
		return sign + s + "\u00a0" + c.symbol
	}
	s := group(whole, ",")
	if frac != "" {
		s += "." + frac
	}
	if lettersOnly(c.symbol) { // "CHF 12.50", not "CHF12.50"
		return sign + c.symbol + "\u00a0" + s
	}
	return sign + c.symbol + s
}

// group inserts sep every three digits from the right.
func group(digits, sep string) string {
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	head := len(digits) % 3
	if head > 0 {
		b.WriteString(digits[:head])
	}
	for i := head; i < len(digits); i += 3 {
		if b.Len() > 0 {
			b.WriteString(sep)
		}
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

func lettersOnly(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return s != ""
}
