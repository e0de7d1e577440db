package update

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tpe/cmd/internal/bundle"
	"tpe/offline"
	"tpe/payment"
)

type kit struct {
	root    string
	src     string
	pub     ed25519.PublicKey
	priv    ed25519.PrivateKey
	bundles map[string]string
}

func newKit(t testing.TB) *kit {
	t.Helper()
	k := &kit{root: filepath.Join(t.TempDir(), "root"), src: t.TempDir(), bundles: map[string]string{}}
	var err error
	if k.pub, k.priv, err = bundle.GenerateKey(); err != nil {
		t.Fatal(err)
	}
	trusted := filepath.Join(k.root, bundle.TrustedDir)
	if err := os.MkdirAll(trusted, 0o755); err != nil {
		t.Fatal(err)
	}
	pem, _ := bundle.EncodePublic(k.pub)
	os.WriteFile(filepath.Join(trusted, "release.pub"), pem, 0o644)
	return k
}

// bundle builds and signs a bundle of version v (cached).
func (k *kit) bundle(t testing.TB, v string) string { return k.bundleWith(t, v, nil) }

// bundleWith also ships config migrations (file name → content).
func (k *kit) bundleWith(t testing.TB, v string, migrations map[string]string) string {
	t.Helper()
	if p, ok := k.bundles[v]; ok {
		return p
	}
	var migDir string
	if len(migrations) > 0 {
		migDir = filepath.Join(k.src, "mig-"+v)
		os.MkdirAll(migDir, 0o755)
		for n, c := range migrations {
			os.WriteFile(filepath.Join(migDir, n), []byte(c), 0o644)
		}
	}
	bin := filepath.Join(k.src, "tpe-"+v)
	os.WriteFile(bin, []byte("#!/bin/sh\necho tpe "+v+"\n"+strings.Repeat("#", 5000)), 0o755)
	unit := filepath.Join(k.src, "unit-"+v)
	os.WriteFile(unit, []byte("[Service]\nExecStart=/opt/tpe/current/bin/tpe\n# "+v+"\n"), 0o644)
	p := filepath.Join(k.src, "tpe-"+v+".tpeb")
	if _, err := bundle.BuildFile(p, bundle.BuildOpts{Version: v, Binary: bin, Unit: unit, Migrations: migDir}); err != nil {
		t.Fatal(err)
	}
	if _, err := bundle.Sign(p, k.priv); err != nil {
		t.Fatal(err)
	}
	k.bundles[v] = p
	return p
}

func (k *kit) apply(t testing.TB, v string, o *Opts) (*Result, error) {
	t.Helper()
	return Apply(context.Background(), k.root, k.bundle(t, v), o)
}

func (k *kit) mustApply(t testing.TB, v string) *Result {
	t.Helper()
	r, err := k.apply(t, v, nil)
	if err != nil {
		t.Fatalf("apply %s: %v", v, err)
	}
	return r
}

func (k *kit) status(t testing.TB) Status {
	t.Helper()
	s, err := GetStatus(k.root)
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	return s
}

func healthy(context.Context, string) error { return nil }

func failing(context.Context, string) error { return errors.New("HTTP 503") }

var fast = &CheckOpts{Timeout: 50 * time.Millisecond, Every: 10 * time.Millisecond}

