package terminal

import (
	"fmt"

	"tpe/config"
	"tpe/payment"
	"tpe/payment/alipayplus/cii"
)

// WalletTable loads the acquirer's wallet table that cfg names
// (alipayplus.wallet_table), or returns the built-in one when it names
// none. tpe refuses to start on a bad table, and tpectl config check
// reports it, with the line at fault.
func WalletTable(cfg config.Config) (*cii.Table, error) {
	if cfg.AlipayPlus.WalletTable == "" {
		return cii.Default(), nil
	}
	t, err := cii.Load(cfg.AlipayPlus.WalletTable)
	if err != nil {
		return nil, fmt.Errorf("alipayplus.wallet_table: %w", err)
	}
	return t, nil
}

// nameWallets makes payment name the table's wallets: a wallet only the
// acquirer's table knows gets its name on screens, receipts and reports.
func nameWallets(t *cii.Table) {
	for _, e := range t.Entries() {
		payment.AddWallet(e.Wallet(), e.Aliases...)
	}
}
