package cashier

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"

	"tpe/payment"
)

// settingsScreen shows the terminal's identity, the network, who is signed
// in, and the language (technicians only).
type settingsScreen struct{ u *UI }

func (u *UI) goSettings() {
	u.requireRole(RoleTechnician, func(Cashier) { u.show(settingsScreen{u}) })
}

func (settingsScreen) id() screenID               { return scrSettings }
func (settingsScreen) nav() screenID              { return scrSettings }
func (settingsScreen) onEvent(payment.Event) bool { return false }

func (s settingsScreen) view() fyne.CanvasObject {
	u := s.u
	m := u.svc.Merchant()
	kv := func(k, v string) fyne.CanvasObject {
		if v == "" {
			v = "—"
		}
		return container.NewBorder(nil, nil, container.New(layout.NewGridWrapLayout(fyne.NewSize(170, 30)), text(u.T(k), 15, colMuted, false)), nil, text(v, 16, colInk, true))
	}
	net := u.T("status.online")
	if !u.status.Online {
		net = u.T("status.offline")
	}
	roles := []string{}
	user := ""
	if u.user != nil {
		user = u.user.Name
		for _, r := range u.user.Roles {
			roles = append(roles, u.T("role."+string(r)))
		}
	}
	langs := container.NewHBox()
	for _, l := range Langs {
		bg, fg := colCard, colInk
		if l == u.lang {
			bg, fg = colBrand, colWhite
		}
		name := map[string]string{"fr": "Français", "en": "English"}[l]
		langs.Add(newTile(name, "", nil, bg, fg, 16, fyne.NewSize(130, 48), u.tap(func() { u.setLang(l) })))
	}
	return container.NewVBox(
		text(u.T("set.title"), 22, colInk, true),
		panel(container.NewVBox(
			kv("set.merchant", strings.TrimSpace(m.Name+" "+m.City)),
			kv("set.mid", m.ID),
			kv("set.terminal", m.TerminalID),
			kv("set.currency", u.svc.Currency()),
			kv("set.network", net),
			kv("set.version", u.o.Version),
			kv("set.user", user),
			kv("set.roles", strings.Join(roles, ", ")),
		)),
		container.NewBorder(nil, nil, text(u.T("set.lang"), 16, colInk, true), nil, langs),
	)
}
