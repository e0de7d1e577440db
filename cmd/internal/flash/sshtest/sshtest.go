package sshtest

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Server is a running test server.
type Server struct {
	Addr       string // 127.0.0.1:port
	HostKey    ssh.PublicKey
	Identity   string // client private key file (OpenSSH PEM)
	KnownHosts string // known_hosts file holding HostKey for Addr
	// Env is added to every command's environment.
	Env []string

	mu       sync.Mutex
	commands []string
	cut      func(cmd string, received int64) bool
}

// SetCut installs f, called with the bytes received on a command's stdin
// so far; true drops the connection (a cable pulled mid-transfer). Nil
// removes it.
func (s *Server) SetCut(f func(cmd string, received int64) bool) {
	s.mu.Lock()
	s.cut = f
	s.mu.Unlock()
}

func (s *Server) cutNow(cmd string, n int64) bool {
	s.mu.Lock()
	f := s.cut
	s.mu.Unlock()
	return f != nil && f(cmd, n)
}

// Commands returns the commands run so far.
func (s *Server) Commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string{}, s.commands...)
}

// Start runs a server until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	_, hostPriv, _ := ed25519.GenerateKey(rand.Reader)
	hostSigner, err := ssh.NewSignerFromKey(hostPriv)
	if err != nil {
		t.Fatal(err)
	}
	clientPub, clientPriv, _ := ed25519.GenerateKey(rand.Reader)
	authorized, _ := ssh.NewPublicKey(clientPub)
	dir := t.TempDir()
	blk, err := ssh.MarshalPrivateKey(clientPriv, "test")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{HostKey: hostSigner.PublicKey(), Identity: filepath.Join(dir, "id_ed25519"), KnownHosts: filepath.Join(dir, "known_hosts")}
	os.WriteFile(s.Identity, pem.EncodeToMemory(blk), 0o600)
	cfg := &ssh.ServerConfig{PublicKeyCallback: func(_ ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
		if string(k.Marshal()) == string(authorized.Marshal()) {
			return nil, nil
		}
		return nil, errors.New("unknown key")
	}}
	cfg.AddHostKey(hostSigner)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	s.Addr = ln.Addr().String()
	os.WriteFile(s.KnownHosts, []byte(knownhosts.Line([]string{knownhosts.Normalize(s.Addr)}, s.HostKey)+"\n"), 0o600)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c, cfg)
		}
	}()
	return s
}

func (s *Server) serve(c net.Conn, cfg *ssh.ServerConfig) {
	sc, chans, reqs, err := ssh.NewServerConn(c, cfg)
	if err != nil {
		c.Close()
		return
	}
	defer sc.Close()
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "session only")
			continue
		}
		ch, creqs, err := nc.Accept()
		if err != nil {
			return
		}
		go s.session(sc, ch, creqs)
	}
}

func (s *Server) session(conn *ssh.ServerConn, ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	for r := range reqs {
		if r.Type != "exec" {
			r.Reply(r.Type == "env", nil)
			continue
		}
		var p struct{ Command string }
		if err := ssh.Unmarshal(r.Payload, &p); err != nil {
			r.Reply(false, nil)
			return
		}
		r.Reply(true, nil)
		s.mu.Lock()
		s.commands = append(s.commands, p.Command)
		s.mu.Unlock()
		cmd := exec.Command("/bin/sh", "-c", p.Command)
		cmd.Env = append(os.Environ(), s.Env...)
		cmd.Stdout, cmd.Stderr = ch, ch.Stderr()
		in, _ := cmd.StdinPipe()
		if err := cmd.Start(); err != nil {
			ch.SendRequest("exit-status", false, ssh.Marshal(struct{ C uint32 }{127}))
			return
		}
		go func() {
			var n int64
			buf := make([]byte, 32<<10)
			for {
				k, err := ch.Read(buf)
				if k > 0 {
					in.Write(buf[:k])
					n += int64(k)
					if s.cutNow(p.Command, n) {
						conn.Close()
						cmd.Process.Kill()
						return
					}
				}
				if err != nil {
					in.Close()
					return
				}
			}
		}()
		code := 0
		if err := cmd.Wait(); err != nil {
			code = 1
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			}
		}
		ch.SendRequest("exit-status", false, ssh.Marshal(struct{ C uint32 }{uint32(code)}))
		return
	}
}
