package flash

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"
)

// SSHOpts configures the SSH target.
type SSHOpts struct {
	Identity   string // private key file; empty: the SSH agent
	KnownHosts string // default ~/.ssh/known_hosts
	// AcceptNew trusts and records the host key of a host absent from
	// KnownHosts (first contact). A changed key is always refused.
	AcceptNew bool
	// RemoteRoot is the terminal's root ("/"); RemoteTpectl its tpectl.
	RemoteRoot   string
	RemoteTpectl string
	// Sudo prefixes the install command with sudo -n.
	Sudo    bool
	Timeout time.Duration // dial; default 15 s
}

func (o *SSHOpts) defaults() SSHOpts {
	var c SSHOpts
	if o != nil {
		c = *o
	}
	if c.KnownHosts == "" {
		if home, err := os.UserHomeDir(); err == nil {
			c.KnownHosts = filepath.Join(home, ".ssh", "known_hosts")
		}
	}
	if c.RemoteRoot == "" {
		c.RemoteRoot = "/"
	}
	if c.RemoteTpectl == "" {
		c.RemoteTpectl = "tpectl"
	}
	if c.Timeout <= 0 {
		c.Timeout = 15 * time.Second
	}
	return c
}

func authMethods(o SSHOpts) ([]ssh.AuthMethod, func(), error) {
	if o.Identity != "" {
		b, err := os.ReadFile(o.Identity)
		if err != nil {
			return nil, nil, fmt.Errorf("flash: reading --identity: %w", err)
		}
		signer, err := ssh.ParsePrivateKey(b)
		var pp *ssh.PassphraseMissingError
		if errors.As(err, &pp) {
			return nil, nil, fmt.Errorf("flash: %s is passphrase-protected; load it into ssh-agent (ssh-add %s) and omit --identity", o.Identity, o.Identity)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("flash: %s is not an SSH private key: %w", o.Identity, err)
		}
		return []ssh.AuthMethod{ssh.PublicKeys(signer)}, func() {}, nil
	}
	sock := os.Getenv("SSH_AUTH_SOCK")
	if sock == "" {
		return nil, nil, errors.New("flash: no --identity and no SSH agent (SSH_AUTH_SOCK); pass --identity ~/.ssh/id_ed25519")
	}
	c, err := net.Dial("unix", sock)
	if err != nil {
		return nil, nil, fmt.Errorf("flash: SSH agent: %w; pass --identity instead", err)
	}
	return []ssh.AuthMethod{ssh.PublicKeysCallback(agent.NewClient(c).Signers)}, func() { c.Close() }, nil
}

func hostKeyCallback(o SSHOpts) (ssh.HostKeyCallback, error) {
	if _, err := os.Stat(o.KnownHosts); errors.Is(err, os.ErrNotExist) {
		if !o.AcceptNew {
			return nil, fmt.Errorf("flash: no known_hosts file at %s; pass --accept-new-host-key on the first connection to this terminal (compare the fingerprint with the one on its label)", o.KnownHosts)
		}
		os.MkdirAll(filepath.Dir(o.KnownHosts), 0o700)
		if err := os.WriteFile(o.KnownHosts, nil, 0o600); err != nil {
			return nil, fmt.Errorf("flash: %w", err)
		}
	}
	cb, err := knownhosts.New(o.KnownHosts)
	if err != nil {
		return nil, fmt.Errorf("flash: reading %s: %w", o.KnownHosts, err)
	}
	return func(host string, remote net.Addr, key ssh.PublicKey) error {
		err := cb(host, remote, key)
		var ke *knownhosts.KeyError
		if errors.As(err, &ke) && len(ke.Want) == 0 && o.AcceptNew {
			f, ferr := os.OpenFile(o.KnownHosts, os.O_APPEND|os.O_WRONLY, 0o600)
			if ferr != nil {
				return ferr
			}
			defer f.Close()
			_, ferr = fmt.Fprintln(f, knownhosts.Line([]string{knownhosts.Normalize(host)}, key))
			return ferr
		}
		if errors.As(err, &ke) && len(ke.Want) > 0 {
			return fmt.Errorf("flash: the host key of %s CHANGED (%s); if the board was reinstalled, remove its line from %s, otherwise stop: someone may be intercepting", host, ssh.FingerprintSHA256(key), o.KnownHosts)
		}
		if errors.As(err, &ke) {
			return fmt.Errorf("flash: %s is not in %s (key %s); pass --accept-new-host-key after checking the fingerprint", host, o.KnownHosts, ssh.FingerprintSHA256(key))
		}
		return err
	}, nil
}

