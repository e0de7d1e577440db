// Package ptysim makes pseudo-terminal pairs for emulators and tests: the
// emulator speaks on the master side, the driver opens the slave by its path
// with serialport.Open (or through a symlink), exactly like a USB-serial
// adapter. Only simulator code and tests import it, so the production binary
// does not link creack/pty.
package ptysim

import (
	"errors"
	"fmt"
	"os"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// PTY is a pseudo-terminal pair. The emulated device reads and writes Master;
// the driver opens Name (or a symlink to it) with serialport.Open.
//
// The slave side is kept open and in raw mode for the life of the PTY: raw so
// that no echo, CR/LF translation or line editing touches the bytes before
// the driver configures the port, open so that the master does not get EIO
// each time a driver closes its end (libnfc opens and closes per command).
type PTY struct {
	// Master is the device side. Reads honour SetReadDeadline and Close.
	Master *os.File
	slave  *os.File
	link   string
}

// NewPTY allocates a raw pseudo-terminal pair.
func NewPTY() (*PTY, error) {
	m, s, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("ptysim: opening pty: %w", err)
	}
	if _, err := term.MakeRaw(int(s.Fd())); err != nil {
		m.Close()
		s.Close()
		return nil, fmt.Errorf("ptysim: setting pty raw: %w", err)
	}
	// pty.Open called m.Fd(), which switched the master to blocking mode
	// and out of the runtime poller: reads could then be neither
	// interrupted by Close nor bounded by deadlines. Re-wrap a
	// non-blocking duplicate.
	fd, err := unix.Dup(int(m.Fd()))
	m.Close()
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("ptysim: dup pty master: %w", err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		s.Close()
		return nil, fmt.Errorf("ptysim: pty master non-blocking: %w", err)
	}
	m = os.NewFile(uintptr(fd), "/dev/ptmx")
	return &PTY{Master: m, slave: s}, nil
}

// Name is the path of the slave device (/dev/pts/N).
func (p *PTY) Name() string { return p.slave.Name() }

// Link makes a symlink at path pointing at the slave device, replacing an
// existing symlink (but never a regular file). Close removes it.
func (p *PTY) Link(path string) error {
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&os.ModeSymlink == 0 {
			return fmt.Errorf("ptysim: %s exists and is not a symlink", path)
		}
		if err := os.Remove(path); err != nil {
			return fmt.Errorf("ptysim: replacing %s: %w", path, err)
		}
	}
	if err := os.Symlink(p.Name(), path); err != nil {
		return fmt.Errorf("ptysim: linking %s: %w", path, err)
	}
	p.link = path
	return nil
}

// Close closes both sides and removes the symlink made by Link.
func (p *PTY) Close() error {
	err := errors.Join(p.Master.Close(), p.slave.Close())
	if p.link != "" {
		if rerr := os.Remove(p.link); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			err = errors.Join(err, rerr)
		}
	}
	return err
}
