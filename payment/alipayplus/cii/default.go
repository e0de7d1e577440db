package cii

// defaultEntries are the published prefixes (see the package doc for the
// sources). Aliases are the spellings gateways send (Alipay+ PSP names).
var defaultEntries = []Entry{
	{Code: "alipay", Name: "Alipay", Prefixes: []string{"25", "26", "27", "29", "30"}, Aliases: []string{"ALIPAY_CN"}},
	{Code: "alipayhk", Name: "AlipayHK", Prefixes: []string{"281006"}, Aliases: []string{"ALIPAY_HK"}},
}

// Default returns the built-in table: only the wallets whose prefixes are
// published. It is a new table each call; tables are read-only.
func Default() *Table {
	t, err := build("built-in", Extend(nil, defaultEntries))
	if err != nil {
		panic(err) // the built-in entries are checked by the tests
	}
	return t
}

// Extend returns a copy of base's entries followed by more: how the
// simulator's acquirer adds its wallets to the published ones.
func Extend(base *Table, more []Entry) []Entry {
	out := base.Entries()
	for _, e := range more {
		out = append(out, Entry{Code: e.Code, Name: e.Name, Prefixes: append([]string(nil), e.Prefixes...),
			Aliases: append([]string(nil), e.Aliases...), Line: e.Line})
	}
	return out
}

// New validates entries given in code (a simulator's own table); source
// names them in errors.
func New(source string, entries []Entry) (*Table, error) {
	return build(source, Extend(nil, entries))
}
