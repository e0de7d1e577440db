package emv_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"tpe/payment/emv"
	"tpe/payment/emv/cardsim"
	"tpe/payment/emv/tlv"
)

// mutator wraps a virtual card and rewrites chosen answers.
type mutator struct {
	card emv.Card
	fn   func(cmd, resp []byte) []byte
	seen [][]byte
}

func (m *mutator) Transceive(ctx context.Context, c []byte) ([]byte, error) {
	m.seen = append(m.seen, append([]byte(nil), c...))
	r, err := m.card.Transceive(ctx, c)
	if err != nil {
		return nil, err
	}
	return m.fn(c, r), nil
}

func isCmd(c []byte, cla, ins byte) bool { return len(c) >= 2 && c[0] == cla && c[1] == ins }
func isSelect(c []byte, aid string) bool {
	return isCmd(c, 0x00, 0xA4) && bytes.Contains(c, h(aid))
}
func isGPO(c []byte) bool   { return isCmd(c, 0x80, 0xA8) }
func isGenAC(c []byte) bool { return isCmd(c, 0x80, 0xAE) }
func isRecord(c []byte, rec, sfi byte) bool {
	return isCmd(c, 0x00, 0xB2) && c[2] == rec && c[3] == sfi<<3|4
}

func h(s string) []byte {
	b, err := hexDecode(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// rewriteTLV replaces the value of tag inside a template response.
func rewriteTLV(resp []byte, tag tlv.Tag, fn func([]byte) []byte) []byte {
	l, err := tlv.Parse(resp[:len(resp)-2])
	if err != nil || len(l) != 1 {
		return resp
	}
	var body []byte
	for _, o := range l[0].Children {
		v := o.Value
		if o.Tag == tag {
			v = fn(bytes.Clone(v))
		}
		body = tlv.Append(body, o.Tag, v)
	}
	return append(tlv.Encode(l[0].Tag, body), resp[len(resp)-2:]...)
}

func flipLast(v []byte) []byte { v[len(v)-1] ^= 0x01; return v }

func TestStatusWordsAndFallback(t *testing.T) {
	sw := func(s uint16) []byte { return []byte{byte(s >> 8), byte(s)} }
	tests := []struct {
		name    string
		profile string
		amount  int64
		floor   int64
		fn      func(cmd, resp []byte) []byte
		outcome emv.Outcome
		brand   emv.Brand
		reason  string
	}{
		{"select CB 6A82 falls back to Visa", "cb-visa", 1000, 0, func(c, r []byte) []byte {
			if isSelect(c, "A0000000421010") {
				return sw(0x6A82)
			}
			return r
		}, emv.OutcomeOnlineRequest, emv.BrandVisa, "ARQC"},
		{"select CB 6283 falls back to Visa", "cb-visa", 1000, 0, func(c, r []byte) []byte {
			if isSelect(c, "A0000000421010") {
				return sw(0x6283)
			}
			return r
		}, emv.OutcomeOnlineRequest, emv.BrandVisa, "ARQC"},
		{"select CB bad FCI falls back to Visa", "cb-visa", 1000, 0, func(c, r []byte) []byte {
			if isSelect(c, "A0000000421010") {
				return h("6F 05 84 03 A0 00 9000")
			}
			return r
		}, emv.OutcomeOnlineRequest, emv.BrandVisa, "ARQC"},
		{"gpo 6985 on CB selects next", "cb-visa", 1000, 0, func() func(c, r []byte) []byte {
			gpos := 0
			return func(c, r []byte) []byte {
				if isGPO(c) {
					gpos++
					if gpos == 1 {
						return sw(0x6985)
					}
				}
				return r
			}
		}(), emv.OutcomeOnlineRequest, emv.BrandVisa, "ARQC"},
		{"gpo 6984 → try another interface", "visa-credit", 1000, 0, func(c, r []byte) []byte {
			if isGPO(c) {
				return sw(0x6984)
			}
			return r
		}, emv.OutcomeTryAnotherInterface, emv.BrandVisa, "6984"},
		{"gpo 6986 → end application, see phone", "phone-cdcvm", 1000, 0, func(c, r []byte) []byte {
			if isGPO(c) {
				return sw(0x6986)
			}
			return r
		}, emv.OutcomeEndApplication, emv.BrandVisa, "6986"},
		{"gpo 6F00 → end application", "visa-credit", 1000, 0, func(c, r []byte) []byte {
			if isGPO(c) {
				return sw(0x6F00)
			}
			return r
		}, emv.OutcomeEndApplication, emv.BrandVisa, "6F00"},
		{"gpo format 1 with bad length", "mastercard", 1000, 0, func(c, r []byte) []byte {
			if isGPO(c) {
				return h("80 05 1980 080101 9000")
			}
			return r
		}, emv.OutcomeEndApplication, emv.BrandMastercard, "format 1"},
		{"gpo format 1 accepted", "mastercard", 1000, 0, func(c, r []byte) []byte {
			if isGPO(c) {
				return h("80 0A 1980 08010101 10010200 9000")
			}
			return r
		}, emv.OutcomeOnlineRequest, emv.BrandMastercard, "ARQC"},
		{"gpo without AIP", "mastercard", 1000, 0, func(c, r []byte) []byte {
			if isGPO(c) {
				return h("77 06 94 04 08010101 9000")
			}
			return r
		}, emv.OutcomeEndApplication, emv.BrandMastercard, "AIP"},
		{"afl with sfi 0", "visa-credit", 1000, 0, func(c, r []byte) []byte {
			if isGPO(c) {
				return rewriteTLV(r, 0x94, func([]byte) []byte { return h("00010100") })
			}
			return r
		}, emv.OutcomeEndApplication, emv.BrandVisa, "afl"},
		{"afl last before first", "visa-credit", 1000, 0, func(c, r []byte) []byte {
			if isGPO(c) {
				return rewriteTLV(r, 0x94, func([]byte) []byte { return h("08020100") })
			}
			return r
		}, emv.OutcomeEndApplication, emv.BrandVisa, "afl"},
		{"afl not a multiple of 4", "visa-credit", 1000, 0, func(c, r []byte) []byte {
			if isGPO(c) {
				return rewriteTLV(r, 0x94, func([]byte) []byte { return h("080101") })
			}
			return r
		}, emv.OutcomeEndApplication, emv.BrandVisa, "afl"},
		{"afl with more than 24 records", "visa-credit", 1000, 0, func(c, r []byte) []byte {
			if isGPO(c) {
				return rewriteTLV(r, 0x94, func([]byte) []byte { return h("0801FE00") })
			}
			return r
		}, emv.OutcomeEndApplication, emv.BrandVisa, "afl"},
		{"read record 6A83", "visa-credit", 1000, 0, func(c, r []byte) []byte {
			if isRecord(c, 2, 2) {
				return sw(0x6A83)
			}
			return r
		}, emv.OutcomeEndApplication, emv.BrandVisa, "6A83"},
		{"record not a 70 template", "visa-credit", 1000, 0, func(c, r []byte) []byte {
			if isRecord(c, 1, 2) {
				return h("71 03 8F 01 F1 9000")
			}
			return r
		}, emv.OutcomeEndApplication, emv.BrandVisa, "70"},
		{"qvsdc without cryptogram", "visa-credit", 1000, 0, func(c, r []byte) []byte {
			if isGPO(c) {
				return rewriteTLV(r, 0x9F26, func([]byte) []byte { return h("0102") })
			}
			return r
		}, emv.OutcomeEndApplication, emv.BrandVisa, "cryptogram"},
		{"qvsdc with RFU cid", "visa-credit", 1000, 0, func(c, r []byte) []byte {
			if isGPO(c) {
				return rewriteTLV(r, 0x9F27, func([]byte) []byte { return h("C0") })
			}
			return r
		}, emv.OutcomeEndApplication, emv.BrandVisa, "cid"},
		{"qvsdc AAC → declined", "visa-credit", 1000, 0, func(c, r []byte) []byte {
			if isGPO(c) {
				return rewriteTLV(r, 0x9F27, func([]byte) []byte { return h("00") })
			}
			return r
		}, emv.OutcomeDeclined, emv.BrandVisa, "AAC"},
		{"qvsdc TC while reader required online → online", "visa-credit", 1000, 0, func(c, r []byte) []byte {
			if isGPO(c) {
				return rewriteTLV(r, 0x9F27, func([]byte) []byte { return h("40") })
			}
			return r
		}, emv.OutcomeOnlineRequest, emv.BrandVisa, "required an online cryptogram"},
		{"pan differs from track 2", "visa-credit", 1000, 0, func(c, r []byte) []byte {
			if isRecord(c, 1, 1) {
				return rewriteTLV(r, 0x5A, func([]byte) []byte { return h("4761739001010127") })
			}
			return r
		}, emv.OutcomeEndApplication, emv.BrandVisa, "differs"},
		{"fdda signature tampered, CTQ 00 → declined", "visa-credit", 1000, 2000, func(c, r []byte) []byte {
			if isGPO(c) {
				return rewriteTLV(r, 0x9F4B, flipLast)
			}
			return r
		}, emv.OutcomeDeclined, emv.BrandVisa, "fdda failed"},
		{"fdda signature tampered, CTQ 20 → online", "visa-debit", 1000, 2000, func(c, r []byte) []byte {
			if isGPO(c) {
				return rewriteTLV(r, 0x9F4B, flipLast)
			}
			return r
		}, emv.OutcomeOnlineRequest, emv.BrandVisa, "fdda failed"},
		{"signed record changed → icc certificate hash fails", "visa-credit", 1000, 2000, func(c, r []byte) []byte {
			if isRecord(c, 1, 1) {
				return rewriteTLV(r, 0x5F28, func([]byte) []byte { return h("0276") })
			}
			return r
		}, emv.OutcomeDeclined, emv.BrandVisa, "hash"},
		{"issuer certificate tampered", "visa-credit", 1000, 2000, func(c, r []byte) []byte {
			if isRecord(c, 1, 2) {
				return rewriteTLV(r, 0x90, flipLast)
			}
			return r
		}, emv.OutcomeDeclined, emv.BrandVisa, "issuer key"},
		{"unknown CA index", "visa-credit", 1000, 2000, func(c, r []byte) []byte {
			if isRecord(c, 1, 2) {
				return rewriteTLV(r, 0x8F, func([]byte) []byte { return h("01") })
			}
			return r
		}, emv.OutcomeDeclined, emv.BrandVisa, "ca public key"},
		{"fdda without signature on TC → declined", "visa-credit", 1000, 2000, func(c, r []byte) []byte {
			if isGPO(c) {
				return rewriteTLV(r, 0x9F4B, func([]byte) []byte { return nil })
			}
			return r
		}, emv.OutcomeDeclined, emv.BrandVisa, "fdda failed"},
		{"cda signature tampered → declined", "mastercard", 1000, 0, func(c, r []byte) []byte {
			if isGenAC(c) {
				return rewriteTLV(r, 0x9F4B, flipLast)
			}
			return r
		}, emv.OutcomeDeclined, emv.BrandMastercard, "cda failed"},
		{"cda: response changed → transaction data hash fails", "mastercard", 1000, 0, func(c, r []byte) []byte {
			if isGenAC(c) {
				return rewriteTLV(r, 0x9F10, flipLast)
			}
			return r
		}, emv.OutcomeDeclined, emv.BrandMastercard, "hash"},
		{"cda requested, format 1 answer → declined", "mastercard", 1000, 0, func(c, r []byte) []byte {
			if isGenAC(c) {
				return h("80 0B 80 0022 0102030405060708 9000")
			}
			return r
		}, emv.OutcomeDeclined, emv.BrandMastercard, "format 1"},
		{"generate ac: TC to an ARQC request", "mastercard", 1000, 0, func(c, r []byte) []byte {
			if isGenAC(c) {
				return rewriteTLV(r, 0x9F27, func([]byte) []byte { return h("40") })
			}
			return r
		}, emv.OutcomeEndApplication, emv.BrandMastercard, "answered cid"},
		{"generate ac 6985", "mastercard", 1000, 0, func(c, r []byte) []byte {
			if isGenAC(c) {
				return sw(0x6985)
			}
			return r
		}, emv.OutcomeEndApplication, emv.BrandMastercard, "6985"},
		{"missing CDOL1", "mastercard", 1000, 0, func(c, r []byte) []byte {
			if isRecord(c, 1, 1) {
				return rewriteTLV(r, 0x8C, func([]byte) []byte { return h("9F") })
			}
			return r
		}, emv.OutcomeEndApplication, emv.BrandMastercard, "cdol1"},
		{"ppse without directory", "visa-credit", 1000, 0, func(c, r []byte) []byte {
			if isSelect(c, "325041592E5359532E4444463031") {
				return h("6F 10 84 0E 325041592E5359532E4444463031 9000")
			}
			return r
		}, emv.OutcomeTryAnotherInterface, "", "BF0C"},
		{"ppse lists an unknown kernel", "visa-credit", 1000, 0, func(c, r []byte) []byte {
			if isSelect(c, "325041592E5359532E4444463031") {
				return ppseWith(entry("A0000000031010", 1, 7))
			}
			return r
		}, emv.OutcomeTryAnotherInterface, "", "kernel 7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			card, err := cardsim.New(tt.profile)
			if err != nil {
				t.Fatal(err)
			}
			m := &mutator{card: card, fn: tt.fn}
			res := run(t, testConfig(tt.floor), m, tt.amount, emv.Purchase)
			if res.Outcome != tt.outcome || res.Brand != tt.brand || !strings.Contains(res.Reason, tt.reason) {
				t.Errorf("got %s %s %q, want %s %s reason containing %q", res.Outcome, res.Brand, res.Reason, tt.outcome, tt.brand, tt.reason)
			}
			if res.Outcome == emv.OutcomeApproved && res.ODA != emv.ODAFDDAOK && res.ODA != emv.ODACDAOK {
				t.Errorf("approved with oda %s", res.ODA)
			}
		})
	}
}

// entry is one PPSE directory entry (61) with priority and kernel id (0: absent).
func entry(aid string, prio, kernel byte) []byte {
	e := tlv.Encode(0x4F, h(aid))
	if prio != 0 {
		e = tlv.Append(e, 0x87, []byte{prio})
	}
	if kernel != 0 {
		e = tlv.Append(e, 0x9F2A, []byte{kernel})
	}
	return tlv.Encode(0x61, e)
}

// ppseWith builds a PPSE FCI answer (with 9000) holding entries.
func ppseWith(entries ...[]byte) []byte {
	fci := tlv.Append(tlv.Encode(0x84, []byte("2PAY.SYS.DDF01")), 0xA5, tlv.Encode(0xBF0C, bytes.Join(entries, nil)))
	return append(tlv.Encode(0x6F, fci), 0x90, 0x00)
}

func TestCandidateOrder(t *testing.T) {
	tests := []struct {
		name    string
		entries [][]byte
		brand   emv.Brand
		aid     string
	}{
		{"priority 1 wins whatever the order", [][]byte{entry("A0000000031010", 2, 3), entry("A0000000421010", 1, 3)}, emv.BrandCB, "A0000000421010"},
		{"entry with priority before entry without", [][]byte{entry("A0000000421010", 0, 0), entry("A0000000031010", 5, 0)}, emv.BrandVisa, "A0000000031010"},
		{"equal priorities keep card order", [][]byte{entry("A0000000031010", 1, 0), entry("A0000000421010", 1, 0)}, emv.BrandVisa, "A0000000031010"},
		{"unsupported AID skipped", [][]byte{entry("A0000000651010", 1, 0), entry("A0000000421010", 2, 0)}, emv.BrandCB, "A0000000421010"},
		{"kernel 4 entry skipped", [][]byte{entry("A0000000031010", 1, 4), entry("A0000000421010", 2, 3)}, emv.BrandCB, "A0000000421010"},
		{"entry with a too short AID ignored", [][]byte{entry("A000", 1, 0), entry("A0000000421010", 2, 0)}, emv.BrandCB, "A0000000421010"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			card, _ := cardsim.New("cb-visa")
			m := &mutator{card: card, fn: func(c, r []byte) []byte {
				if isSelect(c, "325041592E5359532E4444463031") {
					return ppseWith(tt.entries...)
				}
				return r
			}}
			res := run(t, testConfig(0), m, 1000, emv.Purchase)
			if res.Brand != tt.brand || res.AID != tt.aid || res.Outcome != emv.OutcomeOnlineRequest {
				t.Errorf("got %s %s %s (%s), want %s %s online_request", res.Brand, res.AID, res.Outcome, res.Reason, tt.brand, tt.aid)
			}
		})
	}
}

