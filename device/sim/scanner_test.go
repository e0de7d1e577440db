package sim

import (
	"context"
	"errors"
	"testing"
	"time"

	devscanner "tpe/device/scanner"
	"tpe/drivers/scanner"
)

func TestScannerEmulator(t *testing.T) {
	s, err := NewScanner(&ScannerOpts{Prefix: "\x02", Suffix: "\x03", Driver: &scanner.Opts{Prefix: "\x02", Suffix: "\x03"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const code = "281012345678901234" // Alipay+ CPM payment code
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- s.ScanWhenAsked(ctx, code) }()
	got, err := s.Scanner().Scan(ctx)
	if err != nil || got != code {
		t.Fatalf("got %q, %v; want %q", got, err, code)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "12\r34", "caf\xc3\xa9"} {
		if err := s.Scan(bad); !errors.Is(err, ErrBadCode) {
			t.Errorf("Scan(%q): got %v, want ErrBadCode", bad, err)
		}
	}
	go func() {
		for !s.Waiting() {
			time.Sleep(time.Millisecond)
		}
		s.Unplug()
	}()
	if _, err := s.Scanner().Scan(ctx); !errors.Is(err, devscanner.ErrUnplugged) {
		t.Fatalf("after Unplug: got %v, want ErrUnplugged", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close after Unplug: %v", err)
	}
}

func TestScanWhenAskedTimesOut(t *testing.T) {
	s, err := NewScanner(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
	defer cancel()
	if err := s.ScanWhenAsked(ctx, "12345678901234567"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the deadline", err)
	}
}
