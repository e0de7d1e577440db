package terminal

import (
	"context"
	"crypto/rsa"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"tpe/cmd/internal/metrics"
	"tpe/config"
	"tpe/device/display"
	"tpe/device/nfc"
	"tpe/device/printer"
	"tpe/device/scanner"
	"tpe/offline"
	"tpe/payment"
	"tpe/payment/alipayplus"
	"tpe/payment/alipayplus/cii"
	"tpe/payment/emv"
	"tpe/payment/gateway"
	"tpe/payment/notify"
	"tpe/payment/paylink"
	"tpe/ui/api"
	"tpe/ui/customer"
)

// Devices are the peripherals; nil ones are absent.
type Devices struct {
	Reader  nfc.Reader
	Printer printer.Printer
	Screen  display.Screen
	Scanner scanner.Scanner
}

// Opts are what differs between the terminal and the simulator.
type Opts struct {
	// CAKeys replaces the file named by emv.ca_keys_file (simulator test keys).
	CAKeys []emv.CAKey
	// HTTPClient reaches the gateway (the simulator's network switch wraps it).
	HTTPClient *http.Client
	// APIRoutes are operations added to the API server (tpe-sim mounts
	// /v1/sim/ with ui/api/apisim); tpe adds none.
	APIRoutes []api.Route
	// CreateKey creates the journal's key file (and its directory) when
	// missing: the simulator on first start. tpe leaves it false: a
	// terminal whose key is gone must not start a new journal silently
	// (tpectl provision makes the key).
	CreateKey bool
	// AllowNoToken lets the API run without a token (simulator on loopback).
	AllowNoToken bool
	// Wallets replaces the wallet table alipayplus.wallet_table names
	// (tpe-sim: its gateway simulator's table when the config names none).
	Wallets *cii.Table
	Logger  *slog.Logger
}

// Terminal is a running terminal.
type Terminal struct {
	Config    config.Config
	Service   *payment.Service
	Store     *offline.Store
	Gateway   *gateway.Client
	Forwarder *offline.Forwarder
	Notifier  payment.Notifier // nil without [smtp]
	// notices are the merchant's notifications; nil when none is on.
	notices *merchantNotices
	API     *api.Server
	// Metrics is what GET /metrics exposes (docs/operations.md).
	Metrics  *metrics.Metrics
	Devices  Devices
	Recovery offline.Report
	// Wallets is the wallet table customers' payment codes are read with.
	Wallets *cii.Table
	// Connectivity is the terminal's view of the gateway, kept by every
	// gateway call and a probe (Run): health, the cashier's status bar and
	// prefer_online payments read it.
	Connectivity *payment.Connectivity

	log    *slog.Logger
	tls    *tls.Config   // nil: the API serves plain HTTP
	reader *readerHealth // nil without a card reader
}

