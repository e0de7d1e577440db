//go:build !cgo && !ci

package main

import (
	"context"
	"errors"
	"log/slog"
	"net"

	"tpe/cmd/internal/terminal"
)

// runKiosk: this build has no UI (cross builds are CGO_ENABLED=0).
func runKiosk(_ context.Context, _ *terminal.Terminal, ln net.Listener, _ *slog.Logger) error {
	ln.Close()
	return errors.New("this build has no cashier UI (built without cgo): run with --headless")
}
