package offline

import (
	"crypto/cipher"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"tpe/payment"
)

// cardDisk is CardData as stored in clear: the PAN field (masked) shadows
// CardData's, whose full digits only exist in the sealed part. Embedding
// keeps every other (and any future) CardData field without listing it.
type cardDisk struct {
	payment.CardData
	PAN string `json:"pan"`
}

// txnDisk is a Transaction as stored in clear; Card shadows the embedded one.
type txnDisk struct {
	*payment.Transaction
	Card *cardDisk `json:"card,omitempty"`
}

// record is the value of a txn bucket entry.
type record struct {
	Txn  txnDisk `json:"txn"`
	Seal []byte  `json:"seal,omitempty"` // AES-GCM nonce ‖ ciphertext of secrets
}

// encode returns the stored form of t, its card secrets sealed.
func encode(aead cipher.AEAD, t *payment.Transaction) ([]byte, error) {
	r := record{Txn: txnDisk{Transaction: t}}
	if t.Card != nil {
		sealed, err := sealCard(aead, t.Card, t.ID)
		if err != nil {
			return nil, err
		}
		r.Seal = sealed
		r.Txn.Card = &cardDisk{CardData: *t.Card, PAN: t.Card.PAN.Masked()}
		// The copy must not carry the secrets into the clear JSON even if
		// CardData's tags change one day.
		r.Txn.Card.CardData.PAN = payment.PAN{}
		r.Txn.Card.CardData.Track2 = payment.Secret{}
		r.Txn.Card.CardData.ICC = payment.Secret{}
	}
	return json.Marshal(r)
}

// decode restores a transaction; with aead nil the card secrets stay sealed
// (the PAN is then empty) — enough for headers, purges and exports.
func decode(aead cipher.AEAD, b []byte) (*payment.Transaction, error) {
	var r record
	r.Txn.Transaction = new(payment.Transaction)
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, &CorruptError{Reason: "unreadable transaction record", Err: err}
	}
	t := r.Txn.Transaction
	if t.ID == "" {
		return nil, &CorruptError{Reason: "transaction record without ID"}
	}
	if r.Txn.Card != nil {
		c := r.Txn.Card.CardData
		t.Card = &c
		if aead != nil && r.Seal != nil {
			if err := unsealCard(aead, r.Seal, t.Card, t.ID); err != nil {
				return nil, err
			}
		}
	}
	return t, nil
}

// queueEntry is what the queue bucket keeps per offline approval: enough for
// exposure and status without reading the transaction.
type queueEntry struct {
	ID        string    `json:"id"`
	OrderID   string    `json:"order_id"`
	Amount    int64     `json:"amount"`
	Currency  string    `json:"currency"`
	CreatedAt time.Time `json:"created_at"`
	// Attempts counts Sales that may have reached the gateway: above zero
	// the order is looked up before any resend.
	Attempts int       `json:"attempts,omitempty"`
	LastTry  time.Time `json:"last_try,omitzero"`
	LastErr  string    `json:"last_err,omitempty"`
}

func seqKey(seq uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	return k[:]
}

// idValue is the ids bucket value (schema 3): sequence ‖ batch ‖ last
// saved state.
func idValue(seq uint64, batch int, st payment.State) []byte {
	return append(append(seqKey(seq), seqKey(uint64(batch))...), st...)
}

// idEntry is a parsed ids value.
type idEntry struct {
	seq   uint64
	batch int
	state payment.State
}

func parseIDValue(v []byte) (idEntry, error) {
	if len(v) < 16 {
		return idEntry{}, &CorruptError{Reason: fmt.Sprintf("id index entry of %d bytes", len(v))}
	}
	return idEntry{seq: binary.BigEndian.Uint64(v[:8]), batch: int(binary.BigEndian.Uint64(v[8:16])), state: payment.State(v[16:])}, nil
}

// batchKey orders the bybatch index: batch ‖ sequence.
func batchKey(batch int, seq uint64) []byte {
	return append(seqKey(uint64(batch)), seqKey(seq)...)
}

func u64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}
