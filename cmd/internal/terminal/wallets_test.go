package terminal

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tpe/config"
)

// TestBadWalletTableStopsTheStart: tpe does not start on a wallet table
// it cannot trust, says which line is wrong, and opens nothing first.
func TestBadWalletTableStopsTheStart(t *testing.T) {
	dir := t.TempDir()
	table := filepath.Join(dir, "wallets.toml")
	os.WriteFile(table, []byte("[[wallet]]\ncode = \"gcash\"\nname = \"GCash\"\nprefixes = [\"281011\"]\n\n[[wallet]]\ncode = \"gcash\"\nname = \"GCash 2\"\nprefixes = [\"281012\"]\n"), 0o644)
	cfg := config.SimDefaults(filepath.Join(dir, "data"))
	cfg.AlipayPlus.WalletTable = table
	term, err := Open(context.Background(), cfg, Devices{}, Opts{CreateKey: true})
	if err == nil {
		term.Close()
		t.Fatal("the terminal started with a wallet table repeating a code")
	}
	want := table + `:6: wallet 2: code "gcash" repeats wallet 1 (gcash, line 1)`
	if !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "alipayplus.wallet_table: ") {
		t.Errorf("error %q, want it to name alipayplus.wallet_table and %q", err, want)
	}
	if _, err := os.Stat(cfg.DataDir); !os.IsNotExist(err) {
		t.Errorf("the data directory was made before the table was checked: %v", err)
	}
}
