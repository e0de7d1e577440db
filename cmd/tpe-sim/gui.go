//go:build cgo || ci

package main

import (
	"context"
	"log/slog"
	"net"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"tpe/cmd/internal/till"
	"tpe/config"
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
		Scanner: w.scanner.Scanner(), Version: config.Version, Logger: log,
	})
	sim := simulator.New(a, w.term.Service, w, cui, &simulator.Opts{Lang: lang, Logger: log})

	ctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- w.term.Run(ctx, ln) }()
	go func() {
		<-ctx.Done() // SIGINT, SIGTERM or the API failing: close the window
		fyne.Do(a.Quit)
	}()
	log.Info("listening on " + w.term.APIURL(ln))
	sim.Window().ShowAndRun()
	sim.Close()
	cui.Close()
	cancel()
	return <-served
}