// Open builds the terminal: it opens the journal, recovers what a crash
// interrupted, and wires the service. It does not serve yet: see Run.
func Open(ctx context.Context, cfg config.Config, dev Devices, o Opts) (*Terminal, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t := &Terminal{Config: cfg, Devices: dev, log: log, Wallets: o.Wallets}
	if t.Wallets == nil {
		// Checked before anything opens: a bad table stops the start.
		var err error
		if t.Wallets, err = WalletTable(cfg); err != nil {
			return nil, err
		}
	}
	nameWallets(t.Wallets)
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data_dir: %w", err)
	}
	// The key never sits beside the journal it opens; tpe's config is
	// validated already, the simulator's built-in one is checked here.
	keyFile := cfg.Offline.KeyFile
	if err := config.CheckKeyFile(cfg.DataDir, keyFile); err != nil {
		return nil, err
	}
	if o.CreateKey {
		if err := os.MkdirAll(filepath.Dir(keyFile), 0o700); err != nil {
			return nil, fmt.Errorf("offline.key_file: %w", err)
		}
	}
	store, err := offline.Open(filepath.Join(cfg.DataDir, offline.FileName), &offline.Opts{
		KeyFile: keyFile, PINKeyFile: offline.PINKeyPath(keyFile), CreateKey: o.CreateKey, Retention: cfg.Offline.Retention, Logger: log,
	})
	if err != nil {
		return nil, fmt.Errorf("opening the journal: %w", err)
	}
	t.Store = store

	var gw payment.Gateway
	if cfg.Gateway.URL != "" {
		gopts := &gateway.Opts{
			C2PURL: cfg.Gateway.Connect2PayURL, TerminalID: cfg.Terminal.ID, Timeout: cfg.Gateway.Timeout,
			HTTPClient: o.HTTPClient, Logger: log,
			TLS: gateway.TLSOpts{CAFile: cfg.Gateway.CAFile},
		}
		if cfg.Gateway.PinSHA256 != "" {
			gopts.TLS.PinSHA256 = []string{cfg.Gateway.PinSHA256}
		}
		if cfg.Gateway.Auth == "oauth2" {
			tokenURL := cfg.Gateway.TokenURL
			if tokenURL == "" {
				tokenURL = strings.TrimSuffix(cfg.Gateway.URL, "/") + "/oauth/token"
			}
			gopts.OAuth = &gateway.OAuth{TokenURL: tokenURL, ClientID: cfg.Gateway.ClientID, ClientSecret: cfg.Gateway.ClientSecret}
		} else {
			gopts.Originator, gopts.Password = cfg.Gateway.Originator, cfg.Gateway.Password
		}
		client, err := gateway.New(cfg.Gateway.URL, gopts)
		if err != nil {
			store.Close()
			return nil, fmt.Errorf("gateway: %w", err)
		}
		t.Gateway = client
		t.Connectivity = payment.NewConnectivity(nil, func(online bool) {
			log.Info("gateway connectivity", "online", online)
			if online && t.Forwarder != nil {
				t.Forwarder.Kick() // the network is back: forward now
			}
		})
		gw = payment.WatchGateway(client, t.Connectivity)
	}

	merchant := payment.Merchant{
		Name: cfg.Terminal.MerchantName, Address: cfg.Terminal.MerchantAddress, City: cfg.Terminal.MerchantCity,
		ID: cfg.Terminal.MerchantID, Contract: cfg.Terminal.Contract, TerminalID: cfg.Terminal.ID,
		MCC: cfg.Terminal.MCC, Country: cfg.Terminal.Country,
	}
	wallets, reversals, links, mailer, err := onlineServices(cfg, t.Gateway, t.Wallets, merchant, log)
	if err != nil {
		store.Close()
		return nil, err
	}

	var cards payment.CardReader
	if dev.Reader != nil {
		kcfg, err := kernelConfig(cfg, o.CAKeys)
		if err != nil {
			store.Close()
			return nil, err
		}
		kcfg.Logger = log
		t.reader = newReaderHealth(dev.Reader)
		cards = t.reader.guard(payment.NewEMVReader(dev.Reader, emv.New(&kcfg)))
	}

	svc, err := payment.New(payment.Opts{
		Merchant: merchant,
		Currency: cfg.Terminal.Currency, Lang: cfg.Terminal.Language, MaxAmount: cfg.Terminal.MaxAmount,
		Journal:  store,
		Card:     payment.CardPorts{Reader: cards, Gateway: gw, PINs: store},
		Wallet:   payment.WalletPorts{Wallets: wallets, Scanner: dev.Scanner},
		Links:    links,
		Receipts: payment.ReceiptPorts{Printer: dev.Printer, Notifier: mailer, EmailCustomer: cfg.Notifications.EmailReceipts},
		Offline: payment.OfflineLimits{
			FloorLimits: cfg.Offline.FloorLimits, DefaultFloor: cfg.Offline.FloorLimit,
			MaxCount: cfg.Offline.MaxCount, MaxTotal: cfg.Offline.MaxTotal, MaxAge: cfg.Offline.MaxAge,
		},
		CardTimeout: cfg.EMV.CardTimeout, PINTimeout: cfg.EMV.PINTimeout,
		Online: t.online, Logger: log,
	})
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("terminal.currency: %w", err)
	}
	t.Service, t.Notifier = svc, mailer
	if m, ok := mailer.(*notify.Mailer); ok {
		if t.notices, err = openNotices(cfg, m, svc, merchant, log); err != nil {
			store.Close()
			return nil, err
		}
	}

	// Boot recovery: resolve what a power cut interrupted before selling.
	// Without a gateway it still settles what never reached one.
	rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	t.Recovery, err = offline.Recover(rctx, store, gw, reversals)
	cancel()
	if err != nil {
		t.notices.close()
		store.Close()
		return nil, fmt.Errorf("boot recovery: %w", err)
	}
	if gw != nil {
		t.Forwarder = offline.NewForwarder(store, gw, &offline.ForwarderOpts{
			Every: cfg.Offline.ForwardEvery, OnChange: func(ev payment.EventType, tx *payment.Transaction) { svc.Announce(ev, tx, "") },
			Logger: log, Concurrency: cfg.Offline.ForwardConcurrency, BackoffMax: cfg.Offline.ForwardBackoffMax,
			// In the config 0 means none; in ForwarderOpts, the default.
			BatchSize: orNone(cfg.Offline.ForwardBatch), Jitter: orNone(cfg.Offline.ForwardJitter),
			Rate: orNone(cfg.Offline.ForwardRate), Wallets: reversals,
		})
		// What recovery could not settle (gateway unreachable) the
		// forwarder retries on each round.
		t.Forwarder.Resolve(t.Recovery.Pending...)
	}

	if cfg.API.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.API.TLSCert, cfg.API.TLSKey)
		if err != nil {
			t.notices.close()
			store.Close()
			return nil, fmt.Errorf("api.tls_cert/tls_key: %w", err)
		}
		t.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	t.Metrics = metrics.New(metrics.Opts{Version: config.Version, Snapshot: t.metricsSnapshot})
	var outbox api.MailOutbox // a nil *merchantNotices must stay a nil interface
	if t.notices != nil {
		outbox = t.notices
	}
	t.API, err = api.New(api.Opts{
		Service: svc, Token: cfg.API.Token, SupervisorToken: cfg.API.SupervisorToken, AllowNoToken: o.AllowNoToken,
		AllowedHosts: allowedHosts(cfg.API.AllowedHosts), Extra: o.APIRoutes,
		Health: t.health, Metrics: t.Metrics.Handler(), Outbox: outbox, Version: config.Version, Logger: log,
	})
	if err != nil {
		t.notices.close()
		store.Close()
		return nil, err
	}
	return t, nil
}

