//go:build ci

package main

import "fyne.io/fyne/v2"

// screenSize: fyne's test driver has no screen.
func screenSize() (fyne.Size, bool) { return fyne.Size{}, false }
