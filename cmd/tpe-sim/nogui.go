//go:build !cgo && !ci

package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
)

// runWindow: this build has no window (CGO_ENABLED=0 without the ci tag).
func runWindow(_ context.Context, _ *world, ln net.Listener, _ *slog.Logger) error {
	ln.Close()
	return errors.New("this build has no window support (built without cgo): run with --headless, or build with `make build`")
}