// DefaultProbeEvery is how often the terminal pings the gateway to follow
// a network cut or return while nobody pays (config gateway.probe_every).
const DefaultProbeEvery = 500 * time.Millisecond

// allowedHosts adds the machine's own names (and their mDNS form) to the
// configured ones: a cash register may call the terminal by its hostname,
// and a web page cannot make a browser resolve it to something else.
func allowedHosts(configured []string) []string {
	hosts := append([]string(nil), configured...)
	if h, err := os.Hostname(); err == nil && h != "" && h != "localhost" {
		hosts = append(hosts, h)
		if !strings.Contains(h, ".") {
			hosts = append(hosts, h+".local")
		}
	}
	return hosts
}

// APIURL is the base URL of the API served on ln, for logs.
func (t *Terminal) APIURL(ln net.Listener) string {
	if t.tls != nil {
		return "https://" + ln.Addr().String()
	}
	return "http://" + ln.Addr().String()
}

// onlineServices builds the e-mail sender, the Alipay+ wallets (and their
// reversals, for recovery) and the payment links from the config; each is
// nil (and its payments refused as not supported) when what it needs is
// not configured.
func onlineServices(cfg config.Config, client *gateway.Client, table *cii.Table, m payment.Merchant, log *slog.Logger) (payment.Wallets, payment.WalletReverser, payment.Links, payment.Notifier, error) {
	var (
		wallets   payment.Wallets
		reversals payment.WalletReverser
		links     payment.Links
		mailer    payment.Notifier
	)
	var mail *notify.Mailer // also the sender of payment links
	if cfg.SMTP.Host != "" {
		var err error
		// No ReportTo: the Z report goes with the merchant's other
		// notifications, through the durable outbox (openNotices).
		mail, err = notify.New(&notify.Opts{
			Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, StartTLS: cfg.SMTP.StartTLS,
			Username: cfg.SMTP.Username, Password: cfg.SMTP.Password, From: cfg.SMTP.From,
			Merchant: m, Lang: cfg.Terminal.Language, Logger: log,
		})
		if err != nil {
			return nil, nil, nil, nil, fmt.Errorf("smtp: %w", err)
		}
		mailer = mail
	}
	if client == nil {
		return nil, nil, nil, mailer, nil
	}
	w, err := alipayplus.New(client, &alipayplus.Opts{Issuers: table, Logger: log})
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("alipay+: %w", err)
	}
	wallets, reversals = w, w
	if mail != nil {
		l, err := paylink.New(client, mail, &paylink.Opts{Validity: cfg.Notifications.LinkValidity, Merchant: m, Lang: cfg.Terminal.Language, Logger: log})
		if err != nil {
			return nil, nil, nil, nil, fmt.Errorf("payment links: %w", err)
		}
		links = l
	}
	return wallets, reversals, links, mailer, nil
}

