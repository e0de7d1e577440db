// Package till adapts a running terminal to the cashier UI: the bank link
// and offline queue it shows, and cashier sign-in by the OAuth 2.0 device
// grant (RFC 8628) against the identity provider. Only the windowed builds
// import it, so headless cross builds carry no fyne.
package till
