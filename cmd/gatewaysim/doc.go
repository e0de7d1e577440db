// Command gatewaysim serves the gateway simulator (payment/gateway/
// gatewaysim): the PayXpert-compatible acquirer with the EMV extension,
// Connect2Pay, the identity provider and the back office, for developers
// and CI. Development credentials, the test BDK of online PINs and the PSD2
// rule are in docs/gateway.md.
//
// --wallet-table names the acquirer's Alipay+ wallet table, the file tpe
// reads as alipayplus.wallet_table (config/wallets.sample.toml), so that
// the simulator names the wallets of customers' codes as the terminal does.
//
//	gatewaysim --listen 127.0.0.1:8480 --data ./gwdata
//	gatewaysim --wallet-table /etc/tpe/wallets.toml
//	gatewaysim --pin-bdk FEDCBA9876543210F1F1F1F1F1F1F1F1 --sca=false
//	gatewaysim version
package main
