package cardsim

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"strings"
	"sync"

	"tpe/payment/emv"
	"tpe/payment/emv/tlv"
)

// ErrUnknownProfile means New was given a name Profiles does not list.
var ErrUnknownProfile = errors.New("cardsim: unknown profile")

// CAIndex is the CA public key index (8F) of the generated test CA.
const CAIndex = 0xF1

// caRIDs are the RIDs the test CA key is registered under.
var caRIDs = []string{"A000000003", "A000000004", "A000000042", "A000000025"}

// CAKeys is the CA public key table a terminal needs to authenticate the
// virtual cards, in the form emv.Config.CAKeys takes: the one generated
// test CA key (1152 bits, e = 3, index CAIndex) under each scheme RID.
func CAKeys() []emv.CAKey {
	ca := key("ca", caBits)
	out := make([]emv.CAKey, 0, len(caRIDs))
	for _, r := range caRIDs {
		out = append(out, emv.CAKey{RID: mustHex(r), Index: CAIndex, Key: &rsa.PublicKey{N: new(big.Int).Set(ca.pub.N), E: ca.pub.E}})
	}
	return out
}

// Card is one virtual card: an applet answering ISO 7816-4 APDUs as a
// contactless EMV card would. It is safe for concurrent use; the ATC
// increments with every cryptogram.
type Card struct {
	p Profile

	mu       sync.Mutex
	atc      uint16
	rng      *rand.ChaCha8
	selected int // index in p.apps, -1 none
	gpo      bool
	pdolData []byte

	icc     *privKey
	records map[[2]byte][]byte // (sfi, rec) → record bytes, per application behaviour
	recMC   map[[2]byte][]byte
	aipVisa []byte
	aipMC   []byte
}

// Profile returns the card's profile.
func (c *Card) Profile() Profile { return c.p }

// ATC is the current application transaction counter.
func (c *Card) ATC() uint16 { c.mu.Lock(); defer c.mu.Unlock(); return c.atc }

// fileCache holds each profile's records (read-only once built).
var fileCache sync.Map

// New returns a fresh virtual card for a profile of Profiles (ATC 0x0021).
func New(profile string) (*Card, error) {
	p, ok := profiles[profile]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownProfile, profile)
	}
	seed := sha256.Sum256([]byte("tpe cardsim card " + p.Name))
	c := &Card{p: p, atc: 0x0021, rng: rand.NewChaCha8(seed), selected: -1}
	c.icc = key("icc-"+p.Name, iccBits)
	c.aipVisa = []byte{0x20, 0x00}
	if p.phone {
		c.aipVisa = []byte{0x20, 0x40}
	}
	c.aipMC = []byte{0x19, 0x80}
	if p.phone {
		c.aipMC = []byte{0x1B, 0x80} // on-device cardholder verification supported
	}
	files, _ := fileCache.Load(p.Name)
	if files == nil {
		// Certificates cost RSA private operations: build once per profile.
		files, _ = fileCache.LoadOrStore(p.Name, [2]map[[2]byte][]byte{c.buildRecords(qvsdc), c.buildRecords(mchip)})
	}
	f := files.([2]map[[2]byte][]byte)
	c.records, c.recMC = f[0], f[1]
	return c, nil
}

// Transceive answers one C-APDU. It never fails: unknown commands get
// 6D00 like a real card; use a Script for transport failures.
func (c *Card) Transceive(ctx context.Context, capdu []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.handle(capdu), nil
}

func sw(data []byte, sw uint16) []byte {
	return append(append([]byte(nil), data...), byte(sw>>8), byte(sw))
}

// parseAPDU splits a short C-APDU; ok is false on inconsistent lengths.
func parseAPDU(b []byte) (ins, p1, p2 byte, data []byte, ok bool) {
	if len(b) < 4 {
		return 0, 0, 0, nil, false
	}
	ins, p1, p2 = b[1], b[2], b[3]
	switch {
	case len(b) == 4, len(b) == 5:
		return ins, p1, p2, nil, true
	case len(b) == 5+int(b[4]) || len(b) == 6+int(b[4]):
		return ins, p1, p2, b[5 : 5+int(b[4])], b[4] != 0
	}
	return 0, 0, 0, nil, false
}

