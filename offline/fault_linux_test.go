package offline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"tpe/payment"
)

// The storage faults made for real: a child process (this test binary run
// again) opens the journal as another user, or inside a private mount
// namespace where it mounts a small tmpfs it can fill or remount read-only.
// The child prints "KEY value" lines the test reads.
const faultChildEnv = "TPE_OFFLINE_FAULT_CHILD" // scenario:dir

const nobody = 65534

func faultChild(spec string) int {
	scenario, dir, _ := strings.Cut(spec, ":")
	say := func(k string, v ...any) { fmt.Println(k, fmt.Sprint(v...)) }
	code := func(err error) string {
		if err == nil {
			return "ok"
		}
		if strings.Contains(err.Error(), dir) && scenario == "full" {
			say("PATHLEAK", err)
		}
		return Classify(err).String()
	}
	path, key := filepath.Join(dir, FileName), filepath.Join(dir, KeyName)
	ctx := context.Background()
	switch scenario {
	case "open":
		_, err := Open(path, &Opts{KeyFile: key})
		say("OPEN", code(err))
		say("CORRUPT", errors.Is(err, ErrCorrupt))
		say("UNAVAILABLE", errors.Is(err, payment.ErrStorageUnavailable))
		say("ERR", err)
		return 0
	case "readonly", "full":
	default:
		return 2
	}
	size := "size=8m"
	if scenario == "full" {
		size = "size=2m"
	}
	if err := syscall.Mount("tpe-test", dir, "tmpfs", 0, size); err != nil {
		say("SKIP", "mounting a tmpfs: ", err)
		return 0
	}
	st, err := Open(path, &Opts{KeyFile: key, CreateKey: true})
	if err != nil {
		say("SETUP", err)
		return 1
	}
	first := cardTxn(1, t0)
	for i := 1; i <= 3; i++ {
		if err := st.Save(ctx, cardTxn(i, t0)); err != nil {
			say("SETUP", err)
			return 1
		}
	}
	if scenario == "readonly" {
		// A read-only bind mount over the directory: statfs says read-only,
		// the open store's own descriptor still writes.
		if err := syscall.Mount(dir, dir, "", syscall.MS_BIND, ""); err != nil {
			say("SETUP", err)
			return 1
		}
		if err := syscall.Mount("", dir, "", syscall.MS_REMOUNT|syscall.MS_BIND|syscall.MS_RDONLY, ""); err != nil {
			say("SETUP", err)
			return 1
		}
		say("RUNTIME_NEW", code(st.Save(ctx, cardTxn(10, t0))))
		say("RUNTIME_WRITABLE", code(st.Writable()))
		st.Close()
		_, err := Open(path, &Opts{KeyFile: key})
		say("OPEN_EXISTING", code(err))
		say("CORRUPT", errors.Is(err, ErrCorrupt))
		say("ERR", err)
		_, err = Open(filepath.Join(dir, "new.db"), &Opts{KeyFile: key})
		say("OPEN_NEW", code(err))
		ro, err := Open(path, &Opts{KeyFile: key, ReadOnly: true})
		if err == nil {
			_, err = ro.Get(ctx, first.ID)
			ro.Close()
		}
		say("READ_INTACT", code(err))
		return 0
	}

	// full: fill the tmpfs to the last byte.
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		say("SETUP", err)
		return 1
	}
	for _, chunk := range []int{64 << 10, 512, 1} {
		for {
			if _, err := f.Write(make([]byte, chunk)); err != nil {
				break
			}
		}
	}
	f.Close()
	say("NEW", code(st.Save(ctx, cardTxn(10, t0))))
	// A step of a recorded payment that needs new pages: the write itself
	// meets ENOSPC.
	if err := first.Transition(payment.StateCancelled, t0, "test"); err != nil {
		say("SETUP", err)
		return 1
	}
	first.Reference = strings.Repeat("x", 256<<10)
	err = st.Save(ctx, first)
	say("STEP", code(err))
	say("STEP_ERRNO", errors.Is(err, syscall.ENOSPC))
	say("ERR", err)
	say("FAULT", st.Fault().Fault.String())
	os.Remove(filler)
	say("STEP_AFTER", code(st.Save(ctx, first)))
	say("FAULT_AFTER", st.Fault().Fault.String())
	say("NEW_AFTER", code(st.Save(ctx, cardTxn(11, t0))))
	st.Close()
	_, err = Open(path, &Opts{KeyFile: key, Check: true})
	say("CHECK", code(err))
	return 0
}

// runFaultChild runs scenario in a child and returns its KEY → value lines.
func runFaultChild(t *testing.T, bin, scenario, dir string, attr *syscall.SysProcAttr) map[string]string {
	t.Helper()
	cmd := exec.Command(bin, "-test.run=^$")
	cmd.Env = append(os.Environ(), faultChildEnv+"="+scenario+":"+dir)
	cmd.Dir = filepath.Dir(dir)
	cmd.SysProcAttr = attr
	out, err := cmd.CombinedOutput()
	if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EINVAL) {
		t.Skipf("cannot start the child (%v): needs root (CAP_SYS_ADMIN, CAP_SETUID)", err)
	}
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	got := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		k, v, _ := strings.Cut(l, " ")
		got[k] = v
	}
	if r, ok := got["SKIP"]; ok {
		t.Skipf("child: %s", r)
	}
	if r, ok := got["SETUP"]; ok {
		t.Fatalf("child setup: %s", r)
	}
	t.Logf("child: %s", out)
	return got
}

