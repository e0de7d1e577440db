package simulator

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"

	"tpe/payment"
	"tpe/ui/simctl"
)

type rect struct {
	name       string
	x, y, w, h float32
}

func (r rect) String() string {
	return fmt.Sprintf("%s %.0f,%.0f %.0f×%.0f", r.name, r.x, r.y, r.w, r.h)
}

func (r rect) overlaps(o rect) bool {
	return r.x < o.x+o.w && o.x < r.x+r.w && r.y < o.y+o.h && o.y < r.y+r.h
}

func bounds(name string, o fyne.CanvasObject) rect {
	p := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
	return rect{name, p.X, p.Y, o.Size().Width, o.Size().Height}
}

// visibleRegions are the desk's regions shown now, with their bounds.
func (e *env) visibleRegions() []rect {
	var out []rect
	e.sim.Sync(func() {
		r := e.sim.regions()
		for _, o := range []struct {
			name string
			o    fyne.CanvasObject
		}{{"terminal", r.term}, {"display", r.display}, {"paper", r.paper}, {"chips", r.chips}, {"status", r.status},
			{"wallet", r.panels[tabWallet]}, {"network", r.panels[tabNetwork]}, {"phone", r.panels[tabPhone]}, {"log", r.panels[tabLog]}} {
			if o.o.Visible() {
				out = append(out, bounds(o.name, o.o))
			}
		}
	})
	return out
}

// TestLayoutFitsSmallScreens lays the window out at laptop sizes: every
// region lies inside the window, none covers another, the terminal keeps
// its 1024×600 screen, the display and the paper stay big enough to read,
// and every side panel can be shown.
func TestLayoutFitsSmallScreens(t *testing.T) {
	for _, size := range []fyne.Size{MinWindow, fyne.NewSize(1366, 768), fyne.NewSize(1280, 800), fyne.NewSize(1600, 900), fyne.NewSize(1920, 1080), fyne.NewSize(1680, 720)} {
		t.Run(fmt.Sprintf("%.0fx%.0f", size.Width, size.Height), func(t *testing.T) {
			e := newEnvAt(t, size)
			e.drain()
			if got := e.w.Canvas().Size(); got != size {
				t.Fatalf("canvas %v, want %v", got, size)
			}
			var screen fyne.Size
			e.sim.Sync(func() { screen = e.sim.cui.Content().Size() })
			if screen != fyne.NewSize(screenW, screenH) {
				t.Errorf("cashier screen %v, want 1024×600", screen)
			}
			seen := map[string]bool{}
			for tb := range nTabs {
				e.chooseTab(tb)
				regs := e.visibleRegions()
				for i, r := range regs {
					seen[r.name] = true
					if r.x < 0 || r.y < 0 || r.x+r.w > size.Width+0.5 || r.y+r.h > size.Height+0.5 {
						t.Errorf("tab %d: %v is not inside the %v window", tb, r, size)
					}
					if r.w < 1 || r.h < 1 {
						t.Errorf("tab %d: %v is empty", tb, r)
					}
					for _, o := range regs[i+1:] {
						if r.overlaps(o) {
							t.Errorf("tab %d: %v covers %v", tb, r, o)
						}
					}
					switch r.name {
					case "display":
						if r.h < 170 || r.w < 200 {
							t.Errorf("%v: too small to read the customer display", r)
						}
					case "paper":
						if r.h < 180 || r.w < 200 {
							t.Errorf("%v: too small to read a receipt", r)
						}
					case "wallet", "log":
						if r.h < 150 || r.w < 200 {
							t.Errorf("%v: too small to use", r)
						}
					case "phone", "network": // shown whole when stacked, scrolled in a tab
						if r.h < 100 || r.w < 200 {
							t.Errorf("%v: too small to use", r)
						}
					}
				}
			}
			for _, n := range []string{"terminal", "display", "paper", "status", "wallet", "network", "phone", "log"} {
				if !seen[n] {
					t.Errorf("%s never shown", n)
				}
			}
			e.checkCardsFit()
			e.sim.Sync(func() {
				// the phone at its widest: a scanned QR to pay or decline
				e.sim.qr = &payment.Transaction{ID: "pay_1", Amount: payment.Amount{Minor: 123456, Currency: "EUR"}}
				e.sim.renderPhone()
				for _, c := range []struct {
					name           string
					panel, content fyne.CanvasObject
				}{{"network", e.sim.netPanel, e.sim.net}, {"phone", e.sim.phonePanel, e.sim.phone}} {
					if need, have := c.content.MinSize().Width, c.panel.Size().Width-2*12; need > have {
						t.Errorf("%s needs %.0f wide, has %.0f: cut on the right", c.name, need, have)
					}
				}
			})
		})
	}
}

// chooseTab shows side panel tb by tapping its chip when the world is in
// tabs (a no-op when every panel is shown).
func (e *env) chooseTab(tb tab) {
	e.t.Helper()
	e.drain()
	var label string
	var shown bool
	e.sim.Sync(func() {
		ch := e.sim.chipList[tb]
		label, shown = ch.label.Text, e.sim.chips.Visible() && ch.tap.Visible()
	})
	if !shown {
		return
	}
	e.tap(label)
	e.drain()
	var got tab
	e.sim.Sync(func() { got = e.sim.tab })
	if got != tb {
		e.t.Fatalf("tapped %q: tab %d shown, want %d", label, got, tb)
	}
}