// q quotes s for a POSIX shell.
func q(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// remote runs one command and returns its standard output.
func remote(client *ssh.Client, cmd string, stdin io.Reader, stdout io.Writer) error {
	s, err := client.NewSession()
	if err != nil {
		return fmt.Errorf("flash: ssh session: %w", err)
	}
	defer s.Close()
	var errb bytes.Buffer
	s.Stdin, s.Stdout, s.Stderr = stdin, stdout, &errb
	if err := s.Run(cmd); err != nil {
		msg := strings.TrimSpace(errb.String())
		return fmt.Errorf("flash: on the terminal, %q failed: %v %s", firstWord(cmd), err, msg)
	}
	return nil
}

func firstWord(s string) string {
	if i := strings.IndexByte(s, ' '); i > 0 {
		return s[:i]
	}
	return s
}

func toSSH(ctx context.Context, t Target, src, sum string, size int64, o Opts) (*Result, error) {
	so := o.SSH.defaults()
	auth, done, err := authMethods(so)
	if err != nil {
		return nil, err
	}
	defer done()
	hk, err := hostKeyCallback(so)
	if err != nil {
		return nil, err
	}
	d := net.Dialer{Timeout: so.Timeout}
	conn, err := d.DialContext(ctx, "tcp", t.Host)
	if err != nil {
		return nil, fmt.Errorf("flash: cannot reach %s: %w; check the terminal is on and on this network (ping it), and that sshd runs", t.Host, err)
	}
	cc, chans, reqs, err := ssh.NewClientConn(conn, t.Host, &ssh.ClientConfig{User: t.User, Auth: auth, HostKeyCallback: hk, Timeout: so.Timeout})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("flash: ssh to %s@%s: %w", t.User, t.Host, err)
	}
	client := ssh.NewClient(cc, chans, reqs)
	defer client.Close()
	stop := context.AfterFunc(ctx, func() { client.Close() })
	defer stop()

	dir := path.Join(so.RemoteRoot, StageDir)
	final := path.Join(dir, filepath.Base(src))
	part := final + ".part"
	res := &Result{Staged: final}
	var out bytes.Buffer
	// One round trip: make the directory, report the final file's hash if
	// present and the part file's size.
	probe := fmt.Sprintf("mkdir -p %s && { sha256sum %s 2>/dev/null || echo -; } && { stat -c %%s %s 2>/dev/null || echo 0; }", q(dir), q(final), q(part))
	if err := remote(client, probe, nil, &out); err != nil {
		return nil, err
	}
	lines := strings.Fields(out.String())
	have := ""
	if len(lines) >= 1 {
		have = lines[0]
	}
	off, _ := strconv.ParseInt(lines[len(lines)-1], 10, 64)
	if have != sum {
		if off > size {
			off = 0
		}
		res.Resumed = off
		f, err := os.Open(src)
		if err != nil {
			return nil, fmt.Errorf("flash: %w", err)
		}
		defer f.Close()
		f.Seek(off, io.SeekStart)
		cr := &countReader{ctx: ctx, r: f, off: off, total: size, progress: o.Progress}
		o.Progress(off, size)
		redirect := ">>"
		if off == 0 {
			redirect = ">"
		}
		err = remote(client, "cat "+redirect+" "+q(part), cr, nil)
		res.Sent = cr.n
		if err != nil || ctx.Err() != nil {
			if ctx.Err() != nil {
				err = ctx.Err()
			}
			return res, fmt.Errorf("flash: transfer interrupted at %d of %d bytes (%v); run the same command again to resume", off+cr.n, size, err)
		}
		out.Reset()
		if err := remote(client, "sha256sum "+q(part), nil, &out); err != nil {
			return res, err
		}
		if f := strings.Fields(out.String()); len(f) == 0 || f[0] != sum {
			remote(client, "rm -f "+q(part), nil, nil)
			return res, ErrCorrupt
		}
		if err := remote(client, "mv "+q(part)+" "+q(final), nil, nil); err != nil {
			return res, err
		}
	} else {
		res.Resumed = size
		o.Progress(size, size)
	}
	cmd := q(so.RemoteTpectl) + " update apply --root " + q(so.RemoteRoot)
	if o.Force {
		cmd += " --force"
	}
	if o.AllowQueued {
		cmd += " --allow-queued"
	}
	cmd += " " + q(final)
	if so.Sudo {
		cmd = "sudo -n " + cmd
	}
	// The staged copy is removed only when the install worked, so that a
	// refused install (payments in flight) can be retried without a copy.
	cmd += " && rm -f " + q(final)
	s, err := client.NewSession()
	if err != nil {
		return res, fmt.Errorf("flash: ssh session: %w", err)
	}
	defer s.Close()
	var errb bytes.Buffer
	// The session copies stdout and stderr from two goroutines.
	var mu sync.Mutex
	s.Stdout = &lockedWriter{w: o.Out, mu: &mu}
	s.Stderr = &lockedWriter{w: io.MultiWriter(o.Out, &errb), mu: &mu}
	if err := s.Run(cmd); err != nil {
		return res, fmt.Errorf("flash: the terminal refused the update: %s", strings.TrimSpace(lastLine(errb.String(), err)))
	}
	return res, nil
}

func lastLine(s string, err error) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return err.Error()
	}
	ls := strings.Split(s, "\n")
	return ls[len(ls)-1]
}

// lockedWriter serialises writes through a mutex shared by the writers
// that reach the same underlying writer.
type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

type countReader struct {
	ctx      context.Context
	r        io.Reader
	n, off   int64
	total    int64
	progress func(done, total int64)
}

func (c *countReader) Read(b []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(b)
	c.n += int64(n)
	if n > 0 {
		c.progress(c.off+c.n, c.total)
	}
	return n, err
}
