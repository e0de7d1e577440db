package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"tpe/cmd/internal/hardware"
	"tpe/cmd/internal/terminal"
	"tpe/config"
	"tpe/device/display"
	"tpe/device/nfc"
	"tpe/device/printer"
	"tpe/device/scanner"
	"tpe/device/sim"
	"tpe/payment"
	"tpe/payment/alipayplus/cii"
	"tpe/payment/emv/cardsim"
	"tpe/payment/gateway/gatewaysim"
	"tpe/payment/notify/smtpsim"
	"tpe/payment/pin"
	"tpe/ui/api/apisim"
	"tpe/ui/simctl"
)

// world is the simulated shop: the emulated chips, the embedded gateway, the
// network switch, and the terminal running on them. It answers the API's
// /v1/sim/ controls and feeds the simulator window.
type world struct {
	cfg     config.Config
	log     *slog.Logger
	term    *terminal.Terminal
	nfc     *sim.NFC
	printer *sim.Printer
	display *sim.Display
	scanner *sim.Scanner
	gw      *gatewaysim.Server // nil with --gateway
	// wallets is the wallet table of the shop's acquirer: the terminal
	// reads customers' codes with it, the embedded gateway names their
	// wallets with it, and the phone's wallet apps show codes it knows.
	wallets *cii.Table
	gwSrv   *http.Server
	mail    *smtpsim.Server // the shop's mail relay: every e-mail lands in the outbox
	net     *network
	cancel  context.CancelFunc
}

var _ simctl.World = (*world)(nil)

func openWorld(ctx context.Context, cfg config.Config, f flags, log *slog.Logger) (_ *world, err error) {
	// The world drives every peripheral (cards, paper, display, scanner):
	// each must be emulated.
	h := cfg.Hardware
	for _, d := range [][2]string{{"nfc", h.NFC.Driver}, {"printer", h.Printer.Driver}, {"display", h.Display.Driver}, {"scanner", h.Scanner.Driver}} {
		if d[1] != "sim" {
			return nil, fmt.Errorf("hardware.%s.driver = %q: tpe-sim emulates every peripheral: set it to sim (or leave it out); real devices run in tpe", d[0], d[1])
		}
	}
	w := &world{cfg: cfg, log: log, net: &network{inner: http.DefaultTransport.(*http.Transport).Clone()}}
	ctx, w.cancel = context.WithCancel(ctx)
	defer func() {
		if err != nil {
			w.Close()
		}
	}()
	if w.wallets, err = simWalletTable(cfg); err != nil {
		return nil, err
	}
	if f.gateway != "" {
		w.cfg.Gateway.URL = f.gateway
	} else if err := w.startGateway(f.noSCA); err != nil {
		return nil, err
	}
	if w.mail, err = smtpsim.Start("127.0.0.1:0", nil); err != nil {
		return nil, fmt.Errorf("SMTP sink: %w", err)
	}
	host, port, _ := net.SplitHostPort(w.mail.Addr())
	w.cfg.SMTP.Host, w.cfg.SMTP.StartTLS, w.cfg.SMTP.From = host, false, "caisse@simulateur.example"
	w.cfg.SMTP.Port, _ = strconv.Atoi(port)
	// The sim factory keeps the chips in w, which closes them: there are
	// no buses to close.
	hw, _, err := hardware.Open(ctx, w.cfg.Hardware, &hardware.Opts{
		Factories: map[string]hardware.Factory{"sim": w.simFactory(f.pace)}, Logger: log,
	})
	if err != nil {
		return nil, err
	}
	dev := terminal.Devices(hw)
	if err := injectSimPINKey(w.cfg.Offline.KeyFile); err != nil {
		return nil, err
	}
	w.term, err = terminal.Open(ctx, w.cfg, dev, terminal.Opts{
		CAKeys: cardsim.CAKeys(), HTTPClient: &http.Client{Transport: w.net},
		APIRoutes: apisim.Routes(w), CreateKey: true, AllowNoToken: loopbackListen(cfg.API.Listen), Wallets: w.wallets, Logger: log,
	})
	if err != nil {
		return nil, err
	}
	go w.takeCardsAway(ctx)
	return w, nil
}