func TestFirstInstallThenUpdateConfirm(t *testing.T) {
	k := newKit(t)
	if _, err := GetStatus(k.root); !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("empty root: got %v, want ErrNotInstalled", err)
	}
	r := k.mustApply(t, "1.0.0")
	if r.Slot != "a" || r.Trial {
		t.Fatalf("first install: got %+v, want slot a without trial", r)
	}
	r = k.mustApply(t, "1.1.0")
	if r.Slot != "b" || !r.Trial || r.Previous != "1.0.0" {
		t.Fatalf("update: got %+v, want slot b on trial replacing 1.0.0", r)
	}
	s := k.status(t)
	if s.Version != "1.1.0" || !s.Trial || s.Active != "b" {
		t.Fatalf("status: got %+v", s)
	}
	target, _ := os.Readlink(filepath.Join(k.root, LinkPath))
	if target != "slots/b" {
		t.Fatalf("current → %q, want slots/b", target)
	}
	res, err := Check(context.Background(), k.root, healthy, fast)
	if err != nil || !res.Confirmed {
		t.Fatalf("check: %+v %v", res, err)
	}
	if s := k.status(t); s.Trial || s.Version != "1.1.0" {
		t.Fatalf("after confirm: %+v", s)
	}
	// No trial: Check does nothing.
	if res, err := Check(context.Background(), k.root, failing, fast); err != nil || res.Trial {
		t.Fatalf("check without trial: %+v %v", res, err)
	}
}

func TestFailingHealthCheckRollsBack(t *testing.T) {
	k := newKit(t)
	k.mustApply(t, "1.0.0")
	k.mustApply(t, "2.0.0")
	res, err := Check(context.Background(), k.root, failing, fast)
	if !errors.Is(err, ErrRolledBack) || res.RolledBack == nil {
		t.Fatalf("got %+v %v, want ErrRolledBack", res, err)
	}
	if !strings.Contains(err.Error(), "HTTP 503") || !strings.Contains(err.Error(), "logs export") {
		t.Errorf("message %q does not give the reason and what to do", err)
	}
	s := k.status(t)
	if s.Version != "1.0.0" || s.Trial || s.Active != "a" || s.Last == nil {
		t.Fatalf("after rollback: %+v", s)
	}
	// The failed version is still in slot b; applying it again is allowed
	// (it is newer than what runs).
	if _, err := k.apply(t, "2.0.0", nil); err != nil {
		t.Fatalf("re-apply after rollback: %v", err)
	}
}

func TestCrashLoopRollsBackAfterMaxAttempts(t *testing.T) {
	k := newKit(t)
	k.mustApply(t, "1.0.0")
	k.mustApply(t, "1.0.1")
	for i := 1; i <= DefaultMaxAttempts; i++ {
		// Each start is interrupted before health answers (a reboot).
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := Check(ctx, k.root, failing, fast); !errors.Is(err, context.Canceled) {
			t.Fatalf("start %d: got %v, want the trial kept", i, err)
		}
		if s := k.status(t); !s.Trial || s.Attempts != i {
			t.Fatalf("start %d: %+v", i, s)
		}
	}
	called := false
	_, err := Check(context.Background(), k.root, func(context.Context, string) error { called = true; return nil }, fast)
	if !errors.Is(err, ErrRolledBack) || called {
		t.Fatalf("after %d starts: got %v (probe called %v), want rollback without probing", DefaultMaxAttempts, err, called)
	}
	if s := k.status(t); s.Version != "1.0.0" {
		t.Fatalf("got %s, want 1.0.0", s.Version)
	}
}

func TestDowngradeAndReinstall(t *testing.T) {
	k := newKit(t)
	k.mustApply(t, "1.2.0")
	if _, err := k.apply(t, "1.1.9", nil); !errors.Is(err, ErrDowngrade) {
		t.Fatalf("downgrade: got %v, want ErrDowngrade", err)
	}
	if _, err := k.apply(t, "1.2.0", nil); !errors.Is(err, ErrSameVersion) {
		t.Fatalf("same: got %v, want ErrSameVersion", err)
	}
	if _, err := k.apply(t, "1.2.0-rc.1", nil); !errors.Is(err, ErrDowngrade) {
		t.Fatalf("pre-release: got %v, want ErrDowngrade", err)
	}
	if s := k.status(t); s.Version != "1.2.0" || s.Trial {
		t.Fatalf("refusals changed the terminal: %+v", s)
	}
	r, err := k.apply(t, "1.1.9", &Opts{Force: true})
	if err != nil || r.Version != "1.1.9" {
		t.Fatalf("forced downgrade: %+v %v", r, err)
	}
}

