package sdnotify

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func listen(t *testing.T) *net.UnixConn {
	p := filepath.Join(t.TempDir(), "notify")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: p, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	t.Setenv("NOTIFY_SOCKET", p)
	return c
}

func read(t *testing.T, c *net.UnixConn) string {
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b := make([]byte, 256)
	n, err := c.Read(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(b[:n])
}

func TestReadyAndStopping(t *testing.T) {
	c := listen(t)
	if err := Ready(); err != nil {
		t.Fatal(err)
	}
	if got := read(t, c); got != "READY=1" {
		t.Fatalf("got %q, want READY=1", got)
	}
	Stopping()
	if got := read(t, c); got != "STOPPING=1" {
		t.Fatalf("got %q", got)
	}
}

func TestNoSocketIsNoop(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	if err := Ready(); err != nil {
		t.Fatal(err)
	}
}

func TestWatchdogInterval(t *testing.T) {
	t.Setenv("WATCHDOG_USEC", "30000000")
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
	if got := WatchdogInterval(); got != 30*time.Second {
		t.Fatalf("got %v", got)
	}
	t.Setenv("WATCHDOG_PID", "1")
	if got := WatchdogInterval(); got != 0 {
		t.Fatalf("other pid: got %v, want 0", got)
	}
}

func TestWatchdogPingsOnlyWhileHealthy(t *testing.T) {
	c := listen(t)
	t.Setenv("WATCHDOG_USEC", "2000000")
	t.Setenv("WATCHDOG_PID", "")
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		var healthy atomic.Bool
		healthy.Store(true)
		done := make(chan struct{})
		var pings atomic.Int32
		go func() {
			Watchdog(ctx, func() bool {
				if healthy.Load() {
					pings.Add(1)
				}
				return healthy.Load()
			})
			close(done)
		}()
		time.Sleep(3500 * time.Millisecond) // ticks at 1 s, 2 s, 3 s
		synctest.Wait()
		healthy.Store(false)
		time.Sleep(3 * time.Second)
		synctest.Wait()
		cancel()
		<-done
		if n := pings.Load(); n != 3 {
			t.Fatalf("got %d pings, want 3", n)
		}
	})
	for i := 0; i < 3; i++ {
		if got := read(t, c); got != "WATCHDOG=1" {
			t.Fatalf("got %q", got)
		}
	}
	c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, err := c.Read(make([]byte, 64)); err == nil {
		t.Fatalf("unexpected ping after unhealthy (%d bytes)", n)
	}
}
