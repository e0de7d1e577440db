package emv

import (
	"tpe/payment/emv/tlv"
)

// kernel3 is the Visa qVSDC path (EMV Contactless Book C-3): the card
// decides during GPO and returns its cryptogram there; the reader then
// reads the AFL records, authenticates the card (fDDA) when it offers an
// offline approval, and applies its CVM and expiry rules.
func (s *session) kernel3(pdol tlv.DOL) error {
	if _, err := s.gpo(pdol); err != nil {
		return err
	}
	if err := s.readRecords(); err != nil {
		return err
	}
	if err := s.extractCardData(); err != nil {
		return err
	}
	ac, atc := s.data[0x9F26], s.data[0x9F36]
	if len(ac) != 8 || len(atc) != 2 {
		return end(OutcomeEndApplication, MsgTryAgain, "qvsdc: gpo response without cryptogram or atc")
	}
	// CID is optional in qVSDC (Book C-3 §5.4.3); without it only an
	// online request is safe.
	cid := byte(0x80)
	if v := s.data[0x9F27]; len(v) == 1 {
		cid = v[0]
	}
	ct, ok := cryptogramType(cid)
	if !ok {
		return end(OutcomeEndApplication, MsgTryAgain, "qvsdc: cid %02X is not AAC, TC or ARQC", cid)
	}
	s.setCryptogram(cid, ac)
	var ctq []byte
	if v := s.data[0x9F6C]; len(v) == 2 {
		ctq = v
		copy(s.res.CTQ[:], v)
	}
	defer s.buildICC()

	if s.txn.Type == Refund {
		return end(OutcomeOnlineRequest, MsgCardReadOK, "refund: card data read (%s), send the refund to the acquirer", ct)
	}
	if ct == CryptogramAAC {
		return end(OutcomeDeclined, MsgNotAuthorised, "card declined offline (AAC)")
	}

	// CVM (Book C-3 §5.7).
	if o := s.k3CVM(ctq, ct); o != nil {
		return o
	}

	if s.tvr[1]&0x40 != 0 {
		if ctq != nil && ctq[0]&0x08 != 0 {
			return end(OutcomeOnlineRequest, MsgAuthorising, "application expired (%s), card asks to go online", s.res.Expiry)
		}
		return end(OutcomeDeclined, MsgNotAuthorised, "application expired (%s)", s.res.Expiry)
	}
	if s.denied() {
		return end(OutcomeDeclined, MsgNotAuthorised, "terminal action code denial matches tvr %X", s.tvr)
	}
	if ct == CryptogramARQC && s.cfg.offlineOnly() {
		return end(OutcomeDeclined, MsgNotAuthorised, "card requests online authorisation, terminal is offline-only")
	}
	if ct == CryptogramARQC {
		return end(OutcomeOnlineRequest, MsgAuthorising, "card requests online authorisation (ARQC)")
	}

	// TC: an offline approval the reader accepts only inside the floor
	// limit and with a successful fDDA.
	if s.ttq[1]&0x80 != 0 {
		return end(OutcomeOnlineRequest, MsgAuthorising, "card returned TC but the reader required an online cryptogram")
	}
	err := s.fdda()
	if err == nil {
		s.res.ODA = ODAFDDAOK
		s.tsi[0] |= 0x80
		return end(OutcomeApproved, MsgApproved, "offline approval, fdda verified")
	}
	s.res.ODA = ODAFailed
	s.tsi[0] |= 0x80
	s.tvr[0] |= 0x08
	switch {
	case ctq != nil && ctq[0]&0x20 != 0:
		return end(OutcomeOnlineRequest, MsgAuthorising, "fdda failed (%v), card asks to go online", err)
	case ctq != nil && ctq[0]&0x10 != 0:
		return end(OutcomeTryAnotherInterface, MsgTryAnotherMethod, "fdda failed (%v), card asks to switch interface", err)
	}
	return end(OutcomeDeclined, MsgNotAuthorised, "fdda failed: %v", err)
}

// k3CVM applies the reader CVM rules of Book C-3 §5.7; nil means go on.
// The card chooses (CTQ byte 1: 80 online PIN required, 40 signature
// required; byte 2 80 CDCVM performed) among what the TTQ offered; the
// reader checks it can honour that choice.
func (s *session) k3CVM(ctq []byte, ct CryptogramType) *outcome {
	if ctq != nil && ctq[1]&0x80 != 0 {
		s.res.CVM = CVMCDCVM
		s.tsi[0] |= 0x40
		return nil
	}
	if !s.cvmRequired {
		s.res.CVM = CVMNone
		return nil
	}
	s.tsi[0] |= 0x40
	pin := s.cfg.onlinePIN()
	switch {
	case ctq != nil && ctq[0]&0x80 != 0 && pin && ct == CryptogramARQC:
		s.res.CVM = CVMOnlinePIN
		return nil
	case ctq != nil && ctq[0]&0x40 != 0 && s.cfg.Signature:
		s.res.CVM = CVMSignature
		return nil
	case ctq == nil && s.cfg.Signature:
		s.res.CVM = CVMSignature
		return nil
	case ctq == nil && pin && ct == CryptogramARQC:
		s.res.CVM = CVMOnlinePIN
		return nil
	}
	s.res.CVM = CVMFailed
	s.tvr[2] |= 0x80
	why := "the card asks for no cvm this reader supports (it verifies its holder only with a contact chip)"
	switch {
	case ctq != nil && ctq[0]&0x80 != 0 && pin:
		// Online PIN needs the issuer: a card that wants the PIN but keeps
		// the decision offline cannot be served.
		why = "the card requires online pin but returned " + string(ct)
	case ctq != nil && ctq[0]&0xC0 != 0:
		why = "the card requires a cvm this reader does not offer"
	}
	return end(OutcomeTryAnotherInterface, MsgTryAnotherMethod, "cvm required at or above %d and %s: use another payment method", s.app.CVMLimit, why)
}

// denied reports whether the TVR matches the denial action codes.
func (s *session) denied() bool { return s.tvrMatches(s.app.TACDenial, 0x9F0E) }

// online reports whether the TVR matches the online action codes.
func (s *session) online() bool { return s.tvrMatches(s.app.TACOnline, 0x9F0F) }

// byDefault reports whether the TVR matches the default action codes, which
// decide when the terminal cannot go online (Book 3 §10.7).
func (s *session) byDefault() bool { return s.tvrMatches(s.app.TACDefault, 0x9F0D) }

// tvrMatches ORs the terminal action code with the card's issuer action
// code (tag iac) and tests it against the TVR.
func (s *session) tvrMatches(tac [5]byte, iac tlv.Tag) bool {
	ic := s.data[iac]
	for i := range s.tvr {
		m := tac[i]
		if len(ic) == 5 {
			m |= ic[i]
		}
		if s.tvr[i]&m != 0 {
			return true
		}
	}
	return false
}
