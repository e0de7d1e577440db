package update

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/BurntSushi/toml"

	"tpe/config"
	"tpe/offline"
	"tpe/payment"
	"tpe/payment/pin"
)

// oldTerminal lays out a terminal provisioned before the device key left
// the data directory: key_file = "", the key and the sealed PIN key in
// /var/lib/tpe (owned by a service user when the test runs as root), and
// a journal holding an offline approval sealed under that key.
type oldTerminal struct {
	*kit
	data, oldKey, oldPIN string
	key, pinKey          []byte
	uid, gid             int
}

const serviceUID, serviceGID = 4242, 4343

func newOldTerminal(t *testing.T) *oldTerminal {
	t.Helper()
	k := newKit(t)
	k.mustApply(t, "1.0.0") // first install, no config yet: nothing to move
	return oldLayout(t, k)
}

// oldLayout writes the old layout under k's root.
func oldLayout(t *testing.T, k *kit) *oldTerminal {
	t.Helper()
	o := &oldTerminal{kit: k, uid: os.Geteuid(), gid: os.Getegid()}
	sample, err := os.ReadFile("../../../config/tpe.sample.toml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(string(sample), `key_file = "`+config.DefaultKeyFile+`"`, `key_file = ""`, 1)
	if cfg == string(sample) {
		t.Fatal("the sample config has no key_file line to blank")
	}
	os.MkdirAll(filepath.Join(o.root, "etc/tpe"), 0o755)
	if err := os.WriteFile(filepath.Join(o.root, ConfigPath), []byte(cfg), 0o640); err != nil {
		t.Fatal(err)
	}
	o.data = filepath.Join(o.root, "var/lib/tpe")
	os.MkdirAll(o.data, 0o700)
	o.oldKey = filepath.Join(o.data, offline.KeyName)
	o.oldPIN = filepath.Join(o.data, offline.PINKeyFileName)
	st, err := offline.Open(filepath.Join(o.data, offline.FileName), &offline.Opts{KeyFile: o.oldKey, CreateKey: true})
	if err != nil {
		t.Fatal(err)
	}
	txn(t, st, 1, payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateOfflineApproved)
	st.Close()
	if err := offline.SavePINKey(o.oldKey, make(pin.Key, 16), [8]byte{1, 2, 3, 4, 5, 6, 7, 8}); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		o.uid, o.gid = serviceUID, serviceGID
		for _, p := range []string{o.data, o.oldKey, o.oldPIN, filepath.Join(o.data, offline.FileName)} {
			if err := os.Chown(p, o.uid, o.gid); err != nil {
				t.Fatal(err)
			}
		}
	}
	o.key, _ = os.ReadFile(o.oldKey)
	o.pinKey, _ = os.ReadFile(o.oldPIN)
	return o
}

func (o *oldTerminal) newKey() string { return filepath.Join(o.root, config.DefaultKeyFile) }
func (o *oldTerminal) newPIN() string { return offline.PINKeyPath(o.newKey()) }

func (o *oldTerminal) keyFile(t *testing.T) (string, bool) {
	t.Helper()
	var doc struct {
		Offline map[string]any `toml:"offline"`
	}
	if _, err := toml.DecodeFile(filepath.Join(o.root, ConfigPath), &doc); err != nil {
		t.Fatal(err)
	}
	v, ok := doc.Offline["key_file"].(string)
	return v, ok
}

// sameFile checks p holds want with the given mode and owner.
func sameFile(t *testing.T, p string, want []byte, mode os.FileMode, uid, gid int) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil || !bytes.Equal(b, want) {
		t.Fatalf("%s: %v, or not the original key", p, err)
	}
	fi, _ := os.Stat(p)
	if fi.Mode().Perm() != mode {
		t.Errorf("%s: mode %v, want %v", p, fi.Mode().Perm(), mode)
	}
	if s := fi.Sys().(*syscall.Stat_t); int(s.Uid) != uid || int(s.Gid) != gid {
		t.Errorf("%s: owner %d:%d, want %d:%d (the service user's, like the original)", p, s.Uid, s.Gid, uid, gid)
	}
}

