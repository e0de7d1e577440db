package simulator

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
)

// The terminal's screen is the product's: 1024×600, the cashier UI is
// designed for it and is never scaled or squeezed; the world around it
// takes what the window leaves.
const (
	screenW, screenH = 1024, 600
	bezel            = 8
	termW, termH     = screenW + 2*bezel, screenH + 2*bezel
	gap              = 6
	// logBelowMin is the height under the terminal from which the event
	// log sits there; below it the log is one of the side tabs.
	logBelowMin = 150
	// twoColsMin is the width beside the terminal from which the world
	// (cards, network, phone) and the devices (display, paper) get a column
	// each; below it they share one column, the world in tabs.
	twoColsMin = 2*240 + gap
)

// MinWindow is the smallest window the layout keeps whole: the terminal,
// the customer display, the paper roll and the side tabs at 1280×720.
var MinWindow = fyne.NewSize(1280, 720)

// comfortable is the window size at which every panel is shown at once
// with room to spare (two side columns, the log under the terminal).
var comfortable = fyne.NewSize(1720, 940)

// WindowSize is the size the window opens at on a screen (or work area)
// of the given size: comfortable when it fits, else the screen itself but
// never under MinWindow. A zero screen (unknown) gives MinWindow, which
// fits every laptop and Xvfb's default.
func WindowSize(screen fyne.Size) fyne.Size {
	if screen.Width <= 0 || screen.Height <= 0 {
		return MinWindow
	}
	return fyne.NewSize(max(MinWindow.Width, min(screen.Width, comfortable.Width)), max(MinWindow.Height, min(screen.Height, comfortable.Height)))
}

// tab is a side panel shown one at a time when the window is narrow.
type tab int

const (
	tabWallet tab = iota
	tabNetwork
	tabPhone
	tabLog
	nTabs
)

// desk lays the simulator out for the window's size. Every panel is a
// direct child placed here: the layout hides and shows panels instead of
// moving them between containers.
type desk struct {
	s *Sim
	// where the last Layout put things, for tests and for the chips
	two, logBelow bool
}

type deskRegion struct {
	term, display, paper, chips, status fyne.CanvasObject
	panels                              [nTabs]fyne.CanvasObject
}

func (s *Sim) regions() deskRegion {
	return deskRegion{term: s.termPanel, display: s.dispPanel, paper: s.paperPanel, chips: s.chips, status: s.status,
		panels: [nTabs]fyne.CanvasObject{s.walletPanel, s.netPanel, s.phonePanel, s.logPanel}}
}

func (d *desk) MinSize([]fyne.CanvasObject) fyne.Size {
	return fyne.NewSize(termW+2*gap+200, termH+2*gap)
}

func place(o fyne.CanvasObject, x, y, w, h float32) {
	o.Move(fyne.NewPos(x, y))
	o.Resize(fyne.NewSize(max(w, 0), max(h, 0)))
	o.Show()
}

func (d *desk) Layout(_ []fyne.CanvasObject, size fyne.Size) {
	s := d.s
	r := s.regions()
	side := size.Width - termW - 3*gap
	below := size.Height - termH - 3*gap
	d.two = side >= twoColsMin
	d.logBelow = below >= logBelowMin

	var termX, worldX, worldW, devX, devW float32
	if d.two {
		worldW = min(max((side-gap)*0.45, 240), 320)
		devW = min(side-gap-worldW, 420)
		x := gap + (side-gap-worldW-devW)/2 // centre what is left over
		worldX, termX, devX = x, x+worldW+gap, x+worldW+gap+termW+gap
	} else {
		termX, devX, devW = gap, gap+termW+gap, side
	}
	termY := float32(gap)
	if !d.logBelow {
		termY = max(gap, (size.Height-termH)/2)
	}
	place(r.term, termX, termY, termW, termH)
	if d.logBelow {
		y := termY + termH + gap
		place(r.panels[tabLog], termX, y, termW, size.Height-gap-y)
	}

	// the devices: customer display above the paper roll
	h := size.Height - 2*gap
	var dispH float32
	if d.two {
		dispH = min(h*0.45, 400)
	} else {
		dispH = min(max(h*0.28, 180), 300)
	}
	place(r.display, devX, gap, devW, dispH)
	var tabsH float32 // the world's tabs share the column when there is one
	if !d.two {
		tabsH = min(max(h*0.42, 280), 420)
	}
	paperY := gap + dispH + gap
	paperH := h - dispH - gap
	if tabsH > 0 {
		paperH -= tabsH + gap
	}
	s.setPaperWidth(devW)
	place(r.paper, devX, paperY, devW, paperH)

	statusH := fyne.MeasureText("Ag", s.status.TextSize, s.status.TextStyle).Height
	if d.two && d.logBelow {
		// one column of the world, every panel shown: the network and
		// the phone at their size, the cards in the rest
		r.chips.Hide()
		y := float32(gap)
		bottom := size.Height - gap - statusH
		netH := sectionChrome() + s.net.MinSize().Height
		phoneH := sectionChrome() + s.phone.MinSize().Height
		walletH := bottom - y - netH - phoneH - 2*gap
		place(r.panels[tabWallet], worldX, y, worldW, walletH)
		place(r.panels[tabNetwork], worldX, y+walletH+gap, worldW, netH)
		place(r.panels[tabPhone], worldX, y+walletH+gap+netH+gap, worldW, phoneH)
		s.placeStatus(worldX+4, bottom, worldW-4, statusH)
		return
	}
	// tabs: chips to choose the panel, the chosen one under them
	x, y, w := worldX, float32(gap), worldW
	bottom := size.Height - gap - statusH
	if !d.two {
		x, y, w = devX, paperY+paperH+gap, devW
	}
	s.layoutChips(w)
	chipsH := r.chips.MinSize().Height
	place(r.chips, x, y, w, chipsH)
	if !d.logBelow || s.tab != tabLog {
		s.tabOK()
	}
	for t := range nTabs {
		if t == tabLog && d.logBelow {
			continue
		}
		if t == s.tab {
			place(r.panels[t], x, y+chipsH+gap, w, bottom-y-chipsH-2*gap)
		} else {
			r.panels[t].Hide()
		}
	}
	s.placeStatus(x+4, bottom, w-4, statusH)
}

