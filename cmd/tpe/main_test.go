package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMain lets the test binary be tpe itself, run as a separate process.
func TestMain(m *testing.M) {
	if os.Getenv("TPE_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestVersionAndHelp: both answer with exit 0, and in a C locale
// (containers, minimal installs) without fyne's "Error parsing user
// locale C".
func TestVersionAndHelp(t *testing.T) {
	for _, loc := range []string{"LANG=C.UTF-8", "LC_ALL=C.UTF-8", "LANG=C", "LANG=fr_FR.UTF-8"} {
		for _, tt := range []struct {
			args []string
			want string
		}{
			{[]string{"version"}, "tpe "},
			{[]string{"--help"}, "example:"},
			{[]string{"-h"}, "-config"},
		} {
			t.Run(loc+" "+tt.args[0], func(t *testing.T) {
				cmd := exec.Command(os.Args[0], tt.args...)
				for _, kv := range os.Environ() {
					switch name, _, _ := strings.Cut(kv, "="); name {
					case "LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES":
					default:
						cmd.Env = append(cmd.Env, kv)
					}
				}
				cmd.Env = append(cmd.Env, "TPE_MAIN=1", loc)
				out, err := cmd.CombinedOutput()
				if err != nil || !strings.Contains(string(out), tt.want) {
					t.Fatalf("exit %v, want 0 and %q:\n%s", err, tt.want, out)
				}
				if strings.Contains(string(out), "Fyne error") {
					t.Errorf("locale noise:\n%s", out)
				}
			})
		}
	}
}
