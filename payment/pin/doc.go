// Package pin is the terminal's online PIN cryptography: AES DUKPT key
// derivation and the ISO 9564-1 format 4 PIN block. It holds derivation
// and block logic only; the cipher is crypto/aes. It imports the standard
// library only.
//
// # AES DUKPT (ANSI X9.24-3-2017)
//
// A base derivation key (BDK), held by the key injection facility and the
// acquirer's HSM, never by the terminal, gives each device its initial key
// from the 8-byte initial key ID (DeriveInitialKey: key usage 8001). The
// terminal holds that initial key; for each transaction it derives the
// transaction key of the key serial number (KSN: initial key ID and 32-bit
// counter) by one AES-ECB derivation per one-bit of the counter (key usage
// 8000), and from it the PIN encryption working key (key usage 1000,
// AES-128 unless AES-256 is asked and the initial key is AES-256). Each
// derivation enciphers the standard's 16-byte derivation data: version 01,
// key block counter, key usage, algorithm, key length in bits, then the
// initial key ID or the derivation ID and the counter.
//
// A counter has at most 16 one-bits (MaxCounterBits), so a transaction
// costs at most 16 derivations; KSN.Next skips the values with more, and
// after the last one (FFFF0000) returns ErrKeyLifeEnded: the terminal
// stops taking PINs and needs a new initial key, rather than reuse a key.
//
// Tested against the X9.24-3-2017 supplement's test vectors (AES-128 and
// AES-256 BDK: initial keys, transaction keys, PIN keys, PIN blocks).
//
// # PIN block format 4 (ISO 9564-1:2017)
//
// The plain text PIN field is control 4, PIN length (4–12), the PIN
// digits, fill A to 16 nibbles, then 8 random bytes; the plain text PAN
// field is M (PAN length − 12, 0 for a PAN of 12 digits or fewer, which is
// left-padded with zeros to 12), the PAN, then zeros. The block is
// E(K, E(K, PIN field) XOR PAN field); DecipherFormat4 undoes it and
// refuses a field that breaks a rule with a *BlockError naming the field.
//
// # Secrets
//
// PIN and Key print and log as redacted (String, GoString, slog.LogValuer)
// and have Wipe; no error of this package holds a PIN, a PAN or a key.
package pin
