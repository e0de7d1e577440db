package emv

import (
	"bytes"
	"crypto/rsa"
	"crypto/sha1"
	"errors"
	"fmt"
	"math/big"

	"tpe/payment/emv/tlv"
)

// Offline data authentication, EMV 4.4 Book 2:
//   §5.3  issuer public key recovery from 90/92/9F32 with the CA key (8F);
//   §6.4  ICC public key recovery from 9F46/9F48/9F47, whose certificate
//         hash covers the static data to be authenticated (AFL records
//         flagged for ODA, plus the AIP when 9F4A lists 82);
//   §6.5  dynamic signature (fDDA, Book C-3 §5.8 terminal data);
//   §6.6  combined DDA/AC generation (CDA).
// EMV uses raw RSA with its own message recovery format (no PKCS#1
// padding), so the public operation is done on crypto/rsa public keys with
// math/big; exponents are 3 or 65537, which keeps verification cheap.
// Recovered issuer keys are cached per certificate: the same issuer
// certificate is on every card of a BIN range, as real kernels exploit.

var (
	errNoCAKey    = errors.New("ca public key not in the terminal table")
	errMissing    = errors.New("certificate data missing")
	errFormat     = errors.New("recovered data has a bad header, format or trailer")
	errHash       = errors.New("hash mismatch")
	errExpiredCrt = errors.New("certificate expired")
	errPANMatch   = errors.New("certificate does not match the pan")
	errSizes      = errors.New("inconsistent key or certificate length")
)

type issuerEntry struct {
	key      *rsa.PublicKey
	expiry   [2]byte // YYMM, BCD
	issuerID string  // leftmost PAN digits
}

type iccKey struct{ *rsa.PublicKey }

// recoverRaw applies the public key to a signature of exactly modulus size.
func recoverRaw(k *rsa.PublicKey, sig []byte) ([]byte, error) {
	size := (k.N.BitLen() + 7) / 8
	if len(sig) != size {
		return nil, errSizes
	}
	c := new(big.Int).SetBytes(sig)
	if c.Cmp(k.N) >= 0 {
		return nil, errSizes
	}
	m := new(big.Int).Exp(c, big.NewInt(int64(k.E)), k.N)
	return m.FillBytes(make([]byte, size)), nil
}

func exponent(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 3 {
		return 0, false
	}
	e := 0
	for _, c := range b {
		e = e<<8 | int(c)
	}
	return e, e == 3 || e == 65537
}

// mmyyToYYMM turns a certificate expiry (n4 MMYY) into BCD YYMM, which
// compares as bytes.
func mmyyToYYMM(b []byte) [2]byte { return [2]byte{b[1], b[0]} }

func (s *session) todayYYMM() [2]byte {
	d := bcdDate(s.txn.Date.UTC())
	return [2]byte{d[0], d[1]}
}

func before(a, b [2]byte) bool { return a[0] < b[0] || a[0] == b[0] && a[1] < b[1] }

// issuerKey recovers (or finds in the cache) the issuer public key.
func (s *session) issuerKey() (*rsa.PublicKey, error) {
	aid := s.data[0x84]
	idx := s.data[0x8F]
	cert, rem, exp := s.data[0x90], s.data[0x92], s.data[0x9F32]
	if len(aid) < 5 || len(idx) != 1 || len(cert) == 0 || len(exp) == 0 {
		return nil, errMissing
	}
	ca := s.cfg.caKey(aid[:5], idx[0])
	if ca == nil {
		return nil, errNoCAKey
	}
	pan := s.res.PAN.Digits()
	cacheKey := string(aid[:5]) + string(idx) + string(cert) + "|" + string(rem) + "|" + string(exp)
	s.k.mu.Lock()
	e, ok := s.k.issuers[cacheKey]
	s.k.mu.Unlock()
	if !ok {
		var err error
		e, err = recoverIssuer(ca, cert, rem, exp)
		if err != nil {
			return nil, err
		}
		s.k.mu.Lock()
		if len(s.k.issuers) >= 64 {
			clear(s.k.issuers)
		}
		s.k.issuers[cacheKey] = e
		s.k.mu.Unlock()
	}
	if !stringsHasPrefix(pan, e.issuerID) {
		return nil, errPANMatch
	}
	if before(e.expiry, s.todayYYMM()) {
		return nil, errExpiredCrt
	}
	return e.key, nil
}

