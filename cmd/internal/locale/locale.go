// Package locale gives fyne a locale it can parse, quietly.
//
// fyne (fyne.io/fyne/v2/lang, through github.com/jeandeaual/go-locale)
// reads the first of LC_ALL, LC_MESSAGES and LANG that is set, in its
// package init and again when the app starts. "C.UTF-8", the default of
// containers and minimal installs, is not a language tag: fyne logs
// "Fyne error: Error parsing user locale C" (three lines) before main
// runs, even for `tpe-sim version`. Plain "C", "POSIX" or nothing parse
// quietly but fall back to English, whatever the terminal's language.
//
// So when the locale is C, POSIX (with or without a codeset) or unset, this
// package's init sets LC_MESSAGES — the category of message languages,
// leaving LANG and the character type alone — or LC_ALL when LC_ALL is what
// is set (it overrides the others), to the default language; Use then sets
// the configured one before the window opens. A real locale (fr_FR.UTF-8,
// en_GB.UTF-8) is the user's choice and is left alone.
//
// Go initialises packages in import-path order as far as dependencies
// allow (Go spec, "Package initialization"). This package imports only the
// standard library, while fyne's lang package depends on net/http and
// through it on vendor/golang.org/x/net, which sort after "tpe/": this init
// runs first. TestNoFyneLocaleError in cmd/tpe-sim and cmd/tpe runs the
// binaries with LANG=C.UTF-8 to keep it so.
package locale

import (
	"os"
	"strings"
)

// Default is the language set before the configuration is read: the
// default of config.Defaults and config.SimDefaults (a test checks).
const Default = "fr"

// replaced is the variable init set, "" when the user's locale was kept.
var replaced string

func init() { replaced = fix(Default) }

// fix sets the locale variable fyne reads to lang when the current locale
// is neutral, and returns the variable's name ("" if it kept it).
func fix(lang string) string {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := os.Getenv(name); v != "" {
			if !neutral(v) {
				return ""
			}
			break
		}
	}
	name := "LC_MESSAGES"
	if os.Getenv("LC_ALL") != "" {
		name = "LC_ALL"
	}
	os.Setenv(name, posixName(lang))
	return name
}

// Use makes lang, the terminal's configured language ("fr", "en"), the
// language fyne sees from now on, unless the user has a locale of their
// own. Call it before creating the fyne app.
func Use(lang string) {
	if replaced != "" && lang != "" {
		os.Setenv(replaced, posixName(lang))
	}
}

// neutral reports a locale that names no language: C or POSIX, with or
// without a codeset or modifier (C.UTF-8, POSIX@euro).
func neutral(v string) bool {
	base, _, _ := strings.Cut(v, ".")
	base, _, _ = strings.Cut(base, "@")
	return base == "C" || base == "POSIX"
}

// posixName is a POSIX locale name for a language code.
func posixName(lang string) string {
	switch lang {
	case "fr":
		return "fr_FR.UTF-8"
	case "en":
		return "en_US.UTF-8"
	}
	return lang + ".UTF-8"
}
