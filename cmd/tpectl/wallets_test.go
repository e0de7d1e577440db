package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigCheckWalletTable: `config check` loads the wallet table the
// config names, lists its wallets, and refuses a bad one naming the file,
// the line and the fault, as tpe does at start.
func TestConfigCheckWalletTable(t *testing.T) {
	sample, err := os.ReadFile("../../config/tpe.sample.toml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	withTable := func(table string) string {
		cfg := strings.Replace(string(sample), `wallet_table = ""`, `wallet_table = "`+table+`"`, 1)
		p := filepath.Join(dir, "tpe.toml")
		if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	out := mustTech(t, "config", "check", withTable(""))
	if !strings.Contains(out, "wallet table built-in: Alipay 25,26,27,29,30; AlipayHK 281006\n") {
		t.Errorf("built-in table not reported:\n%s", out)
	}
	abs, _ := filepath.Abs("../../config/wallets.sample.toml")
	out = mustTech(t, "config", "check", withTable(abs))
	if !strings.Contains(out, "GCash 281011; Kakao Pay 281012") {
		t.Errorf("the sample table's wallets are not listed:\n%s", out)
	}
	bad := filepath.Join(dir, "wallets.toml")
	os.WriteFile(bad, []byte("[[wallet]]\ncode = \"gcash\"\nname = \"GCash\"\nprefixes = [\"281011\"]\n\n[[wallet]]\ncode = \"maya\"\nname = \"Maya\"\nprefixes = [\"28101\"]\n"), 0o644)
	code, _, errs := techRun(t, "config", "check", withTable(bad))
	want := bad + `:6: wallet 2: prefix 28101 of "maya" overlaps prefix 281011 of wallet 1 (gcash, line 1)`
	if code != 1 || !strings.Contains(errs, want) || !strings.Contains(errs, "alipayplus.wallet_table") {
		t.Errorf("bad table: exit %d %q, want exit 1 with %q", code, errs, want)
	}
	code, _, errs = techRun(t, "config", "check", withTable(filepath.Join(dir, "missing.toml")))
	if code != 1 || !strings.Contains(errs, "missing.toml") {
		t.Errorf("missing table: exit %d %q", code, errs)
	}
}
