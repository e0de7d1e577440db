package payment

import (
	"strings"
	"sync"
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
var wallets = []walletIdentity{
	{Wallet{WalletAlipayPlus, "Alipay+"}, nil},
	{Wallet{"alipay", "Alipay"}, []string{"alipaycn"}},
	{Wallet{"alipayhk", "AlipayHK"}, nil},
	{Wallet{"gcash", "GCash"}, nil},
	{Wallet{"kakaopay", "Kakao Pay"}, nil},
	{Wallet{"touchngo", "Touch 'n Go"}, []string{"tng", "touchngoewallet"}},
	{Wallet{"truemoney", "TrueMoney"}, nil},
	{Wallet{"dana", "DANA"}, nil},
}

// added are the wallets an acquirer's table names beyond the built-in
// ones (AddWallet), and extra spellings of built-in ones.
var added struct {
	sync.RWMutex
	wallets []walletIdentity
}

type walletIdentity = struct {
	Wallet
	aliases []string
}

// AddWallet makes w (and its other spellings) known to LookupWallet and
// PartnerWallets, for the life of the process: the terminal adds the
// wallets of its acquirer's table at start, so that a wallet the built-in
// list does not know gets its name on screens, receipts and reports. A
// code already known keeps its identity; only the aliases are added.
func AddWallet(w Wallet, aliases ...string) {
	w.Code = walletKey(w.Code)
	w.Name = strings.TrimSpace(w.Name)
	if w.Code == "" {
		return
	}
	// The name is a spelling too: WalletCode(name) must give the code.
	keys := make([]string, 0, len(aliases)+1)
	for _, a := range append(aliases, w.Name) {
		if k := walletKey(a); k != "" {
			keys = append(keys, k)
		}
	}
	added.Lock()
	defer added.Unlock()
	if known, ok := lookupWallet(w.Code); ok {
		w = known
	} else if w.Name == "" {
		w.Name = w.Code
	}
	added.wallets = append(added.wallets, walletIdentity{w, keys})
}

// lookupWallet finds the folded spelling k among the built-in and added
// wallets; callers hold added's lock.
func lookupWallet(k string) (Wallet, bool) {
	for _, list := range [][]walletIdentity{wallets, added.wallets} {
		for _, w := range list {
			if k == w.Code {
				return w.Wallet, true
			}
			for _, a := range w.aliases {
				if k == a {
					return w.Wallet, true
				}
			}
		}
	}
	return Wallet{}, false
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
	added.RLock()
	w, ok := lookupWallet(k)
	added.RUnlock()
	if ok {
		return w
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
	added.RLock()
	defer added.RUnlock()
	out := make([]Wallet, 0, len(wallets)+len(added.wallets))
	for _, list := range [][]walletIdentity{wallets, added.wallets} {
		for _, w := range list {
			if w.Code != WalletAlipayPlus && !containsWallet(out, w.Code) {
				out = append(out, w.Wallet)
			}
		}
	}
	return out
}

func containsWallet(ws []Wallet, code string) bool {
	for _, w := range ws {
		if w.Code == code {
			return true
		}
	}
	return false
}
