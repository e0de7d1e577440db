package till

import (
	"context"

	"tpe/cmd/internal/terminal"
	"tpe/config"
	"tpe/payment/gateway"
	"tpe/ui/cashier"
)

// Status reads the bank link and the offline queue for the cashier UI.
func Status(t *terminal.Terminal) func() cashier.Status {
	return func() cashier.Status {
		online, queued, oldest := t.Status()
		return cashier.Status{Online: online, Queued: queued, Oldest: oldest}
	}
}

// SignIn is the device-code sign-in of [oidc]; nil when no issuer is
// configured (then one till user works without signing in).
func SignIn(c config.OIDC) (cashier.SignIn, error) {
	if c.Issuer == "" {
		return nil, nil
	}
	v, err := gateway.NewIDVerifier(c.Issuer, c.ClientID, nil)
	if err != nil {
		return nil, err
	}
	return deviceSignIn{gateway.NewDeviceSignIn(v, nil)}, nil
}

type deviceSignIn struct{ d *gateway.DeviceSignIn }

func (s deviceSignIn) Start(ctx context.Context) (cashier.Challenge, error) {
	da, err := s.d.Start(ctx)
	if err != nil {
		return cashier.Challenge{}, err
	}
	return cashier.Challenge{
		UserCode: da.UserCode, VerificationURI: da.VerificationURI,
		VerificationURIComplete: da.VerificationURIComplete, ExpiresAt: da.ExpiresAt,
		Poll: func(ctx context.Context) (cashier.Cashier, error) {
			c, err := s.d.Wait(ctx, da)
			if err != nil {
				return cashier.Cashier{}, err
			}
			return cashier.Cashier{Name: c.Name, Roles: Roles(c.Role), Expires: c.Expiry}, nil
		},
	}, nil
}

// Roles maps the identity provider's role to the till's. A supervisor may
// also open the (read-only) settings: the IdP has no technician role.
func Roles(idpRole string) []cashier.Role {
	switch idpRole {
	case gateway.RoleSupervisor:
		return []cashier.Role{cashier.RoleCashier, cashier.RoleSupervisor, cashier.RoleTechnician}
	case gateway.RoleCashier:
		return []cashier.Role{cashier.RoleCashier}
	}
	return nil
}
