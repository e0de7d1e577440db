package emv

import (
	"bytes"
	"encoding/hex"

	"tpe/payment/emv/tlv"
)

// maxRecords bounds READ RECORD commands: a real AFL names a handful.
const maxRecords = 24

// gpo sends GET PROCESSING OPTIONS with the PDOL data and absorbs the
// response (format 1 or 2, Book 3 §6.5.8). It returns the decoded
// response objects for kernels that need them (CDA, qVSDC).
func (s *session) gpo(pdol tlv.DOL) (tlv.List, error) {
	s.pdol = pdol.Build(s.termValue)
	tmpl := tlv.Encode(0x83, s.pdol) // 81 LL long form above 127 bytes
	if len(tmpl) > 255 {
		return nil, end(OutcomeSelectNext, MsgNone, "%s pdol asks for %d bytes", s.res.AID, len(s.pdol))
	}
	cmd := append([]byte{0x80, 0xA8, 0x00, 0x00, byte(len(tmpl))}, tmpl...)
	cmd = append(cmd, 0x00)
	data, sw, err := s.transceive("gpo", cmd)
	if err != nil {
		return nil, err
	}
	switch sw {
	case 0x9000:
	case 0x6985: // Book C-3 §5.2.2 / C-2: conditions of use not satisfied → next candidate
		return nil, end(OutcomeSelectNext, MsgNone, "%s gpo refused (6985)", s.res.AID)
	case 0x6984:
		return nil, end(OutcomeTryAnotherInterface, MsgTryAnotherMethod, "gpo: card requires another interface (6984)")
	case 0x6986:
		return nil, end(OutcomeEndApplication, MsgSeePhone, "gpo: card asks the cardholder to see the phone (6986)")
	default:
		return nil, end(OutcomeEndApplication, MsgTryAgain, "gpo: status %04X", sw)
	}
	l, err := tlv.Parse(data)
	if err != nil {
		return nil, end(OutcomeEndApplication, MsgTryAgain, "gpo: malformed response: %v", err)
	}
	if len(l) != 1 {
		return nil, end(OutcomeEndApplication, MsgTryAgain, "gpo: response is %d objects, want one template", len(l))
	}
	switch l[0].Tag {
	case 0x80:
		v := l[0].Value
		if len(v) < 2 || (len(v)-2)%4 != 0 {
			return nil, end(OutcomeEndApplication, MsgTryAgain, "gpo: format 1 response of %d bytes", len(v))
		}
		s.data[0x82] = v[:2]
		s.data[0x94] = v[2:]
	case 0x77:
		s.absorb(l[0].Children)
	default:
		return nil, end(OutcomeEndApplication, MsgTryAgain, "gpo: response template %s", l[0].Tag)
	}
	aip := s.data[0x82]
	if len(aip) != 2 {
		return nil, end(OutcomeEndApplication, MsgTryAgain, "gpo: missing or bad AIP")
	}
	copy(s.res.AIP[:], aip)
	return l[0].Children, nil
}

// absorb keeps the first value of every primitive tag (Book 3 §7.5: a
// duplicate must not overwrite what was read first).
func (s *session) absorb(l tlv.List) {
	for _, o := range l {
		if o.Children != nil {
			s.absorb(o.Children)
			continue
		}
		if _, dup := s.data[o.Tag]; !dup {
			s.data[o.Tag] = o.Value
		}
	}
}

// readRecords reads every record the AFL names and collects the static
// data to authenticate (Book 3 §10.3: SFI 1-10 records without their 70
// tag and length, SFI 11-30 whole).
func (s *session) readRecords() error {
	afl := s.data[0x94]
	if len(afl)%4 != 0 {
		return end(OutcomeEndApplication, MsgTryAgain, "afl: %d bytes is not a multiple of 4", len(afl))
	}
	total := 0
	s.sdaOK = true
	for i := 0; i < len(afl); i += 4 {
		sfi, first, last, oda := afl[i]>>3, afl[i+1], afl[i+2], afl[i+3]
		if afl[i]&0x07 != 0 || sfi == 0 || sfi >= 31 || first == 0 || last < first || int(oda) > int(last-first)+1 {
			return end(OutcomeEndApplication, MsgTryAgain, "afl: invalid entry %d", i/4)
		}
		total += int(last-first) + 1
		if total > maxRecords {
			return end(OutcomeEndApplication, MsgTryAgain, "afl: more than %d records", maxRecords)
		}
		for rec := int(first); rec <= int(last); rec++ {
			data, sw, err := s.transceive("read record", []byte{0x00, 0xB2, byte(rec), sfi<<3 | 0x04, 0x00})
			if err != nil {
				return err
			}
			if sw != 0x9000 {
				return end(OutcomeEndApplication, MsgTryAgain, "read record %d of sfi %d: status %04X", rec, sfi, sw)
			}
			l, err := tlv.Parse(data)
			if err != nil {
				return end(OutcomeEndApplication, MsgTryAgain, "read record %d of sfi %d: malformed record: %v", rec, sfi, err)
			}
			if len(l) != 1 || l[0].Tag != 0x70 {
				return end(OutcomeEndApplication, MsgTryAgain, "read record %d of sfi %d: record is not one 70 template", rec, sfi)
			}
			s.absorb(l[0].Children)
			if rec-int(first) < int(oda) {
				if sfi <= 10 {
					s.sda = append(s.sda, l[0].Value...)
				} else {
					s.sda = append(s.sda, l[0].Bytes()...)
				}
			}
		}
	}
	return nil
}

