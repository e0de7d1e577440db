package simulator

import (
	"os"
	"testing"
)

// TestMain gives fyne a locale it can parse: this image's default LANG=C
// makes it log an error on every app (harmless, but noise in CI logs).
func TestMain(m *testing.M) {
	if l := os.Getenv("LANG"); l == "" || l == "C" || l == "C.UTF-8" {
		os.Setenv("LANG", "fr_FR.UTF-8")
	}
	os.Exit(m.Run())
}
