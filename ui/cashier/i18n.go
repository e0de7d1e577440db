package cashier

import (
	"fmt"
	"time"

	"tpe/payment/i18n"
)

// Langs are the languages the cashier UI speaks, in switch order.
var Langs = i18n.Langs

// normLang maps anything but "en" to "fr", the terminal's home language.
func normLang(l string) string { return i18n.Norm(l) }

// T returns the message key in lang with args applied. The words live in
// the terminal's one catalogue, payment/i18n (till.go there): add a string
// there, then call u.T(key).
func T(lang, key string, args ...any) string { return i18n.T(lang, key, args...) }

// dateTime formats t for people in lang.
func dateTime(lang string, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	if normLang(lang) == "fr" {
		return t.Format("02/01/2006 15:04")
	}
	return t.Format("Jan 2, 2006 15:04")
}

// shortTime formats t in a list row.
func shortTime(lang string, t time.Time, now time.Time) string {
	if y1, m1, d1 := t.Date(); true {
		if y2, m2, d2 := now.Date(); y1 == y2 && m1 == m2 && d1 == d2 {
			return t.Format("15:04")
		}
	}
	if normLang(lang) == "fr" {
		return t.Format("02/01 15:04")
	}
	return t.Format("Jan 2 15:04")
}

// countdown formats a remaining duration as m:ss, rounded up as the
// customer display does (0:01 until the last second): both show the same.
func countdown(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int((d + time.Second - 1) / time.Second)
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
