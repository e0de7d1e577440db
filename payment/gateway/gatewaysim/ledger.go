package gatewaysim

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
)

// Entry is one transaction in the simulator's ledger: what the acquirer
// did, as the crash tests and reconciliation compare it with the terminal's
// journal. Amounts are minor units.
type Entry struct {
	TransactionID  string `json:"transactionID"`
	OrderID        string `json:"orderID"`
	ReferralID     string `json:"referralID,omitempty"` // the sale a refund/cancel/capture applies to
	Operation      string `json:"operation"`            // sale, authorize, capture, cancel, refund
	PaymentMethod  string `json:"paymentMethod"`        // CreditCard, Alipay…
	Amount         int64  `json:"amount"`
	Currency       string `json:"currency"`
	ErrorCode      string `json:"errorCode"` // "000" = success
	ErrorMessage   string `json:"errorMessage"`
	Status         string `json:"status"`
	RefundedAmount int64  `json:"refundedAmount,omitempty"`
	AuthCode       string `json:"authorizationCode,omitempty"`
	CardMasked     string `json:"cardMasked,omitempty"`
	CardBrand      string `json:"cardBrand,omitempty"`
	Wallet         string `json:"wallet,omitempty"` // the wallet that paid (Alipay+ partner)
	Offline        bool   `json:"offline,omitempty"`
	TerminalID     string `json:"terminalID,omitempty"`
	Date           int64  `json:"date"` // Unix milliseconds
	Seq            int64  `json:"seq"`  // order of creation
}

// Payment is one Connect2Pay prepared payment (a payment link or a wallet
// payment).
type Payment struct {
	PaymentID     string   `json:"paymentID"`
	MerchantToken string   `json:"merchantToken"`
	CustomerToken string   `json:"customerToken"`
	OrderID       string   `json:"orderID"`
	Description   string   `json:"description,omitempty"`
	Email         string   `json:"email,omitempty"`
	Method        string   `json:"paymentMethod,omitempty"`
	Amount        int64    `json:"amount"`
	Currency      string   `json:"currency"`
	Status        string   `json:"status"`
	ErrorCode     string   `json:"errorCode"`
	CustomData    string   `json:"ctrlCustomData,omitempty"`
	Created       int64    `json:"created"`  // Unix ms
	ExpireAt      int64    `json:"expireAt"` // Unix ms
	TxnIDs        []string `json:"transactionIDs"`
}

// record is one line of the ledger file: the latest state of one entry or
// payment (last line wins on replay).
type record struct {
	Txn *Entry   `json:"txn,omitempty"`
	Pay *Payment `json:"pay,omitempty"`
}

// ledger is an append-only JSON-lines file replayed at start. Each change
// is written (one write syscall) before the reply leaves, so a killed
// simulator loses nothing it answered; fsync is optional (Opts.SyncWrites).
type ledger struct {
	mu    sync.Mutex
	f     *os.File
	sync  bool
	txns  map[string]*Entry
	pays  map[string]*Payment // by merchant token
	cust  map[string]string   // customer token → merchant token
	seq   int64
	order map[string]string   // orderID → transactionID of its sale/authorize
	byOrd map[string][]string // orderID → every transactionID (lookups)
	// dups counts, per terminal ID, sale requests refused because their
	// order was already recorded (Stats): memory only, not replayed.
	dups map[string]int
}

func openLedger(dir string, sync bool) (*ledger, error) {
	l := &ledger{sync: sync, txns: map[string]*Entry{}, pays: map[string]*Payment{},
		cust: map[string]string{}, order: map[string]string{}, byOrd: map[string][]string{}, dups: map[string]int{}}
	path := filepath.Join(dir, "ledger.jsonl")
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("gatewaysim: reading ledger: %w", err)
	}
	lines := bytes.Split(b, []byte("\n"))
	for i, line := range lines {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var r record
		if err := json.Unmarshal(line, &r); err != nil {
			if i == len(lines)-1 {
				break // a write cut short by a crash: it was never answered
			}
			return nil, fmt.Errorf("%w: line %d", ErrCorruptLedger, i+1)
		}
		l.apply(r)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("gatewaysim: opening ledger: %w", err)
	}
	if len(b) > 0 && b[len(b)-1] != '\n' {
		f.Write([]byte("\n")) // end a torn line so the next record parses
	}
	l.f = f
	return l, nil
}

func (l *ledger) apply(r record) {
	if e := r.Txn; e != nil {
		if _, seen := l.txns[e.TransactionID]; !seen {
			l.byOrd[e.OrderID] = append(l.byOrd[e.OrderID], e.TransactionID)
		}
		l.txns[e.TransactionID] = e
		if e.Seq > l.seq {
			l.seq = e.Seq
		}
		if (e.Operation == "sale" || e.Operation == "authorize") && e.PaymentMethod == "CreditCard" {
			l.order[e.OrderID] = e.TransactionID
		}
	}
	if p := r.Pay; p != nil {
		l.pays[p.MerchantToken] = p
		l.cust[p.CustomerToken] = p.MerchantToken
	}
}

// put stores and appends records; callers hold l.mu.
func (l *ledger) put(recs ...record) error {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	enc := json.NewEncoder(w)
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			return err
		}
		l.apply(r)
	}
	w.Flush()
	if _, err := l.f.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("gatewaysim: writing ledger: %w", err)
	}
	if l.sync {
		return l.f.Sync()
	}
	return nil
}

func (l *ledger) nextSeq() int64 { l.seq++; return l.seq }

func (l *ledger) close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Close()
}

// entries lists copies of every transaction in creation order.
func (l *ledger) entries() []Entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Entry, 0, len(l.txns))
	for _, e := range l.txns {
		out = append(out, *e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// forOrder lists copies of an order's transactions in creation order.
func (l *ledger) forOrder(orderID string) []Entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Entry, 0, len(l.byOrd[orderID]))
	for _, id := range l.byOrd[orderID] {
		out = append(out, *l.txns[id])
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}
