package emv

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"tpe/payment/emv/tlv"
)

// Kernel runs Entry Point and kernels 2 and 3 for one terminal
// configuration. It is safe for concurrent use; each Run is independent.
type Kernel struct {
	cfg Config
	err error // configuration problem, reported by every Run

	mu      sync.Mutex
	issuers map[string]issuerEntry // recovered issuer keys, see oda.go
}

// New returns a kernel for cfg (copied; nil means DefaultConfig).
func New(cfg *Config) *Kernel {
	var c Config
	if cfg == nil {
		c = DefaultConfig()
	} else {
		c = *cfg
		c.Apps = append([]App(nil), cfg.Apps...)
		c.CAKeys = append([]CAKey(nil), cfg.CAKeys...)
	}
	k := &Kernel{issuers: map[string]issuerEntry{}}
	k.err = c.fill()
	k.cfg = c
	return k
}

// Result is everything a run learned. PAN, Track2, Cryptogram and ICC are
// redacting types.
type Result struct {
	Outcome Outcome
	Reason  string  // why, in words, for logs and the cashier's detail view
	Message Message // what to tell the cashier/customer

	Kernel KernelID
	AID    string // hex, upper case
	Label  string
	Brand  Brand

	PAN            PAN
	Expiry         string // YYMM
	PANSeq         int    // -1 when the card has none
	Track2         Secret
	ATC            uint16
	Cryptogram     Secret
	CID            byte
	CryptogramType CryptogramType
	IAD            []byte
	AIP            [2]byte
	CTQ            [2]byte
	TVR            [5]byte
	TSI            [2]byte
	CVM            CVM
	ODA            ODAResult
	APDUs          int
	ICC            ICCData // DE55-style TLV for online authorisation
}

// LogValue is the safe summary of a result.
func (r *Result) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("outcome", string(r.Outcome)), slog.String("reason", r.Reason),
		slog.String("aid", r.AID), slog.String("brand", string(r.Brand)), slog.Int("kernel", int(r.Kernel)),
		slog.Any("pan", r.PAN), slog.String("cryptogram_type", string(r.CryptogramType)),
		slog.String("cvm", string(r.CVM)), slog.String("oda", string(r.ODA)),
		slog.String("tvr", hex.EncodeToString(r.TVR[:])), slog.Int("apdus", r.APDUs))
}

// maxAmount is the largest n12 amount.
const maxAmount = 999_999_999_999

// errBudget ends a run whose card would not stop talking.
var errBudget = errors.New("emv: apdu budget exhausted")

// session is one transaction.
type session struct {
	k    *Kernel
	cfg  *Config
	ctx  context.Context
	card Card
	txn  Transaction
	log  *slog.Logger
	res  *Result

	app         App
	un          [4]byte
	ttq         [4]byte
	term        map[tlv.Tag][]byte // terminal data for DOLs
	data        map[tlv.Tag][]byte // card data gathered
	tvr         [5]byte
	tsi         [2]byte
	sda         []byte // static data to be authenticated
	sdaOK       bool   // the records for ODA were all well formed
	pdol        []byte // PDOL data sent with GPO (for CDA)
	cvmRequired bool
	cvmRes      [3]byte
	blocked     bool // a candidate answered SELECT with "blocked"
}

// outcome is how a step ends the run early: an Outcome with its reason.
type outcome struct {
	o   Outcome
	msg Message
	why string
}

func (o *outcome) Error() string { return string(o.o) + ": " + o.why }

func end(o Outcome, msg Message, format string, args ...any) *outcome {
	return &outcome{o, msg, fmt.Sprintf(format, args...)}
}

