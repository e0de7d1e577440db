package cii

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"tpe/payment"
)

// Entry is one wallet of a table.
type Entry struct {
	Code     string   // canonical wallet code (payment.WalletCode)
	Name     string   // display name
	Prefixes []string // leading digits of its 24-digit payment codes
	Aliases  []string // other spellings of the wallet on the wire
	Line     int      // line of the entry's [[wallet]] header in its file; 0 if unknown
}

// Wallet is the entry's identity for payment.
func (e Entry) Wallet() payment.Wallet { return payment.Wallet{Code: e.Code, Name: e.Name} }

// Table is a validated wallet table. The zero value and nil are empty
// tables: they recognise nothing.
type Table struct {
	source  string
	entries []Entry
	byLen   [7]map[string]int // prefix length → prefix → entry index
}

// ErrTable is wrapped by every problem Parse finds.
var ErrTable = errors.New("cii: bad wallet table")

// Error is a problem with one entry of a table file.
type Error struct {
	Source string // the file, or "built-in"
	Line   int    // 0 when the entry's line is not known
	Entry  int    // 1-based entry number
	Reason string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("cii: %s:%d: wallet %d: %s", e.Source, e.Line, e.Entry, e.Reason)
	}
	return fmt.Sprintf("cii: %s: wallet %d: %s", e.Source, e.Entry, e.Reason)
}

func (e *Error) Unwrap() error { return ErrTable }

// Source is where the table came from: a file name or "built-in".
func (t *Table) Source() string {
	if t == nil {
		return ""
	}
	return t.source
}

// Entries returns the table's wallets in file order.
func (t *Table) Entries() []Entry {
	if t == nil {
		return nil
	}
	out := make([]Entry, len(t.entries))
	for i, e := range t.entries {
		e.Prefixes, e.Aliases = slices.Clone(e.Prefixes), slices.Clone(e.Aliases)
		out[i] = e
	}
	return out
}

// Wallets are the table's wallets as payment names them.
func (t *Table) Wallets() []payment.Wallet {
	if t == nil {
		return nil
	}
	out := make([]payment.Wallet, len(t.entries))
	for i, e := range t.entries {
		out[i] = e.Wallet()
	}
	return out
}

// Match returns the wallet whose prefix starts digits. Prefixes never
// overlap (Parse), so at most one matches.
func (t *Table) Match(digits string) (Entry, bool) {
	if t == nil {
		return Entry{}, false
	}
	for l := min(6, len(digits)); l >= 2; l-- {
		if i, ok := t.byLen[l][digits[:l]]; ok {
			return t.entries[i], true
		}
	}
	return Entry{}, false
}

// fileEntry is one [[wallet]] as written.
type fileEntry struct {
	Code     string   `toml:"code"`
	Name     string   `toml:"name"`
	Prefixes []string `toml:"prefixes"`
	Aliases  []string `toml:"aliases"`
}

type file struct {
	Wallet []fileEntry `toml:"wallet"`
}

// Load reads and validates the table file at path.
func Load(path string) (*Table, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cii: reading the wallet table: %w", err)
	}
	return Parse(path, b)
}

// Parse validates a table file's content; source names it in errors.
func Parse(source string, data []byte) (*Table, error) {
	var f file
	md, err := toml.Decode(string(data), &f)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrTable, source, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return nil, fmt.Errorf("%w: %s: unknown keys %s (a wallet has code, name, prefixes and aliases)", ErrTable, source, strings.Join(keys, ", "))
	}
	if len(f.Wallet) == 0 {
		return nil, fmt.Errorf("%w: %s: no [[wallet]] entry", ErrTable, source)
	}
	lines := headerLines(data)
	entries := make([]Entry, len(f.Wallet))
	for i, w := range f.Wallet {
		e := Entry{Code: w.Code, Name: w.Name, Prefixes: w.Prefixes, Aliases: w.Aliases}
		if len(lines) == len(f.Wallet) {
			e.Line = lines[i]
		}
		entries[i] = e
	}
	return build(source, entries)
}

// walletHeader is a [[wallet]] array-of-tables header line.
var walletHeader = regexp.MustCompile(`^\s*\[\[\s*("wallet"|'wallet'|wallet)\s*\]\]`)

// headerLines are the lines of the [[wallet]] headers, in order: TOML
// decoding keeps no positions, and an error must say where to look.
func headerLines(data []byte) []int {
	var out []int
	for i, l := range bytes.Split(data, []byte("\n")) {
		if walletHeader.Match(l) {
			out = append(out, i+1)
		}
	}
	return out
}

// build validates entries and indexes their prefixes.
func build(source string, entries []Entry) (*Table, error) {
	t := &Table{source: source, entries: entries}
	for l := range t.byLen {
		t.byLen[l] = map[string]int{}
	}
	fail := func(i int, format string, a ...any) error {
		return &Error{Source: source, Line: entries[i].Line, Entry: i + 1, Reason: fmt.Sprintf(format, a...)}
	}
	where := func(j int) string {
		if entries[j].Line > 0 {
			return fmt.Sprintf("wallet %d (%s, line %d)", j+1, entries[j].Code, entries[j].Line)
		}
		return fmt.Sprintf("wallet %d (%s)", j+1, entries[j].Code)
	}
	for i := range entries {
		entries[i].Code = payment.WalletCode(entries[i].Code)
		entries[i].Name = strings.TrimSpace(entries[i].Name)
	}
	codes := map[string]int{}
	type seen struct {
		prefix string
		entry  int
	}
	var prefixes []seen // in file order, so that the error names the first clash
	for i, e := range entries {
		switch {
		case e.Code == "":
			return nil, fail(i, "no code (letters and digits: the code journal, API and reports carry)")
		case e.Code == payment.WalletAlipayPlus:
			return nil, fail(i, "code %q is the generic Alipay+ of a payment whose wallet is not known: name the wallet", e.Code)
		case e.Name == "":
			return nil, fail(i, "wallet %q has no name (what the cashier and the customer read)", e.Code)
		case len(e.Prefixes) == 0:
			return nil, fail(i, "wallet %q has no prefixes", e.Code)
		}
		if j, dup := codes[e.Code]; dup {
			return nil, fail(i, "code %q repeats %s", e.Code, where(j))
		}
		codes[e.Code] = i
		for _, p := range e.Prefixes {
			if len(p) < 2 || len(p) > 6 || strings.Trim(p, "0123456789") != "" {
				return nil, fail(i, "prefix %q of %q: a prefix is 2 to 6 digits (the 6-digit Code Issuer Identifier or its start)", p, e.Code)
			}
			for _, sp := range prefixes {
				q, j := sp.prefix, sp.entry
				if strings.HasPrefix(p, q) || strings.HasPrefix(q, p) {
					if q == p {
						return nil, fail(i, "prefix %s of %q is also %s's", p, e.Code, where(j))
					}
					longer := p
					if len(q) > len(p) {
						longer = q
					}
					return nil, fail(i, "prefix %s of %q overlaps prefix %s of %s: a code starting %s would belong to both", p, e.Code, q, where(j), longer)
				}
			}
			prefixes = append(prefixes, seen{p, i})
			t.byLen[len(p)][p] = i
		}
	}
	return t, nil
}