// publicDir is a temp directory every user may enter (t.TempDir is 0700
// under a 0700 parent): the other user's child needs it.
func publicDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "tpe-fault-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	if err := os.Chmod(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

// publicBinary copies this test binary where another user may run it.
func publicBinary(t *testing.T) string {
	t.Helper()
	src, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	bin := filepath.Join(publicDir(t), "offline.test")
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	return bin
}

// TestPermissionDenied: a journal, its directory or its key that the
// terminal's user may not use is storage_permission_denied, never
// corruption. As root (CI) the open runs in a child as uid 65534, because
// file modes do not stop root; as another user, modes alone deny it.
func TestPermissionDenied(t *testing.T) {
	root := os.Geteuid() == 0
	bin := ""
	if root {
		bin = publicBinary(t)
	}
	tests := []struct {
		name string
		deny func(dir string) error // as root: the part left to root; otherwise its mode
	}{
		{"journal file", func(dir string) error {
			if root {
				return os.Chown(filepath.Join(dir, FileName), 0, 0)
			}
			return os.Chmod(filepath.Join(dir, FileName), 0o400)
		}},
		{"data directory", func(dir string) error {
			if root {
				return os.Chown(dir, 0, 0)
			}
			return os.Chmod(dir, 0)
		}},
		{"key file", func(dir string) error {
			if root {
				return os.Chown(filepath.Join(dir, KeyName), 0, 0)
			}
			return os.Chmod(filepath.Join(dir, KeyName), 0)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(publicDir(t), "data")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Chmod(dir, 0o700); os.Chmod(filepath.Join(dir, KeyName), 0o600) })
			st, err := Open(filepath.Join(dir, FileName), &Opts{KeyFile: filepath.Join(dir, KeyName), CreateKey: true})
			if err != nil {
				t.Fatal(err)
			}
			saveNew(t, st, cardTxn(1, t0))
			st.Close()
			if root {
				for _, p := range []string{dir, filepath.Join(dir, FileName), filepath.Join(dir, KeyName)} {
					if err := os.Chown(p, nobody, nobody); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := tt.deny(dir); err != nil {
				t.Fatal(err)
			}
			var fault string
			if root {
				got := runFaultChild(t, bin, "open", dir, &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}})
				fault = got["OPEN"]
				if got["CORRUPT"] != "false" || got["UNAVAILABLE"] != "true" {
					t.Errorf("want a storage fault, not corruption: %s", got["ERR"])
				}
			} else {
				_, err := Open(filepath.Join(dir, FileName), &Opts{KeyFile: filepath.Join(dir, KeyName)})
				fault = Classify(err).String()
				if errors.Is(err, ErrCorrupt) || !errors.Is(err, payment.ErrStorageUnavailable) {
					t.Errorf("got %v: want a storage fault, not corruption", err)
				}
			}
			if fault != FaultPermission.Code() {
				t.Errorf("got %s, want %s", fault, FaultPermission)
			}
		})
	}
}

// TestReadOnlyFileSystem: a journal on a read-only mount opens as
// storage_read_only (not corrupt, and intact when read), a new journal
// there too, and a store whose directory turns read-only refuses a new
// payment before recording it.
func TestReadOnlyFileSystem(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	got := runFaultChild(t, os.Args[0], "readonly", dir, &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS})
	want := map[string]string{
		"RUNTIME_NEW":      FaultReadOnly.Code(),
		"RUNTIME_WRITABLE": FaultReadOnly.Code(),
		"OPEN_EXISTING":    FaultReadOnly.Code(),
		"CORRUPT":          "false",
		"OPEN_NEW":         FaultReadOnly.Code(),
		"READ_INTACT":      "ok",
	}
	for k, v := range want {
		t.Run(k, func(t *testing.T) {
			if got[k] != v {
				t.Errorf("got %q, want %q (%s)", got[k], v, got["ERR"])
			}
		})
	}
}

// TestDiskFullTmpfs: on a full file system a new payment is refused, a
// step that needs new pages fails with the real ENOSPC, both as
// storage_full without the file's path; the store remembers the fault
// until space is freed and a write succeeds; the journal stays sound.
func TestDiskFullTmpfs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	got := runFaultChild(t, os.Args[0], "full", dir, &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS})
	want := map[string]string{
		"NEW":         FaultFull.Code(),
		"STEP":        FaultFull.Code(),
		"STEP_ERRNO":  "true",
		"FAULT":       FaultFull.Code(),
		"STEP_AFTER":  "ok",
		"FAULT_AFTER": "none",
		"NEW_AFTER":   "ok",
		"CHECK":       "ok",
	}
	for k, v := range want {
		t.Run(k, func(t *testing.T) {
			if got[k] != v {
				t.Errorf("got %q, want %q (%s)", got[k], v, got["ERR"])
			}
		})
	}
	if l, ok := got["PATHLEAK"]; ok {
		t.Errorf("an error names the journal's path: %s", l)
	}
}
