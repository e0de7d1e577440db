package diag

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tpe/offline"
)

// TestJournalNamesFault: the integrity check names each storage fault with
// its own fix; none of them is reported as corruption but corruption.
func TestJournalNamesFault(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(t *testing.T, dir string) (keyFile string)
		want   offline.Fault
	}{
		{"damaged file", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, offline.FileName)
			b, _ := os.ReadFile(p)
			clear(b[:8192])
			os.WriteFile(p, b, 0o600)
			return filepath.Join(dir, offline.KeyName)
		}, offline.FaultCorrupt},
		{"another key", func(t *testing.T, dir string) string {
			k := filepath.Join(t.TempDir(), "other.key")
			if err := offline.CreateKey(k); err != nil {
				t.Fatal(err)
			}
			return k
		}, offline.FaultWrongKey},
		{"key missing", func(t *testing.T, dir string) string { return filepath.Join(dir, "none.key") }, offline.FaultNoKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			st, err := offline.Open(filepath.Join(dir, offline.FileName), &offline.Opts{KeyFile: filepath.Join(dir, offline.KeyName), CreateKey: true})
			if err != nil {
				t.Fatal(err)
			}
			st.Close()
			j := &Journal{Path: filepath.Join(dir, offline.FileName), KeyFile: tt.break_(t, dir)}
			r := j.run(context.Background())[0]
			if r.Status != Fail || !strings.HasPrefix(r.Detail, tt.want.Code()+": ") || r.Fix != tt.want.Fix() {
				t.Errorf("got %+v, want %s with its fix", r, tt.want)
			}
		})
	}
}
