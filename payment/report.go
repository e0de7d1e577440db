package payment

import (
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
	// Sales, Refunds and Net are over every line.
	SalesCount   int   `json:"sales_count"`
	SalesTotal   int64 `json:"sales_total"`
	RefundsCount int   `json:"refunds_count"`
	RefundsTotal int64 `json:"refunds_total"`
	Net          int64 `json:"net"`
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

// buildReport totals txns of one batch. OfflinePending counts the batch's
// offline approvals; Service.Report replaces it with the journal's queue.
func buildReport(kind string, batch int, terminalID, currency string, at time.Time, txns []*Transaction) Report {
	r := Report{Kind: kind, Batch: batch, TerminalID: terminalID, At: at, Currency: currency}
	lines := map[[2]string]*ReportLine{}
	for _, t := range txns {
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
		brand := ""
		switch {
		case t.Card != nil:
			brand = t.Card.Brand
		case t.Method == MethodAlipayPlus:
			brand = reportWallet(t.Wallet)
		}
		k := [2]string{string(t.Method), brand}
		l := lines[k]
		if l == nil {
			l = &ReportLine{Method: t.Method, Brand: brand}
			lines[k] = l
		}
		l.SalesCount++
		l.SalesTotal += t.Amount.Minor
		for _, rf := range t.Refunds {
			l.RefundsCount++
			l.RefundsTotal += rf.Amount.Minor
		}
	}
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