// journalOpens proves the key at keyFile still opens the journal and the
// PIN key beside it unseals: the offline approval is not lost.
func (o *oldTerminal) journalOpens(t *testing.T, keyFile string) {
	t.Helper()
	st, err := offline.Open(filepath.Join(o.data, offline.FileName), &offline.Opts{KeyFile: keyFile, PINKeyFile: offline.PINKeyPath(keyFile), ReadOnly: true})
	if err != nil {
		t.Fatalf("journal with %s: %v", keyFile, err)
	}
	defer st.Close()
	s, err := st.Stats(context.Background())
	if err != nil || s.Queued != 1 {
		t.Fatalf("journal with %s: %+v %v, want the one queued approval", keyFile, s, err)
	}
}

func TestApplyCopiesKeyOutOfDataDirThenConfirmDeletesOld(t *testing.T) {
	o := newOldTerminal(t)
	res, err := o.apply(t, "1.1.0", &Opts{AllowQueued: true})
	if err != nil {
		t.Fatal(err)
	}
	if m := res.KeyMoved; m == nil || m.From != "/var/lib/tpe/device.key" || m.To != config.DefaultKeyFile ||
		m.PINFrom != "/var/lib/tpe/pin.key" || m.PINTo != "/etc/tpe/private/pin.key" || !res.ConfigMigrated {
		t.Fatalf("result %+v (key move %+v)", res, res.KeyMoved)
	}
	// Copied, not moved: the originals stay for a rollback.
	sameFile(t, o.newKey(), o.key, 0o600, o.uid, o.gid)
	sameFile(t, o.newPIN(), o.pinKey, 0o600, o.uid, o.gid)
	sameFile(t, o.oldKey, o.key, 0o600, o.uid, o.gid)
	sameFile(t, o.oldPIN, o.pinKey, 0o600, o.uid, o.gid)
	if fi, _ := os.Stat(filepath.Dir(o.newKey())); fi.Mode().Perm() != 0o700 {
		t.Errorf("key directory mode %v, want 0700", fi.Mode().Perm())
	}
	if kf, _ := o.keyFile(t); kf != config.DefaultKeyFile {
		t.Fatalf("key_file = %q, want %q", kf, config.DefaultKeyFile)
	}
	// The migrated config passes the new version's own rule.
	c, err := LenientConfig(o.root)
	if err != nil || config.CheckKeyFile(c.DataDir, c.Offline.KeyFile) != nil {
		t.Fatalf("migrated config: %v / %v", err, config.CheckKeyFile(c.DataDir, c.Offline.KeyFile))
	}
	o.journalOpens(t, o.newKey())
	if s := o.status(t); s.KeyMove == nil || s.KeyMove.To != config.DefaultKeyFile {
		t.Fatalf("status does not show the pending key move: %+v", s)
	}

	res2, err := Check(context.Background(), o.root, healthy, fast)
	if err != nil || !res2.Confirmed {
		t.Fatalf("check: %+v %v", res2, err)
	}
	for _, p := range []string{o.oldKey, o.oldPIN} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still in the data directory after the confirmation (%v)", p, err)
		}
	}
	sameFile(t, o.newKey(), o.key, 0o600, o.uid, o.gid)
	o.journalOpens(t, o.newKey())
	if st, _ := rootDir(o.root).readState(); st.KeyMove != nil || st.Trial != "" {
		t.Fatalf("state after confirmation: %+v", st)
	}
	if s := o.status(t); s.KeyMove != nil || s.Note != "" {
		t.Fatalf("status after confirmation: %+v", s)
	}
}