// extractCardData fills PAN, expiry, PAN sequence and track 2, and checks
// they agree (Book 3 §7.2 mandatory data).
func (s *session) extractCardData() error {
	var pan, exp string
	t2 := s.data[0x57]
	if len(t2) == 0 && s.res.Kernel == Kernel2 {
		t2 = s.data[0x9F6B]
	}
	if len(t2) > 0 {
		p, e, ok := parseTrack2(t2)
		if !ok {
			return end(OutcomeEndApplication, MsgTryAgain, "track 2 equivalent data is malformed")
		}
		pan, exp = p, e
		s.res.Track2 = newSecret(t2)
	}
	if v := s.data[0x5A]; len(v) > 0 {
		p, ok := tlv.DecodeCN(v)
		if !ok {
			return end(OutcomeEndApplication, MsgTryAgain, "pan (5A) is malformed")
		}
		if pan != "" && p != pan {
			return end(OutcomeEndApplication, MsgTryAgain, "pan (5A) differs from track 2")
		}
		pan = p
	}
	if len(pan) < 12 || len(pan) > 19 {
		return end(OutcomeEndApplication, MsgTryAgain, "card data missing: no valid pan")
	}
	if v := s.data[0x5F24]; len(v) == 3 {
		if _, ok := tlv.DecodeN(v); !ok {
			return end(OutcomeEndApplication, MsgTryAgain, "expiry (5F24) is malformed")
		}
		exp = hex.EncodeToString(v[:2])
	}
	if len(exp) != 4 {
		return end(OutcomeEndApplication, MsgTryAgain, "card data missing: no expiry date")
	}
	s.res.PAN = NewPAN(pan)
	s.res.Expiry = exp
	if v := s.data[0x5F34]; len(v) == 1 {
		if n, ok := tlv.DecodeN(v); ok {
			s.res.PANSeq = int(n)
		}
	}
	// Processing restrictions (Book 3 §10.4.3). BCD dates compare as bytes.
	today := bcdDate(s.txn.Date.UTC())
	expFull := append(hexBytes(exp), 0x31)
	if v := s.data[0x5F24]; len(v) == 3 {
		expFull = v
	}
	if bytes.Compare(expFull, today) < 0 {
		s.tvr[1] |= 0x40
	}
	if v := s.data[0x5F25]; len(v) == 3 && bytes.Compare(v, today) > 0 {
		s.tvr[1] |= 0x20
	}
	if v := s.data[0x9F08]; len(v) == 2 && !bytes.Equal(v, s.app.Version[:]) {
		s.tvr[1] |= 0x80
	}
	return nil
}

// hexBytes decodes a 4-digit YYMM string back to BCD.
func hexBytes(s string) []byte {
	b, _ := hex.DecodeString(s)
	return b
}

// parseTrack2 reads PAN and YYMM from track 2 equivalent data (BCD, D
// separator, F padding).
func parseTrack2(b []byte) (pan, exp string, ok bool) {
	var digits []byte
	for _, c := range b {
		digits = append(digits, c>>4, c&0x0F)
	}
	sep := bytes.IndexByte(digits, 0x0D)
	if sep < 12 || sep > 19 || len(digits) < sep+1+4+3 {
		return "", "", false
	}
	toStr := func(d []byte) (string, bool) {
		out := make([]byte, len(d))
		for i, n := range d {
			if n > 9 {
				return "", false
			}
			out[i] = '0' + n
		}
		return string(out), true
	}
	pan, ok1 := toStr(digits[:sep])
	exp, ok2 := toStr(digits[sep+1 : sep+5])
	if !ok1 || !ok2 {
		return "", "", false
	}
	return pan, exp, true
}

// cryptogramType decodes CID bits 8-7.
func cryptogramType(cid byte) (CryptogramType, bool) {
	switch cid & 0xC0 {
	case 0x00:
		return CryptogramAAC, true
	case 0x40:
		return CryptogramTC, true
	case 0x80:
		return CryptogramARQC, true
	}
	return "", false
}

// setCryptogram records the card's answer and builds the ICC data for
// online authorisation (the DE55 set of tags).
func (s *session) setCryptogram(cid byte, ac []byte) {
	s.res.CID = cid
	s.res.CryptogramType, _ = cryptogramType(cid)
	s.res.Cryptogram = newSecret(ac)
	if v := s.data[0x9F36]; len(v) == 2 {
		s.res.ATC = uint16(v[0])<<8 | uint16(v[1])
	}
	s.res.IAD = append([]byte(nil), s.data[0x9F10]...)
	s.data[0x9F26] = ac
	s.data[0x9F27] = []byte{cid}
}

func (s *session) buildICC() {
	var b []byte
	add := func(t tlv.Tag, v []byte) {
		if v != nil {
			b = tlv.Append(b, t, v)
		}
	}
	for _, t := range []tlv.Tag{0x9F26, 0x9F27, 0x9F10, 0x9F36, 0x82, 0x84, 0x5F34, 0x9F6C, 0x9F6E} {
		add(t, s.data[t])
	}
	for _, t := range []tlv.Tag{0x9F37, 0x95, 0x9A, 0x9C, 0x9F02, 0x9F03, 0x5F2A, 0x9F1A, 0x9F33, 0x9F34, 0x9F35, 0x9F09} {
		v, _ := s.termValue(t)
		add(t, v)
	}
	if s.res.Kernel == Kernel3 {
		add(0x9F66, s.ttq[:])
	}
	s.res.ICC = ICCData{newSecret(b)}
}
