package payment

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// newID returns prefix + 16 random hex digits: unguessable, so the local API
// never reveals how many payments a shop takes.
func newID(prefix string) string {
	var b [8]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// NewOrderID returns an order ID unique across terminals and restarts: the
// terminal ID, the UTC time to the millisecond and 24 random bits. It is the
// only de-duplication key the gateway has, so it must never repeat, even
// after the journal is lost. At most 40 characters (the gateway takes 100).
func NewOrderID(terminalID string, now time.Time) string {
	var b [3]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s-%s-%s", terminalID, now.UTC().Format("20060102150405.000"), hex.EncodeToString(b[:]))
}
