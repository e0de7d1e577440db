package bundle

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a parsed semantic version (major.minor.patch[-pre]); build
// metadata after '+' is ignored, as SemVer 2.0.0 §10 says.
type Version struct {
	Major, Minor, Patch int
	Pre                 string
}

// ParseVersion reads "1.4.2", "v1.4.2" or "1.5.0-rc.1".
func ParseVersion(s string) (Version, error) {
	bad := fmt.Errorf("%w: version %q is not a semantic version; use MAJOR.MINOR.PATCH such as 1.4.2", ErrMalformed, s)
	t := strings.TrimPrefix(s, "v")
	if i := strings.IndexByte(t, '+'); i >= 0 {
		t = t[:i]
	}
	var v Version
	if i := strings.IndexByte(t, '-'); i >= 0 {
		v.Pre, t = t[i+1:], t[:i]
		if v.Pre == "" {
			return Version{}, bad
		}
	}
	parts := strings.Split(t, ".")
	if len(parts) != 3 {
		return Version{}, bad
	}
	nums := []*int{&v.Major, &v.Minor, &v.Patch}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || p == "" || (len(p) > 1 && p[0] == '0') {
			return Version{}, bad
		}
		*nums[i] = n
	}
	return v, nil
}

func (v Version) String() string {
	s := fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
	if v.Pre != "" {
		s += "-" + v.Pre
	}
	return s
}

// Compare returns -1, 0 or 1 as v is older than, the same as, or newer
// than w (SemVer 2.0.0 §11 precedence).
func (v Version) Compare(w Version) int {
	for _, d := range [][2]int{{v.Major, w.Major}, {v.Minor, w.Minor}, {v.Patch, w.Patch}} {
		if d[0] != d[1] {
			return cmpInt(d[0], d[1])
		}
	}
	switch {
	case v.Pre == w.Pre:
		return 0
	case v.Pre == "":
		return 1
	case w.Pre == "":
		return -1
	}
	a, b := strings.Split(v.Pre, "."), strings.Split(w.Pre, ".")
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] == b[i] {
			continue
		}
		na, ea := strconv.Atoi(a[i])
		nb, eb := strconv.Atoi(b[i])
		switch {
		case ea == nil && eb == nil:
			return cmpInt(na, nb)
		case ea == nil:
			return -1
		case eb == nil:
			return 1
		}
		return strings.Compare(a[i], b[i])
	}
	return cmpInt(len(a), len(b))
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
