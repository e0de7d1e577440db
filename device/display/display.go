package display

import (
	"context"
	"errors"
	"image"
)

// Screen shows full frames. Drivers may send only what changed.
type Screen interface {
	Show(ctx context.Context, img image.Image) error
	// Bounds is the visible area in pixels, origin at 0,0.
	Bounds() image.Rectangle
	String() string
	Halt() error
}

// ErrDisplay means the display could not be driven.
var ErrDisplay = errors.New("display: failure")