// Run performs one contactless transaction with card. It returns an error
// only when the flow could not finish for a reason outside the card's
// answers (ctx done, card transport failure, bad configuration); everything
// a card says, however broken, ends in a Result with an Outcome and Reason.
func (k *Kernel) Run(ctx context.Context, card Card, txn Transaction) (*Result, error) {
	if k.err != nil {
		return nil, k.err
	}
	if txn.Date.IsZero() {
		txn.Date = k.cfg.Now()
	}
	if txn.CurrencyNumeric == 0 {
		txn.CurrencyNumeric, txn.CurrencyExponent = k.cfg.CurrencyCode, k.cfg.CurrencyExponent
	}
	s := &session{k: k, cfg: &k.cfg, ctx: ctx, card: card, txn: txn, log: k.cfg.Logger,
		res:  &Result{PANSeq: -1, CVM: CVMNone, ODA: ODANotPerformed},
		data: map[tlv.Tag][]byte{}}
	var err error
	if txn.Amount < 0 || txn.OtherAmount < 0 || txn.Amount > maxAmount || txn.OtherAmount > maxAmount || txn.CurrencyNumeric == 0 || txn.CurrencyNumeric > 999 {
		// Not a transaction any kernel can carry (9F02 is n12, 5F2A n3):
		// refuse before touching the card.
		err = end(OutcomeNotAccepted, MsgNone, "transaction not accepted: amount or currency out of range")
	} else {
		err = s.entryPoint()
	}
	var o *outcome
	switch {
	case errors.As(err, &o):
		s.res.Outcome, s.res.Message, s.res.Reason = o.o, o.msg, o.why
	case errors.Is(err, errBudget):
		s.res.Outcome, s.res.Message, s.res.Reason = OutcomeEndApplication, MsgTryAgain, "card exceeded the apdu budget"
	case err != nil:
		s.log.LogAttrs(ctx, slog.LevelWarn, "emv run failed", slog.Int("apdus", s.res.APDUs), slog.String("error", err.Error()))
		return nil, err
	}
	s.res.TVR, s.res.TSI = s.tvr, s.tsi
	s.log.LogAttrs(ctx, slog.LevelInfo, "emv outcome", slog.Any("result", s.res))
	return s.res, nil
}

// transceive sends one C-APDU and splits the answer. It follows 61xx (GET
// RESPONSE) and 6Cxx (wrong Le) within the APDU budget. A response shorter
// than a status word is reported as SW 0000 so the step ends in an outcome.
func (s *session) transceive(step string, capdu []byte) ([]byte, uint16, error) {
	var acc []byte
	for {
		if err := s.ctx.Err(); err != nil {
			return nil, 0, fmt.Errorf("emv: %s: %w", step, err)
		}
		if s.res.APDUs >= s.cfg.MaxAPDUs {
			return nil, 0, errBudget
		}
		s.res.APDUs++
		r, err := s.card.Transceive(s.ctx, capdu)
		if err != nil {
			return nil, 0, &TransportError{Step: step, Err: err}
		}
		if len(r) < 2 {
			s.log.LogAttrs(s.ctx, slog.LevelDebug, "apdu", slog.String("step", step), slog.String("sw", "short"))
			return nil, 0, nil
		}
		sw := uint16(r[len(r)-2])<<8 | uint16(r[len(r)-1])
		if s.log.Enabled(s.ctx, slog.LevelDebug) { // formatting costs more than the kernel logic
			s.log.LogAttrs(s.ctx, slog.LevelDebug, "apdu", slog.String("step", step),
				slog.String("ins", fmt.Sprintf("%02X", capdu[1])), slog.String("sw", fmt.Sprintf("%04X", sw)), slog.Int("len", len(r)-2))
		}
		acc = append(acc, r[:len(r)-2]...)
		switch {
		case sw>>8 == 0x61:
			capdu = []byte{0x00, 0xC0, 0x00, 0x00, byte(sw)}
			continue
		case sw>>8 == 0x6C && len(capdu) >= 5:
			capdu = append(append([]byte(nil), capdu[:len(capdu)-1]...), byte(sw))
			acc = acc[:0]
			continue
		}
		return acc, sw, nil
	}
}

func selectCmd(name []byte, next bool) []byte {
	p2 := byte(0x00)
	if next {
		p2 = 0x02
	}
	c := []byte{0x00, 0xA4, 0x04, p2, byte(len(name))}
	c = append(c, name...)
	return append(c, 0x00)
}

var ppseName = []byte("2PAY.SYS.DDF01")

// candidate is one combination of Book B §3.3.2: AID, kernel, terminal app.
type candidate struct {
	aid      []byte
	label    string
	priority int // 1..15, 16 when absent
	order    int
	kernel   KernelID
	app      App
}