func (c *Card) handle(capdu []byte) []byte {
	ins, p1, p2, data, ok := parseAPDU(capdu)
	if !ok {
		return sw(nil, 0x6700)
	}
	switch {
	case capdu[0] == 0x00 && ins == 0xA4:
		return c.selectFile(p1, data)
	case capdu[0] == 0x80 && ins == 0xA8 && c.selected >= 0:
		return c.getProcessingOptions(data)
	case capdu[0] == 0x00 && ins == 0xB2 && c.selected >= 0:
		return c.readRecord(p1, p2)
	case capdu[0] == 0x80 && ins == 0xAE && c.selected >= 0 && c.app().beh == mchip:
		return c.generateAC(p1, data)
	case capdu[0] == 0x80 && (ins == 0xA8 || ins == 0xB2 || ins == 0xAE):
		return sw(nil, 0x6985)
	}
	return sw(nil, 0x6D00)
}

func (c *Card) app() appSpec { return c.p.apps[c.selected] }

var ppse = []byte("2PAY.SYS.DDF01")

func (c *Card) selectFile(p1 byte, name []byte) []byte {
	if p1 != 0x04 {
		return sw(nil, 0x6A86)
	}
	c.gpo = false
	if bytes.Equal(name, ppse) {
		c.selected = -1
		if c.p.noPPSE {
			return sw(nil, 0x6A82)
		}
		var dir []byte
		for _, a := range c.p.apps {
			e := tlv.Encode(0x4F, mustHex(a.aid))
			e = tlv.Append(e, 0x50, []byte(a.label))
			if a.priority != 0 {
				e = tlv.Append(e, 0x87, []byte{a.priority})
			}
			if a.kernelID != 0 {
				e = tlv.Append(e, 0x9F2A, []byte{a.kernelID})
			}
			dir = tlv.Append(dir, 0x61, e)
		}
		fci := tlv.Append(tlv.Encode(0x84, ppse), 0xA5, tlv.Encode(0xBF0C, dir))
		return sw(tlv.Encode(0x6F, fci), 0x9000)
	}
	for i, a := range c.p.apps {
		aid := mustHex(a.aid)
		if len(name) < 5 || !bytes.HasPrefix(aid, name) {
			continue
		}
		if c.p.blocked {
			c.selected = -1
			return sw(nil, 0x6283)
		}
		c.selected = i
		prop := tlv.Encode(0x50, []byte(a.label))
		prop = tlv.Append(prop, 0x87, []byte{max(a.priority, 1)})
		if pd := c.pdol(); pd != nil {
			prop = tlv.Append(prop, 0x9F38, pd)
		}
		prop = tlv.Append(prop, 0x5F2D, []byte("fren"))
		return sw(tlv.Encode(0x6F, tlv.Append(tlv.Encode(0x84, aid), 0xA5, prop)), 0x9000)
	}
	c.selected = -1
	return sw(nil, 0x6A82)
}

// Visa PDOL (as on real qVSDC cards); phones add 9F4E like the Apple Pay
// trace of hardware-emv.md §3.4. M/Chip cards here have no PDOL.
var (
	pdolVisa  = mustHex("9F66049F02069F03069F1A0295055F2A029A039C019F3704")
	pdolPhone = mustHex("9F66049F02069F03069F1A0295055F2A029A039C019F37049F4E14")
	cdol1MC   = mustHex("9F02069F03069F1A0295055F2A029A039C019F37049F35019F45029F4C089F3403")
)

func (c *Card) pdol() []byte {
	switch {
	case c.app().beh == mchip || c.app().beh == amexApp:
		return nil
	case c.p.phone:
		return pdolPhone
	}
	return pdolVisa
}

func (c *Card) getProcessingOptions(cmd []byte) []byte {
	if c.app().beh == amexApp {
		return sw(nil, 0x6D00)
	}
	l, err := tlv.Parse(cmd)
	if err != nil || len(l) != 1 || l[0].Tag != 0x83 {
		return sw(nil, 0x6700)
	}
	dol, _ := tlv.ParseDOL(c.pdol())
	if len(l[0].Value) != dol.DataLen() {
		return sw(nil, 0x6700)
	}
	c.gpo = true
	c.pdolData = l[0].Value
	if c.app().beh == mchip {
		afl := mustHex("08010101" + "10010200")
		return sw(tlv.Encode(0x77, append(tlv.Encode(0x82, c.aipMC), tlv.Encode(0x94, afl)...)), 0x9000)
	}
	return c.qvsdc(dol)
}