func TestKeyMoveFailedHealthCheckKeepsOldLayout(t *testing.T) {
	o := newOldTerminal(t)
	oldCfg, _ := os.ReadFile(filepath.Join(o.root, ConfigPath))
	if _, err := o.apply(t, "1.1.0", &Opts{AllowQueued: true}); err != nil {
		t.Fatal(err)
	}
	res, err := Check(context.Background(), o.root, failing, fast)
	if !errors.Is(err, ErrRolledBack) || res.RolledBack == nil || !res.RolledBack.ConfigRestored {
		t.Fatalf("got %+v %v, want a rollback restoring the config", res, err)
	}
	// The old version finds its config (key_file = "") and its key.
	if cfg, _ := os.ReadFile(filepath.Join(o.root, ConfigPath)); !bytes.Equal(cfg, oldCfg) {
		t.Fatalf("config after rollback:\n%s\nwant the old one:\n%s", cfg, oldCfg)
	}
	sameFile(t, o.oldKey, o.key, 0o600, o.uid, o.gid)
	sameFile(t, o.oldPIN, o.pinKey, 0o600, o.uid, o.gid)
	o.journalOpens(t, o.oldKey)
	if st, _ := rootDir(o.root).readState(); st.KeyMove != nil {
		t.Fatalf("key move still pending after the rollback: %+v", st)
	}
	// Later checks and confirmations never delete the original the
	// running (old) version uses.
	Check(context.Background(), o.root, healthy, fast)
	if err := Confirm(o.root); !errors.Is(err, ErrNoTrial) {
		t.Fatalf("confirm after rollback: %v", err)
	}
	sameFile(t, o.oldKey, o.key, 0o600, o.uid, o.gid)

	// The release applied again reuses the identical copy left behind.
	if _, err := Apply(context.Background(), o.root, o.bundle(t, "1.1.0"), &Opts{AllowQueued: true}); err != nil {
		t.Fatalf("apply again after the rollback: %v", err)
	}
	if err := Confirm(o.root); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(o.oldKey); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("old key kept after the technician's confirmation: %v", err)
	}
	o.journalOpens(t, o.newKey())
}

func TestKeyMoveRefusesDifferentKeyAtDestination(t *testing.T) {
	for _, which := range []string{"device.key", "pin.key"} {
		t.Run(which, func(t *testing.T) {
			o := newOldTerminal(t)
			other := filepath.Join(filepath.Dir(o.newKey()), which)
			os.MkdirAll(filepath.Dir(other), 0o700)
			if err := os.WriteFile(other, bytes.Repeat([]byte{7}, 32), 0o600); err != nil {
				t.Fatal(err)
			}
			oldCfg, _ := os.ReadFile(filepath.Join(o.root, ConfigPath))
			before := o.status(t)
			_, err := o.apply(t, "1.1.0", &Opts{AllowQueued: true})
			if !errors.Is(err, ErrKeyConflict) {
				t.Fatalf("got %v, want ErrKeyConflict", err)
			}
			src := "/var/lib/tpe/" + which
			if !strings.Contains(err.Error(), src) || !strings.Contains(err.Error(), "/etc/tpe/private/"+which) {
				t.Errorf("message %q does not name both keys", err)
			}
			// Nothing changed: the slots, the config, both keys.
			if after := o.status(t); after.Active != before.Active || after.Trial || after.Version != "1.0.0" {
				t.Fatalf("status after the refusal: %+v", after)
			}
			if cfg, _ := os.ReadFile(filepath.Join(o.root, ConfigPath)); !bytes.Equal(cfg, oldCfg) {
				t.Fatal("config changed by a refused update")
			}
			if b, _ := os.ReadFile(other); !bytes.Equal(b, bytes.Repeat([]byte{7}, 32)) {
				t.Fatal("the key at the destination was overwritten")
			}
			if which == "pin.key" {
				if _, err := os.Stat(o.newKey()); !errors.Is(err, os.ErrNotExist) {
					t.Fatal("the device key was copied before the PIN key's conflict was found")
				}
			}
			sameFile(t, o.oldKey, o.key, 0o600, o.uid, o.gid)
			o.journalOpens(t, o.oldKey)
		})
	}
}

