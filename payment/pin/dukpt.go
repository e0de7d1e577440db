package pin

import (
	"crypto/aes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/bits"
	"strings"
)

// Key is an AES key: a base derivation key, an initial key, a transaction
// key or a working key. It prints and logs as redacted; hex.EncodeToString
// (or a []byte conversion) is the only way to its bytes, for the test
// tools that must show a test key.
type Key []byte

// String redacts the key: a key never reaches a log, an error or a
// receipt.
func (k Key) String() string { return fmt.Sprintf("pin.Key(%d bytes, redacted)", len(k)) }

// GoString redacts the key for %#v too.
func (k Key) GoString() string { return k.String() }

// LogValue redacts the key for slog.
func (k Key) LogValue() slog.Value { return slog.StringValue(k.String()) }

// Wipe zeroes the key once it is no longer needed.
func (k Key) Wipe() { clear(k) }

// KeyType is the type of an AES DUKPT key: of a derivation key, or of the
// working key asked for.
type KeyType int

// The AES key types of X9.24-3-2017 (its 2TDEA/3TDEA working keys are
// not offered: the terminal enciphers format 4 blocks, which are AES).
const (
	AES128 KeyType = iota + 1
	AES192
	AES256
)

// keyTypes holds, per key type, its algorithm indicator and length in bits
// as the derivation data encodes them, and its name.
var keyTypes = map[KeyType]struct {
	algorithm uint16
	bits      uint16
	name      string
}{
	AES128: {0x0002, 128, "aes128"},
	AES192: {0x0003, 192, "aes192"},
	AES256: {0x0004, 256, "aes256"},
}

func (t KeyType) String() string {
	if kt, ok := keyTypes[t]; ok {
		return kt.name
	}
	return fmt.Sprintf("KeyType(%d)", int(t))
}

// Size is the key's length in bytes.
func (t KeyType) Size() int { return int(keyTypes[t].bits) / 8 }

// ParseKeyType reads aes128, aes192 or aes256.
func ParseKeyType(s string) (KeyType, error) {
	for t, kt := range keyTypes {
		if kt.name == strings.ToLower(s) {
			return t, nil
		}
	}
	return 0, fmt.Errorf("%w: %q", ErrKeyType, s)
}

// keyTypeOf is the type of a derivation key, from its length.
func keyTypeOf(k Key) (KeyType, error) {
	switch len(k) {
	case 16:
		return AES128, nil
	case 24:
		return AES192, nil
	case 32:
		return AES256, nil
	}
	return 0, ErrKeyLength
}

// Key usage indicators of the derivation data (X9.24-3-2017, derivation
// data table). Only the ones the terminal and its tools use.
const (
	usageKeyDerivation        uint16 = 0x8000
	usageInitialKeyDerivation uint16 = 0x8001
	usagePINEncryption        uint16 = 0x1000
)

// KSNSize is the length of an AES DUKPT key serial number.
const KSNSize = 12

// MaxCounterBits is the most one-bits a transaction counter may have: it
// bounds the derivations per transaction to 16 and the key's life to the
// counters that have at most 16 of their 32 bits set.
const MaxCounterBits = 16

// KSN is an AES DUKPT key serial number: the 8-byte initial key ID (BDK ID
// and derivation ID) followed by the 4-byte transaction counter. It is not
// secret.
type KSN [KSNSize]byte

// NewKSN makes the key serial number of an initial key ID and a counter.
func NewKSN(initialKeyID [8]byte, counter uint32) KSN {
	var k KSN
	copy(k[:8], initialKeyID[:])
	binary.BigEndian.PutUint32(k[8:], counter)
	return k
}

// ParseKSN reads a key serial number in hex (24 digits).
func ParseKSN(s string) (KSN, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != KSNSize {
		return KSN{}, ErrKSN
	}
	return KSN(b), nil
}

// InitialKeyID is the first 8 bytes: BDK ID and derivation ID.
func (k KSN) InitialKeyID() [8]byte { return [8]byte(k[:8]) }

// Counter is the transaction counter.
func (k KSN) Counter() uint32 { return binary.BigEndian.Uint32(k[8:]) }

// String is the KSN in upper-case hex, as it goes with the authorisation.
func (k KSN) String() string { return strings.ToUpper(hex.EncodeToString(k[:])) }

// Valid reports whether the counter is one an originating device may use:
// not zero and at most 16 one-bits.
func (k KSN) Valid() bool {
	c := k.Counter()
	return c != 0 && bits.OnesCount32(c) <= MaxCounterBits
}

