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
	// Long opaque blobs: hex or base64 of 32+ characters (keys, tokens,
	// cryptograms).
	blob = regexp.MustCompile(`[A-Za-z0-9+/_-]{32,}={0,2}`)
)

// Redact masks card data, tokens and secrets in one line of text.
func Redact(s string) string {
	s = jwt.ReplaceAllString(s, Mask)
	s = bearer.ReplaceAllString(s, "${1} "+Mask)
	s = redactKV(s)
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

// secretWords are key fragments whose values are masked (password,
// client_secret, access_token, Authorization…); secretSegments must be a
// whole segment of the key (pan, not "company").
var (
	secretWords    = []string{"secret", "passw", "token", "apikey", "api_key", "api-key", "privatekey", "private_key", "authorization", "cookie", "track2", "track_2", "cryptogram"}
	secretSegments = []string{"pan", "pin", "cvv", "cvc", "key"}
)

func secretKey(key string) bool {
	key = strings.ToLower(key)
	for _, w := range secretWords {
		if strings.Contains(key, w) {
			return true
		}
	}
	for _, seg := range strings.FieldsFunc(key, func(r rune) bool { return r == '_' || r == '.' || r == '-' }) {
		for _, w := range secretSegments {
			if seg == w {
				return true
			}
		}
	}
	return false
}

func isKeyChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-'
}

// redactKV masks the values of secret-looking keys in key=value,
// key: value and "key":"value" forms, in one pass (a regular expression
// with a free key prefix is quadratic on long lines). Quoted values keep
// their quotes, so a TOML config stays valid; empty values stay empty, so
// support sees what is unset.
func redactKV(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '=' && s[i] != ':' {
			continue
		}
		j := i - 1
		for j >= 0 && s[j] == ' ' {
			j--
		}
		if j >= 0 && s[j] == '"' {
			j--
		}
		end := j + 1
		for j >= 0 && isKeyChar(s[j]) {
			j--
		}
		if j+1 == end || !secretKey(s[j+1:end]) {
			continue
		}
		k := i + 1
		for k < len(s) && s[k] == ' ' {
			k++
		}
		if k >= len(s) {
			break
		}
		vs, ve := k, k
		if q := s[k]; q == '"' || q == '\'' {
			vs = k + 1
			if e := strings.IndexByte(s[vs:], q); e >= 0 {
				ve = vs + e
			} else {
				ve = len(s)
			}
		} else {
			for ve < len(s) && !strings.ContainsRune(" \t,;}&\"'", rune(s[ve])) {
				ve++
			}
		}
		if ve == vs || strings.HasPrefix(s[vs:], Mask) {
			continue
		}
		b.WriteString(s[last:vs])
		b.WriteString(Mask)
		last = ve
		i = ve - 1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}