func (s *session) entryPoint() error {
	amount := s.txn.Amount
	// Pre-processing (Book B §3.1): which configured apps allow this amount.
	allowed := 0
	for _, a := range s.cfg.Apps {
		if a.ContactlessLimit == 0 || amount < a.ContactlessLimit {
			allowed++
		}
	}
	if allowed == 0 {
		return end(OutcomeTryAnotherInterface, MsgTryAnotherMethod, "amount %d at or above every contactless transaction limit", amount)
	}

	data, sw, err := s.transceive("select ppse", selectCmd(ppseName, false))
	if err != nil {
		return err
	}
	if sw != 0x9000 {
		return end(OutcomeTryAnotherInterface, MsgTryAnotherMethod, "select ppse: status %04X (no contactless directory)", sw)
	}
	fci, err := tlv.Parse(data)
	if err != nil {
		return end(OutcomeTryAnotherInterface, MsgTryAnotherMethod, "select ppse: malformed fci: %v", err)
	}
	dir, ok := fci.Find(0xBF0C)
	if !ok {
		return end(OutcomeTryAnotherInterface, MsgTryAnotherMethod, "select ppse: fci has no directory (BF0C)")
	}

	var cands []candidate
	var unsupported []string
	for i, e := range dir.Children {
		if e.Tag != 0x61 {
			continue
		}
		aid := e.Children.Value(0x4F)
		if len(aid) < 5 || len(aid) > 16 {
			continue // Book B §3.3.2.2: entries without a valid ADF name are ignored
		}
		var kid KernelID
		if k := e.Children.Value(0x9F2A); len(k) > 0 {
			kid = KernelID(k[0])
		}
		app, found := s.matchApp(aid)
		if !found {
			unsupported = append(unsupported, describeAID(aid))
			continue
		}
		if app.ContactlessLimit != 0 && amount >= app.ContactlessLimit {
			unsupported = append(unsupported, describeAID(aid)+" over contactless limit")
			continue
		}
		if kid == 0 {
			kid = app.Kernel
		}
		// Book B §3.3.2.5: the (AID, kernel) combination must be configured.
		// CB applications run on the kernel of their co-badged scheme.
		if (kid != Kernel2 && kid != Kernel3) || (kid != app.Kernel && app.Brand != BrandCB) {
			unsupported = append(unsupported, fmt.Sprintf("%s kernel %d not supported", describeAID(aid), kid))
			continue
		}
		prio := 16
		if p := e.Children.Value(0x87); len(p) == 1 && p[0]&0x0F != 0 {
			prio = int(p[0] & 0x0F)
		}
		cands = append(cands, candidate{aid: aid, label: printable(e.Children.Value(0x50)), priority: prio, order: i, kernel: kid, app: app})
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].priority < cands[j].priority })
	if len(cands) > 8 {
		cands = cands[:8]
	}
	if len(cands) == 0 {
		why := "no application on the card is accepted here"
		if len(unsupported) > 0 {
			why += " (" + strings.Join(unsupported, ", ") + ")"
		}
		return end(OutcomeTryAnotherInterface, MsgTryAnotherMethod, "%s", why)
	}

	var tried []string
	for _, c := range cands {
		err := s.selectAndRun(c)
		var o *outcome
		if errors.As(err, &o) && o.o == OutcomeSelectNext {
			tried = append(tried, o.why)
			s.resetForNext()
			continue
		}
		return err
	}
	if s.blocked {
		return end(OutcomeEndApplication, MsgOtherCard, "no application could be selected: %s", strings.Join(tried, "; "))
	}
	return end(OutcomeTryAnotherInterface, MsgTryAnotherMethod, "no application could be selected: %s", strings.Join(tried, "; "))
}

func (s *session) resetForNext() {
	apdus := s.res.APDUs
	*s.res = Result{PANSeq: -1, CVM: CVMNone, ODA: ODANotPerformed, APDUs: apdus}
	s.data = map[tlv.Tag][]byte{}
	s.tvr, s.tsi, s.sda, s.pdol, s.cvmRequired, s.cvmRes = [5]byte{}, [2]byte{}, nil, nil, false, [3]byte{}
}

func (s *session) matchApp(aid []byte) (App, bool) {
	for _, a := range s.cfg.Apps {
		if bytes.HasPrefix(aid, a.AID) {
			return a, true
		}
	}
	return App{}, false
}

func describeAID(aid []byte) string {
	name := strings.ToUpper(hex.EncodeToString(aid))
	if bytes.HasPrefix(aid, AIDAmex) {
		name += " (amex)"
	}
	return name
}

func printable(b []byte) string {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if c >= 0x20 && c < 0x7F {
			out = append(out, c)
		}
	}
	return string(out)
}

