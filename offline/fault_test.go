package offline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	berrors "go.etcd.io/bbolt/errors"

	"tpe/payment"
)

// TestFaultTexts: every fault has its own code, a message and a fix, none
// of which names a file, and matches the payment layer's sentinel.
func TestFaultTexts(t *testing.T) {
	codes := map[string]bool{}
	for _, f := range Faults {
		t.Run(f.Code(), func(t *testing.T) {
			if !strings.HasPrefix(f.Code(), "storage_") || codes[f.Code()] {
				t.Errorf("code %q: want a unique storage_ code", f.Code())
			}
			codes[f.Code()] = true
			if f.Message() == "" || f.Fix() == "" {
				t.Errorf("message %q, fix %q: want both", f.Message(), f.Fix())
			}
			for _, s := range []string{f.Message(), f.Fix()} {
				if strings.Contains(s, "/") {
					t.Errorf("%q names a path", s)
				}
			}
			want := payment.ErrStorageUnavailable
			if f == FaultFull {
				want = payment.ErrStorageFull
			}
			err := fmt.Errorf("saving: %w", f.sentinel())
			if !errors.Is(err, want) || Classify(err) != f {
				t.Errorf("errors.Is(%v, %v) = false or Classify = %v", err, want, Classify(err))
			}
			if sf, ok := payment.StorageFaultOf(err); !ok || sf != f.StorageFault() {
				t.Errorf("StorageFaultOf = %+v, %v; want %+v", sf, ok, f.StorageFault())
			}
		})
	}
	if !strings.Contains(FaultCorrupt.Fix(), "do not delete") || strings.Contains(FaultPermission.Fix(), "backup") ||
		strings.Contains(FaultReadOnly.Fix(), "backup") || !strings.Contains(FaultFull.Fix(), "nothing was lost") {
		t.Error("the fixes do not match their faults")
	}
}

