package offline

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

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

// TestOutboxUnparkDiscard: parked mail goes back to the queue (keeping its
// ID, rewritten) or is discarded, each in one durable step that survives a
// reopen of the real file; a step that dies half-way (a panic inside the
// transaction) leaves the mail parked as it was; the oldest wait counts a
// requeued mail from its requeue.
func TestOutboxUnparkDiscard(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), OutboxFileName)
	at := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	now := at
	clock := func() time.Time { return now }
	o, err := OpenOutbox(path, clock)
	if err != nil {
		t.Fatal(err)
	}
	put := func(to string) uint64 {
		b, _ := json.Marshal(notify.Message{To: to, Subject: "s", Text: "t", ID: "mid-" + strings.Split(to, "@")[0]})
		id, err := o.Put(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Minute)
		return id
	}
	a, b, c, queued := put("a@typo.example"), put("b@typo.example"), put("c@typo.example"), put("d@shop.example")
	for _, id := range []uint64{a, b, c} {
		if err := o.Failed(ctx, id, "550 no such user", true); err != nil {
			t.Fatal(err)
		}
	}
	// A broken record among the parked (written by hand: nothing the
	// outbox writes looks like it).
	o.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketParked).Put(outboxKey(99), []byte("{not json")) })

	to := func(data []byte) ([]byte, error) { return notify.Readdress("owner@shop.example")(data) }
	if _, err := o.Unpark(ctx, queued, to); !errors.Is(err, notify.ErrMailNotParked) {
		t.Errorf("unpark of a queued mail: %v, want ErrMailNotParked", err)
	}
	if _, err := o.Unpark(ctx, 1234, to); !errors.Is(err, notify.ErrMailNotFound) {
		t.Errorf("unpark of an unknown mail: %v, want ErrMailNotFound", err)
	}
	if _, err := o.Discard(ctx, queued); !errors.Is(err, notify.ErrMailNotParked) {
		t.Errorf("discard of a queued mail: %v, want ErrMailNotParked", err)
	}
	if _, err := o.Unpark(ctx, 99, to); !errors.Is(err, notify.ErrMailUnreadable) {
		t.Errorf("unpark of a broken record: %v, want ErrMailUnreadable", err)
	}

	// The process dies inside the step: nothing moved.
	func() {
		defer func() { recover() }()
		o.Unpark(ctx, a, func([]byte) ([]byte, error) { panic("power cut") })
	}()
	if p, _ := o.Parked(ctx); len(p) != 4 {
		t.Fatalf("after a step died: %d parked, want the 4 as they were", len(p))
	}

	now = at.Add(time.Hour)
	s, err := o.Unpark(ctx, a, to)
	if err != nil || s.ID != a {
		t.Fatalf("unpark: %+v, %v; want mail %d", s, err, a)
	}
	if e, _ := s.Envelope(); e.To != "owner@shop.example" {
		t.Errorf("requeued to %q, want the current address", e.To)
	}
	var m notify.Message
	json.Unmarshal(s.Data, &m)
	if m.ID != "mid-a" || m.Subject != "s" {
		t.Errorf("requeued message %+v: Message-ID or content changed", m)
	}
	// a sits first in the queue but waits only since the requeue: the
	// oldest wait is d's.
	if st, _ := o.Stats(ctx); st.Queued != 2 || st.Parked != 3 || !st.OldestQueued.Equal(at.Add(3*time.Minute)) {
		t.Errorf("stats after requeue %+v, want 2 queued since %v", st, at.Add(3*time.Minute))
	}

	// Reopen: the step was durable.
	o.Close()
	if o, err = OpenOutbox(path, clock); err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	q, _ := o.Pending(ctx)
	if len(q) != 2 || q[0].ID != a || q[1].ID != queued {
		t.Fatalf("queue after reopen %+v, want %d then %d", q, a, queued)
	}

	moved, kept, err := o.UnparkAll(ctx, to)
	if err != nil || len(moved) != 2 || moved[0].ID != b || moved[1].ID != c || len(kept) != 1 || kept[0].ID != 99 {
		t.Fatalf("unpark all: moved %+v kept %+v, %v; want b and c moved, the broken one kept", moved, kept, err)
	}
	if d, err := o.Discard(ctx, 99); err != nil || d.ID != 99 {
		t.Fatalf("discard: %+v, %v", d, err)
	}
	if _, err := o.Discard(ctx, 99); !errors.Is(err, notify.ErrMailNotFound) {
		t.Errorf("second discard: %v, want ErrMailNotFound", err)
	}
	if st, _ := o.Stats(ctx); st.Parked != 0 || st.Queued != 4 {
		t.Errorf("stats %+v, want 4 queued, none parked", st)
	}
	for _, id := range []uint64{b, c} {
		o.Failed(ctx, id, "550 again", true)
	}
	gone, err := o.DiscardAll(ctx)
	if err != nil || len(gone) != 2 || gone[0].LastError != "550 again" {
		t.Fatalf("discard all: %+v, %v", gone, err)
	}
	o.Close()
	if o, err = OpenOutbox(path, clock); err != nil {
		t.Fatal(err)
	}
	if st, _ := o.Stats(ctx); st.Parked != 0 || st.Queued != 2 {
		t.Errorf("after reopen %+v, want 2 queued, none parked", st)
	}
}