// selectAndRun selects one candidate and runs its kernel. Selection
// failures come back as select_next so Entry Point tries the next one.
func (s *session) selectAndRun(c candidate) error {
	aidHex := strings.ToUpper(hex.EncodeToString(c.aid))
	data, sw, err := s.transceive("select aid", selectCmd(c.aid, false))
	if err != nil {
		return err
	}
	switch sw {
	case 0x9000:
	case 0x6283, 0x6A81:
		s.blocked = true
		return end(OutcomeSelectNext, MsgNone, "%s blocked (%04X)", aidHex, sw)
	default:
		return end(OutcomeSelectNext, MsgNone, "%s select status %04X", aidHex, sw)
	}
	fci, err := tlv.Parse(data)
	if err != nil {
		return end(OutcomeSelectNext, MsgNone, "%s malformed fci: %v", aidHex, err)
	}
	df := fci.Value(0x84)
	if fo, ok := fci.Find(0x6F); !ok || len(df) == 0 || fo.Children == nil {
		return end(OutcomeSelectNext, MsgNone, "%s fci without 6F/84", aidHex)
	}
	if _, ok := fci.Find(0xA5); !ok {
		return end(OutcomeSelectNext, MsgNone, "%s fci without A5", aidHex)
	}
	s.app = c.app
	s.res.Kernel = c.kernel
	s.res.AID = strings.ToUpper(hex.EncodeToString(df))
	s.res.Brand = c.app.Brand
	s.res.Label = printable(fci.Value(0x50))
	if s.res.Label == "" {
		s.res.Label = c.label
	}
	s.data[0x84] = df
	if err := s.prepareTerminalData(); err != nil {
		return err
	}
	pdol, err := tlv.ParseDOL(fci.Value(0x9F38))
	if err != nil {
		return end(OutcomeSelectNext, MsgNone, "%s malformed pdol: %v", aidHex, err)
	}
	if c.kernel == Kernel2 {
		return s.kernel2(pdol)
	}
	return s.kernel3(pdol)
}

// prepareTerminalData fills the values DOLs may ask for.
func (s *session) prepareTerminalData() error {
	if _, err := io.ReadFull(s.cfg.Rand, s.un[:]); err != nil {
		return fmt.Errorf("emv: unpredictable number: %w", err)
	}
	t, cfg := s.txn, s.cfg
	s.ttq = cfg.TTQ
	switch {
	case cfg.offlineOnly():
		s.ttq[0] |= 0x08 // offline-only reader
	case t.Amount > s.app.FloorLimit || t.Type == Refund || t.Amount == 0 || t.ForceOnline:
		// A zero amount is never approved offline (Book A §5.2.2, zero
		// amount: online or not allowed; this reader goes online).
		s.ttq[1] |= 0x80 // online cryptogram required
	}
	if s.res.Kernel == Kernel3 && s.app.CVMLimit != 0 && t.Amount >= s.app.CVMLimit {
		s.ttq[1] |= 0x40 // CVM required
		s.cvmRequired = true
	}
	if s.res.Kernel == Kernel2 && s.app.CVMLimit != 0 && t.Amount > s.app.CVMLimit {
		s.cvmRequired = true
	}
	// What this reader can verify (Book C-3 §5.2.2 TTQ byte 1; Book C-2
	// CVM Capability in 9F33 byte 2), so a card that supports online PIN
	// asks for it instead of failing the CVM.
	if cfg.onlinePIN() {
		s.ttq[0] |= 0x04
	}
	if cfg.Signature {
		s.ttq[0] |= 0x02
	}
	caps := cfg.Capabilities
	caps[1] = cfg.cvmCapability(s.cvmRequired)
	date := t.Date.UTC()
	s.term = map[tlv.Tag][]byte{
		0x9F02: tlv.EncodeN(uint64(max(t.Amount, 0)), 6),
		0x9F03: tlv.EncodeN(uint64(max(t.OtherAmount, 0)), 6),
		0x9F1A: tlv.EncodeN(uint64(cfg.CountryCode), 2),
		0x5F2A: tlv.EncodeN(uint64(t.CurrencyNumeric), 2),
		0x5F36: tlv.EncodeN(uint64(t.CurrencyExponent), 1),
		0x9A:   bcdDate(date),
		0x9F21: tlv.EncodeN(uint64(date.Hour()*10000+date.Minute()*100+date.Second()), 3),
		0x9C:   {byte(t.Type)},
		0x9F37: s.un[:],
		0x9F35: {cfg.TerminalType},
		0x9F33: caps[:],
		0x9F40: cfg.AddCapabilites[:],
		0x9F66: s.ttq[:],
		0x9F4E: []byte(cfg.MerchantName),
		0x9F15: tlv.EncodeN(uint64(cfg.MCC), 2),
		0x9F1C: []byte(cfg.TerminalID),
		0x9F09: s.app.Version[:],
		0x9F45: {0, 0},
		0x9F4C: make([]byte, 8),
	}
	return nil
}

func bcdDate(d time.Time) []byte {
	return tlv.EncodeN(uint64((d.Year()%100)*10000+int(d.Month())*100+d.Day()), 3)
}

// termValue answers DOL lookups; TVR and CVM results are read live.
func (s *session) termValue(t tlv.Tag) ([]byte, bool) {
	switch t {
	case 0x95:
		return s.tvr[:], true
	case 0x9B:
		return s.tsi[:], true
	case 0x9F34:
		return s.cvmResults(), true
	}
	v, ok := s.term[t]
	return v, ok
}
