package paymenttest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"tpe/payment"
	"tpe/payment/pin"
)

// Journal is an in-memory payment.Journal. Fail, when set, makes every
// Save fail with it (a full disk, a broken store).
type Journal struct {
	mu    sync.Mutex
	txns  map[string]*payment.Transaction
	order []string
	batch int
	Fail  error
	Saves int
}

// NewJournal returns an empty journal with batch 1 open.
func NewJournal() *Journal { return &Journal{txns: map[string]*payment.Transaction{}, batch: 1} }

func (j *Journal) Save(_ context.Context, t *payment.Transaction) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.Fail != nil {
		return j.Fail
	}
	if old, ok := j.txns[t.ID]; ok {
		t.Sequence = old.Sequence
	} else {
		// Numbered like the bbolt journal: 1, 2, 3… in the first save.
		j.order = append(j.order, t.ID)
		t.Sequence = uint64(len(j.order))
	}
	j.txns[t.ID] = t.Clone()
	j.Saves++
	return nil
}

func (j *Journal) Update(_ context.Context, id string, edit func(*payment.Transaction) error) (*payment.Transaction, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	t, ok := j.txns[id]
	if !ok {
		return nil, fmt.Errorf("%w: payment %q", payment.ErrNotFound, id)
	}
	c := t.Clone()
	if err := edit(c); err != nil {
		return nil, err
	}
	c.Sequence = t.Sequence
	if j.Fail != nil {
		return nil, j.Fail
	}
	j.txns[id] = c.Clone()
	j.Saves++
	return c, nil
}

func (j *Journal) Get(_ context.Context, id string) (*payment.Transaction, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	t, ok := j.txns[id]
	if !ok {
		return nil, fmt.Errorf("%w: payment %q", payment.ErrNotFound, id)
	}
	return t.Clone(), nil
}

func (j *Journal) List(_ context.Context, q payment.Query) ([]*payment.Transaction, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []*payment.Transaction
	for i := len(j.order) - 1; i >= 0; i-- {
		t := j.txns[j.order[i]]
		if q.Match(t) {
			out = append(out, t.Clone())
			if q.Limit > 0 && len(out) == q.Limit {
				break
			}
		}
	}
	return out, nil
}

func (j *Journal) Exposure(_ context.Context) (payment.Exposure, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	var e payment.Exposure
	for _, t := range j.txns {
		if t.State != payment.StateOfflineApproved {
			continue
		}
		e.Count++
		e.Total += t.Amount.Minor
		if e.Oldest.IsZero() || t.CreatedAt.Before(e.Oldest) {
			e.Oldest = t.CreatedAt
		}
	}
	return e, nil
}

func (j *Journal) Batch(context.Context) (int, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.batch, nil
}

func (j *Journal) CloseBatch(context.Context, time.Time) (int, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.batch++
	return j.batch - 1, nil
}

// Gateway is a scripted payment.Gateway: Next answers the next Sale (approve
// by default); Err, when set, is returned by every call instead. It keeps
// a record per transaction (status, refunded amount) as a gateway does.
type Gateway struct {
	mu      sync.Mutex
	Next    []payment.GatewayResult
	Err     error
	Sales   []payment.SaleRequest
	Voids   []string
	Refunds []payment.Amount
	// LoseReply, when set, is returned by the next Refund or Void after the
	// gateway acted on it: the reply was lost on the way back.
	LoseReply error
	orders    map[string]payment.GatewayResult
	records   map[string]*payment.GatewayResult
	n         int
}

// record returns the gateway's record of id, creating an approved one for
// a transaction made elsewhere (tests that Save approved payments).
func (g *Gateway) record(id string, a payment.Amount) *payment.GatewayResult {
	if g.records == nil {
		g.records = map[string]*payment.GatewayResult{}
	}
	r, ok := g.records[id]
	if !ok {
		r = &payment.GatewayResult{Approved: true, Status: payment.TxnApproved, Code: "000", GatewayID: id, Amount: a}
		g.records[id] = r
	}
	return r
}

