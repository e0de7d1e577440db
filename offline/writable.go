package offline

import (
	"fmt"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// What a new payment needs free before it is recorded: enough for every
// step of its flow (each commit writes a few pages and the meta page), so
// that a payment is refused at once rather than stopped half-way. The disk
// reserve also covers file-system metadata.
const (
	diskReserve  = 1 << 20
	pagesReserve = 16
)

// LastFault is the fault of the store's last failed write.
type LastFault struct {
	Fault Fault     // FaultNone: the last write succeeded (or none failed)
	At    time.Time // when the write failed
	// Err is the error as the store saw it, for logs and technicians'
	// tools; show Fault's Message anywhere else.
	Err error
}

// Fault returns the fault of the last failed write, until a write succeeds.
func (s *Store) Fault() LastFault {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	return s.last
}

// noteWrite remembers the outcome of a write transaction. A refusal by fn
// itself (a stale write) says nothing about the storage, unless it found
// damage.
func (s *Store) noteWrite(err error, fnFailed bool) {
	f := Classify(err)
	if err != nil && f == FaultNone || fnFailed && f != FaultCorrupt {
		return
	}
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	if f == FaultNone {
		if s.last.Fault != FaultNone {
			s.log.Info("journal writable again", "fault", s.last.Fault.Code())
		}
		s.last = LastFault{}
		return
	}
	if s.last.Fault != f {
		s.log.Error("journal write failed", "fault", f.Code(), "err", err)
	}
	s.last = LastFault{Fault: f, At: s.o.Now(), Err: err}
}

// Writable tells, without writing, whether a new payment can be recorded
// now (nil), or why not, as an ErrWrite joined by the fault's error: not
// on a damaged journal, a file system mounted read-only, or with
// less room left on the partition or under Opts.MaxSize than a payment's
// steps need. It costs a statfs and a read transaction. nil does not
// promise the write succeeds (a denied or failing disk tells only when
// written); Save runs this before recording a new payment, and the health
// report runs it to name a fault before a payment meets it.
func (s *Store) Writable() error {
	if s.o.ReadOnly {
		return fmt.Errorf("%w: %w: the journal was opened read-only", ErrWrite, ErrReadOnly)
	}
	if l := s.Fault(); l.Fault == FaultCorrupt {
		return l.Err // damage does not heal
	}
	if ro, avail, ok := diskSpace(filepath.Dir(s.path)); ok {
		switch {
		case ro:
			return fmt.Errorf("%w: %w: the data partition is mounted read-only", ErrWrite, ErrReadOnly)
		case avail < diskReserve:
			return fmt.Errorf("%w: %w: %d bytes left on the data partition, a payment needs %d", ErrWrite, ErrFull, avail, diskReserve)
		}
	}
	if s.o.MaxSize > 0 {
		var left int64
		err := s.view(func(tx *bolt.Tx) error {
			ps := int64(s.db.Info().PageSize)
			// Pending pages are free from the next write on.
			bs := s.db.Stats()
			left = boltCap(int64(s.o.MaxSize)) - tx.Size() + int64(bs.FreePageN+bs.PendingPageN)*ps
			if left < pagesReserve*ps {
				return fmt.Errorf("%w: %w: %d bytes left under the journal's size limit, a payment needs %d", ErrWrite, ErrFull, max(left, 0), pagesReserve*ps)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// boltCap is how far bbolt lets the file grow under Opts.MaxSize: below
// its 16 MiB allocation step the file grows to its mmap size, a power of
// two from 32 KiB, and never past the limit.
func boltCap(maxSize int64) int64 {
	const allocSize = 16 << 20
	if maxSize > allocSize {
		return maxSize
	}
	c := int64(32 << 10)
	for c*2 <= maxSize {
		c *= 2
	}
	return c
}
