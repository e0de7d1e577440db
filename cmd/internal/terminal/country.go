package terminal

import (
	"fmt"

	"golang.org/x/text/language"
)

// withdrawn are ISO 3166-3 codes CLDR still lists as countries with their old
// numeric code and no single successor to canonicalize to (DD → DE and the
// like are caught by Canonicalize).
var withdrawn = map[string]bool{"AN": true, "CS": true, "NT": true, "SU": true, "YU": true}

// countryNumeric returns the ISO 3166-1 numeric code of an alpha-2 country
// code, the Terminal Country Code (9F1A, EMV Book 3 Annex A) the card and
// the issuer see. The numbers are CLDR's UN M.49 codes, which for countries
// are the ISO 3166-1 numeric ones; M.49 areas that are not countries (EU, 419),
// the user-assigned range 900–999 (XK, ZZ) and withdrawn codes are refused:
// a wrong 9F1A changes which domestic rules the card applies.
func countryNumeric(alpha2 string) (uint16, error) {
	r, err := language.ParseRegion(alpha2)
	if err != nil || r.String() != alpha2 || !r.IsCountry() || withdrawn[alpha2] {
		return 0, fmt.Errorf("terminal.country %q: not an ISO 3166-1 alpha-2 country code", alpha2)
	}
	if c := r.Canonicalize(); c != r {
		return 0, fmt.Errorf("terminal.country %q: not a current ISO 3166-1 code; use %q", alpha2, c.String())
	}
	n := r.M49()
	if n <= 0 || n >= 900 {
		return 0, fmt.Errorf("terminal.country %q: has no ISO 3166-1 numeric code", alpha2)
	}
	return uint16(n), nil
}
