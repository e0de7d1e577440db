package cii_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tpe/payment/alipayplus/cii"
	"tpe/payment/gateway/gatewaysim"
)

const good = `# the acquirer's table, 2026-11
[[wallet]]
code = "gcash"
name = "GCash"
prefixes = ["281011"]

[[wallet]]
code = "BPI"        # folded to bpi
name = "BPI"
prefixes = ["281020", "281021"]
aliases = ["BPI_PH"]
`

func TestParse(t *testing.T) {
	tb, err := cii.Parse("wallets.toml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	for code, want := range map[string]string{
		"281011021234567890123456": "gcash", "281020021234567890123456": "bpi", "281021020000000000000000": "bpi",
		"281006020000000000125733": "", // AlipayHK: not in this table
		"28102":                    "", // shorter than any prefix
	} {
		e, ok := tb.Match(code)
		if ok != (want != "") || e.Code != want {
			t.Errorf("Match(%s) = %+v, %v; want %q", code, e, ok, want)
		}
	}
	es := tb.Entries()
	if len(es) != 2 || es[1].Name != "BPI" || es[1].Line != 7 || es[0].Line != 2 || es[1].Aliases[0] != "BPI_PH" {
		t.Errorf("entries %+v", es)
	}
	if tb.Source() != "wallets.toml" {
		t.Errorf("source %q", tb.Source())
	}
}

// TestParseRefuses: every bad table is refused with ErrTable and an error
// that names the line (or entry) at fault and what is wrong.
func TestParseRefuses(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"overlap across wallets", good + "[[wallet]]\ncode = \"dana\"\nname = \"DANA\"\nprefixes = [\"2810\"]\n",
			`wallets.toml:12: wallet 3: prefix 2810 of "dana" overlaps prefix 281011 of wallet 1 (gcash, line 2)`},
		{"overlap within a wallet", "[[wallet]]\ncode = \"a\"\nname = \"A\"\nprefixes = [\"28\", \"281011\"]\n",
			`wallets.toml:1: wallet 1: prefix 281011 of "a" overlaps prefix 28 of wallet 1 (a, line 1)`},
		{"same prefix twice", good + "\n[[wallet]]\ncode = \"dana\"\nname = \"DANA\"\nprefixes = [\"281021\"]\n",
			`wallets.toml:13: wallet 3: prefix 281021 of "dana" is also wallet 2 (bpi, line 7)'s`},
		{"letters", "[[wallet]]\ncode = \"a\"\nname = \"A\"\nprefixes = [\"2810x1\"]\n", `wallets.toml:1: wallet 1: prefix "2810x1" of "a": a prefix is 2 to 6 digits`},
		{"too long", "[[wallet]]\ncode = \"a\"\nname = \"A\"\nprefixes = [\"2810110\"]\n", `prefix "2810110" of "a": a prefix is 2 to 6 digits`},
		{"too short", "[[wallet]]\ncode = \"a\"\nname = \"A\"\nprefixes = [\"2\"]\n", `prefix "2" of "a"`},
		{"duplicate code", good + "[[wallet]]\ncode = \"G-Cash\"\nname = \"GCash again\"\nprefixes = [\"281099\"]\n",
			`wallets.toml:12: wallet 3: code "gcash" repeats wallet 1 (gcash, line 2)`},
		{"empty name", "[[wallet]]\ncode = \"a\"\nname = \"  \"\nprefixes = [\"281099\"]\n", `wallets.toml:1: wallet 1: wallet "a" has no name`},
		{"no code", "[[wallet]]\nname = \"A\"\nprefixes = [\"281099\"]\n", `wallets.toml:1: wallet 1: no code`},
		{"no prefixes", "[[wallet]]\ncode = \"a\"\nname = \"A\"\n", `wallet "a" has no prefixes`},
		{"generic code", "[[wallet]]\ncode = \"Alipay+\"\nname = \"A\"\nprefixes = [\"281099\"]\n", `code "alipayplus" is the generic Alipay+`},
		{"unknown key", "[[wallet]]\ncode = \"a\"\nname = \"A\"\nprefix = [\"281099\"]\n", `unknown keys wallet.prefix`},
		{"empty", "# nothing\n", `no [[wallet]] entry`},
		{"not TOML", "[[wallet]\ncode = ", `wallets.toml`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := cii.Parse("wallets.toml", []byte(tt.text))
			if !errors.Is(err, cii.ErrTable) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v\nwant ErrTable with %q", err, tt.want)
			}
		})
	}
}

func TestDefaultHoldsOnlyPublishedPrefixes(t *testing.T) {
	d := cii.Default()
	var got []string
	for _, e := range d.Entries() {
		got = append(got, e.Code+":"+strings.Join(e.Prefixes, ","))
	}
	if want := "alipay:25,26,27,29,30 alipayhk:281006"; strings.Join(got, " ") != want {
		t.Errorf("built-in table %v, want %s", got, want)
	}
	if _, ok := d.Match("281011021234567890123456"); ok {
		t.Error("the built-in table recognises an unpublished CII")
	}
}

func TestLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wallets.toml")
	if err := os.WriteFile(path, []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	if tb, err := cii.Load(path); err != nil || len(tb.Entries()) != 2 || tb.Source() != path {
		t.Fatalf("Load: %v", err)
	}
	if _, err := cii.Load(path + ".missing"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	var none *cii.Table
	if _, ok := none.Match("281011021234567890123456"); ok || none.Entries() != nil {
		t.Error("a nil table recognises something")
	}
}

func FuzzParse(f *testing.F) {
	f.Add(good)
	f.Add("[[wallet]]\ncode = \"a\"\nname = \"A\"\nprefixes = [\"28\", \"281011\"]\n")
	f.Add("wallet = [{code = \"a\", name = \"A\", prefixes = [\"25\"]}]")
	f.Fuzz(func(t *testing.T, s string) {
		tb, err := cii.Parse("fuzz", []byte(s))
		if err != nil {
			if !errors.Is(err, cii.ErrTable) {
				t.Fatalf("error %v is not ErrTable", err)
			}
			return
		}
		// A table accepted is unambiguous: each prefix matches its own
		// wallet, and no other prefix starts it.
		for _, e := range tb.Entries() {
			if e.Code == "" || e.Name == "" {
				t.Fatalf("accepted %+v", e)
			}
			for _, p := range e.Prefixes {
				code := p + strings.Repeat("0", 24-len(p))
				if m, ok := tb.Match(code); !ok || m.Code != e.Code {
					t.Fatalf("prefix %s of %s matches %+v", p, e.Code, m)
				}
			}
		}
	})
}

// TestSampleIsTheSimulatorsTable: config/wallets.sample.toml, the file
// merchants start from, parses and is the gateway simulator's table.
func TestSampleIsTheSimulatorsTable(t *testing.T) {
	sample, err := cii.Load("../../../config/wallets.sample.toml")
	if err != nil {
		t.Fatal(err)
	}
	got, want := sample.Entries(), gatewaysim.WalletTable().Entries()
	if len(got) != len(want) {
		t.Fatalf("%d wallets, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Code != w.Code || g.Name != w.Name || strings.Join(g.Prefixes, ",") != strings.Join(w.Prefixes, ",") {
			t.Errorf("wallet %d: %+v, want %+v", i+1, g, w)
		}
	}
}
