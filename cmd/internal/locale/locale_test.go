package locale

import (
	"os"
	"testing"

	"tpe/config"
)

func TestFix(t *testing.T) {
	tests := []struct {
		name                  string
		lcAll, lcMessages, lg string
		wantVar, wantValue    string
	}{
		{"C.UTF-8", "", "", "C.UTF-8", "LC_MESSAGES", "en_US.UTF-8"},
		{"C", "", "", "C", "LC_MESSAGES", "en_US.UTF-8"},
		{"POSIX", "", "", "POSIX", "LC_MESSAGES", "en_US.UTF-8"},
		{"unset", "", "", "", "LC_MESSAGES", "en_US.UTF-8"},
		{"LC_ALL C.UTF-8 wins", "C.UTF-8", "", "fr_FR.UTF-8", "LC_ALL", "en_US.UTF-8"},
		{"user's LANG kept", "", "", "de_DE.UTF-8", "", ""},
		{"user's LC_MESSAGES kept", "", "fr_CA.UTF-8", "C.UTF-8", "", ""},
		{"user's LC_ALL kept", "it_IT.UTF-8", "", "C", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("LC_ALL", tt.lcAll)
			t.Setenv("LC_MESSAGES", tt.lcMessages)
			t.Setenv("LANG", tt.lg)
			got := fix("en")
			if got != tt.wantVar {
				t.Fatalf("got variable %q, want %q", got, tt.wantVar)
			}
			if got != "" && os.Getenv(got) != tt.wantValue {
				t.Errorf("got %s=%q, want %q", got, os.Getenv(got), tt.wantValue)
			}
			if tt.lg != "" && os.Getenv("LANG") != tt.lg {
				t.Errorf("LANG changed to %q", os.Getenv("LANG"))
			}
		})
	}
}

func TestDefaultIsTheConfigDefault(t *testing.T) {
	for _, c := range []config.Config{config.Defaults(), config.SimDefaults(t.TempDir())} {
		if c.Terminal.Language != Default {
			t.Errorf("got config default %q, want locale.Default %q", c.Terminal.Language, Default)
		}
	}
}
