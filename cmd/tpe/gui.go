//go:build cgo && !ci

package main

import (
	"context"
	"log/slog"
	"net"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"tpe/cmd/internal/terminal"
	"tpe/cmd/internal/till"
	"tpe/config"
	"tpe/ui/cashier"
)

// hasUI: this build links fyne's real (GLFW/OpenGL) driver.
const hasUI = true

// runKiosk runs the cashier UI full screen beside the API. On the board it
// runs inside the cage kiosk compositor (scripts/systemd/tpe-kiosk.service),
// through Xwayland.
func runKiosk(ctx context.Context, t *terminal.Terminal, ln net.Listener, log *slog.Logger, ui *heartbeat) error {
	signIn, err := till.SignIn(t.Config.OIDC)
	if err != nil {
		return err
	}
	a := app.NewWithID("fr.tpe.terminal")
	a.Settings().SetTheme(cashier.NewTheme())
	cui := cashier.New(a, t.Service, &cashier.Opts{
		Lang: t.Config.Terminal.Language, SignIn: signIn, Status: till.Status(t), Notifier: t.Notifier,
		Version: config.Version, Logger: log,
		IdleTimeout: t.Config.OIDC.IdleTimeout,
	})
	win := cui.Window()
	win.SetFullScreen(true)
	ctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- t.Run(ctx, ln) }()
	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	go func() { // the watchdog's proof that the event loop runs
		tick := time.NewTicker(uiBeat)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				fyne.Do(ui.Beat)
			}
		}
	}()
	win.ShowAndRun()
	cui.Close()
	cancel()
	return <-served
}
