package pin

import (
	"crypto/aes"
	"crypto/rand"
	"fmt"
	"log/slog"
)

// BlockSize is the length of a format 4 PIN block: one AES block.
const BlockSize = 16

// PIN is a cardholder PIN, 4 to 12 decimal digits (as ASCII). It prints and
// logs as redacted, and Wipe zeroes it once its block is enciphered.
type PIN []byte

// ParsePIN checks a PIN entered or read from a block: 4 to 12 digits. Its
// error never repeats it.
func ParsePIN(s string) (PIN, error) {
	if len(s) < 4 || len(s) > 12 {
		return nil, ErrPIN
	}
	p := make(PIN, len(s))
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return nil, ErrPIN
		}
		p[i] = s[i]
	}
	return p, nil
}

// String redacts the PIN, whatever prints it.
func (p PIN) String() string { return "pin.PIN(redacted)" }

// GoString redacts the PIN for %#v too.
func (p PIN) GoString() string { return p.String() }

// LogValue redacts the PIN for slog.
func (p PIN) LogValue() slog.Value { return slog.StringValue(p.String()) }

// Wipe zeroes the PIN.
func (p PIN) Wipe() { clear(p) }

// format4Control is the control field of the format 4 PIN field.
const format4Control = 0x4

// fillNibble is the fill of the PIN field between the PIN and the random
// half.
const fillNibble = 0xA

// pinField is the plain text PIN field (ISO 9564-1:2017 format 4): control
// 4, PIN length, the PIN digits, fill A up to nibble 15, then 8 random
// bytes.
func pinField(p PIN, random []byte) ([BlockSize]byte, error) {
	var f [BlockSize]byte
	if len(p) < 4 || len(p) > 12 {
		return f, ErrPIN
	}
	n := [16]byte{format4Control, byte(len(p))}
	for i, d := range p {
		if d < '0' || d > '9' {
			return f, ErrPIN
		}
		n[2+i] = d - '0'
	}
	for i := 2 + len(p); i < 16; i++ {
		n[i] = fillNibble
	}
	for i := range 8 {
		f[i] = n[2*i]<<4 | n[2*i+1]
	}
	clear(n[:])
	if random == nil {
		rand.Read(f[8:]) // crypto/rand.Read never fails (Go 1.24)
	} else if len(random) != 8 {
		return f, ErrRandom
	} else {
		copy(f[8:], random)
	}
	return f, nil
}

// panField is the plain text PAN field (ISO 9564-1:2017 format 4): M (the
// PAN's digits beyond 12), the PAN (a shorter one left-padded with zeros to
// 12 digits, M then 0), then zeros.
func panField(pan string) ([BlockSize]byte, error) {
	var f [BlockSize]byte
	if len(pan) < 1 || len(pan) > 19 {
		return f, ErrPAN
	}
	var n [32]byte
	m := max(len(pan)-12, 0)
	n[0] = byte(m)
	start := 1 + max(12-len(pan), 0)
	for i := range len(pan) {
		if pan[i] < '0' || pan[i] > '9' {
			return f, ErrPAN
		}
		n[start+i] = pan[i] - '0'
	}
	for i := range BlockSize {
		f[i] = n[2*i]<<4 | n[2*i+1]
	}
	return f, nil
}

// EncipherFormat4 makes the ISO 9564-1 format 4 PIN block of a PIN and a
// PAN under an AES key: the PIN field is enciphered, XORed with the PAN
// field, and the result enciphered again. random is the 8-byte random fill
// of the PIN field; nil draws it from crypto/rand (a fixed one is for test
// vectors only).
func EncipherFormat4(key Key, p PIN, pan string, random []byte) ([BlockSize]byte, error) {
	var out [BlockSize]byte
	c, err := aes.NewCipher(key)
	if err != nil {
		return out, ErrKeyLength
	}
	pf, err := pinField(p, random)
	if err != nil {
		return out, err
	}
	defer clear(pf[:])
	af, err := panField(pan)
	if err != nil {
		return out, err
	}
	c.Encrypt(out[:], pf[:])
	for i := range out {
		out[i] ^= af[i]
	}
	c.Encrypt(out[:], out[:])
	return out, nil
}

// DecipherFormat4 recovers the PIN of a format 4 block enciphered under key
// for pan. A block that does not decipher to a valid PIN field is a
// *BlockError naming the field at fault.
func DecipherFormat4(key Key, block []byte, pan string) (PIN, error) {
	c, err := aes.NewCipher(key)
	if err != nil {
		return nil, ErrKeyLength
	}
	if len(block) != BlockSize {
		return nil, &BlockError{Reason: ReasonSize}
	}
	af, err := panField(pan)
	if err != nil {
		return nil, err
	}
	var f [BlockSize]byte
	c.Decrypt(f[:], block)
	for i := range f {
		f[i] ^= af[i]
	}
	c.Decrypt(f[:], f[:])
	defer clear(f[:])
	nibble := func(i int) byte {
		if i%2 == 0 {
			return f[i/2] >> 4
		}
		return f[i/2] & 0x0F
	}
	if nibble(0) != format4Control {
		return nil, &BlockError{Reason: ReasonControl, Nibble: 0}
	}
	n := int(nibble(1))
	if n < 4 || n > 12 {
		return nil, &BlockError{Reason: ReasonPINLength, Nibble: 1}
	}
	p := make(PIN, n)
	for i := range n {
		d := nibble(2 + i)
		if d > 9 {
			p.Wipe()
			return nil, &BlockError{Reason: ReasonPINDigit, Nibble: 2 + i}
		}
		p[i] = '0' + d
	}
	for i := 2 + n; i < 16; i++ {
		if nibble(i) != fillNibble {
			p.Wipe()
			return nil, &BlockError{Reason: ReasonFill, Nibble: i}
		}
	}
	// The random half (nibbles 16–31) carries no rule to check.
	return p, nil
}

// Format4 is EncipherFormat4 under the PIN encryption key of a DUKPT
// transaction: the key is derived from the initial key and the KSN, used
// once and wiped. It is what the terminal does per online PIN.
func Format4(initialKey Key, ksn KSN, wt KeyType, p PIN, pan string) ([BlockSize]byte, error) {
	k, err := DerivePINKey(initialKey, ksn, wt)
	if err != nil {
		return [BlockSize]byte{}, fmt.Errorf("deriving the PIN key of KSN %s: %w", ksn, err)
	}
	defer k.Wipe()
	return EncipherFormat4(k, p, pan, nil)
}
