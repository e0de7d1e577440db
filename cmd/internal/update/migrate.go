package update

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"tpe/cmd/internal/bundle"
)

// ConfigBackup is where Apply keeps the config as it was before a
// bundle's migrations changed it, relative to the root.
const ConfigBackup = BaseDir + "/config-backup.toml"

// Migration is one file of a bundle's migrations/ directory. Keys are
// dotted paths of tpe.toml ("gateway.pin_sha256"). Operations run in the
// order rename, delete, set, default; files run in name order.
//
//	description = "gateway.pin became gateway.pin_sha256"
//	[rename]
//	"gateway.pin" = "gateway.pin_sha256"
//	[delete]
//	keys = ["emv.legacy_mode"]
//	[set]          # always
//	"log.level" = "info"
//	[default]      # only when absent
//	"offline.forward_every" = "30s"
type Migration struct {
	Description string            `toml:"description"`
	Rename      map[string]string `toml:"rename"`
	Delete      struct {
		Keys []string `toml:"keys"`
	} `toml:"delete"`
	Set     map[string]any `toml:"set"`
	Default map[string]any `toml:"default"`
}

// ErrMigration is a bundle migration that cannot be applied.
var ErrMigration = errors.New("update: config migration failed; nothing was changed — report it with the bundle's version")

// migrateConfig applies the slot's migrations to the config text. It returns
// the new text and whether anything changed.
func migrateConfig(slotDir string, text []byte) ([]byte, bool, error) {
	dir := filepath.Join(slotDir, bundle.MigrationsDir)
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return text, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("update: %w", err)
	}
	var names []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".toml") {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return text, false, nil
	}
	sort.Strings(names)
	doc := map[string]any{}
	if _, err := toml.Decode(string(text), &doc); err != nil {
		return nil, false, fmt.Errorf("%w: the current tpe.toml does not parse: %v", ErrMigration, err)
	}
	for _, n := range names {
		var m Migration
		md, err := toml.DecodeFile(filepath.Join(dir, n), &m)
		if err != nil {
			return nil, false, fmt.Errorf("%w: %s: %v", ErrMigration, n, err)
		}
		if u := md.Undecoded(); len(u) > 0 {
			return nil, false, fmt.Errorf("%w: %s: unknown field %s", ErrMigration, n, u[0])
		}
		if err := m.apply(doc); err != nil {
			return nil, false, fmt.Errorf("%w: %s: %v", ErrMigration, n, err)
		}
	}
	out, err := encodeMigrated(doc)
	if err != nil {
		return nil, false, err
	}
	// Compare data, not text: re-encoding alone is no change.
	var before, after map[string]any
	toml.Decode(string(text), &before)
	toml.Decode(string(out), &after)
	if fmt.Sprint(before) == fmt.Sprint(after) {
		return text, false, nil
	}
	return out, true, nil
}

// encodeMigrated is the text of a migrated config.
func encodeMigrated(doc map[string]any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("# tpe.toml migrated by tpectl update apply; the previous one is in /" + ConfigBackup + "\n\n")
	if err := toml.NewEncoder(&b).Encode(doc); err != nil {
		return nil, fmt.Errorf("%w: encoding: %v", ErrMigration, err)
	}
	return b.Bytes(), nil
}

func (m *Migration) apply(doc map[string]any) error {
	for _, from := range sortedKeys(m.Rename) {
		to := m.Rename[from]
		v, ok := getKey(doc, from)
		if !ok {
			continue
		}
		if _, exists := getKey(doc, to); exists {
			return fmt.Errorf("rename %s → %s: %s is already set", from, to, to)
		}
		delKey(doc, from)
		if err := setKey(doc, to, v); err != nil {
			return err
		}
	}
	for _, k := range m.Delete.Keys {
		delKey(doc, k)
	}
	for _, k := range sortedKeys(m.Set) {
		if err := setKey(doc, k, m.Set[k]); err != nil {
			return err
		}
	}
	for _, k := range sortedKeys(m.Default) {
		if _, ok := getKey(doc, k); !ok {
			if err := setKey(doc, k, m.Default[k]); err != nil {
				return err
			}
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func getKey(doc map[string]any, key string) (any, bool) {
	parts := strings.Split(key, ".")
	cur := doc
	for i, p := range parts {
		v, ok := cur[p]
		if !ok {
			return nil, false
		}
		if i == len(parts)-1 {
			return v, true
		}
		if cur, ok = v.(map[string]any); !ok {
			return nil, false
		}
	}
	return nil, false
}

func setKey(doc map[string]any, key string, v any) error {
	parts := strings.Split(key, ".")
	cur := doc
	for _, p := range parts[:len(parts)-1] {
		next, ok := cur[p]
		if !ok {
			m := map[string]any{}
			cur[p] = m
			cur = m
			continue
		}
		if cur, ok = next.(map[string]any); !ok {
			return fmt.Errorf("%s: %s is not a table", key, p)
		}
	}
	cur[parts[len(parts)-1]] = v
	return nil
}

func delKey(doc map[string]any, key string) {
	parts := strings.Split(key, ".")
	cur := doc
	for _, p := range parts[:len(parts)-1] {
		next, ok := cur[p].(map[string]any)
		if !ok {
			return
		}
		cur = next
	}
	delete(cur, parts[len(parts)-1])
}
