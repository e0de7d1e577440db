//go:build cgo || ci

package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"tpe/cmd/internal/till"
	"tpe/config"
	"tpe/payment/alipayplus/cii"
	"tpe/ui/cashier"
	"tpe/ui/simulator"
)

// runWindow opens the simulator window — the cashier UI in a terminal frame
// with the emulated world around it — and serves the API beside it.
func runWindow(ctx context.Context, w *world, ln net.Listener, log *slog.Logger) error {
	a := app.NewWithID("fr.tpe.simulator")
	a.Settings().SetTheme(cashier.NewTheme())
	lang := w.cfg.Terminal.Language
	// The simulator's till is worked by one person with every role: a
	// developer tries refunds and settings without an identity provider.
	user := &cashier.Cashier{Name: "Caisse 1", Roles: []cashier.Role{cashier.RoleCashier, cashier.RoleSupervisor, cashier.RoleTechnician}}
	cui := cashier.New(a, w.term.Service, &cashier.Opts{
		Lang: lang, User: user, Status: till.Status(w.term), Notifier: w.term.Notifier,
		Version: config.Version, Logger: log,
	})
	sim := simulator.New(a, w.term.Service, w, cui, &simulator.Opts{Lang: lang, Wallets: phoneWallets(w.wallets), Logger: log})

	ctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- w.term.Run(ctx, ln) }()
	go func() {
		<-ctx.Done() // SIGINT, SIGTERM or the API failing: close the window
		fyne.Do(a.Quit)
	}()
	log.Info("listening on " + w.term.APIURL(ln))
	win := sim.Window()
	fit := fitWindow(win, os.Getenv("TPE_SIM_SIZE"), log)
	win.Show()
	fit()
	a.Run()
	sim.Close()
	cui.Close()
	cancel()
	return <-served
}

// fitWindow sizes the window before it shows: TPE_SIM_SIZE=WxH when set (a
// developer trying a laptop's size on a big screen), else the screen's work
// area (capped at the comfortable size, never under simulator.MinWindow),
// else MinWindow (1280×720 fits every laptop). The window stays resizable:
// the simulator lays itself out for any size from MinWindow up.
//
// Screen sizes are in pixels and fyne's in scaled units; the scale is known
// once the window shows, so the returned func, called after Show, sizes the
// window again on a HiDPI screen.
func fitWindow(win fyne.Window, env string, log *slog.Logger) (afterShow func()) {
	if env != "" {
		var w, h float32
		if _, err := fmt.Sscanf(env, "%fx%f", &w, &h); err == nil && w > 0 && h > 0 {
			log.Debug("window size from TPE_SIM_SIZE", "size", env)
			win.Resize(fyne.NewSize(w, h))
			return func() {}
		}
		log.Warn("TPE_SIM_SIZE is WIDTHxHEIGHT, such as 1366x768: ignored", "value", env)
	}
	px, ok := screenSize()
	win.Resize(simulator.WindowSize(px))
	win.CenterOnScreen()
	log.Debug("window size", "screen", px, "known", ok, "window", simulator.WindowSize(px))
	return func() {
		if sc := win.Canvas().Scale(); ok && sc > 0 && sc != 1 {
			win.Resize(simulator.WindowSize(fyne.NewSize(px.Width/sc, px.Height/sc)))
		}
	}
}

// phoneWallets are the customer's wallet apps for the acquirer's wallet
// table: Alipay's 18-digit legacy code, then a 24-digit code (CII, business
// type 02, 16 digits) for each wallet with a 6-digit prefix, so that every
// code the phone shows is one the terminal recognises.
func phoneWallets(t *cii.Table) []simulator.PhoneWallet {
	out := []simulator.PhoneWallet{{Name: "Alipay", Prefix: "28", Digits: 18}}
	for _, e := range t.Entries() {
		for _, p := range e.Prefixes {
			if len(p) == 6 {
				out = append(out, simulator.PhoneWallet{Name: e.Name, Prefix: p + "02", Digits: 24})
				break
			}
		}
	}
	return out
}
