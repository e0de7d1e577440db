package sim

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"io"
	"log/slog"

	"tpe/device/display"
	"tpe/drivers/st7789"
	"tpe/drivers/st7789/st7789sim"
)

// DisplayOpts configures NewDisplay. nil means a 240×320 panel, upright.
type DisplayOpts struct {
	// Width and Height of the glass in portrait: 240×320 (default),
	// 240×240 or 135×240.
	Width, Height int
	// Rotation turns the picture clockwise: 0, 90, 180 or 270.
	Rotation st7789.Rotation
	// Logger is passed to the driver; discarded by default.
	Logger *slog.Logger
}

// Display is an emulated ST7789 panel (st7789sim) driven by the real st7789
// driver over a fake SPI port and fake DC/RST/backlight pins. It is itself a
// display.Screen: Show goes through the driver, Snapshot shows what the
// emulated glass shows.
//
// The driver's power-up sequence waits ~135 ms (datasheet reset timing), so
// NewDisplay runs it in the background; Show waits for it.
type Display struct {
	ctl    *st7789sim.Controller
	dev    *st7789.Dev
	bounds image.Rectangle
	ready  chan struct{}
	err    error
}

var _ display.Screen = (*Display)(nil)

// NewDisplay builds the emulated panel and starts the driver's init.
func NewDisplay(o *DisplayOpts) (*Display, error) {
	var opts DisplayOpts
	if o != nil {
		opts = *o
	}
	if opts.Width == 0 && opts.Height == 0 {
		opts.Width, opts.Height = 240, 320
	}
	switch {
	case opts.Width == 240 && (opts.Height == 320 || opts.Height == 240), opts.Width == 135 && opts.Height == 240:
	default:
		return nil, fmt.Errorf("sim: display: %w: %dx%d (want 240x320, 240x240 or 135x240)", st7789.ErrGeometry, opts.Width, opts.Height)
	}
	b := image.Rect(0, 0, opts.Width, opts.Height)
	switch opts.Rotation {
	case st7789.Rot0, st7789.Rot180:
	case st7789.Rot90, st7789.Rot270:
		b = image.Rect(0, 0, opts.Height, opts.Width)
	default:
		return nil, fmt.Errorf("sim: display: %w: rotation %d", st7789.ErrGeometry, opts.Rotation)
	}
	ctl := st7789sim.New(&st7789sim.Opts{Width: opts.Width, Height: opts.Height})
	d := &Display{ctl: ctl, bounds: b, ready: make(chan struct{})}
	go func() {
		defer close(d.ready)
		d.dev, d.err = st7789.New(ctl, ctl.DC(), ctl.RST(), ctl.Backlight(), &st7789.Opts{
			Width: opts.Width, Height: opts.Height, Rotation: opts.Rotation, Logger: opts.Logger})
		if d.err != nil {
			d.err = fmt.Errorf("sim: display: %w", d.err)
		}
	}()
	return d, nil
}

// Ready waits for the driver's init and returns its error.
func (d *Display) Ready(ctx context.Context) error {
	select {
	case <-d.ready:
		return d.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Show sends img through the st7789 driver to the emulated controller.
func (d *Display) Show(ctx context.Context, img image.Image) error {
	if err := d.Ready(ctx); err != nil {
		return err
	}
	return d.dev.Show(ctx, img)
}

// Bounds is the visible area after rotation.
func (d *Display) Bounds() image.Rectangle { return d.bounds }

// String names the emulated panel.
func (d *Display) String() string {
	return fmt.Sprintf("sim display st7789sim %dx%d", d.bounds.Dx(), d.bounds.Dy())
}

// Halt halts the driver: display off, controller asleep.
func (d *Display) Halt() error {
	<-d.ready
	if d.dev == nil {
		return d.err
	}
	return d.dev.Halt()
}

// Snapshot is what the emulated glass shows now.
func (d *Display) Snapshot() *image.RGBA { return d.ctl.Snapshot() }

// WritePNG writes Snapshot as PNG (for /v1/sim/display.png).
func (d *Display) WritePNG(w io.Writer) error { return d.ctl.WritePNG(w) }

// PNG returns Snapshot as PNG bytes.
func (d *Display) PNG() ([]byte, error) {
	var b bytes.Buffer
	if err := d.ctl.WritePNG(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Controller is the emulated chip, for byte counts and register state.
func (d *Display) Controller() *st7789sim.Controller { return d.ctl }

// Stats are the emulated controller's counters (bytes, pixels, transfers).
func (d *Display) Stats() st7789sim.Stats { return d.ctl.Stats() }

// Violations lists datasheet rules the driver broke; empty in a healthy run.
func (d *Display) Violations() []error { return d.ctl.Violations() }