func (c *Card) nextATC() []byte {
	c.atc++
	return []byte{byte(c.atc >> 8), byte(c.atc)}
}

// qvsdc decides the transaction during GPO (Visa Contactless Payment
// Specification behaviour): refunds get an AAC, a reader that needs an
// online cryptogram (TTQ byte 2 bit 80) or a phone gets an ARQC, anything
// else a TC with an fDDA signature.
func (c *Card) qvsdc(dol tlv.DOL) []byte {
	in, _ := dol.Split(c.pdolData)
	ttq := in[0x9F66]
	ctq := c.p.ctq
	var cid byte
	switch {
	case in[0x9C][0] == 0x20:
		cid = 0x00
	case c.p.phone || ttq[1]&0x80 != 0:
		cid = 0x80
	default:
		cid = 0x40
	}
	if c.p.phone {
		ctq[1] |= 0x80 // CDCVM performed
	} else if ttq[1]&0x40 != 0 {
		switch {
		case ttq[0]&0x04 != 0 && !c.p.contactCVM:
			ctq[0] |= 0x80 // online PIN required
			cid = 0x80
		case ttq[0]&0x02 != 0:
			ctq[0] |= 0x40 // signature required
		}
	}
	atc := c.nextATC()
	iad := []byte{0x06, 0x01, 0x11, 0x03, 0x00, 0x00, 0x00}
	iad[4] = map[byte]byte{0x00: 0x10, 0x40: 0x50, 0x80: 0x90}[cid]
	vals := map[tlv.Tag][]byte{0x82: c.aipVisa, 0x9F36: atc, 0x9F10: iad, 0x9F27: {cid}}
	for _, t := range []tlv.Tag{0x9F02, 0x9F03, 0x9F1A, 0x5F2A, 0x9A, 0x9C, 0x9F37} {
		vals[t] = in[t]
	}
	ac := computeAC(c.p.PAN, c.p.psn, vals)

	r := tlv.Encode(0x82, c.aipVisa)
	r = tlv.Append(r, 0x94, mustHex("08010101"+"10010200"))
	r = tlv.Append(r, 0x9F36, atc)
	r = tlv.Append(r, 0x9F26, ac)
	r = tlv.Append(r, 0x9F27, []byte{cid})
	r = tlv.Append(r, 0x9F10, iad)
	r = tlv.Append(r, 0x9F6C, ctq[:])
	r = tlv.Append(r, 0x57, c.track2())
	if c.p.psn >= 0 {
		r = tlv.Append(r, 0x5F34, tlv.EncodeN(uint64(c.p.psn), 1))
	}
	if c.p.phone {
		r = tlv.Append(r, 0x9F6E, []byte{0x20, 0x70, 0x00, 0x00}) // form factor: mobile phone
	}
	if cid == 0x40 && ttq[3]&0x80 != 0 {
		var cardUN [4]byte
		_, _ = c.rng.Read(cardUN[:])
		card := append(append([]byte{0x01}, cardUN[:]...), ctq[:]...)
		r = tlv.Append(r, 0x9F69, card)
		td := append(append(append(append([]byte(nil), in[0x9F37]...), in[0x9F02]...), in[0x5F2A]...), card...)
		r = tlv.Append(r, 0x9F4B, c.sdad(c.iccDynamicNumber(), td))
	}
	return sw(tlv.Encode(0x77, r), 0x9000)
}

func (c *Card) iccDynamicNumber() []byte {
	idn := make([]byte, 8)
	_, _ = c.rng.Read(idn)
	return append([]byte{8}, idn...)
}

// sdad signs ICC dynamic data (Book 2 §6.5.1 / §6.6.1).
func (c *Card) sdad(dd, termData []byte) []byte {
	n := c.icc.size()
	m := make([]byte, 0, n)
	m = append(m, 0x6A, 0x05, 0x01, byte(len(dd)))
	m = append(m, dd...)
	for len(m) < n-21 {
		m = append(m, 0xBB)
	}
	h := sha1.New()
	h.Write(m[1:])
	h.Write(termData)
	m = append(h.Sum(m), 0xBC)
	return c.icc.sign(m)
}

