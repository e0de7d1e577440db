package payment

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
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
// terminal ID, the UTC time to the millisecond and 40 random bits. It is the
// only de-duplication key the gateway has, so it must never repeat, even
// after the journal is lost or the clock is set back. At most 46 characters
// with a 16-character terminal ID (the gateway takes 100).
func NewOrderID(terminalID string, now time.Time) string {
	var b [5]byte
	rand.Read(b[:])
	u := now.UTC()
	return fmt.Sprintf("%s-%s%03d-%s", terminalID, u.Format("20060102150405"), u.Nanosecond()/1e6, hex.EncodeToString(b[:]))
}

// Number is the random tail of the order ID: a short number a cashier can
// read out and search for, and the TRANS. of a payment never journaled
// (ReceiptNumber). The full order ID stays the key.
func (t *Transaction) Number() string { return txnNumber(t.OrderID) }

// ReceiptNumber is the TRANS. number on receipts: the terminal's
// transaction sequence (Transaction.Sequence) on six digits, as French card
// receipts print it. A payment never journaled has none and keeps its
// order ID's tail (Number), which identifies it as well.
func (t *Transaction) ReceiptNumber() string {
	if t.Sequence == 0 {
		return t.Number()
	}
	return fmt.Sprintf("%06d", t.Sequence)
}

// txnNumber is the part of an order ID after its last dash.
func txnNumber(orderID string) string {
	return orderID[strings.LastIndexByte(orderID, '-')+1:]
}