func TestRefusesBadBundles(t *testing.T) {
	k := newKit(t)
	k.mustApply(t, "1.0.0")
	good := k.bundle(t, "1.1.0")
	b, _ := os.ReadFile(good)

	other := newKit(t)
	tests := map[string]struct {
		path string
		want error
	}{
		"wrong key": {other.bundle(t, "1.1.0"), bundle.ErrUntrusted},
		"truncated": {writeTmp(t, b[:len(b)/2]), bundle.ErrTruncated},
		"tampered":  {writeTmp(t, flip(b, len(b)/2)), nil},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Apply(context.Background(), k.root, tt.path, nil)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if s := k.status(t); s.Version != "1.0.0" || s.Trial || s.Slots[1].Problem != "empty" {
				t.Fatalf("a refused bundle changed the terminal: %+v", s)
			}
		})
	}
}

func TestManualRollbackAndConfirm(t *testing.T) {
	k := newKit(t)
	k.mustApply(t, "1.0.0")
	if _, err := Rollback(k.root, "test", time.Now()); !errors.Is(err, ErrNoPrevious) {
		t.Fatalf("rollback with one slot: got %v, want ErrNoPrevious", err)
	}
	if err := Confirm(k.root); !errors.Is(err, ErrNoTrial) {
		t.Fatalf("confirm without trial: got %v", err)
	}
	k.mustApply(t, "1.1.0")
	if err := Confirm(k.root); err != nil {
		t.Fatal(err)
	}
	log, err := Rollback(k.root, "technician asked", time.Now())
	if err != nil || !strings.Contains(log.To, "1.0.0") {
		t.Fatalf("rollback: %+v %v", log, err)
	}
	if s := k.status(t); s.Version != "1.0.0" {
		t.Fatalf("got %s", s.Version)
	}
	// Roll forward again: the other slot is intact.
	if _, err := Rollback(k.root, "back again", time.Now()); err != nil {
		t.Fatal(err)
	}
	if s := k.status(t); s.Version != "1.1.0" {
		t.Fatalf("got %s", s.Version)
	}
	// A damaged other slot is refused.
	os.WriteFile(filepath.Join(k.root, SlotsDir, "a", bundle.BinaryPath), []byte("junk"), 0o755)
	if _, err := Rollback(k.root, "x", time.Now()); !errors.Is(err, ErrNoPrevious) {
		t.Fatalf("damaged slot: got %v, want ErrNoPrevious", err)
	}
}

func TestLock(t *testing.T) {
	k := newKit(t)
	unlock, err := rootDir(k.root).lock()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.apply(t, "1.0.0", nil); !errors.Is(err, ErrBusy) {
		t.Fatalf("got %v, want ErrBusy", err)
	}
	unlock()
	k.mustApply(t, "1.0.0")
}

// deviceKey is the sample config's key_file under root.
func deviceKey(root string) string { return filepath.Join(root, "etc/tpe/private", offline.KeyName) }

