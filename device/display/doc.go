// Package display is the contract for the customer-facing screen: the payment
// flow renders frames as plain images (ui/customer), a Screen shows them.
package display
