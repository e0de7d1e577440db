package main

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestCheckListen(t *testing.T) {
	const tok = "0123456789abcdef0123"
	tests := []struct {
		listen, token string
		want          string // substring of the error, "" for none
	}{
		{"127.0.0.1:8080", "", ""},
		{"127.0.0.2:8080", "", ""},
		{"localhost:8080", "", ""},
		{"[::1]:8080", "", ""},
		{"0.0.0.0:8081", "", "needs a token"},
		{":8081", "", "needs a token"},
		{"[::]:8081", "", "needs a token"},
		{"192.168.1.20:8081", "", "TPE_API_TOKEN"},
		{"tpe.local:8081", "", "--token"},
		{"0.0.0.0:8081", tok, ""},
		{"0.0.0.0:8081", "short", "5 characters, want at least 16"},
		{"127.0.0.1:8080", "short", "want at least 16"},
		{"8080", "", "not host:port"},
	}
	for _, tt := range tests {
		t.Run(tt.listen+"/"+tt.token, func(t *testing.T) {
			err := checkListen(tt.listen, tt.token)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error with %q", err, tt.want)
			case err != nil && tt.token != "" && strings.Contains(err.Error(), tt.token):
				t.Errorf("the error shows the token: %v", err)
			}
		})
	}
}

// TestLANListenWithoutTokenRefused runs the real binary: it must not start.
func TestLANListenWithoutTokenRefused(t *testing.T) {
	cmd := exec.Command(os.Args[0], "--headless", "--listen", "0.0.0.0:0", "--data", t.TempDir())
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, tokenEnv+"=") {
			cmd.Env = append(cmd.Env, e)
		}
	}
	cmd.Env = append(cmd.Env, "TPE_SIM_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("got %v, want exit status 1\n%s", err, stderr.String())
	}
	for _, want := range []string{"0.0.0.0:0", "needs a token", "--token", tokenEnv, "api.token"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("message lacks %q:\n%s", want, stderr.String())
		}
	}
	if strings.Contains(stderr.String(), "listening on") {
		t.Errorf("it listened anyway:\n%s", stderr.String())
	}
}

// TestLANListenWithToken: with a token (flag or environment) the simulator
// serves beyond loopback and every request needs it.
func TestLANListenWithToken(t *testing.T) {
	const tok = "lan-token-0123456789abcdef"
	t.Run("--token", func(t *testing.T) {
		lanRequests(t, startSim(t, t.TempDir(), "--listen", "0.0.0.0:0", "--token", tok), tok)
	})
	t.Run(tokenEnv, func(t *testing.T) {
		t.Setenv(tokenEnv, tok)
		lanRequests(t, startSim(t, t.TempDir(), "--listen", "0.0.0.0:0"), tok)
	})
}

func lanRequests(t *testing.T, p *simProc, tok string) {
	t.Helper()
	for _, tt := range []struct {
		token  string
		status int
	}{{"", 401}, {"wrong-token-0123456789", 401}, {tok, 200}} {
		req, _ := http.NewRequest("GET", p.url+"/v1/health", nil)
		if tt.token != "" {
			req.Header.Set("Authorization", "Bearer "+tt.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("token %q: got %d, want %d", tt.token, resp.StatusCode, tt.status)
		}
	}
}
