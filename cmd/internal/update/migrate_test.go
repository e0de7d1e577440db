package update

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/BurntSushi/toml"
)

func FuzzMigrateConfig(f *testing.F) {
	sample, err := os.ReadFile("../../../config/tpe.sample.toml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(debugMigration)
	f.Add("[rename]\n\"terminal.contract\" = \"terminal.contract_number\"\n[delete]\nkeys = [\"log.file\"]\n")
	f.Add("[default]\n\"a.b.c\" = [1, 2]\n")
	f.Fuzz(func(t *testing.T, mig string) {
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, "migrations"), 0o755)
		os.WriteFile(filepath.Join(dir, "migrations", "0001.toml"), []byte(mig), 0o644)
		out, changed, err := migrateConfig(dir, sample)
		if err != nil {
			return
		}
		// Whatever a migration does, the result is TOML again.
		var doc map[string]any
		if _, err := toml.Decode(string(out), &doc); err != nil {
			t.Fatalf("migration %q produced invalid TOML: %v\n%s", mig, err, out)
		}
		if !changed && string(out) != string(sample) {
			t.Fatal("unchanged config rewritten")
		}
	})
}
