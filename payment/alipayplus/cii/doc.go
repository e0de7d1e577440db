// Package cii is the table that names the wallet behind an Alipay+
// user-presented payment code: the code's first digits, its Code Issuer
// Identifier (Alipay+ Code Format Specification: a 24-digit code is a
// 6-digit CII, the business type 02 and a 16-digit UIN), mapped to a
// wallet. Alipay+ does not publish the CIIs of its partner wallets;
// acquirers hand their merchants a table and change it as wallets join, so
// the terminal reads it from a file (Load) instead of carrying it in code.
//
// The built-in table (Default) holds only the prefixes that are published:
//
//   - Alipay (mainland China): payment codes start 25–30 (Alipay open
//     platform, alipay.trade.pay auth_code: "25–30 followed by 16–24
//     digits", docs.open.alipay.com/194/106039; the Alipay+ Code Format
//     Specification's own example is 251001 02 0123456789012345). 28 is
//     left out: 24-digit codes starting 28 are Alipay+ partner CIIs.
//   - AlipayHK: CII 281006 (Antom pay API sample, docs.antom.com/ac/amsapi/pay:
//     paymentMethodId 281006020000000000125733, CONNECT_WALLET).
//
// GCash, Kakao Pay, Touch 'n Go, TrueMoney, DANA and the other partner
// wallets are not in it: a terminal takes their codes once its acquirer's
// table names them (config alipayplus.wallet_table). The gateway simulator
// uses its own assignments (gatewaysim.WalletTable).
//
// A table file is TOML, one [[wallet]] per wallet:
//
//	[[wallet]]
//	code = "gcash"          # the stable code journal, API and reports carry
//	name = "GCash"          # what people read
//	prefixes = ["281011"]   # 2 to 6 digits each
//	aliases = ["GCASH"]     # optional: other spellings the gateway sends
//
// Parse refuses a table whose prefixes are not 2–6 digits or overlap (one
// the start of another: which wallet a code belongs to would depend on the
// order of the file), whose codes repeat, or whose entries lack a code or a
// name, naming the line of each entry at fault.
package cii
