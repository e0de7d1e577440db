package cashier

import (
	"fyne.io/fyne/v2"

	"tpe/payment"
)

// screenID names a screen: the navigation rail, the status poll and the
// event fan-out compare these instead of strings.
type screenID int

const (
	scrNone screenID = iota // nothing shown yet
	scrSale
	scrHistory
	scrDetail
	scrRefund
	scrLinks
	scrReports
	scrSettings
	scrPIN // the customer's PIN pad
)

// screen is one room of the cashier UI: its own type, file and state. UI
// shows one at a time (show), draws it through view on every render, hands
// it the service's events, and lights the rail item nav names.
type screen interface {
	id() screenID
	// view builds the screen's objects; it may set UI.keyFn/runeFn.
	view() fyne.CanvasObject
	// onEvent applies a service event to the screen's state; true asks
	// for the screen to be drawn again.
	onEvent(e payment.Event) bool
	// nav is the rail item lit while the screen shows.
	nav() screenID
}
