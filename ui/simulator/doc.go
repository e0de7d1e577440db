// Package simulator is the desktop simulator's window content: the cashier
// UI in a terminal-sized frame, and around it the emulated world a
// developer plays with — a card wallet (tap a virtual card to present it
// to the emulated PN532), the customer's phone (pay or decline the Alipay+
// QR code the terminal shows, or present a payment code to the scanner),
// the paper roll of the emulated ESC/POS printer with tear-off, the
// emulated ST7789 customer display live, a network switch, the outbox of
// e-mails sent and a log of the payment service's events.
//
// It holds no business logic: the world's controls are the World interface
// (device/sim's terminal implements it for tpe-sim), payments are the
// payment.Service's, and the cashier is ui/cashier's.
//
// Wiring (cmd/tpe-sim):
//
//	cui := cashier.New(app, svc, &cashier.Opts{...})
//	sim := simulator.New(app, svc, world, cui, &simulator.Opts{Lang: "fr"})
//	sim.Window().ShowAndRun()
//	sim.Close(); cui.Close()
package simulator
