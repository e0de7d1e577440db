// Package simtest gives tests a gateway simulator data directory quickly.
package simtest

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"tpe/payment/gateway/gatewaysim"
)

// keys is one simulator key file for the whole test binary: RSA key
// generation is the slow part of starting a simulator.
var keys = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "gatewaysim-keys")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	s, err := gatewaysim.New(dir, &gatewaysim.Opts{KeyBits: 1024, CardKeyBits: 1024})
	if err != nil {
		return nil, err
	}
	s.Close()
	return os.ReadFile(filepath.Join(dir, "keys.json"))
})

// Dir is a new data directory for gatewaysim.New holding the test
// binary's shared keys (1024-bit RSA signing key, the default EC card
// key): every simulator of the binary signs and publishes the same keys.
func Dir(tb testing.TB) string {
	tb.Helper()
	b, err := keys()
	if err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "keys.json"), b, 0o600); err != nil {
		tb.Fatal(err)
	}
	return dir
}