// simFactory opens the emulated chips for the "sim" driver and keeps them:
// the world owns and closes them (hardware.Open gets no closer).
func (w *world) simFactory(pace bool) hardware.Factory {
	return hardware.Factory{
		NFC: func(ctx context.Context, c config.NFC, log *slog.Logger) (nfc.Reader, io.Closer, error) {
			n, err := sim.NewNFC(ctx, &sim.NFCOpts{Baud: c.Baud, Pace: pace, Logger: log})
			if err != nil {
				return nil, nil, fmt.Errorf("emulated NFC reader: %w", err)
			}
			w.nfc = n
			return n.Reader(), nil, nil
		},
		Printer: func(_ context.Context, c config.Printer, log *slog.Logger) (printer.Printer, io.Closer, error) {
			p, err := sim.NewPrinter(&sim.PrinterOpts{Width: c.Width, Logger: log})
			if err != nil {
				return nil, nil, fmt.Errorf("emulated printer: %w", err)
			}
			w.printer = p
			return p, nil, nil
		},
		Display: func(_ context.Context, c config.Display, log *slog.Logger) (display.Screen, io.Closer, error) {
			d, err := sim.NewDisplay(&sim.DisplayOpts{Width: c.Width, Height: c.Height, Logger: log})
			if err != nil {
				return nil, nil, fmt.Errorf("emulated display: %w", err)
			}
			w.display = d
			return d, nil, nil
		},
		Scanner: func(_ context.Context, c config.Scanner, log *slog.Logger) (scanner.Scanner, io.Closer, error) {
			s, err := sim.NewScanner(&sim.ScannerOpts{Baud: c.Baud, Logger: log})
			if err != nil {
				return nil, nil, fmt.Errorf("emulated scanner: %w", err)
			}
			w.scanner = s
			return s.Scanner(), nil, nil
		},
	}
}

// takeCardsAway plays the customer: a tapped card leaves the field once the
// terminal says "remove card" (or the payment ends), as a real tap does.
func (w *world) takeCardsAway(ctx context.Context) {
	events, stop := w.term.Service.Subscribe(16)
	defer stop()
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-events:
			switch e.Type {
			case payment.EventRemoveCard, payment.EventCancelled, payment.EventFailed:
				w.nfc.Remove()
			}
		}
	}
}

// simWalletTable is the wallet table the config names
// (alipayplus.wallet_table, the same file gatewaysim --wallet-table reads),
// or the gateway simulator's own: the published prefixes and its CIIs for
// GCash, Kakao Pay, Touch 'n Go, TrueMoney and DANA.
func simWalletTable(cfg config.Config) (*cii.Table, error) {
	if cfg.AlipayPlus.WalletTable == "" {
		return gatewaysim.WalletTable(), nil
	}
	return terminal.WalletTable(cfg)
}

