package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"tpe/config"
	"tpe/offline"
	"tpe/payment"
	"tpe/payment/gateway"
)

// offlineFlags are the flags every `tpectl offline` subcommand takes.
type offlineFlags struct {
	data, key, cfg, format string
	json                   bool
	declined               bool
	gateway                string
	originator, password   string
	tokenURL, clientID     string
	clientSecret           string
	terminalID             string
}

const offlineUsage = `tpectl offline status|list|export|forward [flags]

  status   queue length, amount, oldest age, forward-declined, in-flight,
           records still holding sealed card data (queued approvals only)
  list     the queued offline approvals, oldest first (--declined: those the
           issuer declined after forwarding)
  export   the queue as CSV (default) or JSON (--format json), without card data
  forward  send the queue to the gateway now (--gateway URL); the terminal
           must be stopped (the journal is locked while it runs)

flags:
  --data DIR        data directory holding journal.db (default /var/lib/tpe)
  --key FILE        device key (default: the first that exists of
                    /etc/tpe/private/device.key, DIR-keys/device.key (tpe-sim)
                    and DIR/device.key (a data directory from an older release))
  --config FILE     take data_dir, key_file and [gateway] from a tpe.toml
  --json            machine-readable output (status, list)
  --gateway URL     gateway base URL (forward)
  --originator ID --password PW              Basic credentials, or
  --token-url URL --client-id ID --client-secret S   OAuth2 client credentials
  --terminal-id ID  terminal ID sent with forwarded sales`

func runOffline(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stdout, offlineUsage)
		return nil
	}
	sub := args[0]
	var f offlineFlags
	fs := flag.NewFlagSet("offline "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.data, "data", "", "")
	fs.StringVar(&f.key, "key", "", "")
	fs.StringVar(&f.cfg, "config", "", "")
	fs.StringVar(&f.format, "format", "csv", "")
	fs.BoolVar(&f.json, "json", false, "")
	fs.BoolVar(&f.declined, "declined", false, "")
	fs.StringVar(&f.gateway, "gateway", "", "")
	fs.StringVar(&f.originator, "originator", "", "")
	fs.StringVar(&f.password, "password", "", "")
	fs.StringVar(&f.tokenURL, "token-url", "", "")
	fs.StringVar(&f.clientID, "client-id", "", "")
	fs.StringVar(&f.clientSecret, "client-secret", "", "")
	fs.StringVar(&f.terminalID, "terminal-id", "", "")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, offlineUsage)
			return nil
		}
		return usagef("offline %s: %v", sub, err)
	}
	if fs.NArg() > 0 {
		return usagef("offline %s: unexpected argument %q", sub, fs.Arg(0))
	}
	var cfg *config.Config
	if f.cfg != "" {
		c, err := config.Load(f.cfg)
		if err != nil {
			return err
		}
		cfg = &c
		if f.data == "" {
			f.data = c.DataDir
		}
		if f.key == "" {
			f.key = c.Offline.KeyFile
		}
	}
	if f.data == "" {
		f.data = config.Defaults().DataDir
	}
	if f.key == "" {
		f.key = defaultKey(f.data)
	}
	switch sub {
	case "status":
		return offlineStatus(ctx, f, stdout)
	case "list":
		return offlineList(ctx, f, stdout)
	case "export":
		return offlineExport(ctx, f, stdout)
	case "forward":
		return offlineForward(ctx, f, cfg, stdout)
	}
	return usagef("offline: unknown subcommand %q (status, list, export, forward)", sub)
}

func openJournal(f offlineFlags, readOnly bool) (*offline.Store, error) {
	st, err := offline.Open(filepath.Join(f.data, offline.FileName), &offline.Opts{KeyFile: f.key, ReadOnly: readOnly})
	switch fault := offline.Classify(err); {
	case fault == offline.FaultLocked:
		return nil, fmt.Errorf("%w [%s]: the terminal is running; stop it, or ask its local API (GET /v1/health)", err, fault.Code())
	case fault != offline.FaultNone:
		// Named, with the fix for that fault: a denied or read-only
		// journal is intact and must not be thrown away as damaged.
		return nil, fmt.Errorf("%w\n%s: %s\nfix: %s", err, fault.Code(), fault.Message(), fault.Fix())
	}
	return st, err
}

// statusView is `offline status --json`.
type statusView struct {
	Queued          int       `json:"queued"`
	QueuedTotal     int64     `json:"queued_total"`
	Currency        string    `json:"currency,omitempty"`
	Oldest          time.Time `json:"oldest,omitzero"`
	OldestAgeSec    int64     `json:"oldest_age_s"`
	Failing         int       `json:"failing"` // queued payments whose last attempt failed
	ForwardDeclined int       `json:"forward_declined"`
	InFlight        int       `json:"in_flight"`
	Batch           int       `json:"batch"`
	Transactions    uint64    `json:"transactions"`
	// SealedCardRecords counts the records still holding sealed card data:
	// the queued offline approvals only, 0 when none waits.
	SealedCardRecords int `json:"sealed_card_records"`
}

