package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"tpe/config"
	"tpe/offline"
	"tpe/payment"
	"tpe/payment/alipayplus"
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
	// outbox retry / discard
	all, yes bool
	to       string
	merchant string // the config's terminal.merchant_email
}

// offlineSubs are the offline subcommands and what each does.
var offlineSubs = [][2]string{
	{"status", "queue length, amount, oldest age, forward-declined, in flight, records still holding sealed card data (queued approvals only)"},
	{"list", "the queued offline approvals, oldest first (--declined: those the issuer declined after forwarding)"},
	{"export", "the queue as CSV (default) or JSON (--format json), without card data"},
	{"forward", "send the queue to the gateway now; the terminal must be stopped (the journal is locked while it runs)"},
	{"outbox", "the merchant's mails waiting for the relay and those it refused for good (parked): recipient, subject, age, the relay's answer"},
	{"outbox retry", "send a parked mail (or --all) back to the queue, to the merchant's current address; the terminal must be stopped"},
	{"outbox discard", "delete a parked mail (or --all, confirmed) for good; the terminal must be stopped"},
}

func runOffline(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || helpFirst(args) {
		return subHelp(stdout, "offline status|list|export|forward|outbox [--data DIR | --config FILE] [flags]", `
Reads the offline journal (journal.db) of a stopped terminal, or of a copy of
its data directory, and forwards its queue; lists its mail outbox (outbox.db)
and retries or discards the mails the relay refused for good.`,
			offlineSubs, "tpectl offline status --data /var/lib/tpe",
			"tpectl offline forward --config /etc/tpe/tpe.toml")
	}
	sub := args[0]
	if sub == "outbox" && len(args) > 1 && (args[1] == "retry" || args[1] == "discard") {
		sub, args = "outbox "+args[1], args[1:]
	}
	var f offlineFlags
	fs := newTechFlags("offline "+sub, stdout)
	fs.StringVar(&f.data, "data", "", "data directory holding journal.db (default /var/lib/tpe, or the config's data_dir)")
	fs.StringVar(&f.key, "key", "", "device key (default: the config's key_file, else the first that exists of /etc/tpe/private/device.key, DIR-keys/device.key (tpe-sim) and DIR/device.key (an older release))")
	fs.StringVar(&f.cfg, "config", "", "take data_dir, key_file and [gateway] from this tpe.toml")
	switch sub {
	case "status":
		fs.about("offline status [--data DIR | --config FILE] [--json]", `
Prints the offline queue: its length and amount, the age of the oldest
payment, those failing to forward, those declined after forwarding and those
in flight.`,
			"tpectl offline status --data /var/lib/tpe --json")
		fs.BoolVar(&f.json, "json", false, "print JSON")
	case "list":
		fs.about("offline list [--data DIR | --config FILE] [--declined] [--json]", `
Lists the queued offline approvals, oldest first, with the masked card and
the last forwarding error; --declined lists those the issuer declined after
forwarding instead.`,
			"tpectl offline list --data /var/lib/tpe", "tpectl offline list --config /etc/tpe/tpe.toml --declined")
		fs.BoolVar(&f.json, "json", false, "print JSON")
		fs.BoolVar(&f.declined, "declined", false, "list the payments the issuer declined after forwarding instead")
	case "export":
		fs.about("offline export [--data DIR | --config FILE] [--format csv|json] [--declined]", `
Writes the queue (or, with --declined, the payments declined after
forwarding) as CSV or JSON, without card data beyond brand and last four
digits.`,
			"tpectl offline export --data /var/lib/tpe > queue.csv", "tpectl offline export --data /var/lib/tpe --format json")
		fs.StringVar(&f.format, "format", "csv", "output format: csv or json")
		fs.BoolVar(&f.json, "json", false, "same as --format json")
		fs.BoolVar(&f.declined, "declined", false, "export the payments the issuer declined after forwarding instead")
	case "forward":
		fs.about("offline forward [--data DIR] (--config FILE | --gateway URL [credentials]) [--json]", `
Recovers any payment a crash interrupted, then sends the queue to the
gateway now. The terminal must be stopped: its journal is locked while it
runs.

Credentials come from the config's [gateway], or from --originator and
--password (Basic; $TPE_GATEWAY_PASSWORD), or from --token-url, --client-id
and --client-secret (OAuth2 client credentials).`,
			"tpectl offline forward --config /etc/tpe/tpe.toml",
			"tpectl offline forward --data /var/lib/tpe --gateway http://127.0.0.1:8480 --originator 100042 --password s3cret")
		fs.BoolVar(&f.json, "json", false, "print JSON")
		fs.StringVar(&f.gateway, "gateway", "", "gateway base URL (default: the config's [gateway] url)")
		fs.StringVar(&f.originator, "originator", "", "Basic credentials: originator ID")
		fs.StringVar(&f.password, "password", "", "Basic credentials: password (default $TPE_GATEWAY_PASSWORD)")
		fs.StringVar(&f.tokenURL, "token-url", "", "OAuth2 token endpoint")
		fs.StringVar(&f.clientID, "client-id", "", "OAuth2 client ID")
		fs.StringVar(&f.clientSecret, "client-secret", "", "OAuth2 client secret")
		fs.StringVar(&f.terminalID, "terminal-id", "", "terminal ID sent with forwarded sales (default: the config's)")
	case "outbox":
		fs.about("offline outbox [--data DIR | --config FILE] [--json]", `
Lists the merchant notifications in the mail outbox (outbox.db) of a stopped
terminal: those waiting for the relay, and those it refused for good
(parked), which are not sent again until retried. Each with its recipient, subject, age,
attempts and the relay's last answer; never a mail's body. Parked mail is
sent again or deleted with `+"`offline outbox retry|discard`"+`. A running
terminal reports the counts in GET /v1/health ("outbox") and lists the mails
in GET /v1/outbox.`,
			"tpectl offline outbox --data /var/lib/tpe", "tpectl offline outbox --config /etc/tpe/tpe.toml --json")
		fs.BoolVar(&f.json, "json", false, "print JSON")
	case "outbox retry":
		fs.about("offline outbox retry ID|--all [--data DIR | --config FILE] [--to ADDR] [--json]", `
Sends a parked mail (one the relay refused for good), or every parked mail
with --all, back to the queue of a stopped terminal's outbox; the terminal
sends it as soon as it starts. The mail is re-addressed to the merchant's
current address: --to, else terminal.merchant_email of --config (correct the
address in the config first); with neither it keeps its own address (retry
after the relay's refusal was lifted). It keeps its ID and Message-ID. A
running terminal does the same through its local API
(POST /v1/outbox/{id}/retry, POST /v1/outbox/parked/retry).`,
			"tpectl offline outbox retry 7 --config /etc/tpe/tpe.toml",
			"tpectl offline outbox retry --all --data /var/lib/tpe --to gerant@boulangerie-martin.fr")
		fs.BoolVar(&f.all, "all", false, "every parked mail")
		fs.StringVar(&f.to, "to", "", "re-address to this address (default: the config's terminal.merchant_email)")
		fs.BoolVar(&f.json, "json", false, "print JSON")
	case "outbox discard":
		fs.about("offline outbox discard ID|--all [--data DIR | --config FILE] [--yes] [--json]", `
Deletes a parked mail (one the relay refused for good), or every parked mail
with --all, from a stopped terminal's outbox: it will never be sent. Read it
first with `+"`tpectl offline outbox`"+`. --all lists the mails and asks for
confirmation on a terminal; scripts pass --yes. A running terminal does the
same through its local API (DELETE /v1/outbox/{id}, DELETE /v1/outbox/parked).`,
			"tpectl offline outbox discard 7 --data /var/lib/tpe",
			"tpectl offline outbox discard --all --config /etc/tpe/tpe.toml --yes")
		fs.BoolVar(&f.all, "all", false, "every parked mail (asks for confirmation unless --yes)")
		fs.BoolVar(&f.yes, "yes", false, "discard --all without asking")
		fs.BoolVar(&f.json, "json", false, "print JSON")
	default:
		return usagef("offline: unknown subcommand %q (status, list, export, forward, outbox, outbox retry, outbox discard)", sub)
	}
	pos, err := fs.parse(args[1:])
	if err != nil {
		return err
	}
	var mailID uint64
	switch {
	case sub == "outbox retry" || sub == "outbox discard":
		if mailID, err = outboxTarget(sub, pos, f.all); err != nil {
			return err
		}
	case len(pos) > 0:
		return usagef("offline %s: unexpected argument %q", sub, pos[0])
	}
	if f.format == "" {
		f.format = "csv"
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
		f.merchant = c.Terminal.MerchantEmail
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
	case "outbox":
		return offlineOutbox(ctx, f, time.Now(), stdout)
	case "outbox retry":
		return outboxRetry(ctx, f, mailID, time.Now(), stdout)
	case "outbox discard":
		return outboxDiscard(ctx, f, mailID, time.Now(), stdout)
	}
	return offlineForward(ctx, f, cfg, stdout)
}

