package i18n

import (
	"fmt"
	"maps"
	"slices"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// Langs are the languages the terminal speaks, the home language first.
var Langs = []string{"fr", "en"}

// Norm maps anything but "en" to "fr", the terminal's home language.
func Norm(lang string) string {
	if lang == "en" {
		return "en"
	}
	return "fr"
}

// tables are the audiences' tables, merged into one catalogue.
var tables = []map[string][2]string{till, display, receipt, mail, reasons}

// singulars are the "one" forms of counted messages, by audience.
var singulars = []map[string][2]string{tillSingular}

// messages is every key → {French, English}.
var messages, singular = merge(tables), merge(singulars)

// merge joins tables; a key defined twice is a programming error that
// every test run catches at start-up.
func merge(ts []map[string][2]string) map[string][2]string {
	all := map[string][2]string{}
	for _, t := range ts {
		for k, v := range t {
			if _, dup := all[k]; dup {
				panic(fmt.Sprintf("i18n: key %q defined twice", k))
			}
			all[k] = v
		}
	}
	return all
}

var cat = func() catalog.Catalog {
	b := catalog.NewBuilder(catalog.Fallback(language.French))
	tags := []language.Tag{language.French, language.English}
	for k, v := range messages {
		for i, tag := range tags {
			var err error
			if one, ok := singular[k]; ok {
				err = b.Set(tag, k, plural.Selectf(1, "%d", plural.One, one[i], plural.Other, v[i]))
			} else {
				err = b.SetString(tag, k, v[i])
			}
			if err != nil {
				panic(err) // static data: a bad entry is a programming error caught by every test
			}
		}
	}
	return b
}()

// printers is one message.Printer per language, built once.
var printers = map[string]*message.Printer{
	"fr": message.NewPrinter(language.French, message.Catalog(cat)),
	"en": message.NewPrinter(language.English, message.Catalog(cat)),
}

// T returns the message key in lang with args applied. A key missing from
// the catalogue comes back as itself (the tests make sure none is).
func T(lang, key string, args ...any) string {
	return printers[Norm(lang)].Sprintf(key, args...)
}

// Has reports whether the catalogue has key.
func Has(key string) bool {
	_, ok := messages[key]
	return ok
}

// Keys lists every message key, sorted (tests, tpectl).
func Keys() []string { return slices.Sorted(maps.Keys(messages)) }

// Source returns the French and English templates of key (tests).
func Source(key string) (fr, en string, ok bool) {
	v, ok := messages[key]
	return v[0], v[1], ok
}

// Reason is the cashier's words for a payment that ended with reason code
// code (payment.ReasonCode): the refined entry reason.<code>.<refine> when
// there is one (refine is the payment's method, or the step it ended in:
// reason.timeout.alipayplus, reason.timeout.pin), else reason.<code>. An
// unknown code answers "" so that the caller falls back on the state.
func Reason(lang, code, refine string) string {
	if code == "" {
		return ""
	}
	if k := "reason." + code + "." + refine; refine != "" && Has(k) {
		return T(lang, k)
	}
	if k := "reason." + code; Has(k) {
		return T(lang, k)
	}
	return ""
}
