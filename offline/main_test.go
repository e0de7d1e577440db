package offline

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	// The crash test runs this binary again as the terminal it kills.
	if dir := os.Getenv(crashChildEnv); dir != "" {
		os.Exit(crashChild(dir))
	}
	if dir := os.Getenv(fullChildEnv); dir != "" {
		os.Exit(fullChild(dir))
	}
	if spec := os.Getenv(faultChildEnv); spec != "" {
		os.Exit(faultChild(spec))
	}
	code := m.Run()
	cleanupFixtures()
	os.Exit(code)
}