func openJournal(f offlineFlags, readOnly bool) (*offline.Store, error) {
	st, err := offline.Open(filepath.Join(f.data, offline.FileName), &offline.Opts{KeyFile: f.key, PINKeyFile: offline.PINKeyPath(f.key), ReadOnly: readOnly})
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
	// PINKey is the online PIN key: none (not injected), ok, or exhausted
	// (DUKPT key life ended: inject a new one); never the key itself.
	PINKey        string `json:"pin_key"`
	PINKeyID      string `json:"pin_initial_key_id,omitempty"`
	PINKeyLastKSN string `json:"pin_last_ksn,omitempty"`
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
	pk, err := st.PINKey()
	if err != nil {
		return err
	}
	switch {
	case !pk.Injected:
		v.PINKey = "none"
	case pk.Exhausted:
		v.PINKey = "exhausted"
	default:
		v.PINKey = "ok"
	}
	v.PINKeyID, v.PINKeyLastKSN = strings.ToUpper(pk.InitialKeyID), pk.LastKSN
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
	if v.PINKey == "none" {
		fmt.Fprintf(tw, "PIN key\tnone (online PIN refused; tpectl provision --pin-key-file)\n")
	} else {
		fmt.Fprintf(tw, "PIN key\t%s, initial key ID %s, last KSN %s\n", v.PINKey, v.PINKeyID, v.PINKeyLastKSN)
	}
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
	if err := oneOf("format", f.format, "csv", "json"); err != nil {
		return err
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
	// Wallet payments owed a reversal are given back through the wallet's
	// own (Connect2Pay) endpoints, as the terminal does.
	wallets, err := alipayplus.New(gw, nil)
	if err != nil {
		return err
	}
	// Recover first: a payment interrupted by the crash that stopped the
	// terminal must be resolved before the queue moves.
	rep, err := offline.Recover(ctx, st, gw, wallets)
	if err != nil {
		return err
	}
	fw := offline.NewForwarder(st, gw, &offline.ForwarderOpts{Wallets: wallets})
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
