//go:build !cgo || ci

package main

import (
	"context"
	"log/slog"
	"net"

	"tpe/cmd/internal/terminal"
)

// hasUI: no window in this build. Without cgo fyne's real driver cannot be
// linked; with the ci tag fyne would link its invisible test driver, whose
// window has no canvas (opening one panicked: index out of range [-1] in
// CanvasForObject), so this file replaces the UI under ci as well and the
// terminal refuses before it opens anything.
const hasUI = false

// runKiosk is never reached (run refuses first); it stays for the wiring.
func runKiosk(_ context.Context, _ *terminal.Terminal, ln net.Listener, _ *slog.Logger, _ *heartbeat) error {
	ln.Close()
	return errNoUI
}
