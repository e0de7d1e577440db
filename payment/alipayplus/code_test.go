package alipayplus_test

import (
	"errors"
	"strings"
	"testing"

	"tpe/payment"
	"tpe/payment/alipayplus"
	"tpe/payment/alipayplus/cii"
)

func TestRecognise(t *testing.T) {
	ok := []struct{ code, wallet, format string }{
		{"251001020123456789012345", "Alipay", alipayplus.FormatMainstream},           // Alipay+ Code Format Specification example
		{"2510 0102 0123 4567 8901 2345", "Alipay", alipayplus.FormatMainstream},      // as printed, with spaces
		{"281006020000000000125733", "AlipayHK", alipayplus.FormatMainstream},         // Antom pay API sample (AlipayHK)
		{"28123456789012345", "Alipay", alipayplus.FormatLegacy},                      // 17: 28[0-9]{15}
		{"281234567890123456", "Alipay", alipayplus.FormatLegacy},                     // 18: 28[0-9]{16}
		{"2812345678901234567", alipayplus.WalletAlipayPlus, alipayplus.FormatLegacy}, // 19: 28[0-8][0-9]{16}
		{"2891234567890612345", alipayplus.WalletAlipayPlus, alipayplus.FormatLegacy}, // 19: 289…6…
		{"134567890123456789", "", ""},                                                // unknown (below)
		{"286123456789012345", "Alipay", alipayplus.FormatLegacy},
		{"254123456789012345", "Alipay", alipayplus.FormatAlipayCN}, // mainland barcode, 25–30
		{"301234567890123456", "Alipay", alipayplus.FormatAlipayCN},
	}
	for _, c := range ok {
		if c.wallet == "" {
			continue
		}
		got, err := alipayplus.Recognise(c.code, nil)
		if err != nil {
			t.Errorf("%s: got %v, want %s", c.code, err, c.wallet)
			continue
		}
		if got.Wallet != payment.WalletCode(c.wallet) || got.Format != c.format || strings.ContainsAny(got.Digits, " -") {
			t.Errorf("%s: got %+v, want %s (%s)", c.code, got, c.wallet, c.format)
		}
	}
	bad := []struct {
		code string
		want error
	}{
		{"", alipayplus.ErrCodeFormat},
		{"28123456789O12345", alipayplus.ErrCodeFormat},                 // letter O
		{"2512345678901234", alipayplus.ErrCodeLength},                  // 16
		{"251234567890123456789012345678901", alipayplus.ErrCodeLength}, // 33
		{"25123456789012345678", alipayplus.ErrCodeLength},              // 20: reserved
		{"25100102012345678901234", alipayplus.ErrCodeLength},           // 23: reserved
		{"2510010201234567890123456", alipayplus.ErrCodeLength},         // 25: reserved
		{"251001010123456789012345", alipayplus.ErrCodeFormat},          // business type 01
		{"281099020123456789012345", alipayplus.ErrUnknownWallet},       // unknown CII
		{"281011021234567890123456", alipayplus.ErrUnknownWallet},       // GCash? not published: the acquirer's table says
		{"991001020123456789012345", alipayplus.ErrUnknownWallet},
		{"134567890123456789", alipayplus.ErrUnknownWallet},
		{"31234567890123456", alipayplus.ErrUnknownWallet},
	}
	for _, c := range bad {
		_, err := alipayplus.Recognise(c.code, nil)
		var ce *alipayplus.CodeError
		if !errors.Is(err, c.want) || !errors.As(err, &ce) {
			t.Errorf("%q: got %v, want %v", c.code, err, c.want)
			continue
		}
		if len(c.code) > 8 && strings.Contains(err.Error(), c.code[6:]) {
			t.Errorf("%q: the error %q shows the code", c.code, err)
		}
	}
	// A deployment's own table replaces the default one.
	table, err := cii.New("test", []cii.Entry{
		{Code: "mywallet", Name: "MyWallet", Prefixes: []string{"123456"}},
		{Code: "gcash", Name: "GCash", Prefixes: []string{"281011"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for code, want := range map[string]string{"123456021234567890123456": "mywallet", "281011021234567890123456": "gcash"} {
		if got, err := alipayplus.Recognise(code, table); err != nil || got.Wallet != want {
			t.Errorf("custom table, %s: got %+v, %v; want %s", code, got, err, want)
		}
	}
	if _, err := alipayplus.Recognise("281006020000000000125733", table); !errors.Is(err, alipayplus.ErrUnknownWallet) {
		t.Errorf("AlipayHK with a table that leaves it out: %v, want ErrUnknownWallet", err)
	}
}

func FuzzRecognise(f *testing.F) {
	for _, s := range []string{"251001020123456789012345", "281006020000000000125733", "28123456789012345",
		"2891234567890612345", "2510 0102 0123 4567 8901 2345", "", "x", "25100101", "٣٣٣"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := alipayplus.Recognise(s, nil)
		if err != nil {
			var ce *alipayplus.CodeError
			if !errors.As(err, &ce) {
				t.Fatalf("%q: error %v is not a *CodeError", s, err)
			}
			return
		}
		n := len(c.Digits)
		if n != 17 && n != 18 && n != 19 && n != 24 || strings.Trim(c.Digits, "0123456789") != "" || c.Wallet == "" {
			t.Fatalf("%q: accepted as %+v", s, c)
		}
		if n == 24 && c.Digits[6:8] != "02" {
			t.Fatalf("%q: accepted a business type %s", s, c.Digits[6:8])
		}
	})
}