// online is the terminal's view of the gateway; without a gateway the
// terminal is offline for good.
func (t *Terminal) online() bool {
	return t.Connectivity != nil && t.Connectivity.Online()
}

func (t *Terminal) health(ctx context.Context) api.Health {
	h := api.Health{Devices: map[string]string{}, Storage: storageFault(t.Store)}
	if t.Forwarder != nil {
		h.Online, h.QueueLength = t.online(), t.Forwarder.Status().Queued
	} else if s, err := t.Store.Stats(ctx); err == nil {
		h.QueueLength = s.Queued
	}
	if t.reader != nil {
		h.Devices["nfc"] = t.reader.state(ctx)
	}
	if p := t.Devices.Printer; p != nil {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := p.Status(pctx)
		cancel()
		h.Devices["printer"] = stateOf(err)
	}
	if t.Devices.Screen != nil {
		h.Devices["display"] = "ok"
	}
	if t.Devices.Scanner != nil {
		h.Devices["scanner"] = "ok"
	}
	h.Outbox = t.notices.health(ctx, time.Now())
	return h
}

// metricsSnapshot is the state GET /metrics reports: the health check's
// devices, storage and mail outbox, the forwarder's queue, the journal's
// size.
func (t *Terminal) metricsSnapshot(ctx context.Context) metrics.Snapshot {
	h := t.health(ctx)
	s := metrics.Snapshot{
		Gateway: t.Forwarder != nil, Online: h.Online, Queued: h.QueueLength,
		Devices: map[string]bool{}, StorageFault: h.Storage != nil, MaxAge: t.Config.Offline.MaxAge,
	}
	for name, state := range h.Devices {
		s.Devices[name] = state == "ok"
	}
	if o := h.Outbox; o != nil {
		s.Outbox = &metrics.Outbox{Queued: o.Queued, Parked: o.Parked, OldestAge: time.Duration(o.OldestAgeSec) * time.Second}
	}
	if t.Forwarder != nil {
		st := t.Forwarder.Status()
		s.Queued, s.OldestAge, s.ForwardFailures, s.ForwardDeclined = st.Queued, st.OldestAge, st.Failures, st.ForwardDeclined
	} else if st, err := t.Store.Stats(ctx); err == nil {
		s.Queued, s.ForwardDeclined = st.Queued, st.ForwardDeclined
		if !st.Oldest.IsZero() {
			s.OldestAge = time.Since(st.Oldest)
		}
	}
	if fi, err := os.Stat(t.Store.Path()); err == nil {
		s.JournalBytes = fi.Size()
	}
	return s
}

func stateOf(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

// Run serves the API on ln and runs the background loops until ctx ends.
func (t *Terminal) Run(ctx context.Context, ln net.Listener) error {
	g, ctx := errgroup.WithContext(ctx)
	srv := &http.Server{Handler: t.API, ReadHeaderTimeout: 10 * time.Second, TLSConfig: t.tls}
	g.Go(func() error {
		serve := srv.Serve
		if t.tls != nil {
			serve = func(ln net.Listener) error { return srv.ServeTLS(ln, "", "") }
		}
		if err := serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	})
	if t.Forwarder != nil {
		g.Go(func() error { return ignoreCancel(t.Forwarder.Run(ctx)) })
	}
	if t.Gateway != nil {
		every := t.Config.Gateway.ProbeEvery
		if every <= 0 {
			every = DefaultProbeEvery
		}
		g.Go(func() error { return t.Connectivity.Probe(ctx, t.Gateway.Ping, every) })
	}
	g.Go(func() error { return t.housekeeping(ctx) })
	if t.notices != nil {
		t.notices.run(ctx, g)
	}
	events, stopEvents := t.Service.Subscribe(256)
	g.Go(func() error { defer stopEvents(); return t.Metrics.Run(ctx, events) })
	if t.Devices.Screen != nil {
		events, stop := t.Service.Subscribe(64)
		presenter := customer.NewPresenter(t.Devices.Screen, &customer.PresenterOpts{
			Lang: t.Config.Terminal.Language, Merchant: t.Config.Terminal.MerchantName, Logger: t.log,
		})
		g.Go(func() error { defer stop(); return presenter.Run(ctx, events) })
	}
	return g.Wait()
}

// Status is the link to the bank and the offline queue, for the cashier.
func (t *Terminal) Status() (online bool, queued int, oldest time.Time) {
	if t.Forwarder == nil {
		s, _ := t.Store.Stats(context.Background())
		return false, s.Queued, s.Oldest
	}
	st := t.Forwarder.Status()
	return t.online(), st.Queued, st.Oldest
}

// housekeeping refreshes payment links and purges old transactions.
func (t *Terminal) housekeeping(ctx context.Context) error {
	tick := time.NewTicker(15 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			if err := t.Service.RefreshLinks(ctx); err != nil {
				t.log.Warn("refreshing payment links", "err", err)
			}
			if n, err := t.Store.Purge(ctx, time.Now()); err != nil {
				t.log.Warn("purging old transactions", "err", err)
			} else if n > 0 {
				t.log.Info("purged old transactions", "count", n)
			}
		}
	}
}

