package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// simPackage reports whether an import path is simulator machinery: a path
// element ending in "sim" (device/sim, pn532sim, gatewaysim, cardsim,
// ptysim…), the simulator UI and its contract, or creack/pty (only
// emulators need pseudo-terminals).
func simPackage(path string) bool {
	if path == "github.com/creack/pty" || strings.HasPrefix(path, "github.com/creack/pty/") {
		return true
	}
	for _, el := range strings.Split(path, "/") {
		if strings.HasSuffix(el, "sim") || el == "simulator" || el == "simctl" {
			return true
		}
	}
	return false
}

func TestSimPackage(t *testing.T) {
	for path, want := range map[string]bool{
		"tpe/device/sim":                               true,
		"tpe/drivers/pn532/pn532sim":                   true,
		"tpe/payment/gateway/gatewaysim":               true,
		"tpe/payment/emv/cardsim":                      true,
		"tpe/ui/simulator":                             true,
		"tpe/ui/api/apisim":                            true,
		"github.com/creack/pty":                        true,
		"tpe/drivers/serialport":                       false,
		"golang.org/x/text/encoding/simplifiedchinese": false,
		"tpe/payment/simple":                           false,
	} {
		if got := simPackage(path); got != want {
			t.Errorf("simPackage(%q) = %v, want %v", path, got, want)
		}
	}
}

// TestNoSimulatorInProduction: the production binary links no simulator
// package and no pseudo-terminal library, in each of its build variants
// (cgo with the kiosk UI, the CGO_ENABLED=0 cross build, and -tags ci).
func TestNoSimulatorInProduction(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	for _, v := range []struct {
		name string
		env  []string
		args []string
	}{
		{"cgo", []string{"CGO_ENABLED=1"}, nil},
		{"nocgo", []string{"CGO_ENABLED=0"}, nil},
		{"ci", []string{"CGO_ENABLED=0"}, []string{"-tags", "ci"}},
	} {
		t.Run(v.name, func(t *testing.T) {
			args := append([]string{"list", "-deps"}, v.args...)
			args = append(args, "tpe/cmd/tpe")
			cmd := exec.Command("go", args...)
			cmd.Env = append(os.Environ(), v.env...)
			out, err := cmd.Output()
			if err != nil {
				var stderr string
				if ee, ok := err.(*exec.ExitError); ok {
					stderr = string(ee.Stderr)
				}
				t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr)
			}
			var bad []string
			for _, p := range strings.Fields(string(out)) {
				if simPackage(p) {
					bad = append(bad, p)
				}
			}
			if len(bad) > 0 {
				t.Errorf("tpe (%s) depends on simulator packages: %s\n(go list -deps %s ./cmd/tpe; docs/architecture.md §3)", v.name, strings.Join(bad, ", "), strings.Join(v.args, " "))
			}
		})
	}
}