func TestPreProcessingLimits(t *testing.T) {
	tests := []struct {
		name    string
		profile string
		amount  int64
		outcome emv.Outcome
		apdus   int
		ttqB2   byte // bits expected in TTQ byte 2 of the GPO
	}{
		{"at contactless limit: no apdu, insert card", "visa-credit", 300000, emv.OutcomeTryAnotherInterface, 0, 0},
		{"under floor limit: offline possible", "visa-credit", 1999, emv.OutcomeApproved, 6, 0x00},
		{"at floor limit: still offline (amount above it goes online)", "visa-credit", 2000, emv.OutcomeApproved, 6, 0x00},
		{"above floor limit: online cryptogram required", "visa-credit", 2001, emv.OutcomeOnlineRequest, 6, 0x80},
		{"at CVM limit: CVM required (kernel 3 uses >=)", "phone-cdcvm", 5000, emv.OutcomeOnlineRequest, 6, 0xC0},
		{"below CVM limit", "phone-cdcvm", 4999, emv.OutcomeOnlineRequest, 6, 0x80},
		{"zero amount goes online", "visa-credit", 0, emv.OutcomeOnlineRequest, 6, 0x80},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			card, _ := cardsim.New(tt.profile)
			m := &mutator{card: card, fn: func(_, r []byte) []byte { return r }}
			res := run(t, testConfig(2000), m, tt.amount, emv.Purchase)
			if res.Outcome != tt.outcome || res.APDUs != tt.apdus {
				t.Fatalf("got %s %d apdus (%s), want %s %d", res.Outcome, res.APDUs, res.Reason, tt.outcome, tt.apdus)
			}
			for _, c := range m.seen {
				if isGPO(c) && c[8] != tt.ttqB2 {
					t.Errorf("ttq byte 2 = %02X, want %02X", c[8], tt.ttqB2)
				}
			}
		})
	}
	// Kernel 2: a zero amount asks for an ARQC even under the floor limit.
	card, _ := cardsim.New("mastercard")
	if res := run(t, testConfig(2000), card, 0, emv.Purchase); res.Outcome != emv.OutcomeOnlineRequest {
		t.Errorf("mastercard zero amount: got %s (%s)", res.Outcome, res.Reason)
	}
	// Kernel 2 compares the CVM limit with ">": exactly the limit needs no CVM.
	card, _ = cardsim.New("mastercard")
	if res := run(t, testConfig(0), card, 5000, emv.Purchase); res.Outcome != emv.OutcomeOnlineRequest || res.CVM != emv.CVMNone {
		t.Errorf("mastercard at CVM limit: got %s %s", res.Outcome, res.CVM)
	}
	if res := run(t, testConfig(0), card, 5001, emv.Purchase); res.Outcome != emv.OutcomeTryAnotherInterface || res.Message != emv.MsgTryAnotherMethod {
		t.Errorf("mastercard above CVM limit: got %s %s", res.Outcome, res.Message)
	}
}

