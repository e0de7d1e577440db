package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"golang.org/x/oauth2"
)

// Cashier is who signed in on the terminal; Name and Role go on receipts,
// refunds and the audit trail.
type Cashier struct {
	Name    string
	Subject string
	Role    string // RoleCashier or RoleSupervisor
	Expiry  time.Time
}

// Roles a cashier can hold (the "role" claim of the ID token).
const (
	RoleCashier    = "cashier"
	RoleSupervisor = "supervisor"
)

// DeviceSignIn signs cashiers in with the OAuth 2.0 device authorization
// grant (RFC 8628): the terminal shows a QR of verification_uri_complete and
// the user code; the cashier approves on a phone; the terminal polls the
// token endpoint and verifies the ID token it gets.
type DeviceSignIn struct {
	v        *IDVerifier
	clientID string
	hc       *http.Client
}

// DeviceAuth is one sign-in in progress. DeviceCode is a secret.
type DeviceAuth struct {
	UserCode                string
	VerificationURI         string
	VerificationURIComplete string // encode this in the QR
	ExpiresAt               time.Time
	Interval                time.Duration
	resp                    *oauth2.DeviceAuthResponse
}

// DeviceCode is the secret device code (RFC 8628 §3.2) for callers that
// persist a sign-in in progress. Never show or log it.
func (d *DeviceAuth) DeviceCode() string { return d.resp.DeviceCode }

// NewDeviceSignIn uses v's issuer (discovery gives the endpoints) and its
// client ID, a public client.
func NewDeviceSignIn(v *IDVerifier, hc *http.Client) *DeviceSignIn {
	if hc == nil {
		hc = v.o.HTTPClient
	}
	return &DeviceSignIn{v: v, clientID: v.clientID, hc: hc}
}

func (d *DeviceSignIn) config(ctx context.Context) (*oauth2.Config, error) {
	tok, dev, err := d.v.Endpoints(ctx)
	if err != nil {
		return nil, err
	}
	if dev == "" {
		return nil, errors.New("gateway: the identity provider has no device authorization endpoint")
	}
	return &oauth2.Config{ClientID: d.clientID, Scopes: []string{"openid", "profile"},
		Endpoint: oauth2.Endpoint{TokenURL: tok, DeviceAuthURL: dev, AuthStyle: oauth2.AuthStyleInParams}}, nil
}

// Start asks for a device and user code.
func (d *DeviceSignIn) Start(ctx context.Context) (*DeviceAuth, error) {
	cfg, err := d.config(ctx)
	if err != nil {
		return nil, err
	}
	r, err := cfg.DeviceAuth(context.WithValue(ctx, oauth2.HTTPClient, d.hc))
	if err != nil {
		return nil, fmt.Errorf("gateway: device sign-in: %w", redactTokenErr(err))
	}
	da := &DeviceAuth{UserCode: r.UserCode, VerificationURI: r.VerificationURI,
		VerificationURIComplete: r.VerificationURIComplete, ExpiresAt: r.Expiry,
		Interval: time.Duration(r.Interval) * time.Second, resp: r}
	if da.Interval <= 0 {
		da.Interval = 5 * time.Second
	}
	return da, nil
}

// Wait polls until the cashier approves or refuses, or the code expires
// (authorization_pending and slow_down are handled as RFC 8628 §3.5 says),
// then verifies the ID token and returns the cashier. It returns
// ErrAccessDenied, ErrSignInExpired, ErrNoRole or a *TokenError.
func (d *DeviceSignIn) Wait(ctx context.Context, da *DeviceAuth) (Cashier, error) {
	cfg, err := d.config(ctx)
	if err != nil {
		return Cashier{}, err
	}
	tok, err := cfg.DeviceAccessToken(context.WithValue(ctx, oauth2.HTTPClient, d.hc), da.resp)
	if err != nil {
		var re *oauth2.RetrieveError
		switch {
		case errors.As(err, &re) && re.ErrorCode == "access_denied":
			return Cashier{}, ErrAccessDenied
		case errors.As(err, &re) && re.ErrorCode == "expired_token":
			return Cashier{}, ErrSignInExpired
		case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
			return Cashier{}, ErrSignInExpired // the code's own expiry
		}
		return Cashier{}, fmt.Errorf("gateway: device sign-in: %w", redactTokenErr(err))
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Cashier{}, &TokenError{Reason: ReasonMissingClaim, Err: errors.New("no id_token in the token response")}
	}
	c, err := d.v.Verify(ctx, raw)
	if err != nil {
		return Cashier{}, err
	}
	return CashierFrom(c)
}

// CashierFrom reads the cashier out of verified claims.
func CashierFrom(c *IDClaims) (Cashier, error) {
	if c.Role != RoleCashier && c.Role != RoleSupervisor {
		return Cashier{}, fmt.Errorf("%w: %q", ErrNoRole, c.Role)
	}
	name := c.Name
	if name == "" {
		name = c.PreferredUsername
	}
	return Cashier{Name: name, Subject: c.Subject, Role: c.Role, Expiry: c.Expiry}, nil
}
