package update

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/BurntSushi/toml"

	"tpe/config"
	"tpe/offline"
)

// Terminals provisioned before the device key left the data directory keep
// it in /var/lib/tpe/device.key with offline.key_file empty (or pointing
// inside data_dir). The new tpe refuses that layout, so without help its
// health check fails and every update rolls back. Apply therefore copies
// the key (and the PIN key sealed beside it) to config.DefaultKeyFile and
// sets key_file in the migrated config; the originals stay where the old
// version looks for them until the new version is confirmed, so a rollback
// (which restores the old config) finds its layout intact. A lost key is
// lost sealed offline payments: nothing is ever moved, only copied, and an
// original is deleted only once its copy is read back identical.

// KeyMove is a device key copied out of the data directory by Apply, in
// state.json until the version using it is confirmed. Paths are the
// terminal's (absolute, not under the root).
type KeyMove struct {
	// For is the slot whose config points at To.
	For  string `json:"for"`
	From string `json:"from"`
	To   string `json:"to"`
	// PINFrom and PINTo are the sealed PIN key's paths (offline.PINKeyPath
	// of From and To); empty when the terminal has no PIN key.
	PINFrom string `json:"pin_from,omitempty"`
	PINTo   string `json:"pin_to,omitempty"`
}

// ErrKeyConflict refuses to copy the device key or PIN key over a
// different file already at the destination: one of them seals the
// journal, and guessing which would risk its offline payments.
var ErrKeyConflict = errors.New("update: a different key already exists where the device key must move")

// planKeyMove says whether the config text (after the bundle's
// migrations) keeps the device key inside the data directory with the key
// present there. Nil when there is nothing to move: the key is already
// outside (an already-migrated terminal), or there is no key to move.
func planKeyMove(r rootDir, cfgText []byte) (*KeyMove, error) {
	doc := map[string]any{}
	if _, err := toml.Decode(string(cfgText), &doc); err != nil {
		return nil, fmt.Errorf("%w: the current tpe.toml does not parse: %v", ErrMigration, err)
	}
	dataDir := config.Defaults().DataDir
	if v, ok := getKey(doc, "data_dir"); ok {
		if s, ok := v.(string); ok && s != "" {
			dataDir = s
		}
	}
	keyFile := ""
	if v, ok := getKey(doc, "offline.key_file"); ok {
		keyFile, _ = v.(string)
	}
	// The same rule the new tpe applies at start (config.CheckKeyFile):
	// empty, or inside data_dir.
	if keyFile != "" && config.CheckKeyFile(dataDir, keyFile) == nil {
		return nil, nil
	}
	from := keyFile
	if from == "" {
		// What versions before the move used.
		from = filepath.Join(dataDir, offline.KeyName)
	}
	if _, err := os.Stat(r.p(from)); errors.Is(err, fs.ErrNotExist) {
		return nil, nil // no key: the new version's own check says what to do
	} else if err != nil {
		return nil, fmt.Errorf("update: the device key %s: %w", from, err)
	}
	to := config.DefaultKeyFile
	if err := config.CheckKeyFile(dataDir, to); err != nil {
		return nil, fmt.Errorf("update: the device key must leave data_dir %s, but its default place %s is inside it: %w", dataDir, to, err)
	}
	m := &KeyMove{From: from, To: to}
	if _, err := os.Stat(r.p(offline.PINKeyPath(from))); err == nil {
		m.PINFrom, m.PINTo = offline.PINKeyPath(from), offline.PINKeyPath(to)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("update: the PIN key %s: %w", offline.PINKeyPath(from), err)
	}
	return m, nil
}

// pairs are the files to copy, device key first.
func (m *KeyMove) pairs() [][2]string {
	p := [][2]string{{m.From, m.To}}
	if m.PINFrom != "" {
		p = append(p, [2]string{m.PINFrom, m.PINTo})
	}
	return p
}