func TestODAWithoutCAKeys(t *testing.T) {
	cfg := testConfig(2000)
	cfg.CAKeys = nil
	tests := []struct {
		profile string
		outcome emv.Outcome
		tvrB1   byte
	}{
		{"visa-credit", emv.OutcomeDeclined, 0x08},     // TC, fDDA impossible, CTQ 00
		{"visa-debit", emv.OutcomeOnlineRequest, 0x08}, // CTQ 20: go online if ODA fails
		{"mastercard", emv.OutcomeOnlineRequest, 0x04}, // CDA impossible → TAC online → ARQC
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			card, _ := cardsim.New(tt.profile)
			res := run(t, cfg, card, 1000, emv.Purchase)
			if res.Outcome != tt.outcome || res.TVR[0]&tt.tvrB1 == 0 || res.ODA != emv.ODAFailed {
				t.Errorf("got %s tvr %X oda %s (%s), want %s with tvr byte 1 bit %02X", res.Outcome, res.TVR, res.ODA, res.Reason, tt.outcome, tt.tvrB1)
			}
		})
	}
}

func TestResponseChaining(t *testing.T) {
	// 61xx: the card wants GET RESPONSE; 6Cxx: resend with the right Le.
	card, _ := cardsim.New("visa-credit")
	var pending []byte
	m := &mutator{card: card}
	m.fn = func(c, r []byte) []byte {
		switch {
		case isCmd(c, 0x00, 0xC0):
			p := pending
			pending = nil
			return p
		case isGPO(c):
			pending = r
			return []byte{0x61, byte(len(r) - 2)}
		case isRecord(c, 1, 1) && c[4] == 0x00:
			return []byte{0x6C, byte(len(r) - 2)}
		}
		return r
	}
	res := run(t, testConfig(0), m, 1000, emv.Purchase)
	if res.Outcome != emv.OutcomeOnlineRequest || res.APDUs != 8 {
		t.Errorf("got %s after %d apdus (%s), want online_request after 8", res.Outcome, res.APDUs, res.Reason)
	}
}

