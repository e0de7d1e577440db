package cashier

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
)

// confirmScreen asks the cashier to confirm an action (void, close the
// day): it covers the current screen (UI.confirm) until answered.
type confirmScreen struct {
	u     *UI
	msg   string
	yes   func()
	label string
}

// ask replaces the screen with a confirmation until answered.
func (u *UI) ask(msg, label string, yes func()) {
	u.confirm = &confirmScreen{u: u, msg: msg, yes: yes, label: label}
	u.render()
}

func (c *confirmScreen) view() fyne.CanvasObject {
	u := c.u
	q := wrapLabel(c.msg)
	q.TextStyle.Bold = true
	q.Alignment = fyne.TextAlignCenter
	yes := newTile(c.label, "", nil, colBrand, colWhite, 20, fyne.NewSize(220, 64), u.tap(func() {
		u.confirm = nil
		c.yes()
	}))
	no := newTile(u.T("confirm.no"), "", nil, colCard, colInk, 20, fyne.NewSize(220, 64), u.tap(func() {
		u.confirm = nil
		u.render()
	}))
	u.keyFn = func(ev *fyne.KeyEvent) {
		switch ev.Name {
		case fyne.KeyEscape:
			u.confirm = nil
			u.render()
		case fyne.KeyReturn, fyne.KeyEnter:
			u.confirm = nil
			c.yes()
		}
	}
	box := container.NewVBox(q, layout.NewSpacer(), container.NewCenter(container.NewHBox(no, yes)))
	return container.NewCenter(container.New(layout.NewGridWrapLayout(fyne.NewSize(560, 220)), panel(box)))
}