// startGateway serves the embedded gateway simulator on a loopback port,
// with its PSD2 rule unless noSCA (tpe-sim --sca=false), naming customers'
// wallets with w.wallets.
func (w *world) startGateway(noSCA bool) error {
	gw, err := gatewaysim.New(filepath.Join(w.cfg.DataDir, "gateway"), &gatewaysim.Opts{DisableSCA: noSCA, Wallets: w.wallets})
	if err != nil {
		return fmt.Errorf("embedded gateway: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		gw.Close()
		return err
	}
	w.gw, w.gwSrv = gw, &http.Server{Handler: gw, ReadHeaderTimeout: 10 * time.Second}
	go w.gwSrv.Serve(ln)
	w.cfg.Gateway.URL = "http://" + ln.Addr().String()
	w.log.Info("embedded gateway simulator", "url", w.cfg.Gateway.URL)
	return nil
}

func (w *world) Close() error {
	var err error
	if w.term != nil {
		err = w.term.Close()
	}
	if w.cancel != nil {
		w.cancel()
	}
	// Each chip is nil when opening stopped before it.
	if w.nfc != nil {
		err = errors.Join(err, w.nfc.Close())
	}
	if w.printer != nil {
		err = errors.Join(err, w.printer.Close())
	}
	if w.scanner != nil {
		err = errors.Join(err, w.scanner.Close())
	}
	if w.gwSrv != nil {
		w.gwSrv.Close()
		err = errors.Join(err, w.gw.Close())
	}
	if w.mail != nil {
		err = errors.Join(err, w.mail.Close())
	}
	return err
}

// PresentCard puts a virtual card (profile) or a scripted card in the field.
func (w *world) PresentCard(_ context.Context, profile string, script []byte) error {
	if len(script) > 0 {
		card, err := cardsim.ParseScript(script)
		if err != nil {
			return err
		}
		w.tap(card)
		return nil
	}
	card, err := cardsim.New(profile)
	if err != nil {
		return fmt.Errorf("%w: %v (GET /v1/sim/cards lists them)", simctl.ErrNotFound, err)
	}
	w.tap(card)
	return nil
}

// tap puts card in the field in place of any card left there.
func (w *world) tap(card nfc.Card) {
	w.nfc.Remove()
	w.nfc.Present(card)
}

func (w *world) Cards() []simctl.Card {
	var out []simctl.Card
	for _, p := range cardsim.Profiles() {
		out = append(out, simctl.Card{Name: p.Name, Description: p.Description, PANMasked: payment.NewPAN(p.PAN).Masked()})
	}
	return out
}

// Scan shows code to the scanner once the terminal is waiting for one: a
// code scanned while nothing waits would be dropped, as by a real terminal.
func (w *world) Scan(ctx context.Context, code string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := w.scanner.ScanWhenAsked(ctx, code); err != nil {
		return fmt.Errorf("the terminal is not waiting for a payment code (start an Alipay+ payment with \"scan\": true): %w", err)
	}
	return nil
}

// Wallet makes the customer's wallet app pay or decline the Alipay+
// payment: the gateway simulator plays the wallet.
func (w *world) Wallet(ctx context.Context, paymentID, wallet, action string) error {
	t, err := w.term.Service.Get(ctx, paymentID)
	if err != nil {
		return fmt.Errorf("%w: payment %s", simctl.ErrNotFound, paymentID)
	}
	if w.gw != nil {
		return w.gw.WalletAction(t.OrderID, wallet, action)
	}
	body, _ := json.Marshal(map[string]string{"order_id": t.OrderID, "wallet": wallet, "action": action})
	req, _ := http.NewRequestWithContext(ctx, "POST", strings.TrimSuffix(w.cfg.Gateway.URL, "/")+"/sim/wallet", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("gateway simulator: %s: %s", resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}

func (w *world) SetNetwork(online bool) error {
	w.net.SetOnline(online)
	w.log.Info("network switch", "online", online)
	if online && w.term.Forwarder != nil {
		w.term.Forwarder.Kick()
	}
	return nil
}

// The simulator window's views of the world.

func (w *world) Network() bool              { return w.net.Online() }
func (w *world) SetLatency(d time.Duration) { w.net.SetLatency(d) }
func (w *world) Receipts() []image.Image    { return w.printer.All() }
func (w *world) Display() image.Image       { return w.display.Snapshot() }

func (w *world) Outbox() ([]simctl.Mail, error) {
	var out []simctl.Mail
	for _, m := range w.mail.Messages() {
		out = append(out, simctl.Mail{From: m.HeaderFrom, To: m.To, Subject: m.Subject, Text: m.Text, HTML: m.HTML, At: m.Date})
	}
	return out, nil
}

// loopbackListen: the simulator may serve without a token only there
// (checkListen has refused the rest; this is the API's own guard).
func loopbackListen(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	return err == nil && config.LoopbackHost(host)
}

var _ simctl.PINPad = (*world)(nil)

// EnterPIN is the customer typing pin on the PIN pad and validating.
func (w *world) EnterPIN(_ context.Context, digits string) (string, error) {
	id, err := w.awaitingPIN()
	if err != nil {
		return "", err
	}
	p, err := pin.ParsePIN(digits)
	if err != nil {
		return "", err
	}
	return id, w.term.Service.EnterPIN(id, p)
}

// CancelPIN is the customer pressing Annuler on the PIN pad.
func (w *world) CancelPIN(context.Context) (string, error) {
	id, err := w.awaitingPIN()
	if err != nil {
		return "", err
	}
	return id, w.term.Service.CancelPIN(id)
}

func (w *world) awaitingPIN() (string, error) {
	ids := w.term.Service.AwaitingPIN()
	if len(ids) == 0 {
		return "", fmt.Errorf("%w: no payment is waiting for a PIN", simctl.ErrNotFound)
	}
	return ids[0], nil
}
