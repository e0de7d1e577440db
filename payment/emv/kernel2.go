package emv

import (
	"strings"

	"tpe/payment/emv/tlv"
)

// kernel2 is the Mastercard M/Chip path (EMV Contactless Book C-2): GPO
// returns AIP and AFL, the records give CDOL1 and the CVM list, the
// terminal runs CVM and terminal action analysis, then asks for a
// cryptogram with GENERATE AC, with CDA when card and terminal support it.
func (s *session) kernel2(pdol tlv.DOL) error {
	if _, err := s.gpo(pdol); err != nil {
		return err
	}
	if err := s.readRecords(); err != nil {
		return err
	}
	if err := s.extractCardData(); err != nil {
		return err
	}
	cdol1, err := tlv.ParseDOL(s.data[0x8C])
	if err != nil || len(cdol1) == 0 {
		return end(OutcomeEndApplication, MsgTryAgain, "m/chip: missing or malformed cdol1")
	}
	aip := s.res.AIP

	// CVM (Book C-2 §7.5): on-device CVM for phones, else the CVM list.
	if o := s.k2CVM(aip); o != nil {
		return o
	}

	// ODA: only CDA exists on kernel 2. Recover the ICC key before GENERATE
	// AC so a broken certificate chain changes what the terminal asks for.
	var icc *iccKey
	cda := aip[0]&0x01 != 0 && s.cfg.Capabilities[2]&0x08 != 0
	if cda {
		icc, err = s.recoverICCKey()
		if err != nil {
			s.tvr[0] |= 0x04
			s.tsi[0] |= 0x80
			s.res.ODA = ODAFailed
			cda = false
		}
	} else {
		s.tvr[0] |= 0x80
	}
	if s.txn.Amount > s.app.FloorLimit {
		s.tvr[3] |= 0x80
	}
	if s.txn.ForceOnline && !s.cfg.offlineOnly() {
		s.tvr[3] |= 0x08 // merchant forced transaction online
	}
	zeroAmount := s.txn.Amount == 0 && !s.cfg.offlineOnly()

	// Terminal action analysis (Book 3 §10.7).
	p1 := byte(0x40) // TC
	switch {
	case s.txn.Type == Refund || s.denied():
		p1 = 0x00
	case s.cfg.offlineOnly() && s.byDefault():
		p1 = 0x00
	case s.cfg.offlineOnly():
	case s.online() || zeroAmount || s.txn.ForceOnline || s.res.CVM == CVMOnlinePIN:
		// Online PIN is verified by the issuer: only an ARQC can carry it.
		p1 = 0x80
	}
	if cda && p1 != 0x00 {
		p1 |= 0x10
	}
	cdolData := cdol1.Build(s.termValue)
	if len(cdolData) > 250 {
		return end(OutcomeEndApplication, MsgTryAgain, "m/chip: cdol1 data too long")
	}
	cmd := append([]byte{0x80, 0xAE, p1, 0x00, byte(len(cdolData))}, cdolData...)
	data, sw, err := s.transceive("generate ac", append(cmd, 0x00))
	if err != nil {
		return err
	}
	s.tsi[0] |= 0x20 // card risk management performed
	if sw != 0x9000 {
		return end(OutcomeEndApplication, MsgTryAgain, "generate ac: status %04X", sw)
	}
	resp, err := tlv.Parse(data)
	if err != nil || len(resp) != 1 {
		return end(OutcomeEndApplication, MsgTryAgain, "generate ac: malformed response")
	}
	var cid byte
	var ac []byte
	var format2 tlv.List
	switch resp[0].Tag {
	case 0x80:
		v := resp[0].Value
		if len(v) < 11 || len(v) > 43 {
			return end(OutcomeEndApplication, MsgTryAgain, "generate ac: format 1 response of %d bytes", len(v))
		}
		cid, ac = v[0], v[3:11]
		s.data[0x9F36] = v[1:3]
		if len(v) > 11 {
			s.data[0x9F10] = v[11:]
		}
	case 0x77:
		format2 = resp[0].Children
		c, atc := format2.Value(0x9F27), format2.Value(0x9F36)
		if len(c) != 1 || len(atc) != 2 {
			return end(OutcomeEndApplication, MsgTryAgain, "generate ac: response without cid or atc")
		}
		cid = c[0]
		s.data[0x9F36] = atc
		if v := format2.Value(0x9F10); v != nil {
			s.data[0x9F10] = v
		}
		ac = format2.Value(0x9F26)
	default:
		return end(OutcomeEndApplication, MsgTryAgain, "generate ac: response template %s", resp[0].Tag)
	}
	ct, ok := cryptogramType(cid)
	if !ok || (ct == CryptogramTC && p1&0xC0 == 0x80) || (ct != CryptogramAAC && p1&0xC0 == 0x00) {
		return end(OutcomeEndApplication, MsgTryAgain, "generate ac: card answered cid %02X to request %02X", cid, p1&0xC0)
	}
	if cda && ct != CryptogramAAC {
		s.tsi[0] |= 0x80
		if format2 == nil {
			s.tvr[0] |= 0x04
			s.res.ODA = ODAFailed
			s.setCryptogram(cid, ac)
			s.buildICC()
			return end(OutcomeDeclined, MsgNotAuthorised, "cda requested but the card answered in format 1")
		}
		acRecovered, err := s.verifyCDA(icc, format2, cdolData, cid)
		if err != nil {
			s.tvr[0] |= 0x04
			s.res.ODA = ODAFailed
			s.setCryptogram(cid, nil)
			s.buildICC()
			return end(OutcomeDeclined, MsgNotAuthorised, "cda failed: %v", err)
		}
		s.res.ODA = ODACDAOK
		ac = acRecovered
	}
	if len(ac) != 8 {
		return end(OutcomeEndApplication, MsgTryAgain, "generate ac: no 8-byte cryptogram")
	}
	s.setCryptogram(cid, ac)
	s.buildICC()
	switch {
	case s.txn.Type == Refund:
		return end(OutcomeOnlineRequest, MsgCardReadOK, "refund: card data read (%s), send the refund to the acquirer", ct)
	case ct == CryptogramAAC && s.tvr[1]&0x40 != 0:
		return end(OutcomeDeclined, MsgNotAuthorised, "application expired (%s)", s.res.Expiry)
	case ct == CryptogramAAC:
		return end(OutcomeDeclined, MsgNotAuthorised, "card declined (AAC)")
	case ct == CryptogramARQC && s.cfg.offlineOnly():
		return end(OutcomeDeclined, MsgNotAuthorised, "card requests online authorisation, terminal is offline-only")
	case ct == CryptogramARQC:
		return end(OutcomeOnlineRequest, MsgAuthorising, "card requests online authorisation (ARQC)")
	}
	if s.res.ODA != ODACDAOK {
		return end(OutcomeDeclined, MsgNotAuthorised, "tc without offline data authentication")
	}
	return end(OutcomeApproved, MsgApproved, "offline approval, cda verified")
}