func (s *Sim) placeStatus(x, y, w, h float32) {
	place(s.status, x, y, w, h)
	if w != s.statusW {
		s.statusW = w
		s.fitStatus()
	}
}

// sectionChrome is the height a section adds to its content: its padding
// and its title.
func sectionChrome() float32 {
	return 2*sectionPad + text("X", sectionTitleSize, colMuted, true).MinSize().Height + theme.Padding()
}

// chip is a tab's handle: a small labelled button, blue when chosen.
type chip struct {
	t     tab
	bg    *canvas.Rectangle
	label *canvas.Text
	tap   *tappable
}

const (
	chipTextSize = 12
	chipH        = 28
	chipGap      = 4
)

func (s *Sim) newChips() *fyne.Container {
	keys := [nTabs]string{"wallet.tab", "network.tab", "phone.tab", "events.tab"}
	c := container.New(&chipsLayout{s: s})
	for t := range nTabs {
		ch := &chip{t: t, bg: canvas.NewRectangle(colPanel), label: text(s.t(keys[t]), chipTextSize, colInk, true)}
		ch.bg.CornerRadius = 8
		ch.label.Alignment = fyne.TextAlignCenter
		ch.tap = newTappable(container.NewStack(ch.bg, container.NewCenter(ch.label)), s.tap(func() { s.choose(t) }))
		s.chipList[t] = ch
		c.Add(ch.tap)
	}
	return c
}

// choose shows side tab t.
func (s *Sim) choose(t tab) {
	if t == s.tab {
		return
	}
	s.tab = t
	s.paintChips()
	if s.chips.Visible() { // else every panel is shown: nothing moves
		s.deskC.Refresh()
	}
}

func (s *Sim) paintChips() {
	for _, ch := range s.chipList {
		if ch == nil {
			continue
		}
		bg, fg := colPanel, colInk
		switch {
		case ch.t == s.tab:
			bg, fg = colBlue, colWhite
		case ch.t == tabNetwork && s.offline:
			bg, fg = colRed, colWhite // the switch is off, even with its tab hidden
		}
		ch.bg.FillColor, ch.label.Color = bg, fg
		ch.bg.Refresh()
		ch.label.Refresh()
	}
}

// tabOK moves off the log tab when the log sits under the terminal.
func (s *Sim) tabOK() {
	if s.desk.logBelow && s.tab == tabLog {
		s.tab = tabWallet
	}
	s.paintChips()
}

// chipsLayout puts the visible chips on as few rows as their labels allow
// in the width the desk gives (chipW).
type chipsLayout struct{ s *Sim }

func (l *chipsLayout) grid(objs []fyne.CanvasObject) (cols, rows int) {
	var vis []fyne.CanvasObject
	widest := float32(0)
	for i, o := range objs {
		if !o.Visible() {
			continue
		}
		vis = append(vis, o)
		widest = max(widest, l.s.chipList[i].label.MinSize().Width)
	}
	n := len(vis)
	if n == 0 {
		return 1, 0
	}
	cols = n
	for cols > 1 && (l.s.chipW-float32(cols-1)*chipGap)/float32(cols) < widest+6 {
		cols--
	}
	return cols, (n + cols - 1) / cols
}

func (l *chipsLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	_, rows := l.grid(objs)
	return fyne.NewSize(0, float32(rows)*chipH+float32(max(rows-1, 0))*chipGap)
}

func (l *chipsLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	cols, _ := l.grid(objs)
	w := (size.Width - float32(cols-1)*chipGap) / float32(cols)
	i := 0
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		o.Move(fyne.NewPos(float32(i%cols)*(w+chipGap), float32(i/cols)*(chipH+chipGap)))
		o.Resize(fyne.NewSize(w, chipH))
		i++
	}
}

// layoutChips readies the chips for width w: the log's chip only when
// the log is a tab.
func (s *Sim) layoutChips(w float32) {
	s.chipW = w
	if s.desk.logBelow {
		s.chipList[tabLog].tap.Hide()
	} else {
		s.chipList[tabLog].tap.Show()
	}
}

// aspect lays its objects out at the largest size of ratio w:h that fits,
// centred: the customer display keeps its panel's proportions.
type aspect struct{ w, h float32 }

func (a aspect) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(a.w/4, a.h/4) }

func (a aspect) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	k := min(size.Width/a.w, size.Height/a.h)
	w, h := a.w*k, a.h*k
	for _, o := range objs {
		o.Move(fyne.NewPos((size.Width-w)/2, (size.Height-h)/2))
		o.Resize(fyne.NewSize(w, h))
	}
}

// lcd is the customer display in its bezel, as big as the panel allows.
func lcd(img *canvas.Image) fyne.CanvasObject {
	frame := canvas.NewRectangle(colBezel)
	frame.CornerRadius = 12
	const pad = 10
	return container.New(aspect{240 + 2*pad, 320 + 2*pad}, container.NewStack(frame,
		container.New(layout.NewCustomPaddedLayout(pad, pad, pad, pad), img)))
}
