package payment_test

import (
	"strings"
	"testing"

	"tpe/payment"
	"tpe/payment/i18n"
)

// Every reason code is translated once, in both languages, and says what
// to do: screens, receipts and e-mails read it from there.
func TestEveryReasonCodeTranslated(t *testing.T) {
	for _, c := range payment.ReasonCodes() {
		fr, en, ok := i18n.Source("reason." + string(c))
		if !ok {
			t.Errorf("%s: no reason.%s in the catalogue", c, c)
			continue
		}
		for _, lang := range i18n.Langs {
			got := i18n.Reason(lang, string(c), "")
			if got == "" || strings.HasPrefix(got, "reason.") {
				t.Errorf("%s in %s: %q", c, lang, got)
			}
		}
		if fr == en {
			t.Errorf("%s: French and English read the same: %q", c, fr)
		}
	}
}
