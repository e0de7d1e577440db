// Package st7789sim emulates an ST7789 controller and its glass at the wire
// level: a fake periph spi.Port and fake DC, RESET and backlight gpio pins
// feed a decoder of the datasheet's command stream (hardware reset, SWRESET,
// SLPIN/SLPOUT, INVON/INVOFF, DISPON/DISPOFF, COLMOD, MADCTL, CASET, RASET,
// RAMWR, RAMWRC) into a 240×320 frame memory of RGB565 words, exactly as the
// Sitronix ST7789VW datasheet v1.0 describes it (§8.12 memory map, §9.1.28
// MADCTL address mapping, §8.4 4-line serial interface).
//
// Snapshot returns what a person in front of the glass sees: the visible
// part of the frame memory, turned the way MADCTL turns it, black while the
// display is off, asleep or the backlight is off. Frame memory powers up
// with noise, as real chips do, so a driver that forgets to clear it shows.
//
// The port refuses transfers longer than its MaxTxSize (4096 bytes, the Linux
// spidev default) and the controller records timing mistakes (a command less
// than 5 ms after a reset or SLPOUT, SLPOUT less than 120 ms after a reset)
// in Violations, so tests catch what only fails on real hardware.
//
// Wiring in tests and in the simulator:
//
//	c := st7789sim.New(nil)
//	dev, err := st7789.New(c, c.DC(), c.RST(), c.Backlight(), nil)
//	dev.Show(ctx, frame)
//	img := c.Snapshot()
package st7789sim
