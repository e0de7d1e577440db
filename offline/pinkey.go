package offline

import (
	"context"
	"crypto/cipher"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"

	"tpe/payment"
	"tpe/payment/pin"
)

// The terminal's online PIN key: the AES DUKPT initial key injected at
// provisioning (never a base derivation key), sealed under the device key
// in its own file beside it, and the transaction counter of each initial
// key ID in the journal's meta bucket. The counter is advanced and
// committed (fsync) before a PIN key is derived from it, so a power cut can
// skip a KSN but never use one twice; at the end of the key's life
// (X9.24-3: no counter with at most 16 one-bits left) the terminal refuses
// PINs until a new initial key is injected.

// PINKeyFileName is the sealed PIN key's file, in the device key's
// directory.
const PINKeyFileName = "pin.key"

// PINKeyPath is where the sealed PIN key of the device key keyFile lives.
func PINKeyPath(keyFile string) string { return filepath.Join(filepath.Dir(keyFile), PINKeyFileName) }

// pinKeyAD binds the sealed PIN key to its purpose: the same device key
// seals card data under other associated data.
var pinKeyAD = []byte("tpe dukpt initial key v1")

// sealedPINKey is the plain text the PIN key file seals.
type sealedPINKey struct {
	InitialKeyID string `json:"initial_key_id"` // hex, 8 bytes
	Key          []byte `json:"key"`
}

// SavePINKey seals an AES DUKPT initial key and its initial key ID under
// the device key keyFile and writes it (mode 0600, through a synced
// temporary file and a rename) to PINKeyPath(keyFile). A new key replaces
// the old one; the journal keeps a counter per initial key ID, so a key
// injected again goes on from its last counter.
func SavePINKey(keyFile string, initialKey pin.Key, initialKeyID [8]byte) error {
	if n := len(initialKey); n != 16 && n != 32 {
		return fmt.Errorf("offline: the PIN initial key is %d bytes: want 16 (AES-128) or 32 (AES-256)", n)
	}
	aead, err := loadKey(keyFile, false)
	if err != nil {
		return err
	}
	plain, err := json.Marshal(sealedPINKey{InitialKeyID: hex.EncodeToString(initialKeyID[:]), Key: initialKey})
	if err != nil {
		return err
	}
	sealed := seal(aead, plain, pinKeyAD)
	clear(plain)
	path := PINKeyPath(keyFile)
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return opErr("writing the PIN key", err)
	}
	_, err = f.Write(sealed)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return opErr("writing the PIN key", err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// pinKey is the unsealed initial key the store holds while open.
type pinKey struct {
	key pin.Key
	id  [8]byte
}

// loadPINKey unseals path; a missing file is no key (nil, nil).
func loadPINKey(aead cipher.AEAD, path string) (*pinKey, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, opErr("reading the PIN key", err)
	}
	plain, err := open(aead, b, pinKeyAD)
	if err != nil {
		return nil, fmt.Errorf("%w: the PIN key %s cannot be unsealed with this device key", ErrWrongKey, path)
	}
	var s sealedPINKey
	err = json.Unmarshal(plain, &s)
	clear(plain)
	id, herr := hex.DecodeString(s.InitialKeyID)
	if err != nil || herr != nil || len(id) != 8 || (len(s.Key) != 16 && len(s.Key) != 32) {
		clear(s.Key)
		return nil, &CorruptError{Path: path, Reason: "the sealed PIN key is malformed"}
	}
	return &pinKey{key: pin.Key(s.Key), id: [8]byte(id)}, nil
}

// dukptCounterKey is the meta key of the last counter used under an
// initial key ID.
func dukptCounterKey(id [8]byte) []byte {
	return append([]byte("dukpt_counter/"), hex.EncodeToString(id[:])...)
}

// lastKSN is the KSN of the last PIN enciphered under k (counter 0: none).
func (s *Store) lastKSN(tx *bolt.Tx, k *pinKey) pin.KSN {
	var c uint32
	if v := tx.Bucket(bucketMeta).Get(dukptCounterKey(k.id)); len(v) == 4 {
		c = binary.BigEndian.Uint32(v)
	}
	return pin.NewKSN(k.id, c)
}

// PINReady reports whether the store can encipher a PIN: a PIN key is
// injected and its life has a counter left. Its errors match
// payment.ErrPINUnavailable.
func (s *Store) PINReady(context.Context) error {
	k := s.pin
	if k == nil {
		return fmt.Errorf("%w: no PIN key injected (tpectl provision --pin-key-file)", payment.ErrPINUnavailable)
	}
	var next error
	if err := s.view(func(tx *bolt.Tx) error {
		_, next = s.lastKSN(tx, k).Next()
		return nil
	}); err != nil {
		return err
	}
	if next != nil {
		return fmt.Errorf("%w: %w", payment.ErrPINUnavailable, next)
	}
	return nil
}

// EncipherPIN advances the DUKPT counter in the journal (committed before
// the key exists) and enciphers p for pan under that transaction's PIN
// key: ISO 9564-1 format 4, AES-128 working key (X9.24-3).
func (s *Store) EncipherPIN(_ context.Context, p pin.PIN, pan string) (payment.PINBlock, error) {
	k := s.pin
	if k == nil {
		return payment.PINBlock{}, fmt.Errorf("%w: no PIN key injected", payment.ErrPINUnavailable)
	}
	var ksn pin.KSN
	err := s.update(func(tx *bolt.Tx) error {
		next, err := s.lastKSN(tx, k).Next()
		if err != nil {
			return fmt.Errorf("%w: %w", payment.ErrPINUnavailable, err)
		}
		ksn = next
		return tx.Bucket(bucketMeta).Put(dukptCounterKey(k.id), binary.BigEndian.AppendUint32(nil, next.Counter()))
	})
	if err != nil {
		return payment.PINBlock{}, fmt.Errorf("offline: advancing the DUKPT counter: %w", err)
	}
	block, err := pin.Format4(k.key, ksn, pin.AES128, p, pan)
	if err != nil {
		return payment.PINBlock{}, err
	}
	out := payment.PINBlock{Block: payment.NewSecret(block[:]), KSN: ksn}
	clear(block[:])
	return out, nil
}

// PINKeyStatus is what a technician may see of the PIN key: never the key.
type PINKeyStatus struct {
	Injected     bool
	InitialKeyID string // hex
	LastKSN      string // hex; counter 0 before the first PIN
	Exhausted    bool   // key life ended: inject a new key
}

// PINKey reports the PIN key's state.
func (s *Store) PINKey() (PINKeyStatus, error) {
	k := s.pin
	if k == nil {
		return PINKeyStatus{}, nil
	}
	st := PINKeyStatus{Injected: true, InitialKeyID: hex.EncodeToString(k.id[:])}
	err := s.view(func(tx *bolt.Tx) error {
		last := s.lastKSN(tx, k)
		st.LastKSN = last.String()
		_, next := last.Next()
		st.Exhausted = next != nil
		return nil
	})
	return st, err
}

var _ payment.PINCipher = (*Store)(nil)