// lose returns LoseReply once.
func (g *Gateway) lose() error {
	err := g.LoseReply
	g.LoseReply = nil
	return err
}

func (g *Gateway) Sale(_ context.Context, req payment.SaleRequest) (payment.GatewayResult, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.Err != nil {
		return payment.GatewayResult{}, g.Err
	}
	g.Sales = append(g.Sales, req)
	g.n++
	r := payment.GatewayResult{Approved: true, Code: "000", AuthCode: fmt.Sprintf("A%05d", g.n)}
	if len(g.Next) > 0 {
		r, g.Next = g.Next[0], g.Next[1:]
	}
	r.GatewayID = fmt.Sprintf("%d", 1000+g.n)
	r.Amount = req.Amount
	if g.orders == nil {
		g.orders = map[string]payment.GatewayResult{}
	}
	r.Status = payment.TxnApproved
	if !r.Approved {
		r.Status = payment.TxnDeclined
	}
	g.orders[req.OrderID] = r
	rec := g.record(r.GatewayID, r.Amount)
	*rec = r
	return r, nil
}

func (g *Gateway) Lookup(_ context.Context, orderID string) (payment.GatewayResult, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.Err != nil {
		return payment.GatewayResult{}, g.Err
	}
	r, ok := g.orders[orderID]
	if !ok {
		return r, payment.ErrNotFound
	}
	if rec, ok := g.records[r.GatewayID]; ok {
		return *rec, nil
	}
	return r, nil
}

// SetRecord sets the gateway's record of transaction id (a wallet payment
// made elsewhere, a back-office change).
func (g *Gateway) SetRecord(id string, r payment.GatewayResult) {
	g.mu.Lock()
	defer g.mu.Unlock()
	r.GatewayID = id
	*g.record(id, r.Amount) = r
}

// Record answers the gateway's record of one transaction.
func (g *Gateway) Record(_ context.Context, id string) (payment.GatewayResult, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.Err != nil {
		return payment.GatewayResult{}, g.Err
	}
	r, ok := g.records[id]
	if !ok {
		return payment.GatewayResult{}, payment.ErrNotFound
	}
	return *r, nil
}

func (g *Gateway) Void(_ context.Context, id string, a payment.Amount) (payment.GatewayResult, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.Err != nil {
		return payment.GatewayResult{}, g.Err
	}
	g.Voids = append(g.Voids, id)
	g.record(id, a).Status = payment.TxnVoided
	if err := g.lose(); err != nil {
		return payment.GatewayResult{}, err
	}
	return payment.GatewayResult{Approved: true, Code: "000", GatewayID: id}, nil
}

func (g *Gateway) Refund(_ context.Context, id string, a payment.Amount) (payment.GatewayResult, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.Err != nil {
		return payment.GatewayResult{}, g.Err
	}
	g.Refunds = append(g.Refunds, a)
	rec := g.record(id, a)
	rec.Refunded += a.Minor
	rec.Status = payment.TxnRefunded
	if err := g.lose(); err != nil {
		return payment.GatewayResult{}, err
	}
	return payment.GatewayResult{Approved: true, Code: "000", GatewayID: id + "-r"}, nil
}

func (g *Gateway) Ping(context.Context) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.Err
}

// Cards is a payment.CardReader that waits for a card Present-ed by the test
// (or the simulator) and answers its result.
type Cards struct {
	ch   chan payment.CardResult
	mu   sync.Mutex
	reqs []payment.CardRequest
}

// Requests returns every request the reader got, oldest first.
func (c *Cards) Requests() []payment.CardRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.reqs)
}

// NewCards returns a reader with no card in the field.
func NewCards() *Cards { return &Cards{ch: make(chan payment.CardResult, 1)} }

// Present puts a card with result r in the field for the next read.
func (c *Cards) Present(r payment.CardResult) { c.ch <- r }

