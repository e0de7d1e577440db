// Package sdnotify speaks systemd's notification protocol (sd_notify(3)):
// READY=1 when the terminal is up, WATCHDOG=1 pings while it is healthy,
// STOPPING=1 on shutdown. It lets tpe.service use Type=notify and
// WatchdogSec= so that systemd restarts a hung terminal. Outside systemd
// (NOTIFY_SOCKET unset) every call is a no-op.
//
// Wiring in cmd/tpe, after boot recovery and before serving:
//
//	sdnotify.Ready()
//	g.Go(func() error { return sdnotify.Watchdog(ctx, healthy) })
package sdnotify