func TestAlreadyMigratedTerminalUntouched(t *testing.T) {
	k := newKit(t)
	k.mustApply(t, "1.0.0")
	provisionJournal(t, k.root) // key_file = /etc/tpe/private/device.key, key there
	cfgPath := filepath.Join(k.root, ConfigPath)
	cfg, _ := os.ReadFile(cfgPath)
	key, _ := os.ReadFile(deviceKey(k.root))
	// A stray file named like the old key in the data directory is none
	// of the update's business when key_file points elsewhere.
	stray := filepath.Join(k.root, "var/lib/tpe", offline.KeyName)
	os.WriteFile(stray, []byte("stray"), 0o600)
	res, err := k.apply(t, "1.1.0", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.KeyMoved != nil || res.ConfigMigrated {
		t.Fatalf("already migrated terminal: %+v", res)
	}
	if b, _ := os.ReadFile(cfgPath); !bytes.Equal(b, cfg) {
		t.Fatal("config rewritten")
	}
	if _, err := Check(context.Background(), k.root, healthy, fast); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(deviceKey(k.root)); !bytes.Equal(b, key) {
		t.Fatal("device key changed")
	}
	if b, err := os.ReadFile(stray); err != nil || string(b) != "stray" {
		t.Fatalf("stray file touched: %v", err)
	}
}

func TestKeyFileInsideDataDirExplicit(t *testing.T) {
	// key_file set explicitly inside data_dir (a hand-edited config),
	// without a PIN key: the key moves, key_file follows.
	o := newOldTerminal(t)
	os.Remove(o.oldPIN)
	sub := filepath.Join(o.data, "keys")
	os.MkdirAll(sub, 0o700)
	moved := filepath.Join(sub, offline.KeyName)
	if err := os.Rename(o.oldKey, moved); err != nil {
		t.Fatal(err)
	}
	o.oldKey = moved
	cfgPath := filepath.Join(o.root, ConfigPath)
	cfg, _ := os.ReadFile(cfgPath)
	os.WriteFile(cfgPath, bytes.Replace(cfg, []byte(`key_file = ""`), []byte(`key_file = "/var/lib/tpe/keys/device.key"`), 1), 0o640)
	res, err := o.apply(t, "1.1.0", &Opts{AllowQueued: true})
	if err != nil {
		t.Fatal(err)
	}
	if m := res.KeyMoved; m == nil || m.From != "/var/lib/tpe/keys/device.key" || m.PINFrom != "" {
		t.Fatalf("key move %+v", res.KeyMoved)
	}
	if _, err := os.Stat(o.newPIN()); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a PIN key appeared from nowhere")
	}
	if err := Confirm(o.root); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(moved); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("old key kept after confirmation")
	}
	os.Remove(o.oldPIN)
	st, err := offline.Open(filepath.Join(o.data, offline.FileName), &offline.Opts{KeyFile: o.newKey(), ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
}

func TestKeyMoveFinishKeepsOriginalWhoseCopyDiffers(t *testing.T) {
	o := newOldTerminal(t)
	if _, err := o.apply(t, "1.1.0", &Opts{AllowQueued: true}); err != nil {
		t.Fatal(err)
	}
	// Someone replaced the copy while on trial: the original is the only
	// sure key, so the confirmation must not delete it.
	os.WriteFile(o.newKey(), bytes.Repeat([]byte{9}, 32), 0o600)
	if err := Confirm(o.root); err != nil {
		t.Fatal(err)
	}
	sameFile(t, o.oldKey, o.key, 0o600, o.uid, o.gid)
	if _, err := os.Stat(o.oldPIN); err == nil {
		t.Error("the PIN key's original was kept although its copy is identical")
	}
	if s := o.status(t); !strings.Contains(s.Note, "/var/lib/tpe/device.key") {
		t.Fatalf("note %q does not say the old key was kept", s.Note)
	}
}

// keyMoveSteps are Apply's hook points when it moves the device key.
var keyMoveSteps = []string{"locked", "verified", "guarded", "extract:bin/tpe", "extract:systemd/tpe.service",
	"keys-copied", "staged", "slot-moved-aside", "slot-replaced", "state-written", "config-written", "switched"}

// TestPowerCutDuringKeyMove kills a child process applying 1.1.0 over an
// old-layout terminal at every step: whatever runs afterwards finds a
// config and a key that open the journal, and the original key survives
// until the new version is confirmed.
func TestPowerCutDuringKeyMove(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	for _, step := range keyMoveSteps {
		t.Run(step, func(t *testing.T) {
			o := newOldTerminal(t)
			oldCfg, _ := os.ReadFile(filepath.Join(o.root, ConfigPath))
			cutApplyAt(t, o.root, o.bundle(t, "1.1.0"), step, true)
			s := o.status(t)
			// The original stays until the confirmation, whatever the cut.
			sameFile(t, o.oldKey, o.key, 0o600, o.uid, o.gid)
			sameFile(t, o.oldPIN, o.pinKey, 0o600, o.uid, o.gid)
			switch s.Version {
			case "1.0.0":
				if cfg, _ := os.ReadFile(filepath.Join(o.root, ConfigPath)); !bytes.Equal(cfg, oldCfg) {
					t.Fatalf("old version runs with another config:\n%s", cfg)
				}
				if s.KeyMove != nil {
					t.Fatalf("key move pending for a version that does not run: %+v", s.KeyMove)
				}
				o.journalOpens(t, o.oldKey)
			case "1.1.0":
				if kf, _ := o.keyFile(t); kf != config.DefaultKeyFile || !s.Trial {
					t.Fatalf("new version runs with key_file %q (trial %v)", kf, s.Trial)
				}
				o.journalOpens(t, o.newKey())
			default:
				t.Fatalf("after a cut at %s the root runs %q", step, s.Version)
			}
			if _, err := Apply(context.Background(), o.root, o.bundle(t, "1.1.0"), &Opts{AllowQueued: true}); err != nil && !errors.Is(err, ErrSameVersion) {
				t.Fatalf("apply after the cut: %v", err)
			}
			if res, err := Check(context.Background(), o.root, healthy, fast); err != nil || !res.Confirmed {
				t.Fatalf("check after the cut: %+v %v", res, err)
			}
			if _, err := os.Stat(o.oldKey); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("old key kept after the confirmation: %v", err)
			}
			o.journalOpens(t, o.newKey())
		})
	}
}

// TestKeyMoveOnFirstInstall: a bundle installed on a card that already
// holds an old terminal's config and key (no slot to roll back to, no
// trial) moves the key; the original goes at the first healthy check.
func TestKeyMoveOnFirstInstall(t *testing.T) {
	o := oldLayout(t, newKit(t))
	res, err := o.apply(t, "1.1.0", &Opts{AllowQueued: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Trial || res.KeyMoved == nil {
		t.Fatalf("first install: %+v", res)
	}
	sameFile(t, o.oldKey, o.key, 0o600, o.uid, o.gid)
	if _, err := Check(context.Background(), o.root, failing, fast); err == nil || !strings.Contains(err.Error(), "is kept") {
		t.Fatalf("unhealthy first start: %v, want the old key kept", err)
	}
	sameFile(t, o.oldKey, o.key, 0o600, o.uid, o.gid)
	if s := o.status(t); s.KeyMove == nil {
		t.Fatal("the pending key move is not shown")
	}
	if _, err := Check(context.Background(), o.root, healthy, fast); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(o.oldKey); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("old key kept after a healthy start: %v", err)
	}
	o.journalOpens(t, o.newKey())
}