func (c *Card) track2() []byte {
	s := c.p.PAN + "D" + c.p.Expiry[:4] + "201" + "0000000000"
	if len(s)%2 == 1 {
		s += "F"
	}
	return mustHex(s)
}

func (c *Card) readRecord(rec, p2 byte) []byte {
	if p2&0x07 != 0x04 {
		return sw(nil, 0x6A86)
	}
	recs := c.records
	if c.app().beh == mchip {
		recs = c.recMC
	}
	r, ok := recs[[2]byte{p2 >> 3, rec}]
	if !ok {
		return sw(nil, 0x6A83)
	}
	if c.p.malformed && p2>>3 == 1 && rec == 1 {
		return sw(r[:len(r)-7], 0x9000) // the template claims 7 bytes more than it has
	}
	return sw(r, 0x9000)
}

// generateAC is M/Chip card risk management, simplified: an AAC request or
// a refund gets an AAC, a TC request becomes a TC up to 100.00 and an ARQC
// above, an ARQC request an ARQC. With P1 bit 10 (CDA) the cryptogram is
// returned inside the signature only (Book 2 §6.6.1).
func (c *Card) generateAC(p1 byte, data []byte) []byte {
	if !c.gpo {
		return sw(nil, 0x6985)
	}
	dol, _ := tlv.ParseDOL(cdol1MC)
	in, err := dol.Split(data)
	if err != nil {
		return sw(nil, 0x6700)
	}
	c.gpo = false // one GENERATE AC per transaction in contactless
	var cid byte
	amount, _ := tlv.DecodeN(in[0x9F02])
	switch {
	case p1&0xC0 == 0x00 || in[0x9C][0] == 0x20:
		cid = 0x00
	case p1&0xC0 == 0x40 && amount <= 10000:
		cid = 0x40
	default:
		cid = 0x80
	}
	atc := c.nextATC()
	iad := mustHex("0110A00000000000000000000000000000FF")
	iad[2] = map[byte]byte{0x00: 0x20, 0x40: 0x60, 0x80: 0xA0}[cid]
	vals := map[tlv.Tag][]byte{0x82: c.aipMC, 0x9F36: atc, 0x9F10: iad, 0x9F27: {cid}}
	for _, t := range []tlv.Tag{0x9F02, 0x9F03, 0x9F1A, 0x5F2A, 0x9A, 0x9C, 0x9F37} {
		vals[t] = in[t]
	}
	ac := computeAC(c.p.PAN, c.p.psn, vals)
	r := tlv.Encode(0x9F27, []byte{cid})
	r = tlv.Append(r, 0x9F36, atc)
	if p1&0x10 == 0 || cid == 0x00 {
		r = tlv.Append(r, 0x9F26, ac)
		r = tlv.Append(r, 0x9F10, iad)
		return sw(tlv.Encode(0x77, r), 0x9000)
	}
	r = tlv.Append(r, 0x9F10, iad)
	h := sha1.New()
	h.Write(c.pdolData)
	h.Write(data)
	h.Write(r)
	dd := append(c.iccDynamicNumber(), cid)
	dd = append(append(dd, ac...), h.Sum(nil)...)
	r = tlv.Append(r, 0x9F4B, c.sdad(dd, in[0x9F37]))
	return sw(tlv.Encode(0x77, r), 0x9000)
}