func stringsHasPrefix(s, p string) bool { return len(p) >= 3 && len(s) >= len(p) && s[:len(p)] == p }

func recoverIssuer(ca *rsa.PublicKey, cert, rem, exp []byte) (issuerEntry, error) {
	m, err := recoverRaw(ca, cert)
	if err != nil {
		return issuerEntry{}, err
	}
	n := len(m)
	if n < 36+1 || m[0] != 0x6A || m[1] != 0x02 || m[n-1] != 0xBC || m[11] != 0x01 || m[12] != 0x01 {
		return issuerEntry{}, errFormat
	}
	h := sha1.New()
	h.Write(m[1 : n-21])
	h.Write(rem)
	h.Write(exp)
	if !bytes.Equal(h.Sum(nil), m[n-21:n-1]) {
		return issuerEntry{}, errHash
	}
	id, _ := tlv.DecodeCN(m[2:6])
	modLen := int(m[13])
	part := m[15 : n-21]
	var mod []byte
	if modLen <= len(part) {
		if len(rem) != 0 {
			return issuerEntry{}, errSizes
		}
		mod = part[:modLen]
	} else {
		if len(rem) != modLen-len(part) {
			return issuerEntry{}, errSizes
		}
		mod = append(append([]byte(nil), part...), rem...)
	}
	e, ok := exponent(exp)
	if !ok || int(m[14]) != len(exp) {
		return issuerEntry{}, errSizes
	}
	return issuerEntry{key: &rsa.PublicKey{N: new(big.Int).SetBytes(mod), E: e}, expiry: mmyyToYYMM(m[6:8]), issuerID: id}, nil
}

// staticData is the input the ICC certificate hash covers.
func (s *session) staticData() ([]byte, error) {
	if !s.sdaOK {
		return nil, errMissing
	}
	d := s.sda
	if tl := s.data[0x9F4A]; tl != nil {
		if !bytes.Equal(tl, []byte{0x82}) {
			return nil, errFormat // Book 3 §10.3: only the AIP may be listed
		}
		d = append(append([]byte(nil), d...), s.res.AIP[:]...)
	}
	return d, nil
}

// recoverICCKey runs Book 2 §6.4 up to the ICC public key.
func (s *session) recoverICCKey() (*iccKey, error) {
	ik, err := s.issuerKey()
	if err != nil {
		return nil, fmt.Errorf("%w: issuer key: %w", ErrODA, err)
	}
	cert, rem, exp := s.data[0x9F46], s.data[0x9F48], s.data[0x9F47]
	if len(cert) == 0 || len(exp) == 0 {
		return nil, fmt.Errorf("%w: icc key: %w", ErrODA, errMissing)
	}
	m, err := recoverRaw(ik, cert)
	if err != nil {
		return nil, fmt.Errorf("%w: icc key: %w", ErrODA, err)
	}
	n := len(m)
	if n < 42+1 || m[0] != 0x6A || m[1] != 0x04 || m[n-1] != 0xBC || m[17] != 0x01 || m[18] != 0x01 {
		return nil, fmt.Errorf("%w: icc key: %w", ErrODA, errFormat)
	}
	sd, err := s.staticData()
	if err != nil {
		return nil, fmt.Errorf("%w: static data: %w", ErrODA, err)
	}
	h := sha1.New()
	h.Write(m[1 : n-21])
	h.Write(rem)
	h.Write(exp)
	h.Write(sd)
	if !bytes.Equal(h.Sum(nil), m[n-21:n-1]) {
		return nil, fmt.Errorf("%w: icc key: %w", ErrODA, errHash)
	}
	if p, _ := tlv.DecodeCN(m[2:12]); p != s.res.PAN.Digits() {
		return nil, fmt.Errorf("%w: icc key: %w", ErrODA, errPANMatch)
	}
	if before(mmyyToYYMM(m[12:14]), s.todayYYMM()) {
		return nil, fmt.Errorf("%w: icc key: %w", ErrODA, errExpiredCrt)
	}
	modLen := int(m[19])
	part := m[21 : n-21]
	var mod []byte
	if modLen <= len(part) {
		mod = part[:modLen]
	} else {
		if len(rem) != modLen-len(part) {
			return nil, fmt.Errorf("%w: icc key: %w", ErrODA, errSizes)
		}
		mod = append(append([]byte(nil), part...), rem...)
	}
	e, ok := exponent(exp)
	if !ok || int(m[20]) != len(exp) {
		return nil, fmt.Errorf("%w: icc key: %w", ErrODA, errSizes)
	}
	return &iccKey{&rsa.PublicKey{N: new(big.Int).SetBytes(mod), E: e}}, nil
}

