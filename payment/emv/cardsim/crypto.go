package cardsim

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"

	"tpe/payment/emv/tlv"
)

// The cryptogram scheme of the virtual cards (documented in doc.go):
//
//	IMK  = SHA-256("tpe cardsim issuer master key v1")            32 bytes
//	UDK  = HMAC-SHA256(IMK, PAN digits || PSN as 2 digits)[:16]    per card
//	AC   = HMAC-SHA256(UDK, input)[:8]
//	input = 9F02 || 9F03 || 9F1A || 5F2A || 9A || 9C || 9F37      terminal data as sent to the card
//	     || 82 || 9F36 || 9F10 || 9F27                          AIP, ATC, IAD, CID from the card
//
// It mirrors the EMV shape (Book 2 Annex A1.4 master key derivation per
// PAN and sequence, a MAC over the Book 2 §8.1.1 recommended data) with
// stdlib primitives. The TVR is left out on purpose: the terminal may
// update it after the card computed its cryptogram (e.g. after ODA). The
// CID is included so a cryptogram cannot be replayed as another type.

var imk = sha256.Sum256([]byte("tpe cardsim issuer master key v1"))

// acTags are the AC input, in order.
var acTags = []tlv.Tag{0x9F02, 0x9F03, 0x9F1A, 0x5F2A, 0x9A, 0x9C, 0x9F37, 0x82, 0x9F36, 0x9F10, 0x9F27}

// acLens are the fixed lengths of acTags (0: variable).
var acLens = map[tlv.Tag]int{0x9F02: 6, 0x9F03: 6, 0x9F1A: 2, 0x5F2A: 2, 0x9A: 3, 0x9C: 1, 0x9F37: 4, 0x82: 2, 0x9F36: 2, 0x9F27: 1}

func udk(pan string, psn int) []byte {
	if psn < 0 {
		psn = 0
	}
	m := hmac.New(sha256.New, imk[:])
	m.Write([]byte(pan))
	m.Write([]byte(fmt.Sprintf("%02d", psn%100)))
	return m.Sum(nil)[:16]
}

func computeAC(pan string, psn int, values map[tlv.Tag][]byte) []byte {
	m := hmac.New(sha256.New, udk(pan, psn))
	for _, t := range acTags {
		m.Write(values[t])
	}
	return m.Sum(nil)[:8]
}

var (
	// ErrCryptogram means the application cryptogram does not verify.
	ErrCryptogram = errors.New("cardsim: application cryptogram does not verify")
	// ErrICCData means the ICC data lacks a tag the verification needs or
	// does not parse.
	ErrICCData = errors.New("cardsim: icc data incomplete or malformed")
)

// VerifyARQC checks the application cryptogram (9F26) carried in icc, the
// DE55-style TLV blob the kernel returns (emv.Result.ICC.Reveal()), for
// the card with this PAN and PAN sequence number (-1 when the card has
// none). icc must hold 9F26, 9F27, 9F02, 9F03, 9F1A, 5F2A, 9A, 9C, 9F37,
// 82, 9F36 and 9F10. It verifies ARQC, TC and AAC alike (the CID is part
// of the MAC); the ATC it covers is 9F36, which a gateway should also
// check for replay. Errors never contain card data.
func VerifyARQC(pan string, panSeq int, icc []byte) error {
	l, err := tlv.Parse(icc)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrICCData, err)
	}
	vals := map[tlv.Tag][]byte{}
	for _, t := range acTags {
		o, ok := l.Find(t)
		if !ok || (acLens[t] != 0 && len(o.Value) != acLens[t]) {
			return fmt.Errorf("%w: tag %s missing or wrong length", ErrICCData, t)
		}
		vals[t] = o.Value
	}
	ac := l.Value(0x9F26)
	if len(ac) != 8 {
		return fmt.Errorf("%w: tag 9F26 missing or wrong length", ErrICCData)
	}
	if _, err := strconv.ParseUint(pan, 10, 64); err != nil || len(pan) < 12 || len(pan) > 19 {
		return fmt.Errorf("%w: pan is not 12 to 19 digits", ErrICCData)
	}
	if !hmac.Equal(ac, computeAC(pan, panSeq, vals)) {
		return ErrCryptogram
	}
	return nil
}