// buildRecords lays out the files: SFI 1 record 1 holds the application
// data and is the one record signed for ODA (with the AIP, 9F4A = 82);
// SFI 2 holds the issuer and ICC certificates.
func (c *Card) buildRecords(beh behaviour) map[[2]byte][]byte {
	p := c.p
	aip := c.aipVisa
	var r1 []byte
	if beh == mchip {
		aip = c.aipMC
		r1 = tlv.Encode(0x57, c.track2())
	}
	r1 = tlv.Append(r1, 0x5A, panCN(p.PAN))
	r1 = tlv.Append(r1, 0x5F24, mustHex(p.Expiry))
	r1 = tlv.Append(r1, 0x5F25, mustHex("230101"))
	r1 = tlv.Append(r1, 0x5F28, mustHex("0250"))
	if p.psn >= 0 {
		r1 = tlv.Append(r1, 0x5F34, tlv.EncodeN(uint64(p.psn), 1))
	}
	r1 = tlv.Append(r1, 0x9F07, mustHex("FF00"))
	if beh == mchip {
		r1 = tlv.Append(r1, 0x8C, cdol1MC)
		r1 = tlv.Append(r1, 0x8D, mustHex("910A8A0295059F37049F4C08"))
		// X=Y=0; online PIN, then signature, then no CVM, each "if terminal
		// supports it". A contact-CVM card has enciphered then plaintext
		// offline PIN (contact chip only), then no CVM.
		cvmList := "0000000000000000" + "4203" + "1E03" + "1F03"
		if p.contactCVM {
			cvmList = "0000000000000000" + "4403" + "4103" + "1F03"
		}
		r1 = tlv.Append(r1, 0x8E, mustHex(cvmList))
		r1 = tlv.Append(r1, 0x9F08, mustHex("0002"))
		r1 = tlv.Append(r1, 0x9F0D, mustHex("0000000000"))
		r1 = tlv.Append(r1, 0x9F0E, mustHex("0000000000"))
		r1 = tlv.Append(r1, 0x9F0F, mustHex("0000000000"))
		r1 = tlv.Append(r1, 0x9F42, mustHex("0978"))
	}
	r1 = tlv.Append(r1, 0x9F4A, []byte{0x82})

	issuer := key(p.issuer, issuerBits)
	ca := key("ca", caBits)
	static := append(append([]byte(nil), r1...), aip...)
	icert, irem := certificate(ca, 0x02, issuerIDCN(p.PAN), issuer, nil)
	ccert, crem := certificate(issuer, 0x04, panCN10(p.PAN), c.icc, static)

	r21 := tlv.Encode(0x8F, []byte{CAIndex})
	r21 = tlv.Append(r21, 0x90, icert)
	r21 = tlv.Append(r21, 0x9F32, []byte{0x03})
	if irem != nil {
		r21 = tlv.Append(r21, 0x92, irem)
	}
	r22 := tlv.Encode(0x9F46, ccert)
	r22 = tlv.Append(r22, 0x9F47, []byte{0x03})
	if crem != nil {
		r22 = tlv.Append(r22, 0x9F48, crem)
	}
	return map[[2]byte][]byte{
		{1, 1}: tlv.Encode(0x70, r1),
		{2, 1}: tlv.Encode(0x70, r21),
		{2, 2}: tlv.Encode(0x70, r22),
	}
}

// certificate builds an issuer (format 02, Book 2 §5.3 table 6) or ICC
// (format 04, §6.4 table 14) public key certificate of subject signed by
// signer, and the modulus remainder that did not fit.
func certificate(signer *privKey, format byte, id []byte, subject *privKey, static []byte) (cert, rem []byte) {
	n := signer.size()
	mod := subject.modulus()
	m := []byte{0x6A, format}
	m = append(m, id...)
	m = append(m, 0x12, 0x30)       // expiry MMYY: December 2030
	m = append(m, 0x00, 0x00, 0x01) // serial
	m = append(m, 0x01, 0x01, byte(len(mod)), 0x01)
	room := n - len(m) - 21
	if len(mod) > room {
		m = append(m, mod[:room]...)
		rem = mod[room:]
	} else {
		m = append(m, mod...)
		for len(m) < n-21 {
			m = append(m, 0xBB)
		}
	}
	h := sha1.New()
	h.Write(m[1:])
	h.Write(rem)
	h.Write([]byte{0x03})
	h.Write(static)
	m = append(h.Sum(m), 0xBC)
	return signer.sign(m), rem
}

func panCN(pan string) []byte {
	if len(pan)%2 == 1 {
		pan += "F"
	}
	return mustHex(pan)
}

// panCN10 is the PAN as cn 10 bytes (ICC certificate).
func panCN10(pan string) []byte { return mustHex(pan + strings.Repeat("F", 20-len(pan))) }

// issuerIDCN is the issuer identifier: the leftmost 6 PAN digits, cn 4 bytes.
func issuerIDCN(pan string) []byte { return mustHex(pan[:6] + "FF") }
