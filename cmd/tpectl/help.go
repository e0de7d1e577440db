package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"tpe/payment"
)

// oneOf checks the value of an enum-like flag: a wrong one is refused with
// the list of the valid ones, so nobody has to look them up.
func oneOf(flag, value string, valid ...string) error {
	if slices.Contains(valid, value) {
		return nil
	}
	if len(valid) == 2 {
		return usagef("--%s %q: want %s or %s", flag, value, valid[0], valid[1])
	}
	return usagef("--%s %q: want one of %s", flag, value, strings.Join(valid, ", "))
}

// oneOfInt is oneOf for integer flags (--width 58|80, --rotation).
func oneOfInt(flag string, value int, valid ...int) error {
	s := make([]string, len(valid))
	for i, v := range valid {
		s[i] = strconv.Itoa(v)
	}
	return oneOf(flag, strconv.Itoa(value), s...)
}

// sortedKeys lists a lookup table's names for an error or a help line.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// knownCurrencies lists the ISO 4217 codes package payment accepts. It
// asks payment about every three-letter code rather than keep a copy of
// its table here that would drift.
func knownCurrencies() []string {
	var out []string
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			for c := 'A'; c <= 'Z'; c++ {
				if code := string([]rune{a, b, c}); payment.KnownCurrency(code) {
					out = append(out, code)
				}
			}
		}
	}
	return out
}

// subHelp prints the help of a command made of subcommands (`tpectl nfc
// --help`): what each does and an example, the flags being each
// subcommand's own.
func subHelp(w io.Writer, synopsis, text string, subs [][2]string, examples ...string) error {
	fmt.Fprintf(w, "usage: tpectl %s\n\n", synopsis)
	if text != "" {
		fmt.Fprintf(w, "%s\n\n", strings.TrimSpace(text))
	}
	fmt.Fprintln(w, "commands:")
	for _, s := range subs {
		fmt.Fprintf(w, "  %-16s %s\n", s[0], s[1])
	}
	name, _, _ := strings.Cut(synopsis, " ")
	fmt.Fprintf(w, "\nRun `tpectl %s COMMAND --help` for a command's flags.\n", name)
	printExamples(w, examples)
	return errHelp
}

func printExamples(w io.Writer, examples []string) {
	if len(examples) == 0 {
		return
	}
	fmt.Fprintln(w, "\nexample:")
	for _, e := range examples {
		fmt.Fprintf(w, "  %s\n", e)
	}
}

// helpFirst reports whether a command's first argument asks for help,
// where a subcommand name is expected.
func helpFirst(args []string) bool { return len(args) > 0 && askedHelp(args[:1]) }

// set reports whether the flag name was given on the command line: a
// required flag whose zero value is valid (--amount 0).
func (f techFlags) set(name string) bool {
	found := false
	f.Visit(func(fl *flag.Flag) { found = found || fl.Name == name })
	return found
}
