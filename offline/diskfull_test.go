package offline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

const fullChildEnv = "TPE_OFFLINE_FULL_CHILD"

// fullChild saves payments under a file-size limit (RLIMIT_FSIZE) set at
// the journal's current size: the kernel refuses the growth with EFBIG, a
// real write error like a full disk's ENOSPC. It prints the IDs saved and
// the error. (bbolt formats the errno of a failed growth away; Classify
// still reads it from the text, so this one is storage_full too.)
func fullChild(dir string) int {
	st, err := Open(filepath.Join(dir, FileName), &Opts{KeyFile: filepath.Join(dir, KeyName)})
	if err != nil {
		fmt.Println("open:", err)
		return 2
	}
	fi, _ := os.Stat(st.Path())
	signal.Ignore(syscall.SIGXFSZ)
	lim := syscall.Rlimit{Cur: uint64(fi.Size()), Max: uint64(fi.Size())}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		fmt.Println("setrlimit:", err)
		return 2
	}
	for i := 1000; i < 100000; i++ {
		tx := cardTxn(i, t0)
		tx.Reference = strings.Repeat("x", 1500)
		if err := st.Save(context.Background(), tx); err != nil {
			fmt.Printf("FULL %s write=%v fault=%s\n", tx.ID, errors.Is(err, ErrWrite), Classify(err))
			fmt.Println("ERR", err)
			return 0
		}
		fmt.Println("SAVED", tx.ID)
	}
	return 3
}

func TestDiskFullRealWriteError(t *testing.T) {
	st, dir := newStore(t)
	for i := range 10 {
		saveNew(t, st, cardTxn(i, t0))
	}
	st.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fullChildEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var saved []string
	var failed string
	for _, l := range strings.Split(string(out), "\n") {
		switch f := strings.Fields(l); {
		case len(f) == 2 && f[0] == "SAVED":
			saved = append(saved, f[1])
		case len(f) > 0 && f[0] == "ERR":
			t.Log(l)
			if strings.Contains(l, dir) {
				t.Errorf("the write error names the journal's path: %s", l)
			}
		case len(f) == 4 && f[0] == "FULL":
			failed = f[1]
			if f[2] != "write=true" {
				t.Errorf("the write error is not ErrWrite: %s", l)
			}
			if f[3] != "fault="+FaultFull.Code() {
				t.Errorf("the write error is not storage_full: %s", l)
			}
		}
	}
	if failed == "" {
		t.Fatalf("no save failed:\n%s", out)
	}
	st, err = reopen(t, dir, &Opts{Check: true})
	if err != nil {
		t.Fatalf("journal after the failed write: %v", err)
	}
	ctx := context.Background()
	for _, id := range append(saved, "pay_000000", "pay_000009") {
		if _, err := st.Get(ctx, id); err != nil {
			t.Errorf("%s lost: %v", id, err)
		}
	}
	if _, err := st.Get(ctx, failed); err == nil {
		t.Errorf("%s was reported failed but is in the journal", failed)
	}
	t.Logf("%d saves fitted, then %s failed", len(saved), failed)
}
