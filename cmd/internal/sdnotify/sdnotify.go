package sdnotify

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"
)

// Notify sends one state string ("READY=1", "STATUS=…") to systemd.
func Notify(state string) error {
	addr := os.Getenv("NOTIFY_SOCKET")
	if addr == "" {
		return nil
	}
	if addr[0] == '@' {
		addr = "\x00" + addr[1:] // abstract namespace
	}
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("sdnotify: %w", err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(state)); err != nil {
		return fmt.Errorf("sdnotify: %w", err)
	}
	return nil
}

// Ready tells systemd the service is up.
func Ready() error { return Notify("READY=1") }

// Stopping tells systemd the service is shutting down.
func Stopping() error { return Notify("STOPPING=1") }

// WatchdogInterval is WatchdogSec for this process, 0 when disabled.
func WatchdogInterval() time.Duration {
	us, err := strconv.ParseInt(os.Getenv("WATCHDOG_USEC"), 10, 64)
	if err != nil || us <= 0 {
		return 0
	}
	if pid := os.Getenv("WATCHDOG_PID"); pid != "" && pid != strconv.Itoa(os.Getpid()) {
		return 0
	}
	return time.Duration(us) * time.Microsecond
}

// Watchdog pings systemd at half the watchdog interval for as long as
// healthy returns true (nil healthy means always). A hung main loop stops
// the pings, and systemd restarts the service. It returns when ctx ends.
func Watchdog(ctx context.Context, healthy func() bool) error {
	iv := WatchdogInterval()
	if iv == 0 {
		<-ctx.Done()
		return nil
	}
	t := time.NewTicker(iv / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if healthy == nil || healthy() {
				if err := Notify("WATCHDOG=1"); err != nil {
					return err
				}
			}
		}
	}
}
