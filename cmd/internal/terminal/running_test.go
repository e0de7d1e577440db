package terminal

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"tpe/config"
)

// runningTerminal opens a terminal with cfg and runs it on a loopback
// listener until the test ends (Run must then return nil). It returns the
// terminal and a client of its local API: call sends method path with
// token as the bearer and returns the status and the body.
func runningTerminal(t *testing.T, cfg config.Config) (*Terminal, func(method, path, token string) (int, []byte)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	term, err := Open(ctx, cfg, Devices{}, Opts{CreateKey: true})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		term.Close()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- term.Run(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		term.Close()
	})
	base := term.APIURL(ln)
	call := func(method, path, token string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, body
	}
	return term, call
}