// k2CVM processes cardholder verification for kernel 2; nil means go on.
func (s *session) k2CVM(aip [2]byte) *outcome {
	s.tsi[0] |= 0x40
	if aip[0]&0x02 != 0 { // on-device cardholder verification supported
		if s.cvmRequired {
			s.res.CVM, s.cvmRes = CVMCDCVM, [3]byte{0x01, 0x00, 0x02}
		} else {
			s.res.CVM, s.cvmRes = CVMNone, [3]byte{0x3F, 0x00, 0x02}
		}
		return nil
	}
	cvm, res := s.cvmList(s.data[0x8E])
	s.res.CVM, s.cvmRes = cvm, res
	switch cvm {
	case CVMOnlinePIN:
		// Book 3 §10.5.5 / C-2: the PIN will be entered and sent online.
		s.tvr[2] |= 0x04 // online PIN entered
		return nil
	case CVMFailed:
	default:
		return nil
	}
	s.tvr[2] |= 0x80
	if !s.cvmRequired {
		s.res.CVM = CVMNone
		return nil
	}
	return end(OutcomeTryAnotherInterface, MsgTryAnotherMethod, "cvm required above %d and no cvm of the card's list is possible here (%s): use another payment method", s.app.CVMLimit, describeCVMList(s.data[0x8E]))
}

