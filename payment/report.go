package payment

import (
	"fmt"
	"sort"
	"time"
)

// Report is an X (running) or Z (end of day, closes the batch) report.
type Report struct {
	Kind       string    `json:"kind"` // "X" or "Z"
	Batch      int       `json:"batch"`
	TerminalID string    `json:"terminal_id"`
	At         time.Time `json:"at"`
	Currency   string    `json:"currency"`
	// Lines are the totals per method and brand, sorted.
	Lines []ReportLine `json:"lines"`
	// Sales, Refunds and Net are over every line. Refunds are those
	// recorded in this batch, whichever batch their sale counts in.
	SalesCount   int   `json:"sales_count"`
	SalesTotal   int64 `json:"sales_total"`
	RefundsCount int   `json:"refunds_count"`
	RefundsTotal int64 `json:"refunds_total"`
	Net          int64 `json:"net"`
	// EarlierRefunds are the refunds counted in this batch of sales
	// counted in an earlier batch (already in RefundsCount and
	// RefundsTotal), oldest first: the report names each one's sale.
	EarlierRefunds []EarlierRefund `json:"earlier_refunds,omitempty"`
	// OfflinePending counts approvals not yet forwarded, terminal-wide
	// (the forwarder's queue, whatever their batch): a Z report with some
	// says so, the batch still closes (they forward later).
	OfflinePending int `json:"offline_pending"`
	// OfflineOldest is when the oldest of them was taken.
	OfflineOldest time.Time `json:"offline_oldest,omitzero"`
	// ForwardDeclined counts offline approvals the issuer refused later.
	ForwardDeclined int `json:"forward_declined"`
	Declined        int `json:"declined"`
}

// ReportLine is the total of one method/brand.
type ReportLine struct {
	Method Method `json:"method"`
	// Brand is the card brand, or the wallet's code (WalletCode): one line
	// per wallet however the gateway spelled it.
	Brand        string `json:"brand"`
	SalesCount   int    `json:"sales_count"`
	SalesTotal   int64  `json:"sales_total"`
	RefundsCount int    `json:"refunds_count"`
	RefundsTotal int64  `json:"refunds_total"`
}

// EarlierRefund is a refund counted in the report's batch of a sale
// counted in an earlier batch.
type EarlierRefund struct {
	RefundID  string `json:"refund_id"`
	PaymentID string `json:"payment_id"`
	// Sequence is the sale's transaction number (TRANS. on its receipt).
	Sequence uint64 `json:"sequence,omitempty"`
	// SaleBatch is the batch the sale counts in.
	SaleBatch int    `json:"sale_batch"`
	Method    Method `json:"method"`
	Brand     string `json:"brand,omitempty"`
	// Amount is refunded, minor units of the report's currency.
	Amount int64     `json:"amount"`
	At     time.Time `json:"at"`
}

// ReceiptNumber is the sale's number as its receipt prints it (TRANS.).
func (e EarlierRefund) ReceiptNumber() string {
	if e.Sequence == 0 {
		return e.PaymentID
	}
	return fmt.Sprintf("%06d", e.Sequence)
}

// buildReport totals the money moved in one batch: txns are the payments
// that moved money in it (Query.MovedIn). A sale counts in its payment's
// batch, a refund in its own (Transaction.RefundBatch). OfflinePending
// counts the batch's offline approvals; Service.Report replaces it with
// the journal's queue.
func buildReport(kind string, batch int, terminalID, currency string, at time.Time, txns []*Transaction) Report {
	r := Report{Kind: kind, Batch: batch, TerminalID: terminalID, At: at, Currency: currency}
	lines := map[[2]string]*ReportLine{}
	line := func(t *Transaction) *ReportLine {
		brand := reportBrand(t)
		k := [2]string{string(t.Method), brand}
		l := lines[k]
		if l == nil {
			l = &ReportLine{Method: t.Method, Brand: brand}
			lines[k] = l
		}
		return l
	}
	for _, t := range txns {
		for _, rf := range t.Refunds {
			if t.RefundBatch(rf) != batch {
				continue
			}
			l := line(t)
			l.RefundsCount++
			l.RefundsTotal += rf.Amount.Minor
			if t.Batch != batch {
				r.EarlierRefunds = append(r.EarlierRefunds, EarlierRefund{RefundID: rf.ID, PaymentID: t.ID, Sequence: t.Sequence,
					SaleBatch: t.Batch, Method: t.Method, Brand: l.Brand, Amount: rf.Amount.Minor, At: rf.At})
			}
		}
		if t.Batch != batch {
			continue // only its refunds count here
		}
		switch t.State {
		case StateDeclined:
			r.Declined++
			continue
		case StateForwardDeclined:
			r.ForwardDeclined++
			continue
		case StateOfflineApproved:
			r.OfflinePending++
			if r.OfflineOldest.IsZero() || t.CreatedAt.Before(r.OfflineOldest) {
				r.OfflineOldest = t.CreatedAt
			}
		}
		if !t.State.Approved() {
			continue
		}
		l := line(t)
		l.SalesCount++
		l.SalesTotal += t.Amount.Minor
	}
	sort.SliceStable(r.EarlierRefunds, func(i, j int) bool { return r.EarlierRefunds[i].At.Before(r.EarlierRefunds[j].At) })
	for _, l := range lines {
		r.Lines = append(r.Lines, *l)
		r.SalesCount += l.SalesCount
		r.SalesTotal += l.SalesTotal
		r.RefundsCount += l.RefundsCount
		r.RefundsTotal += l.RefundsTotal
	}
	sort.Slice(r.Lines, func(i, j int) bool {
		if r.Lines[i].Method != r.Lines[j].Method {
			return r.Lines[i].Method < r.Lines[j].Method
		}
		return r.Lines[i].Brand < r.Lines[j].Brand
	})
	r.Net = r.SalesTotal - r.RefundsTotal
	return r
}

// reportBrand is t's report line within its method: the card brand, or
// the wallet's code.
func reportBrand(t *Transaction) string {
	switch {
	case t.Card != nil:
		return t.Card.Brand
	case t.Method == MethodAlipayPlus:
		return reportWallet(t.Wallet)
	}
	return ""
}

// reportWallet is the report key of a wallet payment: its canonical code,
// the generic Alipay+ one when the wallet never became known.
func reportWallet(w string) string {
	if c := WalletCode(w); c != "" {
		return c
	}
	return WalletAlipayPlus
}

// withQueue sets the offline approvals still to forward from the journal's
// exposure: the number the forwarder's queue and the cashier's status show.
func (r Report) withQueue(e Exposure) Report {
	r.OfflinePending, r.OfflineOldest = e.Count, e.Oldest
	return r
}