// TestClassifyErrno: the system errors under the store's errors, even where
// bbolt formats them into text.
func TestClassifyErrno(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want Fault
	}{
		{"nil", nil, FaultNone},
		{"stale", ErrStale, FaultNone},
		{"cancelled", context.Canceled, FaultNone},
		{"ENOSPC on a page write", &fs.PathError{Op: "write", Path: "/data/journal.db", Err: syscall.ENOSPC}, FaultFull},
		{"EDQUOT", syscall.EDQUOT, FaultFull},
		{"EFBIG formatted by bbolt", fmt.Errorf("file resize error: %s", syscall.EFBIG), FaultFull},
		{"max size", berrors.ErrMaxSizeReached, FaultFull},
		{"EROFS", &fs.PathError{Op: "open", Path: "/data/journal.db", Err: syscall.EROFS}, FaultReadOnly},
		{"EACCES", &fs.PathError{Op: "open", Path: "/data/journal.db", Err: syscall.EACCES}, FaultPermission},
		{"EPERM", syscall.EPERM, FaultPermission},
		{"lock timeout", berrors.ErrTimeout, FaultLocked},
		{"EIO", fmt.Errorf("file sync error: %s", syscall.EIO), FaultIO},
		{"write error of unknown cause", fmt.Errorf("%w: boom", ErrWrite), FaultIO},
		{"corrupt", &CorruptError{Path: "/data/journal.db", Reason: "damaged page"}, FaultCorrupt},
		{"wrong key", fmt.Errorf("%w: /data/device.key", ErrWrongKey), FaultWrongKey},
		{"no key", fmt.Errorf("%w: /data/device.key", ErrNoKey), FaultNoKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.err); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestOpenFaults makes each fault Open can meet for real, in-process, and
// checks it is named, matches the payment layer and is never reported as
// corruption when the file is sound.
func TestOpenFaults(t *testing.T) {
	seed := func(t *testing.T) string {
		st, dir := newStore(t)
		for i := range 20 {
			saveNew(t, st, cardTxn(i, t0))
		}
		st.Close()
		return dir
	}
	tests := []struct {
		name   string
		damage func(t *testing.T, dir string) *Opts // returns the Opts to open with
		want   Fault
	}{
		{"damaged meta pages", func(t *testing.T, dir string) *Opts {
			p := filepath.Join(dir, FileName)
			b, _ := os.ReadFile(p)
			copy(b[16:], bytes.Repeat([]byte{0xA5}, 64))
			copy(b[4096+16:], bytes.Repeat([]byte{0xA5}, 64))
			os.WriteFile(p, b, 0o600)
			return nil
		}, FaultCorrupt},
		{"damaged page with check", func(t *testing.T, dir string) *Opts {
			p := filepath.Join(dir, FileName)
			b, _ := os.ReadFile(p)
			clear(b[2*4096:])
			os.WriteFile(p, b, 0o600)
			return &Opts{Check: true}
		}, FaultCorrupt},
		{"another key file", func(t *testing.T, dir string) *Opts {
			other := filepath.Join(t.TempDir(), "other.key")
			if err := CreateKey(other); err != nil {
				t.Fatal(err)
			}
			return &Opts{KeyFile: other}
		}, FaultWrongKey},
		{"key file missing", func(t *testing.T, dir string) *Opts {
			return &Opts{KeyFile: filepath.Join(dir, "missing.key")}
		}, FaultNoKey},
		{"locked by another process", func(t *testing.T, dir string) *Opts {
			// flock(2) locks conflict between two opens in one process as
			// between two processes.
			st, err := reopen(t, dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			_ = st
			return &Opts{LockTimeout: time.Millisecond}
		}, FaultLocked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := seed(t)
			_, err := reopen(t, dir, tt.damage(t, dir))
			if got := Classify(err); got != tt.want {
				t.Fatalf("got %v (%v), want %v", got, err, tt.want)
			}
			if !errors.Is(err, tt.want.paymentErr()) {
				t.Errorf("%v does not match %v", err, tt.want.paymentErr())
			}
			if (tt.want == FaultCorrupt) != errors.Is(err, ErrCorrupt) {
				t.Errorf("ErrCorrupt = %v for %v", errors.Is(err, ErrCorrupt), tt.want)
			}
		})
	}
}

// TestWriteFaultRemembered: a write that fails with the size limit is
// named storage_full, a new payment is then refused before it starts, and
// the next write that succeeds clears the fault.
func TestWriteFaultRemembered(t *testing.T) {
	dir := t.TempDir()
	now := t0
	st, err := Open(filepath.Join(dir, FileName), &Opts{KeyFile: filepath.Join(dir, KeyName), CreateKey: true,
		MaxSize: 256 << 10, Retention: time.Hour, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	if l := st.Fault(); l.Fault != FaultNone {
		t.Fatalf("fresh store: fault %v", l.Fault)
	}
	// Cancelled sales in batch 1, purgeable once the batch is closed, until
	// a new payment is refused.
	var full error
	n := 0
	for ; n < 10000; n++ {
		tx := cardTxn(n, t0)
		tx.Reference = strings.Repeat("x", 3000)
		if full = st.Save(ctx, tx); full != nil {
			break
		}
		if err := tx.Transition(payment.StateCancelled, t0, "test"); err != nil {
			t.Fatal(err)
		}
		st.Save(ctx, tx) // may not fit either: the next payment is refused then
	}
	if Classify(full) != FaultFull || !errors.Is(full, ErrWrite) || !errors.Is(full, payment.ErrStorageFull) {
		t.Fatalf("after %d payments: got %v, want storage_full", n, full)
	}
	t.Logf("payment %d refused: %v", n, full)
	// The write itself failing, not only the check before a new payment:
	// a step of a recorded payment that needs new pages.
	last := cardTxn(n-1, t0)
	if err := last.Transition(payment.StateCancelled, t0, "test"); err != nil {
		t.Fatal(err)
	}
	last.Reference = strings.Repeat("y", 128<<10)
	if err := st.Save(ctx, last); Classify(err) != FaultFull || !errors.Is(err, berrors.ErrMaxSizeReached) {
		t.Fatalf("a step that does not fit: got %v, want bbolt's size limit as storage_full", err)
	} else {
		full = err
	}
	if strings.Contains(full.Error(), dir) {
		t.Errorf("write error names the file: %v", full)
	}
	l := st.Fault()
	if l.Fault != FaultFull || !l.At.Equal(now) {
		t.Errorf("Fault() = %+v, want storage_full at %v", l, now)
	}
	if err := st.Save(ctx, last); Classify(err) != FaultFull {
		t.Errorf("the same step again: got %v, want storage_full", err)
	}
	again := cardTxn(99999, t0)
	again.Reference = strings.Repeat("z", 128<<10)
	if err := st.Save(ctx, again); Classify(err) != FaultFull {
		t.Errorf("a new payment on a full journal: got %v, want storage_full", err)
	}

	// Free space: close the day, purge what retention allows.
	now = t0.Add(2 * time.Hour)
	if _, err := st.CloseBatch(ctx, now); err != nil {
		t.Fatalf("closing the batch on a full journal: %v", err)
	}
	if _, err := st.Purge(ctx, now); err != nil {
		t.Fatal(err)
	}
	if l := st.Fault(); l.Fault != FaultNone {
		t.Errorf("after a successful write: fault %+v", l)
	}
	if err := st.Writable(); err != nil {
		t.Errorf("Writable() after purge: %v", err)
	}
	if err := st.Save(ctx, cardTxn(99999, now)); err != nil {
		t.Errorf("a new payment after purge: %v", err)
	}
}
