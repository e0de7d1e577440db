//go:build cgo && !ci

package main

import (
	"github.com/go-gl/glfw/v3.3/glfw"

	"fyne.io/fyne/v2"
)

// titleBar is what a window manager's decorations take off a work area.
const titleBar = 40

// screenSize is the work area of the primary monitor in screen pixels (the
// screen less the desktop's panels), where a new window opens.
//
// fyne has no portable monitor API, but its desktop driver is GLFW, linked
// into this binary and initialised by the first NewWindow: call this after
// it, on the main goroutine (GLFW's monitor calls are main-thread only). It
// works the same under Xvfb (no window manager: the work area is the whole
// screen, nothing to take off) and on a laptop's desktop (the work area
// excludes the panels; a title bar is taken off as well).
func screenSize() (fyne.Size, bool) {
	m := glfw.GetPrimaryMonitor()
	if m == nil {
		return fyne.Size{}, false
	}
	_, _, w, h := m.GetWorkarea()
	if w <= 0 || h <= 0 {
		return fyne.Size{}, false
	}
	if mode := m.GetVideoMode(); mode != nil && (w < mode.Width || h < mode.Height) {
		h -= titleBar // panels, so a window manager, so decorations
	}
	return fyne.NewSize(float32(w), float32(h)), true
}
