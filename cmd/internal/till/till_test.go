package till

import (
	"slices"
	"testing"

	"tpe/config"
	"tpe/ui/cashier"
)

func TestRoles(t *testing.T) {
	if r := Roles("supervisor"); !slices.Contains(r, cashier.RoleSupervisor) || !slices.Contains(r, cashier.RoleCashier) {
		t.Errorf("supervisor: %v", r)
	}
	if r := Roles("cashier"); slices.Contains(r, cashier.RoleSupervisor) {
		t.Errorf("cashier gets supervisor: %v", r)
	}
	if r := Roles("admin"); r != nil {
		t.Errorf("unknown role gets %v", r)
	}
}

func TestNoIssuerNoSignIn(t *testing.T) {
	s, err := SignIn(config.OIDC{})
	if s != nil || err != nil {
		t.Errorf("SignIn without issuer = %v, %v", s, err)
	}
}