// describeCVMList names the methods a CVM list offers, for the reason: a
// list of offline PINs only says the card verifies its holder with a
// contact chip.
func describeCVMList(list []byte) string {
	if len(list) < 10 || len(list)%2 != 0 {
		return "no usable cvm list"
	}
	var names []string
	seen := map[string]bool{}
	for i := 8; i+1 < len(list); i += 2 {
		var n string
		switch list[i] & 0x3F {
		case 0x01, 0x03, 0x04, 0x05:
			n = "offline pin (contact chip)"
		case 0x02:
			n = "online pin"
		case 0x1E:
			n = "signature"
		case 0x1F:
			n = "no cvm"
		case 0x00:
			n = "fail cvm"
		default:
			n = "proprietary cvm"
		}
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	return "card offers " + strings.Join(names, ", ")
}

// cvmList walks the CVM List (8E) per Book 3 §10.5 against this reader's
// CVM capability (C-2: "CVM Required" or "No CVM Required" set).
func (s *session) cvmList(list []byte) (CVM, [3]byte) {
	if len(list) < 10 || len(list)%2 != 0 {
		if s.cvmRequired {
			return CVMFailed, [3]byte{0x3F, 0x00, 0x01}
		}
		return CVMNone, [3]byte{0x3F, 0x00, 0x00}
	}
	x, y := be32(list[0:4]), be32(list[4:8])
	amount := uint64(max(s.txn.Amount, 0))
	sameCurrency := true
	if v := s.data[0x9F42]; len(v) == 2 {
		n, _ := tlv.DecodeN(v)
		sameCurrency = uint16(n) == s.txn.CurrencyNumeric
	}
	var last [3]byte
	for i := 8; i+1 < len(list); i += 2 {
		code, cond := list[i], list[i+1]
		method := code & 0x3F
		var applies bool
		switch cond {
		case 0x00:
			applies = true
		case 0x01, 0x04, 0x05:
			applies = false // cash and cashback are not offered here
		case 0x02:
			applies = s.txn.Type == Purchase && s.txn.OtherAmount == 0
		case 0x03:
			applies = s.supports(method)
		case 0x06:
			applies = sameCurrency && amount < x
		case 0x07:
			applies = sameCurrency && amount > x
		case 0x08:
			applies = sameCurrency && amount < y
		case 0x09:
			applies = sameCurrency && amount > y
		}
		if !applies {
			continue
		}
		last = [3]byte{code, cond, 0x01}
		if method == 0x00 {
			return CVMFailed, last
		}
		if s.supports(method) {
			switch method {
			case 0x1F:
				return CVMNone, [3]byte{code, cond, 0x02}
			case 0x1E:
				return CVMSignature, [3]byte{code, cond, 0x00}
			case 0x02:
				return CVMOnlinePIN, [3]byte{code, cond, 0x00}
			}
		}
		if code&0x40 == 0 {
			return CVMFailed, last
		}
	}
	if last == ([3]byte{}) {
		last = [3]byte{0x3F, 0x00, 0x01}
	}
	return CVMFailed, last
}

// supports is the C-2 CVM capability in force: above the CVM limit
// ("CVM Required") the reader offers what it has (online PIN and signature
// only if configured); below it only "No CVM".
func (s *session) supports(method byte) bool {
	if !s.cvmRequired {
		return method == 0x1F
	}
	switch method {
	case 0x02:
		return s.cfg.onlinePIN()
	case 0x1E:
		return s.cfg.Signature
	}
	return false
}

func be32(b []byte) uint64 {
	return uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])
}

// cvmResults is 9F34 as currently known.
func (s *session) cvmResults() []byte {
	if s.cvmRes == ([3]byte{}) {
		return []byte{0x3F, 0x00, 0x00}
	}
	return s.cvmRes[:]
}