// provisionJournal writes a tpe.toml under root and a journal holding tx.
func provisionJournal(t *testing.T, root string, txs ...func(st *offline.Store)) {
	t.Helper()
	sample, err := os.ReadFile("../../../config/tpe.sample.toml")
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(root, "etc/tpe"), 0o755)
	os.WriteFile(filepath.Join(root, ConfigPath), sample, 0o600)
	data := filepath.Join(root, "var/lib/tpe")
	os.MkdirAll(data, 0o700)
	os.MkdirAll(filepath.Dir(deviceKey(root)), 0o700)
	st, err := offline.Open(filepath.Join(data, offline.FileName), &offline.Opts{KeyFile: deviceKey(root), CreateKey: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range txs {
		f(st)
	}
	st.Close()
}

func txn(t *testing.T, st *offline.Store, n int, states ...payment.State) {
	at := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	tx := &payment.Transaction{ID: fmt.Sprintf("pay_%d", n), OrderID: fmt.Sprintf("T1-%d", n), Method: payment.MethodCard,
		State: payment.StateCreated, Amount: payment.Amount{Minor: 1250, Currency: "EUR"}, Policy: payment.PreferOnline,
		Batch: 1, CreatedAt: at, UpdatedAt: at, History: []payment.Step{{State: payment.StateCreated, At: at}}}
	if err := st.Save(context.Background(), tx); err != nil {
		t.Fatal(err)
	}
	for _, s := range states {
		if s == payment.StateOfflineApproved {
			tx.Offline = true
		}
		if err := tx.Transition(s, tx.UpdatedAt.Add(time.Second), ""); err != nil {
			t.Fatal(err)
		}
		if err := st.Save(context.Background(), tx); err != nil {
			t.Fatal(err)
		}
	}
}

func TestJournalGuard(t *testing.T) {
	ctx := context.Background()
	t.Run("no config", func(t *testing.T) {
		if err := JournalGuard(t.TempDir(), false)(ctx); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("empty journal", func(t *testing.T) {
		root := t.TempDir()
		provisionJournal(t, root)
		if err := JournalGuard(root, false)(ctx); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("in flight", func(t *testing.T) {
		root := t.TempDir()
		provisionJournal(t, root, func(st *offline.Store) { txn(t, st, 1, payment.StateAwaitingCustomer) })
		if err := JournalGuard(root, true)(ctx); !errors.Is(err, ErrInFlight) {
			t.Fatalf("got %v, want ErrInFlight even with allowQueued", err)
		}
	})
	t.Run("queued", func(t *testing.T) {
		root := t.TempDir()
		provisionJournal(t, root, func(st *offline.Store) {
			txn(t, st, 1, payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateOfflineApproved)
		})
		if err := JournalGuard(root, false)(ctx); !errors.Is(err, ErrQueued) {
			t.Fatalf("got %v, want ErrQueued", err)
		}
		if err := JournalGuard(root, true)(ctx); err != nil {
			t.Fatalf("allowQueued: %v", err)
		}
	})
	t.Run("wrong key", func(t *testing.T) {
		root := t.TempDir()
		provisionJournal(t, root)
		key := deviceKey(root)
		os.Remove(key)
		offline.CreateKey(key)
		if err := JournalGuard(root, false)(ctx); !errors.Is(err, ErrRiskUnknown) {
			t.Fatalf("got %v, want ErrRiskUnknown", err)
		}
	})
	t.Run("apply refused while in flight", func(t *testing.T) {
		k := newKit(t)
		k.mustApply(t, "1.0.0")
		provisionJournal(t, k.root, func(st *offline.Store) { txn(t, st, 1, payment.StateAwaitingCustomer) })
		if _, err := k.apply(t, "1.1.0", nil); !errors.Is(err, ErrInFlight) {
			t.Fatalf("got %v, want ErrInFlight", err)
		}
		if s := k.status(t); s.Version != "1.0.0" || s.Slots[1].Problem != "empty" {
			t.Fatalf("refused apply changed the terminal: %+v", s)
		}
	})
}

func TestHealthGuardAndProbe(t *testing.T) {
	queue, version, code, processing := 0, "1.1.0", 200, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(401)
			return
		}
		if r.URL.Path == "/v1/payments" {
			n := 0
			if r.URL.Query().Get("status") == "processing" {
				n = processing
			}
			fmt.Fprintf(w, `{"payments":[%s]}`, strings.TrimSuffix(strings.Repeat(`{"id":"p"},`, n), ","))
			return
		}
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"status":"ok","version":%q,"queue_length":%d}`, version, queue)
	}))
	defer srv.Close()
	ctx := context.Background()
	if err := HealthGuard(srv.URL, "tok", false)(ctx); err != nil {
		t.Fatal(err)
	}
	queue = 3
	if err := HealthGuard(srv.URL, "tok", false)(ctx); !errors.Is(err, ErrQueued) {
		t.Fatalf("got %v, want ErrQueued", err)
	}
	processing = 1
	if err := HealthGuard(srv.URL, "tok", true)(ctx); !errors.Is(err, ErrInFlight) {
		t.Fatalf("got %v, want ErrInFlight", err)
	}
	if err := HealthGuard(srv.URL, "bad", false)(ctx); !errors.Is(err, ErrRiskUnknown) {
		t.Fatalf("got %v, want ErrRiskUnknown", err)
	}
	if err := HealthGuard("http://127.0.0.1:1", "", false)(ctx); !errors.Is(err, ErrRiskUnknown) {
		t.Fatalf("got %v, want ErrRiskUnknown", err)
	}
	probe := HTTPHealth(srv.URL+"/v1/health", "tok")
	if err := probe(ctx, "1.1.0"); err != nil {
		t.Fatal(err)
	}
	if err := probe(ctx, "1.2.0"); err == nil {
		t.Fatal("version mismatch passed")
	}
	code = 503
	if err := probe(ctx, "1.1.0"); err == nil {
		t.Fatal("503 passed")
	}
}

// steps are the hook points of Apply, in order.
var steps = []string{"locked", "verified", "guarded", "extract:bin/tpe", "extract:systemd/tpe.service",
	"extract:migrations/0001-debug.toml", "staged", "slot-moved-aside", "slot-replaced", "state-written",
	"config-written", "switched"}

const debugMigration = "description = \"log at debug level\"\n[set]\n\"log.level\" = \"debug\"\n"

// TestPowerCutDuringApply kills a child process applying 1.2.0 over
// 1.1.0 (with 1.0.0 in the other slot) at every step, then checks the root
// boots a complete version and recovers.
func TestPowerCutDuringApply(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	for _, step := range steps {
		t.Run(step, func(t *testing.T) {
			k := newKit(t)
			provisionJournal(t, k.root)
			original, _ := os.ReadFile(filepath.Join(k.root, ConfigPath))
			k.mustApply(t, "1.0.0")
			k.mustApply(t, "1.1.0")
			if _, err := Check(context.Background(), k.root, healthy, fast); err != nil {
				t.Fatal(err)
			}
			newBundle := k.bundleWith(t, "1.2.0", map[string]string{"0001-debug.toml": debugMigration})
			cutApplyAt(t, k.root, newBundle, step, false)
			s := k.status(t)
			cfg, _ := os.ReadFile(filepath.Join(k.root, ConfigPath))
			switch s.Version {
			case "1.1.0":
				if s.Trial {
					t.Fatalf("old version active but on trial: %+v", s)
				}
				if string(cfg) != string(original) {
					t.Fatalf("old version runs with another config:\n%s", cfg)
				}
			case "1.2.0":
				if !s.Trial {
					t.Fatalf("new version active without trial: %+v", s)
				}
				if !strings.Contains(string(cfg), `level = "debug"`) {
					t.Fatalf("new version runs without its migrated config:\n%s", cfg)
				}
			default:
				t.Fatalf("after a cut at %s the root runs %q: %+v", step, s.Version, s)
			}
			if _, err := os.Stat(filepath.Join(k.root, staging)); !os.IsNotExist(err) {
				t.Fatalf("staging left behind: %v", err)
			}
			active := s.Slots[0]
			if s.Active == "b" {
				active = s.Slots[1]
			}
			if active.Problem != "" {
				t.Fatalf("active slot damaged: %s", active.Problem)
			}
			// Recovery: apply again (or find it already there), then the
			// health check confirms it.
			if _, err := k.apply(t, "1.2.0", nil); err != nil && !errors.Is(err, ErrSameVersion) {
				t.Fatalf("apply after the cut: %v", err)
			}
			if res, err := Check(context.Background(), k.root, healthy, fast); err != nil || !res.Confirmed {
				t.Fatalf("check after the cut: %+v %v", res, err)
			}
			if s := k.status(t); s.Version != "1.2.0" || s.Trial {
				t.Fatalf("final: %+v", s)
			}
			if cfg, _ := os.ReadFile(filepath.Join(k.root, ConfigPath)); !strings.Contains(string(cfg), `level = "debug"`) {
				t.Fatalf("final config not migrated:\n%s", cfg)
			}
		})
	}
}

func TestConfigMigrationAndRollback(t *testing.T) {
	k := newKit(t)
	provisionJournal(t, k.root)
	cfgPath := filepath.Join(k.root, ConfigPath)
	original, _ := os.ReadFile(cfgPath)
	k.mustApply(t, "1.0.0")
	// 1.1.0 renames a key to one only it knows, and sets another.
	k.bundleWith(t, "1.1.0", map[string]string{
		"0001-rename.toml": "[rename]\n\"terminal.contract\" = \"terminal.contract_number\"\n",
		"0002-debug.toml":  debugMigration,
	})
	r := k.mustApply(t, "1.1.0")
	if !r.ConfigMigrated {
		t.Fatal("migration not reported")
	}
	cfg, _ := os.ReadFile(cfgPath)
	if !strings.Contains(string(cfg), `contract_number = "1234567"`) || strings.Contains(string(cfg), "\ncontract =") || !strings.Contains(string(cfg), `level = "debug"`) {
		t.Fatalf("migrated config:\n%s", cfg)
	}
	// This tpectl still reads what it needs from the migrated config.
	if err := JournalGuard(k.root, false)(context.Background()); err != nil {
		t.Fatalf("guard on a migrated config: %v", err)
	}
	res, err := Check(context.Background(), k.root, failing, fast)
	if !errors.Is(err, ErrRolledBack) || !res.RolledBack.ConfigRestored {
		t.Fatalf("check: %+v %v", res.RolledBack, err)
	}
	if cfg, _ := os.ReadFile(cfgPath); string(cfg) != string(original) {
		t.Fatalf("config after rollback differs from the original:\n%s", cfg)
	}
	// Confirmed, then rolled back by hand later: the config comes back too.
	k2 := newKit(t)
	provisionJournal(t, k2.root)
	k2.mustApply(t, "1.0.0")
	k2.bundleWith(t, "1.1.0", map[string]string{"0002-debug.toml": debugMigration})
	k2.mustApply(t, "1.1.0")
	if err := Confirm(k2.root); err != nil {
		t.Fatal(err)
	}
	log, err := Rollback(k2.root, "test", time.Now())
	if err != nil || !log.ConfigRestored {
		t.Fatalf("manual rollback: %+v %v", log, err)
	}
	if cfg, _ := os.ReadFile(filepath.Join(k2.root, ConfigPath)); string(cfg) != string(original) {
		t.Fatalf("config after manual rollback:\n%s", cfg)
	}
}

func TestBadMigrationChangesNothing(t *testing.T) {
	for name, mig := range map[string]string{
		"rename onto a set key": "[rename]\n\"terminal.contract\" = \"terminal.mcc\"\n",
		"unknown field":         "[renames]\n\"a\" = \"b\"\n",
		"not toml":              "[[[",
		"through a value":       "[set]\n\"terminal.id.x\" = 1\n",
	} {
		t.Run(name, func(t *testing.T) {
			k := newKit(t)
			provisionJournal(t, k.root)
			cfgPath := filepath.Join(k.root, ConfigPath)
			original, _ := os.ReadFile(cfgPath)
			k.mustApply(t, "1.0.0")
			_, err := Apply(context.Background(), k.root, k.bundleWith(t, "1.1.0", map[string]string{"0001.toml": mig}), nil)
			if !errors.Is(err, ErrMigration) {
				t.Fatalf("got %v, want ErrMigration", err)
			}
			if cfg, _ := os.ReadFile(cfgPath); string(cfg) != string(original) {
				t.Fatal("config changed")
			}
			if s := k.status(t); s.Version != "1.0.0" || s.Slots[1].Problem != "empty" || s.Trial {
				t.Fatalf("status: %+v", s)
			}
		})
	}
}

// cutApplyAt applies bundle to root in a child process (TestHelperApplyChild)
// and kills it — the power cut — once it reaches step.
func cutApplyAt(t *testing.T, root, bundle, step string, allowQueued bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperApplyChild$")
	cmd.Env = append(os.Environ(), "TPE_UPDATE_CHILD_ROOT="+root, "TPE_UPDATE_CHILD_BUNDLE="+bundle, "TPE_UPDATE_CHILD_STOP="+step)
	if allowQueued {
		cmd.Env = append(cmd.Env, "TPE_UPDATE_CHILD_ALLOW_QUEUED=1")
	}
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	reached := false
	for sc.Scan() {
		if sc.Text() == "STEP "+step {
			reached = true
			break
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	if !reached {
		t.Fatalf("child never reached %s", step)
	}
}

// TestHelperApplyChild is the child of the power-cut tests (cutApplyAt).
func TestHelperApplyChild(t *testing.T) {
	root := os.Getenv("TPE_UPDATE_CHILD_ROOT")
	if root == "" {
		t.Skip("child process only")
	}
	stop := os.Getenv("TPE_UPDATE_CHILD_STOP")
	allowQueued := os.Getenv("TPE_UPDATE_CHILD_ALLOW_QUEUED") != ""
	_, err := Apply(context.Background(), root, os.Getenv("TPE_UPDATE_CHILD_BUNDLE"), &Opts{AllowQueued: allowQueued, Hook: func(step string) {
		fmt.Printf("STEP %s\n", step)
		os.Stdout.Sync()
		if step == stop {
			time.Sleep(time.Hour) // killed here
		}
	}})
	fmt.Printf("DONE %v\n", err)
}

func writeTmp(t *testing.T, b []byte) string {
	p := filepath.Join(t.TempDir(), "x.tpeb")
	os.WriteFile(p, b, 0o644)
	return p
}

func flip(b []byte, i int) []byte {
	c := append([]byte{}, b...)
	c[i] ^= 0x01
	return c
}

// TestJournalGuardAsksTheRunningTerminal holds the journal open as the
// running terminal does: the guard must fall back to its local API.
func TestJournalGuardAsksTheRunningTerminal(t *testing.T) {
	queue := 2
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/payments" {
			fmt.Fprint(w, `{"payments":[]}`)
			return
		}
		fmt.Fprintf(w, `{"status":"ok","queue_length":%d}`, queue)
	}))
	defer srv.Close()
	root := t.TempDir()
	provisionJournal(t, root)
	cfg, _ := os.ReadFile(filepath.Join(root, ConfigPath))
	cfg = []byte(strings.Replace(string(cfg), `listen = "127.0.0.1:8080"`, `listen = "`+strings.TrimPrefix(srv.URL, "http://")+`"`, 1))
	os.WriteFile(filepath.Join(root, ConfigPath), cfg, 0o600)
	data := filepath.Join(root, "var/lib/tpe")
	st, err := offline.Open(filepath.Join(data, offline.FileName), &offline.Opts{KeyFile: deviceKey(root)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := JournalGuard(root, false)(context.Background()); !errors.Is(err, ErrQueued) {
		t.Fatalf("got %v, want ErrQueued from the API", err)
	}
	queue = 0
	if err := JournalGuard(root, false)(context.Background()); err != nil {
		t.Fatalf("got %v, want nil", err)
	}
}