// copyKeys copies every file of m to its destination: the destination
// directory is created 0700, each file written 0600 through a synced
// temporary file and a rename, both owned like the original key (the
// service user, which reads it), then read back. A destination already
// holding the same bytes is kept (an earlier apply that rolled back); a
// different one refuses with ErrKeyConflict before anything is written.
func (r rootDir) copyKeys(m *KeyMove) error {
	for _, p := range m.pairs() {
		src, err := os.ReadFile(r.p(p[0]))
		if err != nil {
			return fmt.Errorf("update: reading the key %s: %w", p[0], err)
		}
		dst, err := os.ReadFile(r.p(p[1]))
		differs := err == nil && !bytes.Equal(src, dst)
		clear(src)
		clear(dst)
		if differs {
			return fmt.Errorf("%w: %s (in use) differs from %s; keep the one that opens the journal (`tpectl offline status`), move the other away, then apply again", ErrKeyConflict, p[0], p[1])
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("update: %s: %w", p[1], err)
		}
	}
	for _, p := range m.pairs() {
		if err := r.copyKey(p[0], p[1]); err != nil {
			return err
		}
	}
	return nil
}

func (r rootDir) copyKey(from, to string) error {
	src, dst := r.p(from), r.p(to)
	fi, err := os.Stat(src)
	if err != nil {
		return fmt.Errorf("update: %w", err)
	}
	uid, gid := -1, -1
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		uid, gid = int(st.Uid), int(st.Gid)
	}
	owned := func(p string) error {
		if err := os.Lchown(p, uid, gid); err != nil {
			return fmt.Errorf("update: giving %s to the owner of %s (uid %d): %w; apply the update as root", to, from, uid, err)
		}
		return nil
	}
	b, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("update: reading the key %s: %w", from, err)
	}
	defer clear(b)
	dir := filepath.Dir(dst)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("update: %w", err)
		}
		if err := os.Chmod(dir, 0o700); err != nil { // whatever the umask
			return fmt.Errorf("update: %w", err)
		}
		if err := owned(dir); err != nil {
			return err
		}
		if err := syncDir(filepath.Dir(dir)); err != nil {
			return err
		}
	}
	if old, err := os.ReadFile(dst); err == nil && bytes.Equal(old, b) {
		clear(old)
		return nil // copied by an earlier apply
	}
	// The copy is the key's owner's before it holds the key.
	giveOwner := func(f *os.File) error {
		if err := f.Chmod(0o600); err != nil {
			return err
		}
		if err := f.Chown(uid, gid); err != nil {
			return fmt.Errorf("giving %s to the owner of %s (uid %d): %w; apply the update as root", to, from, uid, err)
		}
		return nil
	}
	if err := writeAtomicPrepared(dst, b, 0o600, giveOwner); err != nil {
		return fmt.Errorf("%w (copying the key %s; the original is kept)", err, from)
	}
	back, err := os.ReadFile(dst)
	defer clear(back)
	if err != nil || !bytes.Equal(back, b) {
		return fmt.Errorf("update: the copy %s of the key %s does not read back identical (%v); the original is kept", to, from, err)
	}
	return nil
}

// setKeyFile points offline.key_file of the config text at keyFile.
func setKeyFile(text []byte, keyFile string) ([]byte, error) {
	doc := map[string]any{}
	if _, err := toml.Decode(string(text), &doc); err != nil {
		return nil, fmt.Errorf("%w: the current tpe.toml does not parse: %v", ErrMigration, err)
	}
	if err := setKey(doc, "offline.key_file", keyFile); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMigration, err)
	}
	return encodeMigrated(doc)
}

// finishKeyMove deletes the originals of a key move whose version is
// confirmed, each only when its copy reads back identical, and clears it
// from the state. An original whose copy is missing or different is kept
// and said in the state's note: deleting it could lose the journal's key.
func (r rootDir) finishKeyMove(st State) (State, error) {
	m := st.KeyMove
	var kept []string
	for _, p := range m.pairs() {
		src, serr := os.ReadFile(r.p(p[0]))
		dst, derr := os.ReadFile(r.p(p[1]))
		same := serr == nil && derr == nil && bytes.Equal(src, dst)
		clear(src)
		clear(dst)
		switch {
		case errors.Is(serr, fs.ErrNotExist):
			// Already deleted (a cut before the state was written).
		case same:
			if err := os.Remove(r.p(p[0])); err != nil {
				return st, fmt.Errorf("update: deleting the old key %s: %w", p[0], err)
			}
			if err := syncDir(filepath.Dir(r.p(p[0]))); err != nil {
				return st, err
			}
		default:
			kept = append(kept, p[0])
		}
	}
	st.KeyMove = nil
	if len(kept) > 0 {
		st.Note = fmt.Sprintf("the old key %v was kept in the data directory: its copy at %s is missing or differs; check which key opens the journal before deleting anything", kept, m.To)
	}
	if err := r.writeState(st); err != nil {
		return st, err
	}
	return st, nil
}
