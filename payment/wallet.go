package payment

import (
	"strings"
	"unicode"
)

// Wallet is one QR wallet the terminal takes through Alipay+: a stable
// code, which the journal, the API and the reports carry, and the name
// people read (cashier screen, customer display, receipts in capitals).
type Wallet struct {
	Code string
	Name string
}

// WalletAlipayPlus is the code of an Alipay+ payment whose partner wallet
// is not known (yet): a merchant-presented code before the gateway says
// which wallet paid, a legacy 19-digit customer code.
const WalletAlipayPlus = "alipayplus"

// wallets is the one table of wallet identities. Aliases are other
// spellings met on the wire (Alipay+ PSP names such as ALIPAY_CN or TNG,
// the simulator's names); they are compared like codes (walletKey).
var wallets = []struct {
	Wallet
	aliases []string
}{
	{Wallet{WalletAlipayPlus, "Alipay+"}, nil},
	{Wallet{"alipay", "Alipay"}, []string{"alipaycn"}},
	{Wallet{"alipayhk", "AlipayHK"}, nil},
	{Wallet{"gcash", "GCash"}, nil},
	{Wallet{"kakaopay", "Kakao Pay"}, nil},
	{Wallet{"touchngo", "Touch 'n Go"}, []string{"tng", "touchngoewallet"}},
	{Wallet{"truemoney", "TrueMoney"}, nil},
	{Wallet{"dana", "DANA"}, nil},
}

// walletKey folds a spelling to compare it: lower case, letters and digits
// only, "+" read as "plus" ("Alipay+" and "alipayplus" are one wallet,
// "Alipay" another).
func walletKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r == '+':
			b.WriteString("plus")
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// LookupWallet returns the wallet any spelling names: a code, a display
// name, an alias, in any case. A wallet the table does not know keeps the
// name it came with and gets its folded spelling as code, so that it still
// groups as one wallet. Empty gives the zero Wallet.
func LookupWallet(s string) Wallet {
	k := walletKey(s)
	if k == "" {
		return Wallet{}
	}
	for _, w := range wallets {
		if k == w.Code {
			return w.Wallet
		}
		for _, a := range w.aliases {
			if k == a {
				return w.Wallet
			}
		}
	}
	return Wallet{Code: k, Name: strings.TrimSpace(s)}
}

// WalletCode is the canonical code of any spelling of a wallet.
func WalletCode(s string) string { return LookupWallet(s).Code }

// WalletName is the display name of any spelling of a wallet.
func WalletName(s string) string { return LookupWallet(s).Name }

// PartnerWallets are the wallets the terminal names, in display order,
// without the generic Alipay+ entry: the customer display lists them under
// the QR code.
func PartnerWallets() []Wallet {
	out := make([]Wallet, 0, len(wallets)-1)
	for _, w := range wallets {
		if w.Code != WalletAlipayPlus {
			out = append(out, w.Wallet)
		}
	}
	return out
}