func offlineStatus(ctx context.Context, f offlineFlags, w io.Writer) error {
	st, err := openJournal(f, true)
	if err != nil {
		return err
	}
	defer st.Close()
	s, err := st.Stats(ctx)
	if err != nil {
		return err
	}
	q, err := st.Queue(ctx, 0)
	if err != nil {
		return err
	}
	v := statusView{Queued: s.Queued, QueuedTotal: s.QueuedTotal, Oldest: s.Oldest, ForwardDeclined: s.ForwardDeclined,
		InFlight: s.InFlight, Batch: s.Batch, Transactions: s.Transactions, SealedCardRecords: s.SealedCardRecords}
	for _, it := range q {
		v.Currency = it.Amount.Currency
		if it.LastErr != "" {
			v.Failing++
		}
	}
	if !s.Oldest.IsZero() {
		v.OldestAgeSec = int64(time.Since(s.Oldest).Seconds())
	}
	if f.json {
		return writeJSON(w, v)
	}
	cur := v.Currency
	if cur == "" {
		cur = "EUR"
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "queued\t%d\n", v.Queued)
	fmt.Fprintf(tw, "amount\t%s\n", payment.Amount{Minor: v.QueuedTotal, Currency: cur})
	if v.Queued > 0 {
		fmt.Fprintf(tw, "oldest\t%s (%s ago)\n", v.Oldest.Local().Format(time.DateTime), time.Duration(v.OldestAgeSec)*time.Second)
	}
	fmt.Fprintf(tw, "failing\t%d\n", v.Failing)
	fmt.Fprintf(tw, "forward declined\t%d\n", v.ForwardDeclined)
	fmt.Fprintf(tw, "in flight\t%d\n", v.InFlight)
	fmt.Fprintf(tw, "open batch\t%d\n", v.Batch)
	fmt.Fprintf(tw, "transactions\t%d\n", v.Transactions)
	fmt.Fprintf(tw, "sealed card records\t%d\n", v.SealedCardRecords)
	return tw.Flush()
}

// row is one exported or listed payment: no card data beyond brand and the
// last four digits.
type row struct {
	ID        string    `json:"id"`
	OrderID   string    `json:"order_id"`
	State     string    `json:"state"`
	Amount    int64     `json:"amount_minor"`
	Currency  string    `json:"currency"`
	Card      string    `json:"card,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"last_error,omitempty"`
	Reason    string    `json:"reason,omitempty"`
}

func rows(ctx context.Context, st *offline.Store, declined bool) ([]row, error) {
	var out []row
	if declined {
		ts, err := st.ForwardDeclined(ctx)
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			out = append(out, row{ID: t.ID, OrderID: t.OrderID, State: string(t.State), Amount: t.Amount.Minor,
				Currency: t.Amount.Currency, Card: cardLabel(t), CreatedAt: t.CreatedAt, Reason: t.Reason})
		}
		return out, nil
	}
	q, err := st.Queue(ctx, 0)
	if err != nil {
		return nil, err
	}
	for _, it := range q {
		r := row{ID: it.ID, OrderID: it.OrderID, State: string(payment.StateOfflineApproved), Amount: it.Amount.Minor,
			Currency: it.Amount.Currency, CreatedAt: it.CreatedAt, Attempts: it.Attempts, LastError: it.LastErr}
		if t, err := st.Get(ctx, it.ID); err == nil {
			r.Card = cardLabel(t)
		}
		out = append(out, r)
	}
	return out, nil
}

func cardLabel(t *payment.Transaction) string {
	if t.Card == nil {
		return ""
	}
	return t.Card.Brand + " " + t.Card.PAN.MaskedLast4()
}

func offlineList(ctx context.Context, f offlineFlags, w io.Writer) error {
	st, err := openJournal(f, true)
	if err != nil {
		return err
	}
	defer st.Close()
	rs, err := rows(ctx, st, f.declined)
	if err != nil {
		return err
	}
	if f.json {
		if rs == nil {
			rs = []row{}
		}
		return writeJSON(w, rs)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if f.declined {
		fmt.Fprintln(tw, "ID\tORDER\tAMOUNT\tCARD\tTAKEN\tREASON")
		for _, r := range rs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.OrderID, payment.Amount{Minor: r.Amount, Currency: r.Currency},
				r.Card, r.CreatedAt.Local().Format(time.DateTime), r.Reason)
		}
	} else {
		fmt.Fprintln(tw, "ID\tORDER\tAMOUNT\tCARD\tTAKEN\tATTEMPTS\tLAST ERROR")
		for _, r := range rs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", r.ID, r.OrderID, payment.Amount{Minor: r.Amount, Currency: r.Currency},
				r.Card, r.CreatedAt.Local().Format(time.DateTime), r.Attempts, r.LastError)
		}
	}
	return tw.Flush()
}

