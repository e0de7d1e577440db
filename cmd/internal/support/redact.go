package support

import (
	"regexp"
	"strings"
)

// Mask replaces what Redact removes.
const Mask = "<redacted>"

var (
	// Track 2 equivalent: PAN, separator, expiry and discretionary data.
	track2 = regexp.MustCompile(`;?\d{12,19}[=Dd]\d{4,}\??`)
	// A digit run of 12+ digits, optionally grouped by single spaces or
	// dashes (4111 1111 1111 1111, 4111-1111-1111-1111).
	digitRun = regexp.MustCompile(`\d(?:[ -]?\d){11,}`)
	bearer   = regexp.MustCompile(`(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+`)
	jwt      = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*`)
	// key=value, key: value, "key":"value" for secret-looking keys.
	secretKey = `(?i)("?[a-z0-9_.-]*(?:secret|passw(?:or)?d|token|api[_-]?key|private[_-]?key|authorization|cookie|pan|track_?2|cryptogram|cvv|pin)[a-z0-9_.-]*"?\s*[:=]\s*)`
	// Quoted values keep their quotes (the config stays valid TOML); empty
	// ones stay empty, so support sees what is unset.
	secretQuoted = regexp.MustCompile(secretKey + `"[^"]+"`)
	secretBare   = regexp.MustCompile(secretKey + `([^\s"',;}&<][^\s,;}&]*)`)
	// Long opaque blobs: hex or base64 of 32+ characters (keys, tokens,
	// cryptograms).
	blob = regexp.MustCompile(`[A-Za-z0-9+/_-]{32,}={0,2}`)
)

// Redact masks card data, tokens and secrets in one line of text.
func Redact(s string) string {
	s = jwt.ReplaceAllString(s, Mask)
	s = bearer.ReplaceAllString(s, "${1} "+Mask)
	s = secretQuoted.ReplaceAllString(s, `${1}"`+Mask+`"`)
	s = secretBare.ReplaceAllString(s, "${1}"+Mask)
	s = track2.ReplaceAllString(s, Mask)
	s = digitRun.ReplaceAllStringFunc(s, maskDigits)
	s = blob.ReplaceAllStringFunc(s, func(b string) string {
		if strings.Contains(b, Mask) {
			return b
		}
		return Mask
	})
	return s
}

// maskDigits keeps the last four digits, enough for support to match a
// receipt, as PCI DSS allows for display.
func maskDigits(run string) string {
	var d []byte
	for i := 0; i < len(run); i++ {
		if run[i] >= '0' && run[i] <= '9' {
			d = append(d, run[i])
		}
	}
	return "<pan …" + string(d[len(d)-4:]) + ">"
}
