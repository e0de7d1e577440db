package offline

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"tpe/payment/notify"
)

// TestOutboxStatsAndReadOnly: the health check's counts (queued, parked,
// the oldest queued) from a real bbolt file, and a read-only open that
// lists both while the terminal is stopped and is refused while it runs.
func TestOutboxStatsAndReadOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), OutboxFileName)
	at := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	now := at
	o, err := OpenOutbox(path, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	if s, err := o.Stats(ctx); err != nil || s != (OutboxStats{}) {
		t.Fatalf("empty outbox: %+v, %v", s, err)
	}
	mail := func(to, subject string) []byte {
		b, _ := json.Marshal(notify.Message{To: to, Subject: subject, Text: "secret body"})
		return b
	}
	refused, _ := o.Put(ctx, mail("nobody@example.com", "Lien payé"))
	now = at.Add(time.Minute)
	if _, err := o.Put(ctx, mail("shop@example.com", "Rapport Z")); err != nil {
		t.Fatal(err)
	}
	if err := o.Failed(ctx, refused, "550 5.1.1 user unknown", true); err != nil {
		t.Fatal(err)
	}
	s, err := o.Stats(ctx)
	want := OutboxStats{Queued: 1, Parked: 1, OldestQueued: at.Add(time.Minute)}
	if err != nil || !s.OldestQueued.Equal(want.OldestQueued) || s.Queued != 1 || s.Parked != 1 {
		t.Fatalf("stats %+v, %v; want %+v", s, err, want)
	}
	if _, err := OpenOutboxReadOnly(path); !errors.Is(err, ErrLocked) {
		t.Fatalf("read-only open while the terminal holds it: %v, want ErrLocked", err)
	}
	o.Close()

	ro, err := OpenOutboxReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	parked, err := ro.Parked(ctx)
	if err != nil || len(parked) != 1 || parked[0].LastError != "550 5.1.1 user unknown" || parked[0].Attempts != 1 {
		t.Fatalf("parked %+v, %v", parked, err)
	}
	if e, ok := parked[0].Envelope(); !ok || e.To != "nobody@example.com" || e.Subject != "Lien payé" {
		t.Errorf("envelope %+v %v", e, ok)
	}
	if s2, err := ro.Stats(ctx); err != nil || s2.Queued != 1 || s2.Parked != 1 {
		t.Errorf("read-only stats %+v, %v", s2, err)
	}
	if _, err := OpenOutboxReadOnly(filepath.Join(t.TempDir(), OutboxFileName)); err == nil {
		t.Error("a missing outbox opened read-only")
	}
}