func ignoreCancel(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// Close stops payments and closes the journal and devices.
func (t *Terminal) Close() error {
	err := t.Service.Close()
	for _, h := range []interface{ Halt() error }{t.Devices.Reader, t.Devices.Printer, t.Devices.Screen, t.Devices.Scanner} {
		if h != nil {
			err = errors.Join(err, h.Halt())
		}
	}
	return errors.Join(err, t.notices.close(), t.Store.Close())
}

// kernelConfig turns the [emv] and [offline] sections into the kernel's
// terminal data, with the CVMs the terminal can collect (online PIN,
// signature). The merchant's offline floor limits are the kernel's
// floor limits: under them a card may approve offline.
func kernelConfig(cfg config.Config, caKeys []emv.CAKey) (emv.Config, error) {
	k := emv.DefaultConfig()
	country, err := countryNumeric(cfg.Terminal.Country)
	if err != nil {
		return emv.Config{}, err
	}
	k.CountryCode = country
	if mcc, err := strconv.Atoi(cfg.Terminal.MCC); err == nil {
		k.MCC = uint16(mcc)
	}
	k.MerchantName = cfg.Terminal.MerchantName
	k.TerminalID = fmt.Sprintf("%-8.8s", cfg.Terminal.ID)
	k.OnlinePIN, k.Signature = cfg.EMV.OnlinePIN, cfg.EMV.Signature
	for i := range k.Apps {
		a := &k.Apps[i]
		a.ContactlessLimit, a.CVMLimit = cfg.EMV.ContactlessLimit, cfg.EMV.CVMLimit
		a.FloorLimit = cfg.Offline.FloorLimit
		if v, ok := cfg.Offline.FloorLimits[string(a.Brand)]; ok {
			a.FloorLimit = v
		}
	}
	k.CAKeys = caKeys
	if cfg.EMV.CAKeysFile != "" {
		keys, err := LoadCAKeys(cfg.EMV.CAKeysFile)
		if err != nil {
			return emv.Config{}, fmt.Errorf("emv.ca_keys_file: %w", err)
		}
		k.CAKeys = keys
	}
	if len(k.CAKeys) == 0 {
		return emv.Config{}, errors.New("emv.ca_keys_file: no CA public keys: offline data authentication would always fail; set the schemes' key file")
	}
	return k, nil
}

// caKeyFile is one entry of the CA public key file: hex RID, index, modulus
// and exponent, as the schemes publish them.
type caKeyFile struct {
	RID      string `json:"rid"`
	Index    string `json:"index"`
	Modulus  string `json:"modulus"`
	Exponent string `json:"exponent"`
}

// LoadCAKeys reads a JSON array of CA public keys.
func LoadCAKeys(path string) ([]emv.CAKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var entries []caKeyFile
	if err := json.Unmarshal(b, &entries); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []emv.CAKey
	for i, e := range entries {
		rid, err1 := hex.DecodeString(e.RID)
		idx, err2 := strconv.ParseUint(e.Index, 16, 8)
		mod, err3 := hex.DecodeString(e.Modulus)
		exp, err4 := strconv.ParseUint(e.Exponent, 16, 32)
		if err := errors.Join(err1, err2, err3, err4); err != nil || len(rid) != 5 || len(mod) < 64 {
			return nil, fmt.Errorf("%s: key %d: want rid (5 bytes hex), index, modulus and exponent in hex", path, i)
		}
		out = append(out, emv.CAKey{RID: rid, Index: byte(idx), Key: &rsa.PublicKey{N: new(big.Int).SetBytes(mod), E: int(exp)}})
	}
	return out, nil
}

// orNone maps a config value where 0 means "none" to ForwarderOpts, where 0
// means the default and a negative value none.
func orNone[T int | time.Duration | float64](v T) T {
	if v == 0 {
		return -1
	}
	return v
}