func offlineExport(ctx context.Context, f offlineFlags, w io.Writer) error {
	if f.format != "csv" && f.format != "json" {
		return usagef("offline export: --format must be csv or json, not %q", f.format)
	}
	st, err := openJournal(f, true)
	if err != nil {
		return err
	}
	defer st.Close()
	rs, err := rows(ctx, st, f.declined)
	if err != nil {
		return err
	}
	if f.format == "json" || f.json {
		if rs == nil {
			rs = []row{}
		}
		return writeJSON(w, rs)
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"id", "order_id", "state", "amount_minor", "currency", "card", "created_at", "attempts", "last_error", "reason"})
	for _, r := range rs {
		cw.Write([]string{r.ID, r.OrderID, r.State, strconv.FormatInt(r.Amount, 10), r.Currency, r.Card,
			r.CreatedAt.UTC().Format(time.RFC3339), strconv.Itoa(r.Attempts), r.LastError, r.Reason})
	}
	cw.Flush()
	return cw.Error()
}

func offlineForward(ctx context.Context, f offlineFlags, cfg *config.Config, w io.Writer) error {
	gopts := &gateway.Opts{TerminalID: f.terminalID}
	base := f.gateway
	if cfg != nil {
		g := cfg.Gateway
		if base == "" {
			base = g.URL
		}
		gopts.C2PURL, gopts.Timeout = g.Connect2PayURL, g.Timeout
		gopts.TLS = gateway.TLSOpts{CAFile: g.CAFile}
		if g.PinSHA256 != "" {
			gopts.TLS.PinSHA256 = []string{g.PinSHA256}
		}
		if g.Auth == "oauth2" {
			gopts.OAuth = &gateway.OAuth{TokenURL: g.TokenURL, ClientID: g.ClientID, ClientSecret: g.ClientSecret}
		} else {
			gopts.Originator, gopts.Password = g.Originator, g.Password
		}
		if gopts.TerminalID == "" {
			gopts.TerminalID = cfg.Terminal.ID
		}
	}
	if base == "" {
		return usagef("offline forward: --gateway URL (or --config FILE with [gateway] url) is required")
	}
	switch {
	case f.clientID != "":
		gopts.OAuth = &gateway.OAuth{TokenURL: f.tokenURL, ClientID: f.clientID, ClientSecret: f.clientSecret}
	case f.originator != "":
		gopts.OAuth = nil
		gopts.Originator, gopts.Password = f.originator, f.password
	}
	if gopts.Password == "" && gopts.OAuth == nil {
		gopts.Password = os.Getenv("TPE_GATEWAY_PASSWORD")
	}
	gw, err := gateway.New(base, gopts)
	if err != nil {
		return err
	}
	st, err := openJournal(f, false)
	if err != nil {
		return err
	}
	defer st.Close()
	// Recover first: a payment interrupted by the crash that stopped the
	// terminal must be resolved before the queue moves.
	rep, err := offline.Recover(ctx, st, gw)
	if err != nil {
		return err
	}
	fw := offline.NewForwarder(st, gw, nil)
	fw.Resolve(rep.Pending...)
	n, ferr := fw.ForwardNow(ctx)
	s := fw.Status()
	cur := "EUR"
	if q, err := st.Queue(ctx, 1); err == nil && len(q) > 0 {
		cur = q[0].Amount.Currency
	}
	if f.json {
		if err := writeJSON(w, map[string]any{"settled": n, "status": s, "recovery": rep}); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(w, "settled %d; %d still queued (%s); %d forward-declined\n", n, s.Queued,
			payment.Amount{Minor: s.QueuedTotal, Currency: cur}, s.ForwardDeclined)
		if s.ForwardDeclined > 0 {
			fmt.Fprintln(w, "declined after forwarding: see `tpectl offline list --declined`")
		}
	}
	if ferr != nil {
		return fmt.Errorf("forwarding stopped: %w", ferr)
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(v)
}

// defaultKey is the device key of the journal in data when none is given:
// the provisioned one, the simulator's beside data, or one a data directory
// from an older release still carries.
func defaultKey(data string) string {
	for _, k := range []string{config.DefaultKeyFile, config.SimKeyFile(data), filepath.Join(data, offline.KeyName)} {
		if fileExists(k) {
			return k
		}
	}
	return config.DefaultKeyFile
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
