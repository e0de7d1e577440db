package provision

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"tpe/payment/pin"
)

// KeyInjection is an AES DUKPT initial key as the key injection facility
// hands it over (docs/provisioning.md, "PIN key"):
//
//	# comment
//	initial_key_id = 1234567890123456           (8 bytes, hex)
//	initial_key    = 1273671EA26AC29AFA4D1084127652A1  (16 or 32 bytes, hex)
//
// One key per file, each field once, nothing else. The file is a secret:
// it is read, sealed under the device key, and should then be destroyed.
type KeyInjection struct {
	InitialKeyID [8]byte
	InitialKey   pin.Key
}

// ErrKeyInjection is a key injection file that breaks the format.
var ErrKeyInjection = errors.New("provision: not a valid key injection file")

// ParseKeyInjection reads a key injection file. Its errors name the line
// and the field, never a key byte.
func ParseKeyInjection(b []byte) (KeyInjection, error) {
	var k KeyInjection
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok || name == "" {
			return KeyInjection{}, fmt.Errorf("%w: line %d is not name = value", ErrKeyInjection, n)
		}
		if seen[name] {
			return KeyInjection{}, fmt.Errorf("%w: line %d: %s given twice", ErrKeyInjection, n, name)
		}
		seen[name] = true
		raw, err := hex.DecodeString(value)
		switch {
		case name != "initial_key_id" && name != "initial_key":
			return KeyInjection{}, fmt.Errorf("%w: line %d: unknown field %q (initial_key_id, initial_key)", ErrKeyInjection, n, name)
		case err != nil:
			return KeyInjection{}, fmt.Errorf("%w: line %d: %s is not hex", ErrKeyInjection, n, name)
		case name == "initial_key_id" && len(raw) != 8:
			return KeyInjection{}, fmt.Errorf("%w: line %d: initial_key_id is %d bytes, want 8 (16 hex digits)", ErrKeyInjection, n, len(raw))
		case name == "initial_key_id":
			k.InitialKeyID = [8]byte(raw)
		case len(raw) != 16 && len(raw) != 32:
			clear(raw)
			return KeyInjection{}, fmt.Errorf("%w: line %d: initial_key is %d bytes, want 16 (AES-128) or 32 (AES-256)", ErrKeyInjection, n, len(raw))
		default:
			k.InitialKey = pin.Key(raw)
		}
	}
	if err := sc.Err(); err != nil {
		return KeyInjection{}, fmt.Errorf("%w: %v", ErrKeyInjection, err)
	}
	if !seen["initial_key_id"] || !seen["initial_key"] {
		k.InitialKey.Wipe()
		return KeyInjection{}, fmt.Errorf("%w: initial_key_id and initial_key are both required", ErrKeyInjection)
	}
	return k, nil
}