func TestBudget(t *testing.T) {
	// A card that answers 61xx forever must end in an outcome, not a loop.
	card, _ := cardsim.New("visa-credit")
	m := &mutator{card: card, fn: func(c, r []byte) []byte {
		if isGPO(c) || isCmd(c, 0x00, 0xC0) {
			return []byte{0x61, 0x10}
		}
		return r
	}}
	cfg := testConfig(0)
	res := run(t, cfg, m, 1000, emv.Purchase)
	if res.Outcome != emv.OutcomeEndApplication || res.APDUs != cfg.MaxAPDUs {
		t.Errorf("got %s after %d apdus, want end_application after %d", res.Outcome, res.APDUs, cfg.MaxAPDUs)
	}
}

var errRemoved = errors.New("test: card removed")

type removedAfter struct {
	card emv.Card
	n    int
}

func (r *removedAfter) Transceive(ctx context.Context, c []byte) ([]byte, error) {
	if r.n == 0 {
		return nil, errRemoved
	}
	r.n--
	return r.card.Transceive(ctx, c)
}

func TestTransportErrors(t *testing.T) {
	card, _ := cardsim.New("visa-credit")
	_, err := emv.New(testConfig(0)).Run(context.Background(), &removedAfter{card: card, n: 3}, emv.Transaction{Amount: 100, CurrencyNumeric: 978, Date: txnDate})
	if !errors.Is(err, errRemoved) || !errors.Is(err, emv.ErrCard) {
		t.Errorf("card removed: got %v, want it wrapped with emv.ErrCard", err)
	}
	var te *emv.TransportError
	if !errors.As(err, &te) || !strings.Contains(te.Step, "read record") {
		t.Errorf("got %v, want a *TransportError at a read record step", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := emv.New(testConfig(0)).Run(ctx, card, emv.Transaction{Amount: 100, Date: txnDate}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ctx: got %v", err)
	}
	cfg := testConfig(0)
	cfg.Apps[0].AID = h("A000")
	if _, err := emv.New(cfg).Run(context.Background(), card, emv.Transaction{Amount: 100}); !errors.Is(err, emv.ErrBadConfig) {
		t.Errorf("bad config: got %v", err)
	}
}

func TestNotAccepted(t *testing.T) {
	for name, txn := range map[string]emv.Transaction{
		"negative amount":    {Amount: -1, CurrencyNumeric: 978},
		"amount beyond n12":  {Amount: 1_000_000_000_000, CurrencyNumeric: 978},
		"currency beyond n3": {Amount: 100, CurrencyNumeric: 1000},
	} {
		t.Run(name, func(t *testing.T) {
			card, _ := cardsim.New("visa-credit")
			txn.Date = txnDate
			res, err := emv.New(testConfig(0)).Run(context.Background(), card, txn)
			if err != nil || res.Outcome != emv.OutcomeNotAccepted || res.APDUs != 0 {
				t.Errorf("got %v %v", res, err)
			}
		})
	}
	// A zero currency takes the terminal's (EUR by default).
	card, _ := cardsim.New("visa-credit")
	res, err := emv.New(testConfig(0)).Run(context.Background(), card, emv.Transaction{Amount: 100, Date: txnDate})
	if err != nil || res.Outcome != emv.OutcomeOnlineRequest {
		t.Errorf("default currency: got %v %v", res, err)
	}
}

func TestOfflineOnlyTerminal(t *testing.T) {
	cfg := testConfig(2000)
	cfg.TerminalType = 0x23 // attended, offline only
	for i := range cfg.Apps {
		cfg.Apps[i].CVMLimit = 0 // keep CVM out of this test
	}
	tests := []struct {
		profile string
		amount  int64
		outcome emv.Outcome
	}{
		{"visa-credit", 1000, emv.OutcomeApproved}, // TC + fDDA
		{"visa-credit", 5000, emv.OutcomeApproved}, // above the floor limit, yet no online bit: offline-only reader
		{"phone-cdcvm", 1000, emv.OutcomeDeclined}, // the phone always asks to go online
		{"mastercard", 1000, emv.OutcomeApproved},  // TC + CDA
		{"mastercard", 20000, emv.OutcomeDeclined}, // card risk management asks for an ARQC above 100.00
	}
	for _, tt := range tests {
		card, _ := cardsim.New(tt.profile)
		res := run(t, cfg, card, tt.amount, emv.Purchase)
		if res.Outcome != tt.outcome {
			t.Errorf("%s %d: got %s (%s), want %s", tt.profile, tt.amount, res.Outcome, res.Reason, tt.outcome)
		}
	}
	// TVR bits in TAC-Default make an offline-only kernel 2 ask for an AAC.
	cfg = testConfig(2000)
	cfg.TerminalType = 0x23
	cfg.CAKeys = nil // CDA impossible → TVR byte 1 bit 04, which TAC-Default lists
	card, _ := cardsim.New("mastercard")
	if res := run(t, cfg, card, 1000, emv.Purchase); res.Outcome != emv.OutcomeDeclined || res.CryptogramType != emv.CryptogramAAC {
		t.Errorf("offline-only without ODA: got %s %s (%s)", res.Outcome, res.CryptogramType, res.Reason)
	}
}

func TestLongPDOLUsesLongFormLength(t *testing.T) {
	card, _ := cardsim.New("visa-credit")
	m := &mutator{card: card, fn: func(c, r []byte) []byte {
		if isSelect(c, "A0000000031010") {
			fci := tlv.Encode(0x6F, tlv.Append(tlv.Encode(0x84, h("A0000000031010")), 0xA5, tlv.Encode(0x9F38, h("9F6604 9F4E 8190"))))
			return append(fci, 0x90, 0x00)
		}
		return r
	}}
	run(t, testConfig(0), m, 1000, emv.Purchase)
	for _, c := range m.seen {
		if isGPO(c) {
			if want := h("80A80000 97 83 8194"); !bytes.Equal(c[:8], want) || len(c) != 5+0x97+1 {
				t.Errorf("gpo header %X (len %d), want %X", c[:8], len(c), want)
			}
			return
		}
	}
	t.Error("no gpo sent")
}
