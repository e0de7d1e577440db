package alipayplus

import (
	"strings"

	"tpe/payment"
	"tpe/payment/alipayplus/cii"
)

// Code is a recognised user-presented payment code (CPM).
type Code struct {
	Digits string // normalised: digits only
	Wallet string // the wallet family's code (payment.WalletCode)
	Format string // FormatMainstream, FormatLegacy or FormatAlipayCN
}

// Formats of payment codes (alipay-qr-oidc-offline.md §1.8).
const (
	// FormatMainstream is the 24-digit Alipay+ code: 6-digit Code Issuer
	// Identifier, 2-digit Business Type Identifier (02), 16-digit UIN.
	FormatMainstream = "alipay+ 24-digit"
	// FormatLegacy is a 17–19 digit Alipay+ legacy code starting 28.
	FormatLegacy = "alipay+ legacy"
	// FormatAlipayCN is a 17–19 digit Alipay (mainland) barcode starting
	// 25–30 other than 28.
	FormatAlipayCN = "alipay cn"
)

// defaultIssuers is the built-in wallet table (cii.Default): the
// published prefixes only.
var defaultIssuers = cii.Default()

// WalletAlipayPlus is the code of a payment whose partner wallet the code
// does not tell (legacy 19-digit Alipay+ codes, merchant-presented payments
// until the gateway says which wallet paid).
const WalletAlipayPlus = payment.WalletAlipayPlus

// Recognise checks a scanned or typed payment code and names its wallet
// with the acquirer's wallet table (nil: the built-in cii.Default). Spaces and dashes people type are
// ignored. Alipay+ codes carry no check digit (Code Format Specification),
// so the structure is what is checked: digits only, 17–32 digits outside
// the reserved lengths, business type 02 for 24-digit codes, the legacy
// patterns for 17–19 digits.
func Recognise(code string, issuers *cii.Table) (Code, error) {
	if issuers == nil {
		issuers = defaultIssuers
	}
	d := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, strings.TrimSpace(code))
	n := len(d)
	if n == 0 || n > 64 || strings.Trim(d, "0123456789") != "" {
		return Code{}, &CodeError{Len: len(code), Reason: "a payment code is digits only", Err: ErrCodeFormat}
	}
	prefix := d[:min(6, n)]
	fail := func(err error, reason string) (Code, error) {
		return Code{}, &CodeError{Len: n, Prefix: prefix, Reason: reason, Err: err}
	}
	switch {
	case n < 17 || n > 32:
		return fail(ErrCodeLength, "payment codes have 17 to 32 digits")
	case n >= 20 && n <= 23 || n >= 25:
		return fail(ErrCodeLength, "this length is reserved for future use")
	case n == 24:
		if bti := d[6:8]; bti != "02" {
			return fail(ErrCodeFormat, "business type "+bti+" is not a payment code (02)")
		}
		if e, ok := issuers.Match(d); ok {
			return Code{Digits: d, Wallet: e.Code, Format: FormatMainstream}, nil
		}
		return fail(ErrUnknownWallet, "no wallet known for issuer "+d[:6]+" in the wallet table ("+issuers.Source()+")")
	}
	// 17–19 digits.
	switch p := d[:2]; {
	case p == "28":
		// 28[0-9]{15}, 28[0-9]{16}, and for 19 digits 28[0-8][0-9]{16} or
		// 289[0-9]{10}[0-9][0-9]{5}: every 28-prefixed code of these lengths.
		w := payment.WalletCode("alipay")
		if n == 19 {
			w = WalletAlipayPlus
		}
		return Code{Digits: d, Wallet: w, Format: FormatLegacy}, nil
	case p >= "25" && p <= "30":
		return Code{Digits: d, Wallet: payment.WalletCode("alipay"), Format: FormatAlipayCN}, nil
	}
	return fail(ErrUnknownWallet, "no wallet issues codes starting "+d[:2])
}