// verifySDAD checks Signed Dynamic Application Data (Book 2 §6.5.2 and
// §6.6.2) and returns the ICC Dynamic Data it carries.
func verifySDAD(k *iccKey, sdad, termData []byte) ([]byte, error) {
	m, err := recoverRaw(k.PublicKey, sdad)
	if err != nil {
		return nil, err
	}
	n := len(m)
	if n < 25 || m[0] != 0x6A || m[1] != 0x05 || m[2] != 0x01 || m[n-1] != 0xBC {
		return nil, errFormat
	}
	ldd := int(m[3])
	if 4+ldd > n-21 {
		return nil, errSizes
	}
	h := sha1.New()
	h.Write(m[1 : n-21])
	h.Write(termData)
	if !bytes.Equal(h.Sum(nil), m[n-21:n-1]) {
		return nil, errHash
	}
	return m[4 : 4+ldd], nil
}

// fdda verifies the Visa fast DDA signature returned in the GPO response
// (Book C-3 §5.8.2: terminal data is UN, amount, currency and, for fDDA
// version 01, the Card Authentication Related Data 9F69).
func (s *session) fdda() error {
	aip := s.res.AIP
	if aip[0]&0x20 == 0 {
		return fmt.Errorf("%w: card does not support dda", ErrODA)
	}
	sdad := s.data[0x9F4B]
	if len(sdad) == 0 {
		return fmt.Errorf("%w: no signed dynamic application data", ErrODA)
	}
	k, err := s.recoverICCKey()
	if err != nil {
		return err
	}
	td := append([]byte(nil), s.un[:]...)
	if v := s.data[0x9F69]; len(v) > 0 && v[0] == 0x01 {
		td = append(td, s.term[0x9F02]...)
		td = append(td, s.term[0x5F2A]...)
		td = append(td, v...)
	}
	if _, err := verifySDAD(k, sdad, td); err != nil {
		return fmt.Errorf("%w: sdad: %w", ErrODA, err)
	}
	return nil
}

// verifyCDA checks the GENERATE AC signature and returns the cryptogram
// recovered from it (Book 2 §6.6.2).
func (s *session) verifyCDA(k *iccKey, resp tlv.List, cdolData []byte, cid byte) ([]byte, error) {
	sdad := resp.Value(0x9F4B)
	if len(sdad) == 0 {
		return nil, fmt.Errorf("%w: no signed dynamic application data", ErrODA)
	}
	dd, err := verifySDAD(k, sdad, s.un[:])
	if err != nil {
		return nil, fmt.Errorf("%w: sdad: %w", ErrODA, err)
	}
	if len(dd) < 1 || len(dd) < 1+int(dd[0])+1+8+20 {
		return nil, fmt.Errorf("%w: icc dynamic data too short", ErrODA)
	}
	l := int(dd[0])
	gotCID, ac, tdhc := dd[1+l], dd[2+l:10+l], dd[10+l:30+l]
	if gotCID != cid {
		return nil, fmt.Errorf("%w: cid in signature differs", ErrODA)
	}
	h := sha1.New()
	h.Write(s.pdol)
	h.Write(cdolData)
	for _, o := range resp {
		if o.Tag != 0x9F4B {
			h.Write(o.Bytes())
		}
	}
	if !bytes.Equal(h.Sum(nil), tdhc) {
		return nil, fmt.Errorf("%w: transaction data hash code mismatch", ErrODA)
	}
	return append([]byte(nil), ac...), nil
}
