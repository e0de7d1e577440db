package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tpe/config"
	"tpe/payment/alipayplus/cii"
	"tpe/payment/gateway/gatewaysim"
)

// customWallets is an acquirer's table with a wallet neither the built-in
// table nor the simulator knows (Maya, 281099) and without GCash.
const customWallets = `[[wallet]]
code = "alipay"
name = "Alipay"
prefixes = ["25", "26", "27", "29", "30"]

[[wallet]]
code = "maya"
name = "Maya"
prefixes = ["281099"]
aliases = ["PAYMAYA"]
`

// TestCustomWalletTable: tpe-sim and the gateway simulator read one wallet
// table file: a customer's code of a wallet only that file knows is
// recognised by the terminal, named by the gateway, paid, and shown as
// that wallet by the API; a code the file does not know (GCash's simulator
// CII) is refused without reaching the gateway. Both with the embedded
// gateway (alipayplus.wallet_table in tpe-sim's config) and with a separate
// gateway simulator loading the same file (what gatewaysim --wallet-table
// does).
func TestCustomWalletTable(t *testing.T) {
	dir := t.TempDir()
	table := filepath.Join(dir, "wallets.toml")
	if err := os.WriteFile(table, []byte(customWallets), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, external := range []bool{false, true} {
		t.Run(fmt.Sprintf("external gateway %v", external), func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			c := config.SimDefaults(data)
			c.AlipayPlus.WalletTable = table
			cfgPath := filepath.Join(t.TempDir(), "tpe.toml")
			f, err := os.Create(cfgPath)
			if err != nil {
				t.Fatal(err)
			}
			if err := config.Write(f, c); err != nil {
				t.Fatal(err)
			}
			f.Close()
			args := []string{"--config", cfgPath}
			if external {
				wallets, err := cii.Load(table)
				if err != nil {
					t.Fatal(err)
				}
				gw, err := gatewaysim.New(t.TempDir(), &gatewaysim.Opts{Wallets: wallets})
				if err != nil {
					t.Fatal(err)
				}
				srv := httptest.NewServer(gw)
				t.Cleanup(func() { srv.Close(); gw.Close() })
				args = append(args, "--gateway", srv.URL)
			}
			p := startSim(t, data, args...)

			_, pay := p.call(t, "POST", "/v1/payments", `{"amount":1500,"method":"alipayplus","scan":true}`)
			if status, m := p.call(t, "POST", "/v1/sim/scan", `{"code":"2810 9902 1234 5678 9012 3456"}`); status != 204 {
				t.Fatalf("scan: %d %v\n%s", status, m, p.logs)
			}
			got := p.waitStatus(t, pay["id"].(string), "approved", "declined", "failed")
			if got["status"] != "approved" || got["wallet"] != "maya" {
				t.Fatalf("Maya payment: %v\n%s", got, p.logs)
			}
			// The receipt names the wallet as the table does, and numbers
			// the payment with the journal's sequence.
			resp, err := http.Get(p.url + "/v1/payments/" + pay["id"].(string) + "/receipt")
			if err != nil {
				t.Fatal(err)
			}
			text, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			seq := fmt.Sprintf("%06d", int(got["sequence"].(float64)))
			if !strings.Contains(string(text), "PORTEFEUILLE MAYA") || !strings.Contains(string(text), "TRANS.") || !strings.Contains(string(text), seq) {
				t.Errorf("receipt of the Maya payment (sequence %s):\n%s", seq, text)
			}

			_, pay = p.call(t, "POST", "/v1/payments", `{"amount":1600,"method":"alipayplus","buyer_code":"281011021234567890123456"}`)
			got = p.waitStatus(t, pay["id"].(string), "approved", "declined", "failed")
			if got["status"] != "failed" || !strings.Contains(fmt.Sprint(got["error"]), "unknown wallet") {
				t.Fatalf("GCash code with a table without GCash: %v", got)
			}
		})
	}
}
