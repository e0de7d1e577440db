//go:build cgo || ci

package main

import (
	"context"
	"log/slog"
	"net"
)

// runWindow opens the simulator window and serves the API beside it.
func runWindow(ctx context.Context, w *world, ln net.Listener, log *slog.Logger) error {
	log.Info("listening on http://" + ln.Addr().String())
	// The window lands with issue #10; until then the simulator serves the API.
	log.Warn("the simulator window is not built yet: serving the API only")
	return w.term.Run(ctx, ln)
}
