package flash

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"tpe/cmd/internal/bundle"
	"tpe/cmd/internal/update"
)

// StageDir is where bundles are copied on the target, relative to its root.
const StageDir = "var/cache/tpe/updates"

// Target is where to flash.
type Target struct {
	Dir  string // a mounted root
	User string
	Host string // host:port
}

var sshTarget = regexp.MustCompile(`^([A-Za-z0-9._-]+)@([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\])(?::([0-9]{1,5}))?$`)

// ParseTarget reads DIR or user@host[:port]. An existing directory wins.
func ParseTarget(s string) (Target, error) {
	if fi, err := os.Stat(s); err == nil && fi.IsDir() {
		return Target{Dir: s}, nil
	}
	m := sshTarget.FindStringSubmatch(s)
	if m == nil {
		return Target{}, fmt.Errorf("%w: %q; mount the SD card and give its root, or use e.g. root@tpe-0042.local", ErrBadTarget, s)
	}
	port := "22"
	if m[3] != "" {
		if n, err := strconv.Atoi(m[3]); err != nil || n == 0 || n > 65535 {
			return Target{}, fmt.Errorf("%w: bad port %q", ErrBadTarget, m[3])
		}
		port = m[3]
	}
	host := m[2]
	if host[0] == '[' {
		host = host[1 : len(host)-1]
	}
	return Target{User: m[1], Host: joinHostPort(host, port)}, nil
}

func joinHostPort(h, p string) string {
	for _, c := range h {
		if c == ':' {
			return "[" + h + "]:" + p
		}
	}
	return h + ":" + p
}

// Opts tunes a flash.
type Opts struct {
	Force       bool // allow a downgrade
	AllowQueued bool
	// Progress is told how much of the bundle is on the target.
	Progress func(done, total int64)
	Out      io.Writer // remote command output; nil discards
	// SSH only.
	SSH *SSHOpts
}

// Result is what a flash did.
type Result struct {
	Staged  string // the bundle's path on the target
	Resumed int64  // bytes already there from an earlier run
	Sent    int64
	Apply   *update.Result // directory targets
}

// Run copies and installs bundlePath on t.
func Run(ctx context.Context, t Target, bundlePath string, o *Opts) (*Result, error) {
	var opts Opts
	if o != nil {
		opts = *o
	}
	if opts.Progress == nil {
		opts.Progress = func(int64, int64) {}
	}
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	sum, size, err := fileSHA256(bundlePath)
	if err != nil {
		return nil, err
	}
	if t.Dir != "" {
		return toDir(ctx, t.Dir, bundlePath, sum, size, opts)
	}
	return toSSH(ctx, t, bundlePath, sum, size, opts)
}

func toDir(ctx context.Context, root, src, sum string, size int64, o Opts) (*Result, error) {
	// Check against the keys the target trusts before copying megabytes.
	trusted, err := bundle.LoadTrusted(filepath.Join(root, filepath.FromSlash(bundle.TrustedDir)))
	if err != nil {
		return nil, fmt.Errorf("target %s: %w", root, err)
	}
	if _, err := bundle.VerifyFile(src, trusted); err != nil {
		return nil, err
	}
	dir := filepath.Join(root, filepath.FromSlash(StageDir))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("flash: %w", err)
	}
	final := filepath.Join(dir, filepath.Base(src))
	part := final + ".part"
	res := &Result{Staged: final}
	if s, _, err := fileSHA256(final); err == nil && s == sum {
		// Already copied by an earlier run that stopped before installing.
		opts := o
		opts.Progress(size, size)
		res.Resumed = size
	} else {
		var off int64
		if fi, err := os.Stat(part); err == nil && fi.Size() <= size {
			off = fi.Size()
		}
		res.Resumed = off
		out, err := os.OpenFile(part, os.O_WRONLY|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("flash: %w", err)
		}
		in, err := os.Open(src)
		if err != nil {
			out.Close()
			return nil, fmt.Errorf("flash: %w", err)
		}
		in.Seek(off, io.SeekStart)
		out.Seek(off, io.SeekStart)
		n, err := copyCtx(ctx, out, in, off, size, o.Progress)
		in.Close()
		res.Sent = n
		if err == nil {
			err = out.Sync()
		}
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return res, fmt.Errorf("flash: copy interrupted at %d of %d bytes (%w); run the same command again to resume", off+n, size, err)
		}
		if s, _, err := fileSHA256(part); err != nil || s != sum {
			os.Remove(part)
			return res, ErrCorrupt
		}
		if err := os.Rename(part, final); err != nil {
			return res, fmt.Errorf("flash: %w", err)
		}
	}
	ar, err := update.Apply(ctx, root, final, &update.Opts{Force: o.Force, AllowQueued: o.AllowQueued, Trusted: trusted})
	if err != nil {
		return res, err
	}
	res.Apply = ar
	os.Remove(final)
	return res, nil
}

// copyCtx copies in 256 KiB chunks, reporting progress and stopping when
// ctx ends.
func copyCtx(ctx context.Context, w io.Writer, r io.Reader, off, total int64, progress func(done, total int64)) (int64, error) {
	buf := make([]byte, 256<<10)
	var n int64
	progress(off, total)
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		k, rerr := r.Read(buf)
		if k > 0 {
			if _, err := w.Write(buf[:k]); err != nil {
				return n, err
			}
			n += int64(k)
			progress(off+n, total)
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, rerr
		}
	}
}

func fileSHA256(p string) (string, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, fmt.Errorf("flash: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("flash: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// Bar draws a progress bar on w, at most every 100 ms and at the end.
func Bar(w io.Writer, label string) func(done, total int64) {
	var last time.Time
	start := time.Now()
	return func(done, total int64) {
		now := time.Now()
		if done < total && now.Sub(last) < 100*time.Millisecond {
			return
		}
		last = now
		pct := 100.0
		if total > 0 {
			pct = float64(done) * 100 / float64(total)
		}
		const width = 30
		fill := int(pct * width / 100)
		bar := make([]byte, width)
		for i := range bar {
			bar[i] = '.'
			if i < fill {
				bar[i] = '#'
			}
		}
		rate := float64(done) / max(now.Sub(start).Seconds(), 0.001) / 1e6
		fmt.Fprintf(w, "\r%s [%s] %5.1f%% %.1f/%.1f MB %.1f MB/s", label, bar, pct, float64(done)/1e6, float64(total)/1e6, rate)
		if done >= total {
			fmt.Fprintln(w)
		}
	}
}
