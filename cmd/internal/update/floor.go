package update

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"tpe/cmd/internal/bundle"
)

// MinVersionPath holds the terminal's anti-rollback floor, relative to the
// root: one semantic version and a newline. Absent means no floor.
const MinVersionPath = BaseDir + "/min_version"

// floor is an anti-rollback floor; ok is false when there is none.
type floor struct {
	v  bundle.Version
	ok bool
}

func (f floor) String() string {
	if !f.ok {
		return ""
	}
	return f.v.String()
}

// below reports whether v is under the floor.
func (f floor) below(v bundle.Version) bool { return f.ok && v.Compare(f.v) < 0 }

// raise returns the higher of f and the minimum m declares.
func (f floor) raise(m *bundle.Manifest) (floor, error) {
	mv, ok, err := m.Minimum()
	if err != nil || !ok {
		return f, err
	}
	if !f.ok || mv.Compare(f.v) > 0 {
		return floor{v: mv, ok: true}, nil
	}
	return f, nil
}

// readFloor reads MinVersionPath. A file that exists but does not hold a
// version is an error, never "no floor": the file is only ever replaced
// by rename, so damage means something other than tpectl touched it.
func (r rootDir) readFloor() (floor, error) {
	b, err := os.ReadFile(r.p(MinVersionPath))
	if errors.Is(err, fs.ErrNotExist) {
		return floor{}, nil
	}
	if err != nil {
		return floor{}, fmt.Errorf("%w (/%s: %v)", ErrMinimumUnreadable, MinVersionPath, err)
	}
	v, err := bundle.ParseVersion(string(bytes.TrimSuffix(b, []byte("\n"))))
	if err != nil {
		return floor{}, fmt.Errorf("%w (/%s holds %q); write the highest min_version of the bundles this terminal confirmed into it",
			ErrMinimumUnreadable, MinVersionPath, truncate(b, 40))
	}
	return floor{v: v, ok: true}, nil
}

// raiseFloor durably raises the floor to m's minimum; it never lowers it.
func (r rootDir) raiseFloor(m *bundle.Manifest) (floor, error) {
	cur, err := r.readFloor()
	if err != nil {
		return cur, err
	}
	next, err := cur.raise(m)
	if err != nil || next == cur {
		return cur, err
	}
	if err := writeAtomic(r.p(MinVersionPath), []byte(next.String()+"\n"), 0o644); err != nil {
		return cur, fmt.Errorf("update: raising the minimum version to %s: %w", next, err)
	}
	return next, nil
}

// committedFloor is the floor rollbacks must respect. When no trial is
// running, the active version is confirmed and its minimum belongs in the
// floor: raising it here repairs a power cut between confirming a version
// and writing its floor, or a deleted floor file.
func (r rootDir) committedFloor(st State, act string) (floor, error) {
	if act == "" || st.Trial != "" {
		return r.readFloor()
	}
	m, err := bundle.ReadManifest(r.slot(act))
	if err != nil {
		// A damaged active slot raises nothing; the stored floor holds.
		return r.readFloor()
	}
	return r.raiseFloor(m)
}

// installFloor is the floor Apply must respect: the committed one, and
// while a version is on trial its own minimum too. The trial's minimum is
// not committed until the version is confirmed, so that a failed trial can
// always return to the version that ran before it; but no other bundle
// below it may be installed meanwhile.
func (r rootDir) installFloor(st State, act string) (floor, error) {
	f, err := r.committedFloor(st, act)
	if err != nil || act == "" || st.Trial != act {
		return f, err
	}
	m, err := bundle.ReadManifest(r.slot(act))
	if err != nil {
		return f, nil
	}
	return f.raise(m)
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
