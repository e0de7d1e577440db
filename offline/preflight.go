package offline

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// bbolt file format constants (go.etcd.io/bbolt internal/common): a 16-byte
// page header, then the meta page body; two meta pages at pages 0 and 1.
const (
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	boltPageHeader = 16
	boltMetaSum    = 56 // bytes of meta covered by the checksum
)

// preflight reads the two bbolt meta pages itself and refuses a file shorter
// than the high-water mark of its newest valid meta page. bbolt would mmap
// such a file and panic (or fault) on the first page past the end, before
// Open returns; reading 8 KiB first turns that into a clear refusal.
func preflight(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return nil // bbolt reports it
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil
	}
	head := make([]byte, 64<<10)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	var best *boltMeta
	for _, off := range []int{0, -1} {
		if off < 0 {
			if best == nil {
				break
			}
			off = int(best.pageSize)
		}
		m, ok := parseMeta(head, off)
		if ok && (best == nil || m.txid > best.txid) {
			best = &m
		}
	}
	if best == nil {
		return nil // bbolt says which check failed (magic, version, checksum)
	}
	if need := int64(best.hwm) * int64(best.pageSize); fi.Size() < need {
		return &CorruptError{Path: path, Reason: fmt.Sprintf("truncated: %d bytes, the journal needs %d", fi.Size(), need)}
	}
	if best.freelist >= best.hwm && best.freelist != ^uint64(0) {
		return &CorruptError{Path: path, Reason: "freelist page beyond the end"}
	}
	return nil
}

type boltMeta struct {
	pageSize      uint32
	freelist, hwm uint64
	txid          uint64
}

func parseMeta(b []byte, off int) (boltMeta, bool) {
	start := off + boltPageHeader
	if off < 0 || start+boltMetaSum+8 > len(b) {
		return boltMeta{}, false
	}
	m := b[start : start+boltMetaSum+8]
	le := binary.LittleEndian
	h := fnv.New64a()
	h.Write(m[:boltMetaSum])
	if le.Uint32(m[0:]) != boltMagic || le.Uint32(m[4:]) != boltVersion || le.Uint64(m[boltMetaSum:]) != h.Sum64() {
		return boltMeta{}, false
	}
	ps := le.Uint32(m[8:])
	if ps < 512 || ps > 64<<10 {
		return boltMeta{}, false
	}
	return boltMeta{pageSize: ps, freelist: le.Uint64(m[32:]), hwm: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}, true
}
