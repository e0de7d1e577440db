package gatewaysim

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"sync"

	"tpe/payment/emv/cardsim"
	"tpe/payment/pin"
)

// TestBDK is the AES-128 base derivation key of the ANSI X9.24-3-2017
// test vectors, the simulator's default (Opts.PINBDK, gatewaysim
// --pin-bdk). Terminals provisioned for the simulator get their initial
// key from it (tpectl crypto dukpt --bdk …). A test key, never a real one.
const TestBDK = "FEDCBA9876543210F1F1F1F1F1F1F1F1"

// The issuer's cardholder rules.
const (
	// MaxPINTries wrong PINs in a row block the card's PIN (075).
	MaxPINTries = 3
	// SCAMaxCount and SCAMaxTotal are the PSD2 low-value contactless
	// exemption (RTS on SCA, Art. 11): at most 5 consecutive contactless
	// payments without strong authentication, and at most 150,00 € in
	// total (minor units of the payment's currency) since the last one.
	SCAMaxCount = 5
	SCAMaxTotal = 15000
)

// Result codes of the issuer's PIN and SCA answers (docs/gateway.md).
const (
	codeIncorrectPIN      = "055"
	codeSoftDecline       = "065" // Mastercard 65 / Visa 1A: SCA required
	codePINTriesExceeded  = "075"
	codePINEntryNecessary = "077"
)

// cvmOnlinePIN and cvmCDCVM are the request's cvm values this issuer acts on.
const (
	cvmOnlinePIN = "online_pin"
	cvmCDCVM     = "cdcvm"
)

// cardState is what the issuer remembers of one card, in memory: a
// restarted simulator starts every card afresh (PIN unblocked, counters 0).
type cardState struct {
	wrongPINs int   // wrong PINs in a row
	noSCA     int   // contactless payments approved without SCA since the last one
	noSCASum  int64 // their total, minor units
}

// issuer is the simulated card issuer behind the acquirer: it verifies
// online PINs and applies PSD2 strong customer authentication per card.
type issuer struct {
	bdk pin.Key
	sca bool

	mu    sync.Mutex
	cards map[[32]byte]*cardState // by SHA-256 of the PAN: no PAN kept in clear
}

func newIssuer(bdk []byte, sca bool) (*issuer, error) {
	if len(bdk) == 0 {
		bdk, _ = hex.DecodeString(TestBDK)
	}
	if len(bdk) != 16 && len(bdk) != 32 {
		return nil, errors.New("gatewaysim: pin bdk must be an AES-128 or AES-256 key (16 or 32 bytes)")
	}
	return &issuer{bdk: append(pin.Key(nil), bdk...), sca: sca, cards: map[[32]byte]*cardState{}}, nil
}

// pinData is an online PIN as it came: the enciphered block and its KSN.
type pinData struct {
	block []byte
	ksn   pin.KSN
}

// errBadPINData is a pinBlock/ksn pair that is not well formed.
var errBadPINData = errors.New("pinBlock (16 bytes) and ksn (12 bytes, valid counter) go together, in hex")

// parsePINData reads the request's pinBlock and ksn: both empty (no PIN),
// or a 16-byte block and a 12-byte KSN whose counter a device may use.
func parsePINData(blockHex, ksnHex string) (*pinData, error) {
	if blockHex == "" && ksnHex == "" {
		return nil, nil
	}
	block, err1 := hex.DecodeString(blockHex)
	ksn, err2 := hex.DecodeString(ksnHex)
	if err1 != nil || err2 != nil || len(block) != pin.BlockSize || len(ksn) != pin.KSNSize {
		return nil, errBadPINData
	}
	k := pin.KSN(ksn)
	if !k.Valid() {
		return nil, errBadPINData
	}
	return &pinData{block: block, ksn: k}, nil
}

// decide applies the cardholder rules to a sale that passed every other
// check; "" approves. It updates the card's PIN tries and SCA counters, so
// it runs once per sale. pd nil means no PIN came with the sale; sca says
// the PSD2 contactless rule applies to it (a contactless sale).
func (is *issuer) decide(pan string, amount int64, sca, offline bool, cvm string, pd *pinData) (code, msg string) {
	is.mu.Lock()
	defer is.mu.Unlock()
	key := sumPAN(pan)
	st := is.cards[key]
	if st == nil {
		st = &cardState{}
		is.cards[key] = st
	}
	if pd != nil {
		ok, err := is.verifyPIN(pan, pd)
		switch {
		case err != nil:
			// Not the cardholder's fault (wrong key, corrupt block): no try counted.
			return codeFormatError, "format error: the PIN block does not decipher under the key of its ksn"
		case st.wrongPINs >= MaxPINTries:
			return codePINTriesExceeded, ""
		case !ok:
			st.wrongPINs++
			if st.wrongPINs >= MaxPINTries {
				return codePINTriesExceeded, ""
			}
			return codeIncorrectPIN, ""
		}
		// A verified PIN is strong authentication: the exemption starts over.
		*st = cardState{}
		return "", ""
	}
	switch {
	case offline:
		// An approval the card gave offline is being forwarded: the issuer
		// cannot ask for a PIN any more.
		return "", ""
	case cvm == cvmOnlinePIN:
		// The card asked for an online PIN and none came.
		return codePINEntryNecessary, ""
	case cvm == cvmCDCVM:
		// Verified on the phone: strong authentication too.
		st.noSCA, st.noSCASum = 0, 0
		return "", ""
	case !sca || !is.sca:
		return "", ""
	}
	if st.noSCA+1 > SCAMaxCount || st.noSCASum+amount > SCAMaxTotal {
		return codeSoftDecline, ""
	}
	st.noSCA++
	st.noSCASum += amount
	return "", ""
}

// sumPAN keys the card state: the issuer keeps no PAN in clear.
func sumPAN(pan string) [32]byte { return sha256.Sum256([]byte(pan)) }

// verifyPIN deciphers the block under the PIN key of its KSN (derived from
// the BDK through the initial key of the KSN's initial key ID) and compares
// it with the card's PIN (cardsim.PIN for every virtual card).
func (is *issuer) verifyPIN(pan string, pd *pinData) (bool, error) {
	ik, err := pin.DeriveInitialKey(is.bdk, pd.ksn.InitialKeyID())
	if err != nil {
		return false, err
	}
	defer ik.Wipe()
	pk, err := pin.DerivePINKey(ik, pd.ksn, pin.AES128)
	if err != nil {
		return false, err
	}
	defer pk.Wipe()
	p, err := pin.DecipherFormat4(pk, pd.block, pan)
	if err != nil {
		return false, err
	}
	defer p.Wipe()
	return subtle.ConstantTimeCompare(p, []byte(cardsim.PIN)) == 1, nil
}
