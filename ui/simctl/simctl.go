// Package simctl is the one contract of the simulator's emulated world: what
// the simulator window (ui/simulator) and the /v1/sim API (ui/api/apisim)
// drive and watch. tpe-sim's world (device/sim, the gateway simulator, the
// SMTP sink) implements it. It imports the standard library only, and the
// production binary (cmd/tpe) does not link it.
package simctl

import (
	"context"
	"errors"
	"image"
	"time"
)

// ErrNotFound is returned for unknown cards or payments (HTTP 404).
var ErrNotFound = errors.New("simulator: not found")

// ErrNotAvailable is returned when the world lacks what was asked (HTTP 501).
var ErrNotAvailable = errors.New("simulator: not available in this world")

// Card is a virtual card the simulator can present.
type Card struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	PANMasked   string `json:"pan_masked"`
}

// Mail is an e-mail the simulator's SMTP sink received.
type Mail struct {
	From    string   `json:"from"`
	To      []string `json:"to"`
	Subject string   `json:"subject"`
	Text    string   `json:"text"`
	HTML    string   `json:"html,omitempty"`
	At      string   `json:"at"`
}

// World is the emulated terminal and its surroundings.
type World interface {
	// Cards lists the virtual cards of the wallet.
	Cards() []Card
	// PresentCard puts a virtual card (a profile name) or a scripted card
	// (the JSON of a *.card.json file) in the reader's field for the next read.
	PresentCard(ctx context.Context, profile string, script []byte) error
	// Scan makes the scanner read code (a customer's payment code).
	Scan(ctx context.Context, code string) error
	// Wallet makes the customer's wallet pay or decline ("pay", "decline")
	// the Alipay+ payment paymentID.
	Wallet(ctx context.Context, paymentID, wallet, action string) error
	// SetNetwork cuts or restores the terminal's connection to the gateway.
	SetNetwork(online bool) error
	Network() bool
	// Receipts are the printer's cut receipts as paper images, oldest first.
	Receipts() []image.Image
	// Display is the customer display's framebuffer now (nil: no display).
	Display() image.Image
	// Outbox lists the e-mails sent, oldest first.
	Outbox() ([]Mail, error)
}

// PINPad is what a World may also offer: the customer at the terminal's
// PIN pad, for the payment waiting for a PIN (state awaiting_pin).
type PINPad interface {
	// EnterPIN types pin (4 to 12 digits) and validates; it returns the
	// payment that took it, ErrNotFound when none waits for a PIN.
	EnterPIN(ctx context.Context, pin string) (paymentID string, err error)
	// CancelPIN presses Annuler on the pad.
	CancelPIN(ctx context.Context) (paymentID string, err error)
}

// Latency is what a World may also offer: delay every gateway exchange
// (a slow acquirer, a poor mobile link).
type Latency interface {
	SetLatency(d time.Duration)
}