func (c *Cards) ReadCard(ctx context.Context, req payment.CardRequest) (payment.CardResult, error) {
	c.mu.Lock()
	c.reqs = append(c.reqs, req)
	c.mu.Unlock()
	select {
	case r := <-c.ch:
		return r, nil
	case <-ctx.Done():
		return payment.CardResult{}, ctx.Err()
	}
}

// TestPAN is a Visa test PAN the redaction tests look for everywhere.
const TestPAN = "4761739001010010"

// VisaOnline is a card result asking for online authorisation.
func VisaOnline() payment.CardResult {
	return payment.CardResult{
		Outcome: payment.CardOnlineRequest, OfflineAllowed: true,
		Card: payment.CardData{
			Brand: "visa", AID: "A0000000031010", Label: "VISA CREDIT",
			PAN: payment.NewPAN(TestPAN), Expiry: "2812", PANSeq: "01",
			Track2:         payment.NewSecret([]byte{0x47, 0x61, 0x73, 0x90, 0x01, 0x01, 0x00, 0x10, 0xD2, 0x81, 0x22, 0x01}),
			ICC:            payment.NewSecret([]byte{0x9F, 0x26, 0x08, 1, 2, 3, 4, 5, 6, 7, 8}),
			CryptogramType: "ARQC", CVM: "no_cvm", EntryMode: "contactless", ATC: 7,
		},
	}
}

// VisaOnlinePIN is a card result above the CVM limit: online, PIN to be
// verified by the issuer.
func VisaOnlinePIN() payment.CardResult {
	r := VisaOnline()
	r.OfflineAllowed = false
	r.Card.CVM = payment.CVMOnlinePIN
	return r
}

// TestBDK is the AES-128 test base derivation key of ANSI X9.24-3-2017's
// test vectors (and of gatewaysim): tests decipher the PIN blocks the
// service sends with it.
var TestBDK = pin.Key{0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10, 0xF1, 0xF1, 0xF1, 0xF1, 0xF1, 0xF1, 0xF1, 0xF1}

// TestInitialKeyID is the initial key ID of the standard's test vectors.
var TestInitialKeyID = [8]byte{0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x56}

// PINs is an in-memory payment.PINCipher under the initial key derived
// from TestBDK and TestInitialKeyID: the real derivation and block, with
// the counter in memory. Unavailable, when set, is what PINReady answers.
type PINs struct {
	mu          sync.Mutex
	ksn         pin.KSN
	Unavailable error
}

func (p *PINs) PINReady(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.Unavailable
}

func (p *PINs) EncipherPIN(_ context.Context, pn pin.PIN, pan string) (payment.PINBlock, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ksn == (pin.KSN{}) {
		p.ksn = pin.NewKSN(TestInitialKeyID, 0)
	}
	next, err := p.ksn.Next()
	if err != nil {
		return payment.PINBlock{}, fmt.Errorf("%w: %w", payment.ErrPINUnavailable, err)
	}
	p.ksn = next
	ik, err := pin.DeriveInitialKey(TestBDK, TestInitialKeyID)
	if err != nil {
		return payment.PINBlock{}, err
	}
	defer ik.Wipe()
	b, err := pin.Format4(ik, next, pin.AES128, pn, pan)
	if err != nil {
		return payment.PINBlock{}, err
	}
	return payment.PINBlock{Block: payment.NewSecret(b[:]), KSN: next}, nil
}

// DecipherPIN is what the issuer does with a block: the PIN it holds.
func DecipherPIN(b payment.PINBlock, pan string) (pin.PIN, error) {
	ik, err := pin.DeriveInitialKey(TestBDK, pin.KSN(b.KSN).InitialKeyID())
	if err != nil {
		return nil, err
	}
	k, err := pin.DerivePINKey(ik, pin.KSN(b.KSN), pin.AES128)
	if err != nil {
		return nil, err
	}
	return pin.DecipherFormat4(k, b.Block.Reveal(), pan)
}