// Next is the key serial number of the next transaction: the counter
// advances to the next value with at most 16 one-bits (when it already has
// 16, by adding its lowest one-bit, which skips every value with more).
// After the last counter (FFFF0000) it returns ErrKeyLifeEnded: the device
// must stop before it would reuse or exceed its key's life.
func (k KSN) Next() (KSN, error) {
	c := k.Counter()
	var next uint64
	if bits.OnesCount32(c) < MaxCounterBits {
		next = uint64(c) + 1
	} else {
		next = uint64(c) + uint64(c&-c)
	}
	if next > 0xFFFFFFFF {
		return k, ErrKeyLifeEnded
	}
	return NewKSN(k.InitialKeyID(), uint32(next)), nil
}

// derivationData is the 16-byte block enciphered to derive a key
// (X9.24-3-2017 derivation data): version 01, key block counter, key
// usage, algorithm and length of the key derived, then the initial key ID
// for an initial key, or the derivation ID and a counter for the others.
func derivationData(usage uint16, t KeyType, tail [8]byte) [16]byte {
	var d [16]byte
	d[0] = 0x01 // version
	d[1] = 0x01 // key block counter, set per block by derive
	binary.BigEndian.PutUint16(d[2:], usage)
	binary.BigEndian.PutUint16(d[4:], keyTypes[t].algorithm)
	binary.BigEndian.PutUint16(d[6:], keyTypes[t].bits)
	copy(d[8:], tail[:])
	return d
}

// counterTail is the last 8 bytes of the derivation data of a key below
// the initial key: the derivation ID (last 4 bytes of the initial key ID)
// and the counter.
func counterTail(ksn KSN, counter uint32) [8]byte {
	var t [8]byte
	copy(t[:4], ksn[4:8])
	binary.BigEndian.PutUint32(t[4:], counter)
	return t
}

// derive is the key derivation function: AES-ECB of the derivation data
// under the derivation key, one block per 128 bits of the key derived, the
// key block counter numbering the blocks.
func derive(key Key, data [16]byte, t KeyType) (Key, error) {
	c, err := aes.NewCipher(key)
	if err != nil {
		return nil, ErrKeyLength
	}
	out := make(Key, (t.Size()+15)/16*16)
	for i := 0; i < len(out)/16; i++ {
		data[1] = byte(i + 1)
		c.Encrypt(out[16*i:], data[:])
	}
	return out[:t.Size()], nil
}

// DeriveInitialKey derives a device's initial key from the base derivation
// key and the initial key ID; the key has the BDK's type. Only the key
// injection facility and the test tools hold a BDK: the terminal never
// does.
func DeriveInitialKey(bdk Key, initialKeyID [8]byte) (Key, error) {
	t, err := keyTypeOf(bdk)
	if err != nil {
		return nil, err
	}
	return derive(bdk, derivationData(usageInitialKeyDerivation, t, initialKeyID), t)
}

// DeriveTransactionKey derives the transaction (derivation) key of a KSN
// from the initial key: one derivation per one-bit of the counter, from
// the most significant down, each under the key the previous one gave.
func DeriveTransactionKey(initialKey Key, ksn KSN) (Key, error) {
	t, err := keyTypeOf(initialKey)
	if err != nil {
		return nil, err
	}
	if !ksn.Valid() {
		return nil, ErrCounter
	}
	counter := ksn.Counter()
	key, derived := initialKey, false
	var working uint32
	for mask := uint32(1) << 31; mask != 0; mask >>= 1 {
		if counter&mask == 0 {
			continue
		}
		working |= mask
		next, err := derive(key, derivationData(usageKeyDerivation, t, counterTail(ksn, working)), t)
		if err != nil {
			return nil, err
		}
		if derived {
			key.Wipe() // intermediate keys live no longer than the loop
		}
		key, derived = next, true
	}
	return key, nil
}

// DerivePINKey derives the PIN encryption working key of type wt for a KSN
// from the initial key. A working key may not be stronger than the
// initial key (an AES-256 key needs an AES-256 initial key).
func DerivePINKey(initialKey Key, ksn KSN, wt KeyType) (Key, error) {
	t, err := keyTypeOf(initialKey)
	if err != nil {
		return nil, err
	}
	if _, ok := keyTypes[wt]; !ok || wt.Size() > t.Size() {
		return nil, fmt.Errorf("%w: %s working key from an %s key", ErrKeyType, wt, t)
	}
	txn, err := DeriveTransactionKey(initialKey, ksn)
	if err != nil {
		return nil, err
	}
	defer txn.Wipe()
	return derive(txn, derivationData(usagePINEncryption, wt, counterTail(ksn, ksn.Counter())), wt)
}
