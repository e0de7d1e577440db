package support

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"tpe/cmd/internal/update"
	"tpe/config"
	"tpe/offline"
)

// LogDir is where the terminal's log files live, relative to the root,
// besides log.file of the config.
const LogDir = "var/log/tpe"

// Opts says what to export.
type Opts struct {
	Root       string
	ConfigPath string // default: the root's etc/tpe/tpe.toml
	Version    string // tpectl's version
	// MaxLogBytes caps each log file (the tail is kept); default 8 MiB.
	MaxLogBytes int64
	Now         func() time.Time
}

// Summary lists what was put in the bundle.
type Summary struct {
	Files []string
	Notes []string // what could not be collected, and why
}

// Export writes the support bundle to w.
func Export(ctx context.Context, w io.Writer, o Opts) (*Summary, error) {
	if o.ConfigPath == "" {
		o.ConfigPath = update.Rooted(o.Root, update.ConfigPath)
	}
	if o.MaxLogBytes <= 0 {
		o.MaxLogBytes = 8 << 20
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	now := o.Now().UTC()
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	sum := &Summary{}
	add := func(name string, b []byte) error {
		sum.Files = append(sum.Files, name)
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(b)), ModTime: now, Typeflag: tar.TypeReg}); err != nil {
			return fmt.Errorf("support: %w", err)
		}
		_, err := tw.Write(b)
		return err
	}
	note := func(format string, args ...any) { sum.Notes = append(sum.Notes, Redact(fmt.Sprintf(format, args...))) }

	var info bytes.Buffer
	fmt.Fprintf(&info, "tpectl %s\nexported %s\nroot %s\n", o.Version, now.Format(time.RFC3339), o.Root)
	if host, err := os.Hostname(); err == nil {
		fmt.Fprintf(&info, "host %s\n", host)
	}
	st, err := update.GetStatus(o.Root)
	if err != nil && !errors.Is(err, update.ErrNotInstalled) {
		note("update status: %v", err)
	}
	sb, _ := json.MarshalIndent(st, "", "  ")
	if st.Active != "" {
		fmt.Fprintf(&info, "running tpe %s from slot %s (trial %v)\n", st.Version, st.Active, st.Trial)
	}
	if err := add("update-status.json", []byte(Redact(string(sb))+"\n")); err != nil {
		return nil, err
	}

	var logFiles []string
	raw, cerr := os.ReadFile(o.ConfigPath)
	switch {
	case cerr != nil:
		note("config: %v", cerr)
	default:
		c, perr := config.Parse(string(raw), o.ConfigPath)
		if perr != nil {
			// Send the text anyway, line-redacted: the parse error is often
			// what support needs to see.
			note("config does not load: %v", perr)
			if err := add("tpe.toml.redacted", []byte(redactText(string(raw)))); err != nil {
				return nil, err
			}
			break
		}
		masked := MaskConfig(c)
		b, _ := config.Format(masked)
		if err := add("tpe.toml.redacted", []byte(redactText(string(b)))); err != nil {
			return nil, err
		}
		fmt.Fprintf(&info, "terminal %s merchant %s\n", c.Terminal.ID, c.Terminal.MerchantID)
		if c.Log.File != "" {
			logFiles = append(logFiles, globLogs(update.Rooted(o.Root, c.Log.File)+"*")...)
		}
		if js, err := journalStats(ctx, o.Root, c); err != nil {
			note("journal: %v", err)
		} else if err := add("journal-stats.json", js); err != nil {
			return nil, err
		}
	}
	logFiles = append(logFiles, globLogs(filepath.Join(update.Rooted(o.Root, LogDir), "*"))...)
	seen := map[string]bool{}
	for _, p := range logFiles {
		if seen[p] {
			continue
		}
		seen[p] = true
		b, err := tailRedacted(p, o.MaxLogBytes)
		if err != nil {
			note("log %s: %v", p, err)
			continue
		}
		if err := add("logs/"+filepath.Base(p), b); err != nil {
			return nil, err
		}
	}
	if len(seen) == 0 {
		note("no log files under %s or log.file (the terminal may log to the systemd journal: add `journalctl -u tpe` output)", LogDir)
	}
	if len(sum.Notes) > 0 {
		info.WriteString("\nnotes:\n")
		for _, n := range sum.Notes {
			fmt.Fprintf(&info, "- %s\n", n)
		}
	}
	if err := add("INFO.txt", info.Bytes()); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("support: %w", err)
	}
	if err := gz.Close(); err != nil {
		return nil, fmt.Errorf("support: %w", err)
	}
	return sum, nil
}

// MaskConfig returns c with every secret replaced by Mask (empty ones stay
// empty, so support sees what is unset).
func MaskConfig(c config.Config) config.Config {
	for _, s := range []*string{&c.Gateway.ClientSecret, &c.Gateway.Password, &c.API.Token, &c.API.SupervisorToken, &c.SMTP.Password, &c.Gateway.PinSHA256} {
		if *s != "" {
			*s = Mask
		}
	}
	return c
}

func redactText(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = Redact(l)
	}
	return strings.Join(lines, "\n")
}

func globLogs(pattern string) []string {
	m, _ := filepath.Glob(pattern)
	var out []string
	for _, p := range m {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && !strings.HasSuffix(p, ".gz") {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// tailRedacted reads at most max bytes from the end of a log file,
// redacting every line.
func tailRedacted(p string, max int64) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if fi.Size() > max {
		if _, err := f.Seek(fi.Size()-max, io.SeekStart); err != nil {
			return nil, err
		}
		fmt.Fprintf(&out, "[… %d earlier bytes not included]\n", fi.Size()-max)
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	first := fi.Size() > max
	for sc.Scan() {
		if first {
			first = false // a partial line: drop it rather than half-redact it
			continue
		}
		out.WriteString(Redact(sc.Text()))
		out.WriteByte('\n')
	}
	if err := sc.Err(); err != nil && !errors.Is(err, fs.ErrClosed) {
		fmt.Fprintf(&out, "[log truncated here: %v]\n", err)
	}
	return out.Bytes(), nil
}

func journalStats(ctx context.Context, root string, c config.Config) ([]byte, error) {
	jpath := update.Rooted(root, filepath.Join(c.DataDir, offline.FileName))
	key := c.Offline.KeyFile
	if key == "" {
		key = filepath.Join(c.DataDir, offline.KeyName)
	}
	st, err := offline.Open(jpath, &offline.Opts{KeyFile: update.Rooted(root, key), ReadOnly: true, LockTimeout: 500 * time.Millisecond})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	s, err := st.Stats(ctx)
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(s, "", "  ")
}