// checkCardsFit checks that the wallet's cards fit the panel and that
// every line of every card fits the card.
func (e *env) checkCardsFit() {
	e.t.Helper()
	e.chooseTab(tabWallet)
	e.sim.Sync(func() {
		view := e.sim.walletW.Size().Width
		scroll := e.sim.walletPanel.Size().Width - 2*12
		if view > scroll+0.5 {
			e.t.Errorf("wallet cards %.0f wide in a panel %.0f wide: cut on the right", view, scroll)
		}
		for _, o := range e.sim.walletW.Objects {
			card, ok := o.(*tappable)
			if !ok {
				continue
			}
			inner := card.Size().Width - 2*cardPadX
			var line []float32
			walk(card.content, func(o fyne.CanvasObject) {
				if t, ok := o.(*canvas.Text); ok {
					w := fyne.MeasureText(t.Text, t.TextSize, t.TextStyle).Width
					line = append(line, w)
					if w > inner {
						e.t.Errorf("card line %q is %.0f wide on a card %.0f wide inside", t.Text, w, inner)
					}
				}
			})
			if len(line) >= 2 && line[0]+line[1]+8 > inner { // brand and last digits share the top row
				e.t.Errorf("card top row %.0f+%.0f on %.0f", line[0], line[1], inner)
			}
			if inner < cardTextMax {
				e.t.Errorf("card %.0f wide inside, under cardTextMax %d", inner, cardTextMax)
			}
		}
	})
}

// TestCardLabelsFit measures every card's words, in both languages,
// against the narrowest card the wallet draws (cardTextMax, which
// TestLayoutFitsSmallScreens checks against the real cards).
func TestCardLabelsFit(t *testing.T) {
	for name, w := range cardLabels {
		for i := range 2 {
			if got := fyne.MeasureText(w.title[i], cardTitleSize, fyne.TextStyle{Bold: true}).Width; got > cardTextMax {
				t.Errorf("%s: title %q is %.0f wide, want ≤ %d", name, w.title[i], got, cardTextMax)
			}
			if got := fyne.MeasureText(w.outcome[i], cardOutcomeSize, fyne.TextStyle{}).Width; got > cardTextMax {
				t.Errorf("%s: outcome %q is %.0f wide, want ≤ %d", name, w.outcome[i], got, cardTextMax)
			}
			if w.title[i] == "" || w.outcome[i] == "" {
				t.Errorf("%s: missing words in language %d", name, i)
			}
		}
	}
	title, _ := cardText(testCards[3], "fr") // a card without words: its description, cut
	if got := fyne.MeasureText(title, cardTitleSize, fyne.TextStyle{Bold: true}).Width; got > cardTextMax || title == testCards[3].Description {
		t.Errorf("fallback title %q (%.0f wide), want the description cut to %d", title, got, cardTextMax)
	}
}

func TestWindowSize(t *testing.T) {
	for _, c := range []struct{ screen, want fyne.Size }{
		{fyne.Size{}, MinWindow},
		{fyne.NewSize(1280, 800), fyne.NewSize(1280, 800)},
		{fyne.NewSize(1366, 768), fyne.NewSize(1366, 768)},
		{fyne.NewSize(1024, 600), MinWindow},
		{fyne.NewSize(2560, 1440), comfortable},
	} {
		if got := WindowSize(c.screen); got != c.want {
			t.Errorf("WindowSize(%v) = %v, want %v", c.screen, got, c.want)
		}
	}
}

func TestCardOrderCoversLabels(t *testing.T) {
	if len(cardOrder) != len(cardLabels) {
		t.Errorf("cardOrder has %d cards, cardLabels %d", len(cardOrder), len(cardLabels))
	}
	for _, n := range cardOrder {
		if _, ok := cardLabels[n]; !ok {
			t.Errorf("%s in cardOrder has no words", n)
		}
	}
	got := sortCards([]simctl.Card{{Name: "zz"}, {Name: "amex"}, {Name: "visa-credit"}})
	if got[0].Name != "visa-credit" || got[1].Name != "amex" || got[2].Name != "zz" {
		t.Errorf("sortCards: %v, want visa-credit, amex, zz", got)
	}
}

// TestTabFollowsThePayment: in a narrow window the wallet comes forward
// when the terminal waits for a card, the phone when it shows a QR code.
func TestTabFollowsThePayment(t *testing.T) {
	e := newEnvAt(t, MinWindow)
	e.chooseTab(tabLog)
	for _, d := range "1200" {
		e.tap(string(d))
	}
	e.tap("Carte")
	e.wait("Présentez la carte")
	e.waitFor(func() bool { var tb tab; e.sim.Sync(func() { tb = e.sim.tab }); return tb == tabWallet }, "the wallet tab")
	e.tap("Visa crédit")
	e.wait("Paiement accepté")
	e.tap("Nouvelle vente")
	for _, d := range "900" {
		e.tap(string(d))
	}
	e.tap("Alipay+")
	e.tap("Afficher le QR code")
	e.wait("QR code scanné")
	e.waitFor(func() bool { var tb tab; e.sim.Sync(func() { tb = e.sim.tab }); return tb == tabPhone }, "the phone tab")
}

// TestNetworkChipShowsOffline: with the world in tabs, the network's chip
// turns red when the switch is off, whichever tab is shown.
func TestNetworkChipShowsOffline(t *testing.T) {
	e := newEnvAt(t, MinWindow)
	e.chooseTab(tabNetwork)
	e.tap("En ligne")
	e.chooseTab(tabWallet)
	var bg any
	e.sim.Sync(func() { bg = e.sim.chipList[tabNetwork].bg.FillColor })
	if bg != colRed {
		t.Fatalf("network chip %v while offline, want red", bg)
	}
}
