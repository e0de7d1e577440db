package cardsim

import (
	"crypto/rsa"
	"crypto/sha256"
	"math/big"
	"math/rand/v2"
	"sync"
)

// Test keys are generated here, never borrowed: each key is derived from
// a ChaCha8 stream seeded with SHA-256("tpe cardsim key " + name), so the
// same name gives the same key in every process (the CA table a terminal
// config holds stays valid across runs) and nothing secret is committed.
// Keys are generated lazily once per process and cached. crypto/rsa's
// GenerateKey cannot be used: it ignores a custom random source and fixes
// e = 65537, while EMV test keys commonly use e = 3.

// Key sizes, chosen so every certificate needs its remainder (92, 9F48)
// like many real cards: CA 1152 bits, issuer 1024, ICC 768.
const (
	caBits     = 1152
	issuerBits = 1024
	iccBits    = 768
)

type privKey struct {
	pub        *rsa.PublicKey
	d, p, q    *big.Int
	dp, dq, qi *big.Int
}

var (
	keyMu    sync.Mutex
	keyCache = map[string]*privKey{}
)

func key(name string, bits int) *privKey {
	keyMu.Lock()
	defer keyMu.Unlock()
	if k, ok := keyCache[name]; ok {
		return k
	}
	seed := sha256.Sum256([]byte("tpe cardsim key " + name))
	r := rand.NewChaCha8(seed)
	k := generate(r, bits)
	keyCache[name] = k
	return k
}

var three = big.NewInt(3)

// generate makes an RSA key with e = 3: primes p ≡ 2 (mod 3) so that
// gcd(e, p-1) = 1.
func generate(r *rand.ChaCha8, bits int) *privKey {
	for {
		p := prime(r, bits/2)
		q := prime(r, bits-bits/2)
		if p.Cmp(q) == 0 {
			continue
		}
		n := new(big.Int).Mul(p, q)
		if n.BitLen() != bits {
			continue
		}
		one := big.NewInt(1)
		p1 := new(big.Int).Sub(p, one)
		q1 := new(big.Int).Sub(q, one)
		phi := new(big.Int).Mul(p1, q1)
		d := new(big.Int).ModInverse(three, phi)
		if d == nil {
			continue
		}
		return &privKey{
			pub: &rsa.PublicKey{N: n, E: 3}, d: d, p: p, q: q,
			dp: new(big.Int).Mod(d, p1), dq: new(big.Int).Mod(d, q1),
			qi: new(big.Int).ModInverse(q, p),
		}
	}
}

func prime(r *rand.ChaCha8, bits int) *big.Int {
	buf := make([]byte, (bits+7)/8)
	mod3 := new(big.Int)
	for {
		_, _ = r.Read(buf)
		buf[0] |= 0xC0 // top two bits: the product has the full size
		buf[len(buf)-1] |= 1
		p := new(big.Int).SetBytes(buf)
		if mod3.Mod(p, three).Int64() != 2 {
			continue
		}
		if p.ProbablyPrime(20) {
			return p
		}
	}
}

// sign is the raw RSA private operation (CRT), size-padded.
func (k *privKey) sign(m []byte) []byte {
	c := new(big.Int).SetBytes(m)
	m1 := new(big.Int).Exp(c, k.dp, k.p)
	m2 := new(big.Int).Exp(c, k.dq, k.q)
	h := new(big.Int).Sub(m1, m2)
	h.Mul(h, k.qi).Mod(h, k.p)
	h.Mul(h, k.q).Add(h, m2)
	return h.FillBytes(make([]byte, k.size()))
}

func (k *privKey) size() int { return (k.pub.N.BitLen() + 7) / 8 }
func (k *privKey) modulus() []byte {
	return k.pub.N.FillBytes(make([]byte, k.size()))
}
