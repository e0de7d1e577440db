package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var verbs = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)

// Every key has both languages, the same fmt verbs in each, and prints
// without a formatting error.
func TestBothLanguages(t *testing.T) {
	for _, k := range Keys() {
		fr, en, _ := Source(k)
		if strings.TrimSpace(fr) == "" || strings.TrimSpace(en) == "" {
			t.Errorf("%s: missing translation: fr %q, en %q", k, fr, en)
		}
		a, b := verbs.FindAllString(fr, -1), verbs.FindAllString(en, -1)
		if strings.Join(a, ",") != strings.Join(b, ",") {
			t.Errorf("%s: verbs differ: fr %v, en %v", k, a, b)
		}
		var args []any
		for _, vb := range a {
			if strings.HasSuffix(vb, "d") {
				args = append(args, 7)
			} else {
				args = append(args, "x")
			}
		}
		for _, lang := range Langs {
			if got := T(lang, k, args...); got == k || strings.Contains(got, "%!") {
				t.Errorf("T(%s, %s) = %q", lang, k, got)
			}
		}
	}
	for k := range singular {
		if !Has(k) {
			t.Errorf("singular form of unknown key %q", k)
		}
	}
}

func TestPlurals(t *testing.T) {
	for _, c := range []struct {
		lang string
		n    int
		want string
	}{
		{"fr", 0, "0 paiement"}, {"fr", 1, "1 paiement"}, {"fr", 2, "2 paiements"},
		{"en", 0, "0 payments"}, {"en", 1, "1 payment"}, {"en", 2, "2 payments"},
	} {
		if got := T(c.lang, "hist.count", c.n); got != c.want {
			t.Errorf("T(%s, hist.count, %d) = %q, want %q", c.lang, c.n, got, c.want)
		}
	}
}

func TestReasonRefinedByMethod(t *testing.T) {
	for _, c := range []struct{ lang, code, method, want string }{
		{"fr", "timeout", "card", "Aucune carte présentée à temps : recommencez"},
		{"fr", "timeout", "alipayplus", "Aucun code scanné ni payé à temps : recommencez"},
		{"en", "not_paid_in_time", "paylink", "The link expired unpaid"},
		{"en", "insufficient_funds", "", "Insufficient funds: ask for another payment method"},
		{"en", "no_such_code", "card", ""},
		{"en", "", "card", ""},
	} {
		if got := Reason(c.lang, c.code, c.method); got != c.want {
			t.Errorf("Reason(%s, %q, %q) = %q, want %q", c.lang, c.code, c.method, got, c.want)
		}
	}
}

func TestDuplicateKeyPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a key in two tables did not panic")
		}
	}()
	merge([]map[string][2]string{{"a.b": {"x", "y"}}, {"a.b": {"z", "w"}}})
}

// tableFiles define the keys; naming a key there is not using it.
var tableFiles = map[string]bool{"till.go": true, "display.go": true, "receipt.go": true, "mail.go": true, "reasons.go": true}

// TestKeysUsed reads the module's Go code. A key-like string literal (its
// first segment one of the catalogue's) given to a function named T, or
// anywhere in the till's package (whose literals are keys), must be in the
// catalogue; every key must be named somewhere outside tests. A literal
// ending in "." (a family built at run time: "st."+status) uses the keys it
// starts; those families are tested where they are built. ui/simulator is
// skipped: the desktop simulator is not the terminal, and its own
// catalogue stays out of the production binary.
func TestKeysUsed(t *testing.T) {
	root := moduleRoot(t)
	prefixes := map[string]bool{}
	for _, k := range Keys() {
		prefixes[k[:strings.IndexByte(k, '.')]] = true
	}
	keyLike := regexp.MustCompile(`^[a-z]+(\.[a-z0-9_]+)*\.[a-z0-9_]*$`)
	used := map[string]bool{}
	var families []string
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata") || path == filepath.Join(root, "ui", "simulator") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		if filepath.Dir(path) == mustAbs(t, ".") && tableFiles[d.Name()] {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		strict := filepath.Dir(path) == filepath.Join(root, "ui", "cashier")
		givenToT := map[*ast.BasicLit]bool{}
		ast.Inspect(f, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok && calleeName(call) == "T" {
				for _, a := range call.Args {
					if lit, ok := a.(*ast.BasicLit); ok {
						givenToT[lit] = true
					}
				}
			}
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil || !keyLike.MatchString(s) || !prefixes[s[:strings.IndexByte(s, '.')]] {
				return true
			}
			switch {
			case strings.HasSuffix(s, "."):
				families = append(families, s)
			case Has(s):
				used[s] = true
			case strict || givenToT[lit]:
				t.Errorf("%s: %q looks like a message key but is not in the catalogue", fset.Position(lit.Pos()), s)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range Keys() {
		if used[k] {
			continue
		}
		inFamily := false
		for _, f := range families {
			inFamily = inFamily || strings.HasPrefix(k, f)
		}
		if !inFamily {
			t.Errorf("catalogue key %q is never used", k)
		}
	}
}

// calleeName is the name of the function call calls: T for T(…), u.T(…)
// and i18n.T(…).
func calleeName(call *ast.CallExpr) string {
	switch f := call.Fun.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		return f.Sel.Name
	}
	return ""
}

func moduleRoot(t *testing.T) string {
	dir := mustAbs(t, ".")
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("no go.mod above the package")
		}
		dir = up
	}
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
