package offline

import (
	"os"
	"syscall"
)

// stReadOnly is ST_RDONLY of statfs(2): the file system is mounted read-only.
const stReadOnly = 0x1

// diskSpace reports whether dir's file system is mounted read-only and the
// bytes this process may still write there (root may use the blocks
// reserved for it).
func diskSpace(dir string) (readOnly bool, avail int64, ok bool) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return false, 0, false
	}
	blocks := st.Bavail
	if os.Geteuid() == 0 {
		blocks = st.Bfree
	}
	return int64(st.Flags)&stReadOnly != 0, int64(blocks) * int64(st.Bsize), true
}
