package offline

import (
	"bytes"
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

// keepsCardData is the journal's one retention rule for card data: whether
// the stored form of t may carry its sealed secrets (PAN digits, track 2
// equivalent, ICC data). Only an offline approval not yet forwarded does —
// the forwarder must send them to the gateway. Every other state stores the
// masked PAN and the card's public fields only: card-scheme rules and PCI
// DSS (req. 3.2.1, 3.3.1: no sensitive authentication data after
// authorisation, even encrypted) forbid keeping more than a payment needs.
// The live payment flow holds the card in memory between card_read and the
// gateway's answer; nothing reads it back from the journal.
//
// Every write goes through encode (Save, the forwarder's recordOutcomes,
// recovery), and the schema 4 clean-up (scrub) applies the same rule to
// journals written before it.
func keepsCardData(t *payment.Transaction) bool {
	return t.State == payment.StateOfflineApproved
}

// encode returns the stored form of t: its card secrets sealed when
// keepsCardData allows it, dropped otherwise.
func encode(aead cipher.AEAD, t *payment.Transaction) ([]byte, error) {
	return encodeRecord(aead, t, keepsCardData(t))
}

// encodeRecord is encode with the retention decision given; only encode
// and the tests (old journals) call it.
func encodeRecord(aead cipher.AEAD, t *payment.Transaction, keep bool) ([]byte, error) {
	r := record{Txn: txnDisk{Transaction: t}}
	if t.Card != nil {
		if keep {
			sealed, err := sealCard(aead, t.Card, t.ID)
			if err != nil {
				return nil, err
			}
			r.Seal = sealed
		}
		r.Txn.Card = &cardDisk{CardData: *t.Card, PAN: t.Card.PAN.Masked()}
		// The copy must not carry the secrets into the clear JSON even if
		// CardData's tags change one day.
		r.Txn.Card.CardData.PAN = payment.PAN{}
		r.Txn.Card.CardData.Track2 = payment.Secret{}
		r.Txn.Card.CardData.ICC = payment.Secret{}
	}
	return json.Marshal(r)
}

// decode restores a transaction. The PAN is the masked one stored in clear
// (payment.NewMaskedPAN: receipts and reprints print it) unless the record
// holds a seal and aead is given: then the full card data is unsealed. With
// aead nil the secrets stay sealed — enough for headers, purges and exports.
func decode(aead cipher.AEAD, b []byte) (*payment.Transaction, error) {
	t, sealed, err := parseRecord(b)
	if err != nil {
		return nil, err
	}
	if aead != nil && sealed != nil && t.Card != nil {
		if err := unsealCard(aead, sealed, t.Card, t.ID); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// parseRecord is decode without the key: the transaction as stored in
// clear, and the seal of its card secrets (nil: none).
func parseRecord(b []byte) (*payment.Transaction, []byte, error) {
	var r record
	r.Txn.Transaction = new(payment.Transaction)
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, nil, &CorruptError{Reason: "unreadable transaction record", Err: err}
	}
	t := r.Txn.Transaction
	if t.ID == "" {
		return nil, nil, &CorruptError{Reason: "transaction record without ID"}
	}
	if r.Txn.Card != nil {
		c := r.Txn.Card.CardData
		c.PAN = payment.NewMaskedPAN(r.Txn.Card.PAN)
		t.Card = &c
	}
	return t, r.Seal, nil
}

// decodeBoth is decodeAt twice from one JSON parse: the record as
// decodeAt(nil, …) reads it (card secrets left sealed) and as
// decodeAt(aead, …) does, two copies that share nothing. The forwarder
// sends the second and, when the record has not changed meanwhile,
// records the gateway's verdict on the first.
func decodeBoth(aead cipher.AEAD, seq uint64, b []byte) (clear, full *payment.Transaction, err error) {
	clear, sealed, err := parseRecord(b)
	if err != nil {
		return nil, nil, err
	}
	if clear.Sequence == 0 {
		clear.Sequence = seq
	}
	full = clear.Clone()
	if aead != nil && sealed != nil && full.Card != nil {
		if err := unsealCard(aead, sealed, full.Card, full.ID); err != nil {
			return nil, nil, err
		}
	}
	return clear, full, nil
}

// decodeAt is decode for the record stored under sequence seq: a record
// written before transaction numbers were kept in it gets its number from
// its key, which is what it always was.
func decodeAt(aead cipher.AEAD, seq uint64, b []byte) (*payment.Transaction, error) {
	t, err := decode(aead, b)
	if err == nil && t.Sequence == 0 {
		t.Sequence = seq
	}
	return t, err
}

// sealProbe reads only whether a record carries a seal.
type sealProbe struct {
	Seal json.RawMessage `json:"seal"`
}

// hasSeal reports whether the stored record v carries sealed card data,
// without the key. An unreadable record counts as not sealed: the reads
// that need it report the damage. It runs twice per journal write (the
// record replaced and its replacement), so the shape encode writes is read
// without a JSON decoder (sealOfEncoded); any other shape is decoded.
func hasSeal(v []byte) bool {
	if v == nil {
		return false
	}
	if sealed, ok := sealOfEncoded(v); ok {
		return sealed
	}
	var p sealProbe
	if err := json.Unmarshal(v, &p); err != nil {
		return false
	}
	return len(p.Seal) > 0 && string(p.Seal) != "null" && string(p.Seal) != `""`
}

// sealOfEncoded reads whether v, as json.Marshal writes a record —
// {"txn":{…}} or {"txn":{…},"seal":"base64"} — carries a seal: it skips the
// txn object by its brackets (minding strings and their escapes) and looks
// at what follows. ok is false for anything else (a record of another
// shape, unbalanced brackets), which hasSeal then decodes. The txn object's
// own contents are not validated: a damaged one is reported by the reads
// that decode it, as before.
func sealOfEncoded(v []byte) (sealed, ok bool) {
	const prefix = `{"txn":{`
	if !bytes.HasPrefix(v, []byte(prefix)) {
		return false, false
	}
	depth, inString := 1, false
	i := len(prefix)
	for ; i < len(v) && depth > 0; i++ {
		c := v[i]
		switch {
		case inString:
			switch c {
			case '\\':
				i++ // the escaped byte cannot end the string
			case '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
		}
	}
	if depth != 0 {
		return false, false
	}
	rest := v[i:]
	if string(rest) == "}" {
		return false, true
	}
	const sealKey = `,"seal":"`
	if !bytes.HasPrefix(rest, []byte(sealKey)) || !bytes.HasSuffix(rest, []byte(`"}`)) {
		return false, false
	}
	b64 := rest[len(sealKey) : len(rest)-2]
	for _, c := range b64 {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=') {
			return false, false
		}
	}
	return len(b64) > 0, true
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
